package patients

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"equitrial"
)

// readOnly are the patient fields the service sets; a patch naming one is refused
// rather than silently ignored, so a client learns it cannot set them.
var readOnly = map[string]string{
	"id":        "is assigned by the service",
	"strata":    "is derived from the profile and cannot be set",
	"source":    "records where the profile came from and cannot be changed",
	"org":       "is the organisation responsible for the record and cannot be changed here",
	"createdAt": "is set by the service",
	"updatedAt": "is set by the service",
	"withdrawn": "is set by withdrawing consent (DELETE the record)",
	"answers":   "are given through PUT /api/v1/patients/{id}/answers, which records who answered and when",
}

// MergePatch applies a JSON merge patch (RFC 7396) to a profile: members of the patch
// replace the profile's, objects merge member by member (so {"consent":{"version":"3"}}
// changes only the version), null removes a member, and lists are replaced whole.
// Read-only members (id, strata, source, org, timestamps, withdrawn, answers) and unknown ones
// are refused with a KindInvalid error naming each. The result is a new profile with
// the service-set fields of current; it is not yet normalised or validated.
func MergePatch(current *equitrial.Patient, patch []byte) (*equitrial.Patient, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(patch, &members); err != nil || members == nil {
		return nil, equitrial.Errorf(equitrial.KindInvalid, "a patch must be a JSON object of the fields to change")
	}
	known := patientFields()
	var bad []equitrial.FieldError
	for _, name := range sortedKeys(members) {
		if why, ok := readOnly[name]; ok {
			bad = append(bad, equitrial.FieldError{Field: name, Detail: why})
		} else if !known[name] {
			bad = append(bad, equitrial.FieldError{Field: name, Detail: "unknown field"})
		}
	}
	if len(bad) > 0 {
		return nil, equitrial.Invalid("the patch names fields that cannot be changed", bad...)
	}
	base, err := json.Marshal(current)
	if err != nil {
		return nil, err
	}
	var doc, p any
	if err := json.Unmarshal(base, &doc); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, equitrial.Errorf(equitrial.KindInvalid, "the patch is not valid JSON")
	}
	merged, err := json.Marshal(mergeValue(doc, p))
	if err != nil {
		return nil, err
	}
	var out equitrial.Patient
	dec := json.NewDecoder(bytes.NewReader(merged))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return nil, equitrial.Invalid("", equitrial.FieldError{Field: typ.Field, Detail: fmt.Sprintf("has the wrong type: %s is not accepted here", typ.Value)})
		}
		return nil, equitrial.Errorf(equitrial.KindInvalid, "the patched profile is not valid: %v", err)
	}
	out.ID, out.Org, out.Source = current.ID, current.Org, current.Source
	out.CreatedAt, out.UpdatedAt, out.Withdrawn, out.Strata = current.CreatedAt, current.UpdatedAt, current.Withdrawn, current.Strata
	out.Answers = current.Answers
	return &out, nil
}

// mergeValue is RFC 7396's MergePatch(target, patch).
func mergeValue(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergeValue(tm[k], v)
	}
	return tm
}

func patientFields() map[string]bool {
	b, _ := json.Marshal(fullPatient())
	var m map[string]any
	json.Unmarshal(b, &m)
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// fullPatient has every field set, so that marshalling it lists every JSON name.
func fullPatient() *equitrial.Patient {
	t := true
	return &equitrial.Patient{ID: "x", GivenName: "x", FamilyName: "x", BirthDate: "x", NHSNumber: "x", Email: "x",
		Phone: "x", Postcode: "x", Sex: "x", EthnicCategory: "x", Census2021Ethnicity: "x",
		Conditions: []equitrial.Condition{{}}, ConditionsComplete: true, Answers: []equitrial.Answer{{}}, Medicines: []string{"x"}, Observations: []equitrial.Observation{{}},
		Pregnant: &t, Breastfeeding: &t, SMI: &t, Language: "x", InterpreterNeeded: &t, AccessibilityNeeds: []string{"x"},
		Source: "x", Org: "x", Strata: &equitrial.Strata{}, Withdrawn: &equitrial.WithdrawalNote{}}
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// CheckWritable refuses a create body that sets read-only members, naming each. The
// body must already be a JSON object.
func CheckWritable(body []byte) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil || members == nil {
		return equitrial.Errorf(equitrial.KindInvalid, "send the patient as a JSON object")
	}
	var bad []equitrial.FieldError
	for _, name := range sortedKeys(members) {
		if why, ok := readOnly[name]; ok {
			bad = append(bad, equitrial.FieldError{Field: name, Detail: why})
		}
	}
	if len(bad) > 0 {
		return equitrial.Invalid("the profile sets fields that only the service may set", bad...)
	}
	return nil
}
