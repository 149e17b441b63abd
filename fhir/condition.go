package fhir

import (
	"encoding/json"
	"fmt"
	"strings"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"equitrial"
	"equitrial/patients"
)

// condition reads a Condition: its ICD-10 coding if it has one (what trial
// criteria are compiled to), else its SNOMED CT coding, else its text; and what its
// verification status means for matching:
//
//	confirmed (or none given)              recorded present
//	refuted                                recorded absent: matching takes the diagnosis as ruled out
//	unconfirmed, provisional, differential not recorded either way: matching asks
//	entered-in-error                       not recorded, and a stored condition with the code is taken out
//
// Every clinical status (active, recurrence, relapse, inactive, remission,
// resolved) is recorded present: a diagnosis once made is part of the history that
// criteria such as "history of stroke" ask about, and criteria about current
// disease ("active", "uncontrolled") are asked, not judged, by the matcher.
func (r *reader) condition(ref Ref, id *string, raw json.RawMessage) {
	var res fm.Condition
	if err := json.Unmarshal(raw, &res); err != nil {
		r.issues.add(ref, "resource", decodeDetail(err))
		return
	}
	bad := func(field, detail string) { r.issues.add(ref, field, detail) }
	if len(res.ModifierExtension) > 0 {
		bad("resource.modifierExtension", modifierDetail(res.ModifierExtension))
	}
	ce := ConditionEntry{Ref: ref}
	ce.Condition, ce.codeField = conditionCode(res.Code, bad)
	switch v := statusCode(res.VerificationStatus, SystemConditionVerification); v {
	case "", "confirmed":
	case "refuted":
		ce.Condition.Status = equitrial.ConditionAbsent
	case "unconfirmed", "provisional", "differential":
		ce.Unconfirmed = true
	case "entered-in-error":
		ce.Retract = true
	default:
		bad("resource.verificationStatus", fmt.Sprintf("has %q, which is not a code of %s", v, SystemConditionVerification))
	}
	switch c := statusCode(res.ClinicalStatus, SystemConditionClinical); c {
	case "", "active", "recurrence", "relapse", "inactive", "remission", "resolved":
	default:
		bad("resource.clinicalStatus", fmt.Sprintf("has %q, which is not a code of %s", c, SystemConditionClinical))
	}
	i := len(r.conditions)
	r.conditions = append(r.conditions, pendingCondition{entry: ce, subject: res.Subject})
	for _, k := range keys(ref, id) {
		r.condByKey[k] = i
	}
}

// conditionCode picks the coding equitrial records: ICD-10, then SNOMED CT, then
// the text. A code in a known system that is not a valid code is refused.
func conditionCode(cc *fm.CodeableConcept, bad func(string, string)) (equitrial.Condition, string) {
	if cc == nil {
		bad("resource.code", "is required: the diagnosis, coded in ICD-10 or SNOMED CT")
		return equitrial.Condition{}, ""
	}
	text := strings.TrimSpace(deref(cc.Text))
	pick := func(systems ...string) (int, *fm.Coding) {
		for k := range cc.Coding {
			c := &cc.Coding[k]
			for _, s := range systems {
				if c.System != nil && *c.System == s {
					return k, c
				}
			}
		}
		return -1, nil
	}
	if k, c := pick(SystemICD10, SystemICD10UK); c != nil {
		field := fmt.Sprintf("resource.code.coding[%d]", k)
		code, ok := patients.NormaliseICD10(deref(c.Code))
		if !ok {
			bad(field+".code", fmt.Sprintf("%q is not an ICD-10 code: a letter, two digits and an optional subdivision, such as E11.9", deref(c.Code)))
		}
		return equitrial.Condition{System: patients.SystemICD10, Code: code, Text: or(text, deref(c.Display))}, field
	}
	if k, c := pick(SystemSNOMED); c != nil {
		field := fmt.Sprintf("resource.code.coding[%d]", k)
		code := strings.TrimSpace(deref(c.Code))
		if !patients.ValidSNOMED(code) {
			bad(field+".code", fmt.Sprintf("%q is not a SNOMED CT concept id: 6 to 18 digits with a valid check digit", code))
		}
		return equitrial.Condition{System: patients.SystemSNOMED, Code: code, Text: or(text, deref(c.Display))}, field
	}
	if text != "" {
		return equitrial.Condition{Text: text}, "resource.code.text"
	}
	bad("resource.code", "needs an ICD-10 ("+SystemICD10+") or SNOMED CT ("+SystemSNOMED+") coding, or at least text")
	return equitrial.Condition{}, "resource.code"
}

// statusCode is the code of a status concept in system ("" when none is given).
func statusCode(cc *fm.CodeableConcept, system string) string {
	if cc == nil {
		return ""
	}
	for _, c := range cc.Coding {
		if c.System != nil && *c.System == system && c.Code != nil {
			return *c.Code
		}
	}
	for _, c := range cc.Coding {
		if c.Code != nil {
			return *c.Code // a status without its system: the codes are the same
		}
	}
	return ""
}

func or(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return strings.TrimSpace(b)
}
