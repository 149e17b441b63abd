package eligibility

import (
	"sort"
	"strings"
)

// conditionParts are the diagnoses one criterion names, split by what they do to
// the patient: one of Require must be present; none of Exclude may be.
type conditionParts struct {
	require, exclude []Code
}

// extractConditions finds the diagnoses named in one criterion and decides, with
// the section, negation and scope, whether each is required or excluding.
func extractConditions(lower string, toks []token, capsOK bool, sec Section, parent string) conditionParts {
	v := loadVocabulary()
	var parts conditionParts
	parentNeg := parent != "" && strings.HasPrefix(strings.ToLower(parent), "no ")
	// items under "clinical symptoms seen in patients with X, defined as any of
	// the following:" describe how X shows, they are not diagnoses to require
	parentSymptoms := parent != "" && containsAny(strings.ToLower(parent), parentSymptomCues)
	if strings.HasPrefix(lower, "note") || strings.HasPrefix(lower, "n.b") || strings.HasPrefix(lower, "nb:") {
		return parts // a note to the investigator, not a criterion
	}
	prevTo, prevSkipped := -10, false
	lastEnd := -10            // where the previous match ended (prevTo, before it moves on)
	seen := map[string]bool{} // the first mention of a code decides its polarity
	for _, m := range withSharedHeads(v.index, toks, capsOK, v.index.findAll(toks, capsOK, nil)) {
		if ids := senseFiltered(v, toks, m); len(ids) < len(m.ids) {
			if len(ids) == 0 { // "ST-segment depression", "stroke volume": another sense
				prevTo, prevSkipped = m.to, true
				continue
			}
			m.ids = ids
		}
		at := toks[m.from].start
		c := v.conditions[m.ids[0]]
		afterPrev := m.from >= prevTo && m.from-prevTo <= 2 && onlyBrackets(toks[prevTo:m.from])
		// "COVID-19 compatible pneumonia": the second is how the first shows
		attributed := m.from == prevTo+1 && attributionWords[toks[prevTo].key]
		lastEnd = prevTo
		prevTo = m.to
		if attributed && sec == Inclusion {
			continue
		}
		if c.ICD10 == "B99" && (afterPrev || listHeadAfter(toks, lastEnd, m.from)) {
			// "HIV (human immunodeficiency virus) infection", "hepatitis B or C
			// infection": the infection is the one just named
			continue
		}
		// an abbreviation in brackets shares the fate of the name before it
		if afterPrev && prevSkipped {
			continue
		}
		prevSkipped = true
		if inException(lower, at) || permitted(lower, at) || explanatory(lower, at) {
			continue
		}
		cs := clauseStart(lower, at)
		before := lower[cs:at]
		near := lower[max(0, at-40):at]
		if containsAny(before, otherPersonCues) || relativeAfter(lower, toks[m.to-1].end) || containsAny(near, riskCues) || containsAny(before, bothResultsCues) {
			continue
		}
		if sec == Inclusion && suspected(lower, at, toks[m.to-1].end) {
			continue // "referred to exclude PE", "suspected DVT": the patient need not have it, nor lack it
		}
		if sec == Exclusion && anchoredEvent(toks, m.from) {
			continue // "MI before the pulmonary embolism": the trial's index event, not an exclusion
		}
		if sec == Inclusion && (containsAny(lower[max(0, at-maxScope):at], inclusionContextCues) || symptomContext(lower, at) || parentSymptoms ||
			conditionalGroup(lower, at) || conditionalSubject(lower, m.to, toks)) {
			continue
		}
		if after := max(m.to, m.headEnd); after < len(toks) && modifierNouns[toks[after].key] && !positiveMarker(lower, toks, after) {
			continue
		}
		if c.ICD10 == "T78" && allergyToAgent(lower, toks, m.to) {
			continue
		}
		prevSkipped = false
		neg := negatedAt(lower, toks, m.from, m.to) || parentNeg
		excluding := (sec == Exclusion) != neg
		if sec == Inclusion && statesExclusion(lower, at) {
			excluding = !neg // "a patient with any X ... is not eligible"
		}
		for _, id := range m.ids {
			code := v.conditions[id].Code
			if seen[code.ICD10] {
				continue
			}
			seen[code.ICD10] = true
			if excluding {
				parts.exclude = appendCode(parts.exclude, code)
			} else {
				parts.require = appendCode(parts.require, code)
			}
		}
	}
	return parts
}

// attributionWords between two diagnoses make the second a finding read as the
// first ("COVID-19 compatible pneumonia" on CT); inclusion then requires the
// first, while the second only describes it. "HIV associated lymphoma" is left
// alone: there both are diagnoses the patient has.
var attributionWords = map[string]bool{"compatible": true, "consistent": true}

// explanatory reports whether offset at lies in a sentence that explains rather
// than states a criterion ("Since the drug is used in HIV patients, ...").
func explanatory(lower string, at int) bool {
	s, _ := sentenceBounds(lower, at)
	if s == 0 {
		return false
	}
	head := strings.TrimLeft(lower[s:at], " ")
	for _, p := range []string{"since ", "because ", "the effect", "this is ", "we ", "it is ", "as ", "rationale", "note", "the reason", "there is", "these "} {
		if strings.HasPrefix(head, p) {
			return true
		}
	}
	return false
}

// allergyToAgent: "allergy to penicillin", "hypersensitivity to any component"
// is a drug precaution, not an allergic disease.
func allergyToAgent(lower string, toks []token, to int) bool {
	for j := to; j < len(toks) && j < to+6; j++ {
		switch toks[j].key {
		case "to", "against", "attributed", "toward", "towards":
			return true
		}
	}
	return false
}

func appendCode(s []Code, c Code) []Code {
	for _, x := range s {
		if x.ICD10 == c.ICD10 {
			return s
		}
	}
	return append(s, c)
}

// listHeadAfter: the tokens between the previous match (ending at prevEnd) and
// from are a connector and one list item ("hepatitis B or C infection"), so the
// match at from is the head the items share.
func listHeadAfter(toks []token, prevEnd, from int) bool {
	if prevEnd < 0 || from-prevEnd < 2 || from-prevEnd > 3 {
		return false
	}
	conn, words := false, 0
	for _, t := range toks[prevEnd:from] {
		switch {
		case t.key == "or" || t.key == "and" || t.key == ",":
			conn = true
		case t.punct:
			return false
		default:
			words++
		}
	}
	return conn && words == 1 && len(toks[from-1].key) <= 2
}

// onlyBrackets: the tokens between two mentions are brackets at most, so the
// second restates the first ("HIV (human immunodeficiency virus) infection").
func onlyBrackets(gap []token) bool {
	for _, t := range gap {
		if t.key != "(" && t.key != ")" && t.key != "[" && t.key != "]" {
			return false
		}
	}
	return true
}

// withSharedHeads adds the conditions that a list names by sharing the last
// words of its final item: "hepatic or renal impairment" also names hepatic
// impairment, "type 1 or type 2 diabetes" type 1 diabetes, "cardiac,
// respiratory or renal insufficiency" all three. Only phrases that are in the
// vocabulary on their own are added, so "severe or renal impairment" adds
// nothing. The result stays ordered by position.
func withSharedHeads(x *phraseIndex, toks []token, capsOK bool, ms []phraseMatch) []phraseMatch {
	var extra []phraseMatch
	var buf [8]token
	for _, m := range ms {
		n := m.to - m.from
		if n < 2 || n > 6 {
			continue
		}
		for k := 1; k <= 2 && k < n; k++ {
			head := toks[m.from+k : m.to]
			end := m.from // the list item being extended ends here
			for items := 0; items < 4; items++ {
				p := end - 1
				sawConnector := false
				for p >= 0 && (toks[p].key == "," || toks[p].key == "or" || toks[p].key == "and") {
					sawConnector = true
					p--
				}
				if p >= 0 && toks[p].key == ")" { // skip "(including asthma)"
					q := p - 1
					for q >= 0 && p-q <= 6 && toks[q].key != "(" && !toks[q].punct {
						q--
					}
					if q < 0 || toks[q].key != "(" {
						break
					}
					p = q - 1
					for p >= 0 && (toks[p].key == "," || toks[p].key == "or" || toks[p].key == "and") {
						sawConnector = true
						p--
					}
				}
				if !sawConnector || p < 0 || toks[p].punct {
					break
				}
				found := false
				for j := 1; j <= k && p-j+1 >= 0; j++ {
					pre := toks[p-j+1 : p+1]
					if anyPunct(pre) || len(pre)+len(head) > len(buf) {
						break
					}
					syn := append(append(buf[:0], pre...), head...)
					if to, ids, ok := x.find(syn, 0, capsOK); ok && to == len(syn) {
						extra = append(extra, phraseMatch{from: p - j + 1, to: p + 1, ids: ids, headEnd: m.to})
						end, found = p-j+1, true
						break
					}
				}
				if !found {
					break
				}
			}
		}
	}
	if len(extra) == 0 {
		return ms
	}
	out := make([]phraseMatch, 0, len(ms)+len(extra))
	out = append(out, ms...)
	for _, e := range extra {
		dup := false
		for _, o := range out {
			if o.from <= e.from && e.from < o.to && sameIDs(o.ids, e.ids) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].from < out[j].from })
	return out
}

func anyPunct(ts []token) bool {
	for _, t := range ts {
		if t.punct {
			return true
		}
	}
	return false
}

func sameIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// symptomContext: an inclusion criterion that names a condition after "symptoms
// seen in", "due to" or "caused by" makes it context, unless a diagnosis is
// stated in between ("applied with symptoms ..., and patients diagnosed with X").
func symptomContext(lower string, at int) bool {
	s, _ := sentenceBounds(lower, at) // a cue in an earlier sentence or ";" item does not reach
	seg := lower[s:at]
	last := -1
	for _, c := range nearContextCues {
		if i := strings.LastIndex(seg, c); i > last {
			last = i
		}
	}
	if last < 0 {
		return false
	}
	return !containsAny(seg[last:], []string{"diagnos", "confirmed"})
}

// parentSymptomCues in the heading item of a sub-list make its items manifestations.
var parentSymptomCues = []string{"symptoms", "manifestation", "morbidity", "clinical features"}

// bothResultsCues: a test named with both results ("tested positive or negative
// for X") is about testing, not about having X.
var bothResultsCues = []string{"positive or negative", "negative or positive", "positive and negative", "positive and/or negative"}

// exclusionVerdicts, ending a sentence in an inclusion list, turn it into an
// exclusion ("patients with any gastrointestinal disease ... are not eligible").
var exclusionVerdicts = []string{"not eligible", "ineligible", "will be excluded", "are excluded", "is excluded", "be excluded", "not be enrolled", "not be included"}

// statesExclusion: the sentence after the condition gives a verdict of
// exclusion, or refuses permission ("... are not permitted").
func statesExclusion(lower string, at int) bool {
	_, e := sentenceBounds(lower, at)
	tail := lower[at:e]
	if containsAny(tail, notExcludedCues) {
		return false // "will not be excluded" grants permission
	}
	return verdictIn(tail, exclusionVerdicts) || refused(tail)
}

// positiveMarker: "positive for hepatitis B surface antigen" reports the
// infection itself, though a marker's name follows the condition.
func positiveMarker(lower string, toks []token, after int) bool {
	switch toks[after].key {
	case "surface", "antigen", "antibody", "antibodie", "serology", "test":
	default:
		return false
	}
	at := toks[after].start
	cs := clauseStart(lower, at)
	end := min(len(lower), toks[after].end+40)
	return strings.Contains(lower[cs:at], "positive") || strings.Contains(lower[at:end], "positive") && !strings.Contains(lower[at:end], "negative")
}
