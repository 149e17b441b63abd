package fhir

import (
	"encoding/json"
	"fmt"
	"strings"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"equitrial"
	"equitrial/eligibility"
	"equitrial/patients"
)

// The rule for "these conditions are complete", as a trust's integration team
// meets it: a Bundle marks a patient's conditions complete (so that matching takes
// a diagnosis not listed as absent, instead of asking) by carrying that patient's
// problem list, as GP Connect sends it:
//
//   - a List whose code is SNOMED CT 717711000000103 (Problems, GP Connect) or
//     LOINC 11450-4 (Problem list);
//   - status current, and mode snapshot or working (not changes);
//   - subject a Patient of the Bundle;
//   - every item it lists is a Condition of the same Bundle about that patient
//     (the list is sent whole);
//   - no GP Connect warning code (confidential items withheld, record in
//     transit, data awaiting filing: each means the list may be incomplete);
//   - an empty list only with emptyReason nilknown (no problems known).
//
// The patient's Conditions in the Bundle then replace the stored list. Even so,
// the conditions are not marked complete, and a note says why, while any of them
// is unconfirmed or is coded in a way equitrial cannot read (a SNOMED CT concept
// not in its vocabulary, uncoded text it does not know): a complete list makes
// every diagnosis it lacks count as absent, and one equitrial cannot read would
// then rule the patient out wrongly.

// list reads a List; only a problem list is used.
func (r *reader) list(ref Ref, raw json.RawMessage) {
	var res fm.List
	if err := json.Unmarshal(raw, &res); err != nil {
		r.issues.add(ref, "resource", decodeDetail(err))
		return
	}
	if !isProblemList(res.Code) {
		r.note(ref, "a List that is not a problem list (SNOMED CT 717711000000103 or LOINC 11450-4) is not used")
		return
	}
	var present struct {
		Status *string `json:"status"`
		Mode   *string `json:"mode"`
	}
	json.Unmarshal(raw, &present) // the model reads missing codes as current and working
	if present.Status == nil {
		r.issues.add(ref, "resource.status", "is required (current)")
	}
	if present.Mode == nil {
		r.issues.add(ref, "resource.mode", "is required (snapshot or working)")
	}
	if len(res.ModifierExtension) > 0 {
		r.issues.add(ref, "resource.modifierExtension", modifierDetail(res.ModifierExtension))
	}
	r.lists = append(r.lists, pendingList{ref: ref, list: res})
}

func isProblemList(cc *fm.CodeableConcept) bool {
	if cc == nil {
		return false
	}
	for _, c := range cc.Coding {
		if problemListCodes[deref(c.System)+"|"+deref(c.Code)] {
			return true
		}
	}
	return false
}

// problemList marks its patient's conditions complete when the list meets the rule.
func (r *reader) problemList(l pendingList) {
	ls := &l.list
	p := r.subject(l.ref, "resource.subject", ls.Subject)
	if p == nil {
		return
	}
	switch {
	case ls.Status != fm.ListStatusCurrent:
		r.note(l.ref, "a problem list with status "+ls.Status.Code()+" does not mark conditions complete")
		return
	case ls.Mode == fm.ListModeChanges:
		r.note(l.ref, "a problem list of changes does not mark conditions complete: send the whole list (mode snapshot)")
		return
	}
	for _, ext := range ls.Extension {
		if strings.Contains(strings.ToLower(ext.Url), "warningcode") {
			r.note(l.ref, fmt.Sprintf("the problem list carries a warning (%s), so it may be incomplete and does not mark conditions complete", warningText(ext)))
			return
		}
	}
	items := 0
	for k, e := range ls.Entry {
		if e.Deleted != nil && *e.Deleted {
			continue
		}
		items++
		field := fmt.Sprintf("resource.entry[%d].item", k)
		i, ok := r.conditionRef(e.Item)
		switch {
		case !ok:
			r.issues.add(l.ref, field, "refers to no Condition in this Bundle: a problem list marks conditions complete only when its Conditions are sent with it")
		case r.conditions[i].profile != nil && r.conditions[i].profile != p:
			r.issues.add(l.ref, field, fmt.Sprintf("is a Condition of another patient (entry[%d])", r.conditions[i].profile.Index))
		}
	}
	if items == 0 {
		if why := statusCode(ls.EmptyReason, SystemListEmptyReason); why != "nilknown" {
			r.note(l.ref, "an empty problem list marks conditions complete only with emptyReason nilknown (no problems known)")
			return
		}
	}
	ref := l.ref
	p.Complete = &ref
}

func (r *reader) conditionRef(item fm.Reference) (int, bool) {
	if item.Reference == nil {
		return 0, false
	}
	for _, k := range refKeys(*item.Reference) {
		if i, ok := r.condByKey[k]; ok {
			return i, true
		}
	}
	return 0, false
}

func warningText(ext fm.Extension) string {
	if ext.ValueCode != nil {
		return *ext.ValueCode
	}
	if ext.ValueCodeableConcept != nil {
		if c := statusCode(ext.ValueCodeableConcept, ""); c != "" {
			return c
		}
	}
	return ext.Url
}

// settleComplete keeps a patient's conditions from being marked complete while
// any of them could not be read (see the rule above).
func (r *reader) settleComplete(p *Profile) {
	if p.Complete == nil {
		return
	}
	var why []string
	for _, c := range p.Conditions {
		cond := c.Condition
		switch {
		case c.Retract || cond.Status == equitrial.ConditionAbsent:
		case c.Unconfirmed:
			why = append(why, fmt.Sprintf("entry[%d] is not confirmed", c.Index))
		case cond.System == patients.SystemSNOMED:
			if _, ok := eligibility.CodeForSNOMED(cond.Code); !ok {
				why = append(why, fmt.Sprintf("entry[%d] is SNOMED CT %s, which equitrial's vocabulary does not map to ICD-10 (add an ICD-10 coding)", c.Index, cond.Code))
			}
		case cond.Code == "":
			if len(eligibility.LookupCondition(cond.Text)) == 0 {
				why = append(why, fmt.Sprintf("entry[%d] has no code and its text is not a condition equitrial knows", c.Index))
			}
		}
	}
	if len(why) > 0 {
		r.note(*p.Complete, "the problem list does not mark the conditions of "+p.label()+" complete, so matching will still ask about diagnoses not listed: "+strings.Join(why, "; "))
		p.Complete = nil
	}
}
