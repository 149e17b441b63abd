package eligibility

import "strings"

// Negation and scope. A condition named in a criterion can be what the criterion
// is about ("history of stroke"), negated ("no history of stroke", "HIV
// negative"), or outside its scope: an exception ("other than basal cell
// carcinoma"), a permission ("patients with vitiligo are permitted"), someone
// else's ("family history of"), or a risk rather than a diagnosis ("at risk of").

var negationCues = map[string]bool{"no": true, "not": true, "without": true, "absence": true, "absent": true,
	"never": true, "deny": true, "denie": true, "none": true, "lack": true, "neither": true, "nor": true, "free": true, "exclude": true}

var exceptionCues = []string{"except", "other than", "excluding", "with the exception", "apart from", "aside from",
	"besides", "unless", "but not", "not including", "excepting", "exception of", "exceptions", "with exception"}

var permissionCues = []string{"permitted", "allowed", "are eligible", "is eligible", "be eligible", "may be enrolled", "may be included",
	"can be included", "may participate", "can participate", "will be considered", "acceptable", "may enroll", "may be enrolled",
	"are not excluded", "is not excluded", "may be eligible", "can be enrolled", "will not be excluded", "can enroll", "are included", "are permitted"}

var otherPersonCues = []string{"family history", "first degree relative", "first-degree relative", "family member", "relatives",
	"household member", "household contact", "mother had", "mother has", "maternal", "partner", "parent with", "sibling"}

// relativeNouns after "in a" make a condition someone else's: "bipolar
// disorder in a first-degree relative", "schizophrenia in a parent or sibling".
var relativeNouns = []string{"relative", "family member", "parent", "sibling", "mother", "father", "brother", "sister", "grandparent",
	"first degree", "first-degree", "offspring"}

// relativeAfter reports whether the rest of the clause after offset end says
// the condition is a relative's: "... in a first-degree relative", also for each
// item of a list ("bipolar disorder or schizophrenia in a parent").
func relativeAfter(lower string, end int) bool {
	w := lower[end:min(len(lower), end+80)]
	if i := strings.IndexAny(w, ";.:("); i >= 0 {
		w = w[:i]
	}
	// a comma ends the reach unless what precedes it is just the next list item:
	// "heart failure in the past, or heart disease in a relative"
	for off := 0; ; {
		i := strings.IndexByte(w[off:], ',')
		if i < 0 {
			break
		}
		if seg := " " + w[off:off+i] + " "; containsAny(seg, clauseWords) {
			w = w[:off+i]
			break
		}
		off += i + 1
	}
	for _, p := range []string{" in a ", " in an ", " in any ", " in ", " among ", " affecting a "} {
		for off := 0; ; {
			i := strings.Index(w[off:], p)
			if i < 0 {
				break
			}
			rest := w[off+i+len(p):]
			for _, r := range relativeNouns {
				// whole words: "in a parent", not "in parenteral nutrition"
				if strings.HasPrefix(rest, r) && (len(rest) == len(r) || !isLetter(rest[len(r)]) || rest[len(r)] == 's') {
					return true
				}
			}
			off += i + 1
		}
	}
	return false
}

// clauseWords mark a new statement about the patient rather than a list item.
var clauseWords = []string{" in ", " the ", " past ", " within ", " history ", " since ", " during ", " current", " previous", " prior ", " with "}

// riskCues, just before a condition, make it something other than a diagnosis of
// the patient ("at risk of TB", "prevention of mother-to-child transmission").
var riskCues = []string{"risk of", "risk for", "at risk", "prevention of", "prevent ", "prophylaxis", "vaccin", "screening for",
	"suspicious for", "rule out", "ruled out", "exposure to", "exposed to", "transmission", "precaution", "counseling", "counselling",
	"endemic", "with/without", "with or without", "tested for", "test for", "testing for", "risk factor", "probability of", "likelihood of",
	"positive or negative", "negative or positive"}

// inclusionContextCues, anywhere earlier in an inclusion criterion, make later
// conditions optional context rather than requirements ("increased probability
// of CAD due to either diabetes or hypertension", "symptoms seen in patients with").
var inclusionContextCues = []string{"risk factor", "probability of", "likelihood of", "such as", "e.g", "regardless", "irrespective of", "whether or not"}

// nearContextCues do the same unless a diagnosis is stated between the cue and
// the condition (see symptomContext).
var nearContextCues = []string{"due to", "because of", "symptoms", "caused by"}

// modifierNouns after a condition name make it a modifier ("COVID-19 test",
// "hepatitis B surface antigen", "Eczema Area and Severity Index").
var modifierNouns = map[string]bool{"test": true, "testing": true, "tested": true, "antigen": true, "surface": true, "serology": true,
	"status": true, "screening": true, "vaccine": true, "vaccination": true, "app": true, "gene": true, "symptom": true,
	"pandemic": true, "outbreak": true, "area": true, "index": true, "score": true, "scale": true, "questionnaire": true,
	"related": true, "ward": true, "unit": true, "clinic": true, "program": true, "programme": true, "service": true, "team": true,
	"medication": true, "drug": true, "treatment": true, "therapy": true, "guideline": true, "diagnosis": true, "scheme": true, "center": true, "centre": true, "cohort": true, "registry": true,
	"inventory": true, "department": true, "specialist": true, "nurse": true, "hospital": true, "society": true, "association": true,
	"endemic": true, "chemotherapy": true, "radiotherapy": true, "immunotherapy": true, "surgery": true, "trial": true, "study": true}

// maxScope bounds how far negation, exception and permission cues reach (bytes).
const maxScope = 400

// clauseStart returns the start of the clause holding byte offset at: after the
// last '.', ';', ':' or contrastive word before it.
func clauseStart(lower string, at int) int {
	// clauses longer than this are not clauses; the bound keeps parsing linear
	start := max(0, at-maxScope)
	for i := at - 1; i >= start; i-- {
		c := lower[i]
		if c == ';' || c == ':' || c == '\n' || c == '.' && i+1 < len(lower) && lower[i+1] == ' ' && !(i > 0 && isDigit(lower[i-1])) {
			start = i + 1
			break
		}
	}
	seg := lower[start:at]
	for _, w := range []string{" but ", " however", " although", " whereas", " unless "} {
		if i := strings.LastIndex(seg, w); i >= 0 && start+i > start {
			start = start + i + len(w)
			seg = lower[start:at]
		}
	}
	return start
}

// sentenceBounds returns the sentence (between '.', ';' or line ends) around at.
func sentenceBounds(lower string, at int) (int, int) {
	start := max(0, at-maxScope)
	for i := at - 1; i >= start; i-- {
		c := lower[i]
		if c == ';' || c == '\n' || c == '.' && i+1 < len(lower) && lower[i+1] == ' ' && !(i > 0 && isDigit(lower[i-1])) || spacedDash(lower, i) {
			start = i + 1
			break
		}
	}
	end := min(len(lower), at+maxScope)
	for i := at; i < end; i++ {
		c := lower[i]
		if c == ';' || c == '\n' || c == '.' && (i+1 == len(lower) || lower[i+1] == ' ') && !(i > 0 && isDigit(lower[i-1]) && i+1 < len(lower) && isDigit(lower[i+1])) || spacedDash(lower, i) {
			end = i
			break
		}
	}
	return start, end
}

// spacedDash reports whether lower[i] is a dash set between words with spaces,
// which joins two sentences ("… to control symptoms - subjects with inactive
// metastases may be included"); "18 - 65" is a range, not a break.
func spacedDash(lower string, i int) bool {
	return lower[i] == '-' && i >= 2 && i+2 < len(lower) && lower[i-1] == ' ' && lower[i+1] == ' ' &&
		isLetter(lower[i-2]) && isLetter(lower[i+2])
}

func containsAny(s string, cues []string) bool {
	for _, c := range cues {
		if strings.Contains(s, c) {
			return true
		}
	}
	return false
}

// containsWordAny is containsAny where each cue must start at a word boundary
// ("acceptable" is not found in "unacceptable").
func containsWordAny(s string, cues []string) bool {
	for _, c := range cues {
		for off := 0; ; {
			i := strings.Index(s[off:], c)
			if i < 0 {
				break
			}
			i += off
			if i == 0 || !isLetter(s[i-1]) {
				return true
			}
			off = i + 1
		}
	}
	return false
}

// inException reports whether offset at lies after an exception cue in its sentence
// ("... other than MDS", "except nonmelanoma skin cancer").
func inException(lower string, at int) bool {
	s, _ := sentenceBounds(lower, at)
	seg := lower[s:at]
	if !containsAny(seg, exceptionCues) {
		return false
	}
	// "including but not limited to" introduces examples, not exceptions
	if strings.Contains(seg, "but not limited") {
		return containsAny(strings.ReplaceAll(seg, "but not limited", ""), exceptionCues)
	}
	return true
}

// permitted reports whether the sentence around at grants permission rather than
// stating a requirement ("Subjects with vitiligo ... are permitted to enroll").
// A refused permission ("are not permitted", "will not be eligible") is the
// opposite: the condition excludes.
func permitted(lower string, at int) bool {
	s, e := sentenceBounds(lower, at)
	sent := lower[s:e]
	if !containsWordAny(sent, permissionCues) {
		return false
	}
	return !refused(sent) || containsAny(sent, notExcludedCues)
}

// refusalCues deny a permission: "X is not allowed", "X will not be eligible",
// "patients with X may not participate". In either section they make X an exclusion.
var refusalCues = []string{"not permitted", "not be permitted", "not allowed", "not be allowed", "not eligible", "not be eligible",
	"not acceptable", "not be accepted", "may not participate", "cannot participate", "can not participate", "may not take part",
	"cannot take part", "may not enroll", "may not enrol", "cannot enroll", "cannot enrol", "can not enroll", "may not be enrolled",
	"cannot be enrolled", "can not be enrolled", "may not be included", "cannot be included", "can not be included",
	"not be considered for", "are prohibited", "is prohibited", "not be recruited", "cannot be recruited"}

// notExcludedCues grant permission through a double negative.
var notExcludedCues = []string{"not excluded", "not be excluded", "not exclusionary", "not an exclusion"}

func refused(s string) bool {
	// every refusal cue says "not" or "prohibited"; most sentences say neither
	if !strings.Contains(s, "not") && !strings.Contains(s, "prohibited") {
		return false
	}
	return verdictIn(s, refusalCues)
}

// verdictIn reports whether s holds one of the verdicts about taking part in
// this study. "Not eligible for surgery" or "may not participate in another
// trial" is about something else: the verdict must not be followed by "for"
// or "in" and an object other than this study.
func verdictIn(s string, cues []string) bool {
	for _, c := range cues {
		for off := 0; ; {
			i := strings.Index(s[off:], c)
			if i < 0 {
				break
			}
			i += off
			off = i + len(c)
			rest := strings.TrimLeft(s[off:], " ")
			obj := ""
			for _, p := range []string{"for ", "in ", "to receive ", "to undergo ", "to take "} {
				if strings.HasPrefix(rest, p) {
					obj = rest[len(p):]
					break
				}
			}
			if obj != "" && (!containsAny(obj[:min(len(obj), 30)], studyWords) || otherStudy(obj)) {
				continue
			}
			return true
		}
	}
	return false
}

// otherStudy: the object is another study ("in another clinical trial").
func otherStudy(obj string) bool {
	for _, p := range []string{"another", "other", "any other", "a different", "concurrent", "a concurrent", "any concurrent", "an other"} {
		if strings.HasPrefix(obj, p+" ") {
			return true
		}
	}
	return false
}

// studyWords name this study as the object of a verdict ("not eligible for the study").
var studyWords = []string{"this study", "the study", "this trial", "the trial", "study", "trial", "part", "participat", "enrol", "inclusion", "randomi", "screening"}

// suspicionCues, earlier in an inclusion clause, make a diagnosis what the
// patient is being investigated for ("referred for CT to exclude pulmonary
// embolism", "suspected DVT", "under investigation for ACS"): enrolment does not
// need the diagnosis, and does not need its absence.
var suspicionCues = []string{"suspect", "suspicion", "to exclude", "to rule out", "rule out", "ruling out", "r/o ", "under investigation for",
	"investigated for", "investigation for", "investigation of possible", "being evaluated for", "evaluation for possible", "work up for",
	"workup for", "work-up for", "assessment for possible", "query "}

// suspected reports whether the condition at [at, end) is only suspected: a
// suspicion cue earlier in its clause, and no confirmation after it ("suspected
// stroke, confirmed on CT" requires the stroke; "not confirmed" does not).
func suspected(lower string, at, end int) bool {
	if !containsAny(lower[clauseStart(lower, at):at], suspicionCues) {
		return false
	}
	_, e := sentenceBounds(lower, end)
	tail := lower[end:max(end, e)]
	return !containsAny(tail, confirmationCues) || containsAny(tail, unconfirmedCues)
}

var confirmationCues = []string{"confirmed", "proven", "verified", "diagnosed", "documented"}
var unconfirmedCues = []string{"not confirmed", "unconfirmed", "not yet confirmed", "not been confirmed", "yet to be confirmed", "not proven", "not diagnosed", "before confirmation", "awaiting confirmation"}

// anchorWords and anchorDeterminers: "before the pulmonary embolism", "since
// the index stroke", "prior to the current episode" point at the event that
// brought the patient to the trial; the condition is a time reference there.
var anchorWords = map[string]bool{"before": true, "after": true, "following": true, "since": true, "preceding": true, "until": true}
var anchorDeterminers = map[string]bool{"the": true, "this": true, "their": true, "his": true, "her": true, "index": true, "current": true,
	"qualifying": true, "presenting": true, "initial": true, "present": true}

// anchoredEvent reports whether the condition at token from is preceded by a
// time word and a determiner ("before the", "prior to the index").
func anchoredEvent(toks []token, from int) bool {
	i := from - 1
	dets := 0
	for i >= 0 && anchorDeterminers[toks[i].key] && dets < 2 {
		i--
		dets++
	}
	if dets == 0 || i < 0 {
		return false
	}
	if toks[i].key == "to" && i > 0 && toks[i-1].key == "prior" {
		return true
	}
	if toks[i].key == "of" && i > 1 && toks[i-1].key == "time" && toks[i-2].key == "the" {
		return true // "at the time of the stroke"
	}
	return anchorWords[toks[i].key]
}

// negatedAt reports whether the phrase at tokens [from,to) is negated: a negation
// cue earlier in its clause ("no", "without", "absence of", "not"), "non-" right
// before it, "negative" near it ("negative HIV test", "HIV negative").
func negatedAt(lower string, toks []token, from, to int) bool {
	at := toks[from].start
	cs := clauseStart(lower, at)
	for i := from - 1; i >= 0 && toks[i].start >= cs; i-- {
		k := toks[i].key
		if negationCues[k] {
			// "no more than", "not only" are not negations of the condition
			if k == "no" || k == "not" {
				if i+1 < len(toks) && (toks[i+1].key == "more" || toks[i+1].key == "less" || toks[i+1].key == "only" || toks[i+1].key == "greater" || toks[i+1].key == "limited") {
					continue
				}
			}
			if k == "free" && !(i+1 < len(toks) && toks[i+1].key == "of") {
				continue
			}
			if (k == "not" || k == "never") && negationEndsBefore(toks, i+1, from) {
				continue
			}
			return true
		}
		if (k == "negative" || k == "non" || k == "nonreactive") && from-i <= 8 {
			// "tested positive or negative for X" names both results
			if k == "negative" && i >= 2 && (toks[i-1].key == "or" || toks[i-1].key == "and") && toks[i-2].key == "positive" {
				continue
			}
			return true
		}
	}
	for j := to; j < len(toks) && j < to+3; j++ {
		if k := toks[j].key; k == "negative" || k == "free" || k == "nonreactive" || k == "neg" {
			return true
		}
		if toks[j].punct && toks[j].key != "(" && toks[j].key != ")" {
			break
		}
	}
	return false
}

// negationEndsBefore reports whether a "not" at token i-1 negates something else
// than the condition at from: "not mechanically ventilated with a history of
// asthma" negates the ventilation; "not diagnosed with HIV" negates the diagnosis.
func negationEndsBefore(toks []token, i, from int) bool {
	for j := i; j < from; j++ {
		if toks[j].key != "with" || j == i {
			continue
		}
		prev := toks[j-1].key
		for _, p := range []string{"diagnos", "infect", "affect", "associat", "present", "live", "living", "suffer", "treat", "known"} {
			if strings.HasPrefix(prev, p) {
				return false
			}
		}
		return true
	}
	return false
}
