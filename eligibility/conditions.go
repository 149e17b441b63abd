package eligibility

import "strings"

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
	if strings.HasPrefix(lower, "note") || strings.HasPrefix(lower, "n.b") || strings.HasPrefix(lower, "nb:") {
		return parts // a note to the investigator, not a criterion
	}
	prevTo, prevSkipped := -10, false
	seen := map[string]bool{} // the first mention of a code decides its polarity
	for _, m := range v.index.findAll(toks, capsOK, nil) {
		at := toks[m.from].start
		c := v.conditions[m.ids[0]]
		afterPrev := m.from-prevTo <= 2
		prevTo = m.to
		if c.ICD10 == "B99" && afterPrev {
			continue // "HIV (human immunodeficiency virus) infection": the infection is the one just named
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
		if containsAny(before, otherPersonCues) || containsAny(near, riskCues) {
			continue
		}
		if sec == Inclusion && containsAny(lower[max(0, at-maxScope):at], inclusionContextCues) {
			continue
		}
		if m.to < len(toks) && modifierNouns[toks[m.to].key] {
			continue
		}
		if c.ICD10 == "T78" && allergyToAgent(lower, toks, m.to) {
			continue
		}
		prevSkipped = false
		neg := negatedAt(lower, toks, m.from, m.to) || parentNeg
		excluding := (sec == Exclusion) != neg
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
