package patients

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"equitrial"
	"equitrial/eligibility"
)

// Answers to matching questions (equitrial.Answer) are written only through their
// own route (PUT /api/v1/patients/{id}/answers), never through a profile's POST or
// PATCH: an answer records who gave it and when, which the service sets, and one
// answer per question key replaces the one before. This file checks and merges
// them; who may answer which key is the API's decision (eligibility.PatientMayAnswer).

// MaxAnswers bounds the answers one record holds, and one request sends.
const MaxAnswers = 500

// CheckAnswers normalises the answers of one request in place and checks every
// one: the key must be a question the eligibility engine asks, the value an answer
// to it (eligibility.CheckAnswer), the unit one of the analyte's units (lab
// values, which are also checked for plausibility), the date YYYY-MM-DD and not in
// the future. An empty value removes the answer to the key, so it is accepted for
// any key. It returns a KindInvalid error naming every entry at fault
// ("answers[1].value"), or nil.
func (c *Checker) CheckAnswers(in []equitrial.Answer) error {
	var bad []equitrial.FieldError
	fail := func(i int, field, detail string) {
		bad = append(bad, equitrial.FieldError{Field: fmt.Sprintf("answers[%d].%s", i, field), Detail: detail})
	}
	if len(in) == 0 {
		return equitrial.Invalid("", equitrial.FieldError{Field: "answers", Detail: "give at least one answer"})
	}
	if len(in) > MaxAnswers {
		return equitrial.Invalid("", equitrial.FieldError{Field: "answers", Detail: fmt.Sprintf("may have at most %d entries", MaxAnswers)})
	}
	seen := map[string]int{}
	for i := range in {
		a := &in[i]
		normaliseAnswer(a)
		a.By, a.Role, a.At = "", "", time.Time{} // the service sets these
		switch {
		case a.Key == "":
			fail(i, "key", "is required")
			continue
		case len(a.Key) > 200 || !humanText(a.Key):
			fail(i, "key", "is not a question key")
			continue
		}
		if j, dup := seen[a.Key]; dup {
			fail(i, "key", fmt.Sprintf("is answered twice in this request (also answers[%d])", j))
			continue
		}
		seen[a.Key] = i
		if a.Value == "" { // removes the answer
			a.Unit, a.Date = "", ""
			continue
		}
		if len(a.Value) > 50 || !humanText(a.Value) {
			fail(i, "value", "must be at most 50 characters, without control characters")
			continue
		}
		if why := eligibility.CheckAnswer(a.Key, a.Value); why != "" {
			field := "value"
			if why == "unknown question" || strings.HasPrefix(why, "unknown analyte") {
				field = "key"
				why = "is not a question equitrial asks (" + why + ")"
			}
			fail(i, field, why)
			continue
		}
		if a.Date != "" {
			d, err := time.Parse(time.DateOnly, a.Date)
			switch {
			case err != nil:
				fail(i, "date", "must be a date written YYYY-MM-DD, such as 2026-11-20")
			case d.After(today(c.now())):
				fail(i, "date", "must not be in the future")
			}
		}
		analyte, isLab := strings.CutPrefix(a.Key, "lab:")
		switch {
		case isLab:
			an, _ := eligibility.LookupAnalyte(analyte) // CheckAnswer found it
			unit, ok := eligibility.ValidUnit(an.Name, a.Unit)
			if !ok {
				if a.Unit == "" {
					fail(i, "unit", "is required for this measurement: use one of "+strings.Join(an.Units, ", "))
				} else {
					fail(i, "unit", "is not a unit for this measurement: use one of "+strings.Join(an.Units, ", "))
				}
				continue
			}
			a.Unit = unit
			v, _ := strconv.ParseFloat(a.Value, 64)
			if r, ok := plausibleRange(an.Name, unit); ok && (v < r.min || v > r.max) {
				fail(i, "value", fmt.Sprintf("is outside the plausible range %s to %s %s; check the value and the unit", fmtNum(r.min), fmtNum(r.max), unit))
			}
		case a.Key == "age":
			switch a.Unit {
			case "", "year", "years":
				a.Unit = ""
			default:
				fail(i, "unit", "an age is given in years")
			}
		default:
			if a.Unit != "" {
				fail(i, "unit", "only a measurement has a unit")
			}
		}
	}
	if len(bad) > 0 {
		return equitrial.Invalid(fmt.Sprintf("%d answer(s) to correct; nothing was saved", len(bad)), bad...)
	}
	return nil
}

// normaliseAnswer trims what was typed and writes yes, no, female and male in
// lower case, as the engine reads them.
func normaliseAnswer(a *equitrial.Answer) {
	a.Key = strings.TrimSpace(a.Key)
	a.Value = strings.TrimSpace(a.Value)
	a.Unit = strings.TrimSpace(a.Unit)
	a.Date = strings.TrimSpace(a.Date)
	switch v := strings.ToLower(a.Value); v {
	case "yes", "no", "female", "male":
		a.Value = v
	}
}

// MergeAnswers applies checked edits to a record's answers: an edit replaces the
// earlier answer to the same key (keeping its place), a new key is added at the
// end, and an empty value removes the key's answer. by, role and at are recorded
// on every answer written. cur is not changed.
func MergeAnswers(cur, edits []equitrial.Answer, by, role string, at time.Time) []equitrial.Answer {
	out := make([]equitrial.Answer, 0, len(cur)+len(edits))
	pos := map[string]int{}
	for _, a := range cur {
		if _, dup := pos[a.Key]; dup {
			continue
		}
		pos[a.Key] = len(out)
		out = append(out, a)
	}
	removed := map[string]bool{}
	for _, e := range edits {
		if e.Value == "" {
			removed[e.Key] = true
			continue
		}
		delete(removed, e.Key)
		e.By, e.Role, e.At = by, role, at
		if i, ok := pos[e.Key]; ok {
			out[i] = e
			continue
		}
		pos[e.Key] = len(out)
		out = append(out, e)
	}
	if len(removed) == 0 {
		return out
	}
	kept := out[:0]
	for _, a := range out {
		if !removed[a.Key] {
			kept = append(kept, a)
		}
	}
	return kept
}
