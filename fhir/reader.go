package fhir

import (
	"fmt"
	"strings"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"equitrial"
)

// reader holds what has been read of a Bundle. Entries may refer to entries later
// in the Bundle, so Conditions, Observations and Lists wait in pending lists until
// every Patient is known (resolve).
type reader struct {
	imp    *Import
	issues *issues
	byKey  map[string]*Profile // fullUrl and "Patient/id" → the Patient's profile
	byNHS  map[string]*Profile

	conditions   []pendingCondition
	condByKey    map[string]int // fullUrl and "Condition/id" → index in conditions
	observations []pendingObservation
	lists        []pendingList
}

type pendingCondition struct {
	entry   ConditionEntry
	subject fm.Reference
	profile *Profile // once resolved
}

type pendingObservation struct {
	ref     Ref
	entries []ObservationEntry
	subject *fm.Reference
}

type pendingList struct {
	ref  Ref
	list fm.List
}

func newReader(imp *Import, is *issues) *reader {
	return &reader{imp: imp, issues: is, byKey: map[string]*Profile{}, byNHS: map[string]*Profile{}, condByKey: map[string]int{}}
}

func (r *reader) note(ref Ref, detail string) {
	r.imp.Notes = append(r.imp.Notes, Note{Ref: ref, Detail: detail})
}

// keys are the strings another entry may use to refer to this one: its fullUrl
// and its relative URL ("Patient/123").
func keys(ref Ref, id *string) []string {
	var k []string
	if ref.FullURL != "" {
		k = append(k, ref.FullURL)
	}
	if id != nil && *id != "" {
		k = append(k, ref.Type+"/"+*id)
	}
	return k
}

// refKeys are the keys a reference may match: the reference as written and, for an
// absolute URL ("https://gp.example/fhir/Patient/123"), its relative form.
func refKeys(s string) []string {
	out := []string{s}
	if strings.Contains(s, "://") {
		parts := strings.Split(strings.TrimRight(s, "/"), "/")
		if n := len(parts); n >= 2 {
			out = append(out, parts[n-2]+"/"+parts[n-1])
		}
	}
	return out
}

// subject finds the Patient of this Bundle a reference names, or reports why not.
func (r *reader) subject(ref Ref, field string, sub *fm.Reference) *Profile {
	if sub == nil {
		r.issues.add(ref, field, "is required: the Patient of this Bundle it is about")
		return nil
	}
	if sub.Reference != nil {
		for _, k := range refKeys(*sub.Reference) {
			if p := r.byKey[k]; p != nil {
				return p
			}
		}
		r.issues.add(ref, field+".reference", fmt.Sprintf("refers to no Patient in this Bundle (%q): send the Patient in the same Bundle and refer to it by its fullUrl", *sub.Reference))
		return nil
	}
	if id := sub.Identifier; id != nil && id.System != nil && *id.System == SystemNHSNumber && id.Value != nil {
		n, ok := equitrial.NormaliseNHSNumber(*id.Value)
		if !ok {
			r.issues.add(ref, field+".identifier.value", "is not a valid NHS number")
			return nil
		}
		if p := r.byNHS[n]; p != nil {
			return p
		}
		r.issues.add(ref, field+".identifier", "names an NHS number no Patient of this Bundle has: send the Patient in the same Bundle")
		return nil
	}
	r.issues.add(ref, field, "must refer to a Patient of this Bundle, by reference or by NHS number identifier")
	return nil
}

// resolve attaches every pending Condition, Observation and List to its Patient,
// then settles which patients' conditions are complete.
func (r *reader) resolve() {
	for i := range r.conditions {
		c := &r.conditions[i]
		if p := r.subject(c.entry.Ref, "resource.subject", &c.subject); p != nil {
			c.profile = p
			p.Conditions = append(p.Conditions, c.entry)
		}
	}
	for _, o := range r.observations {
		if p := r.subject(o.ref, "resource.subject", o.subject); p != nil {
			p.Observations = append(p.Observations, o.entries...)
		}
	}
	for _, l := range r.lists {
		r.problemList(l)
	}
	for _, p := range r.imp.Profiles {
		r.settleComplete(p)
	}
}
