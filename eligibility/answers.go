package eligibility

import (
	"strconv"
	"strings"
)

// Answers to questions, applied to a prepared profile. Keys name what is asked,
// not which trial asked it, so one answer serves every trial with the same
// question: "diagnosis:I21" (codes joined by commas, as the question gives
// them), "lab:egfr", "pregnant", "breastfeeding", "smi", "psychiatric",
// "capacity", "language:english", "age", "sex"; "topic:…" for common free-text
// questions (another trial, smoking); and "criterion:NCT…:N" for one trial's own
// criterion N, which only that trial asks.

// IsYes and IsNo read a yes/no answer.
func (a Answer) IsYes() bool { return strings.EqualFold(strings.TrimSpace(a.Value), "yes") }
func (a Answer) IsNo() bool  { return strings.EqualFold(strings.TrimSpace(a.Value), "no") }

// Number reads a numeric answer.
func (a Answer) Number() (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(a.Value), 64)
	return v, err == nil
}

func (a Answer) tri() tri {
	switch {
	case a.IsYes():
		return triYes
	case a.IsNo():
		return triNo
	}
	return triUnknown
}

// answer returns the answer to key, if there is one.
func (pp *Prepared) answer(key string) (Answer, bool) {
	if len(pp.answers) == 0 || key == "" {
		return Answer{}, false
	}
	a, ok := pp.answers[key]
	return a, ok
}

// diagnosisKey is the key of the question "has the patient been diagnosed with
// any of these?".
func diagnosisKey(codes []int16) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = categoryString(c)
	}
	return "diagnosis:" + strings.Join(parts, ",")
}

// CriterionKey is the key of a trial's own free-text criterion.
func CriterionKey(nctID string, index int) string {
	return "criterion:" + nctID + ":" + strconv.Itoa(index)
}

// applyConditionAnswers: "no" to a diagnosis question records every code in it
// as absent; "yes" to a question about one diagnosis records it. A "yes" to
// "any of these" is kept as an answer to that question alone.
func (pp *Prepared) applyConditionAnswers() {
	for k, a := range pp.answers {
		codes, ok := strings.CutPrefix(k, "diagnosis:")
		if !ok {
			continue
		}
		var ids []int16
		for _, c := range strings.Split(codes, ",") {
			if id := categoryID(icdCategory(c)); id >= 0 {
				ids = append(ids, id)
			}
		}
		ids = sortedUnique16(ids)
		switch {
		case a.IsNo():
			// an answer is newer than the record it corrects
			pp.absent = sortedUnique16(append(pp.absent, ids...))
			pp.codes = minus16(pp.codes, ids)
		case a.IsYes() && len(ids) == 1:
			pp.codes = sortedUnique16(append(pp.codes, ids...))
			pp.absent = minus16(pp.absent, ids)
		case a.IsYes():
			pp.anyOfYes = true // read by key (hasDiagnosis)
		}
	}
}

// applyAnswers lets answers fill in (and correct) the record's facts.
func (pp *Prepared) applyAnswers() {
	for k, a := range pp.answers {
		switch {
		case k == "age":
			if v, ok := a.Number(); ok && v >= 0 {
				pp.age, pp.hasAge = v, true
			}
		case k == "sex":
			switch strings.ToUpper(strings.TrimSpace(a.Value)) {
			case "FEMALE", "MALE":
				pp.sex = strings.ToUpper(strings.TrimSpace(a.Value))
			}
		case k == "pregnant":
			setTri(&pp.pregnant, a)
		case k == "breastfeeding":
			setTri(&pp.breastfeeding, a)
		case k == "smi":
			setTri(&pp.smi, a)
			if pp.smi == triYes {
				pp.psych = triYes
			}
		case k == "psychiatric":
			setTri(&pp.psych, a)
		case k == "capacity":
			setTri(&pp.capacity, a)
		case strings.HasPrefix(k, "language:"):
			lang := strings.TrimPrefix(k, "language:")
			switch a.tri() {
			case triYes:
				pp.langs = append(pp.langs, lang)
			case triNo:
				pp.notLangs = append(pp.notLangs, lang)
			}
		case strings.HasPrefix(k, "lab:"):
			if v, ok := a.Number(); ok {
				d := a.Date
				if d.IsZero() {
					d = pp.asOf
				}
				pp.addObservation(Observation{Analyte: strings.TrimPrefix(k, "lab:"), Value: v, Unit: a.Unit, Date: d})
			}
		}
	}
}

func setTri(t *tri, a Answer) {
	if v := a.tri(); v != triUnknown {
		*t = v
	}
}

// PatientMayAnswer says whether a patient may answer a question themselves.
// Lab values, capacity and a trial's own clinical wording are for staff.
func PatientMayAnswer(key string) bool {
	switch key {
	case "age", "sex", "pregnant", "breastfeeding", "smi", "psychiatric":
		return true
	}
	for _, p := range []string{"diagnosis:", "language:", "topic:"} {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// CheckAnswer says what is wrong with an answer to key, or "" when it is fine:
// the key must be one this engine asks, a number where a number is asked
// (lab values, age), "yes" or "no" elsewhere ("female"/"male" for sex).
func CheckAnswer(key, value string) string {
	a := Answer{Value: value}
	switch {
	case key == "age":
		if v, ok := a.Number(); !ok || v < 0 || v > 130 {
			return "enter an age in years, from 0 to 130"
		}
		return ""
	case key == "sex":
		switch strings.ToLower(strings.TrimSpace(value)) {
		case "female", "male":
			return ""
		}
		return "enter female or male"
	case strings.HasPrefix(key, "lab:"):
		if _, ok := LookupAnalyte(strings.TrimPrefix(key, "lab:")); !ok {
			return "unknown analyte " + strings.TrimPrefix(key, "lab:")
		}
		if _, ok := a.Number(); !ok {
			return "enter a number"
		}
		return ""
	case key == "pregnant", key == "breastfeeding", key == "smi", key == "psychiatric", key == "capacity",
		strings.HasPrefix(key, "language:") && len(key) > len("language:"),
		strings.HasPrefix(key, "topic:") && len(key) > len("topic:"),
		validDiagnosisKey(key), validCriterionKey(key):
		if a.tri() == triUnknown {
			return "answer yes or no"
		}
		return ""
	}
	return "unknown question"
}

func validDiagnosisKey(key string) bool {
	codes, ok := strings.CutPrefix(key, "diagnosis:")
	if !ok || codes == "" {
		return false
	}
	for _, c := range strings.Split(codes, ",") {
		if categoryID(icdCategory(c)) < 0 {
			return false
		}
	}
	return true
}

func validCriterionKey(key string) bool {
	rest, ok := strings.CutPrefix(key, "criterion:")
	if !ok {
		return false
	}
	nct, idx, ok := strings.Cut(rest, ":")
	if !ok || !strings.HasPrefix(nct, "NCT") {
		return false
	}
	n, err := strconv.Atoi(idx)
	return err == nil && n >= 0
}
