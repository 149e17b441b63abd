package fhir

import (
	"slices"
	"strings"

	"equitrial"
	"equitrial/patients"
)

// Merge is the profile to store when a Bundle's Profile arrives for a patient held
// as cur (nil: a new patient). What the Bundle gives replaces what is stored, and
// what it does not give is kept:
//
//   - demographics: each field the Patient resource gives replaces the stored one;
//   - conditions: each Condition replaces a stored condition with the same code
//     (refuted ones are recorded absent; entered-in-error and unconfirmed ones are
//     taken out). When the Bundle marks the conditions complete, its Conditions
//     replace the whole stored list and conditionsComplete is set; otherwise the
//     stored flag is kept;
//   - observations: each result replaces a stored one of the same analyte and
//     day (entered-in-error results are taken out);
//   - consent, answers, pregnancy, SMI and the rest are never changed by a Bundle.
//
// Sending the same Bundle twice therefore gives the same profile. The origin
// records which entry each field and list item came from, to name it if the
// profile is refused.
func Merge(cur *equitrial.Patient, p *Profile) (*equitrial.Patient, Origin) {
	var next equitrial.Patient
	if cur != nil {
		next = clonePatient(cur)
	} else {
		next.Source = patients.SourceImported
	}
	in := &p.Patient
	for _, f := range []struct {
		dst *string
		v   string
	}{
		{&next.NHSNumber, in.NHSNumber}, {&next.GivenName, in.GivenName}, {&next.FamilyName, in.FamilyName},
		{&next.BirthDate, in.BirthDate}, {&next.Sex, in.Sex}, {&next.Postcode, in.Postcode},
		{&next.EthnicCategory, in.EthnicCategory}, {&next.Phone, in.Phone}, {&next.Email, in.Email},
		{&next.Language, in.Language},
	} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	if in.InterpreterNeeded != nil {
		next.InterpreterNeeded = in.InterpreterNeeded
	}
	o := Origin{patient: p.Ref, fields: p.fields}

	conds := next.Conditions
	if p.Complete != nil {
		conds, next.ConditionsComplete = nil, true
	}
	o.conditions = make([]*ConditionEntry, len(conds))
	for i := range p.Conditions {
		ce := &p.Conditions[i]
		conds, o.conditions = without(conds, o.conditions, func(c equitrial.Condition) bool { return sameCondition(c, ce.Condition) })
		if ce.Retract || ce.Unconfirmed {
			continue
		}
		conds = append(conds, ce.Condition)
		o.conditions = append(o.conditions, ce)
	}
	next.Conditions = nilIfEmpty(conds)

	obs := next.Observations
	o.observations = make([]*ObservationEntry, len(obs))
	for i := range p.Observations {
		oe := &p.Observations[i]
		obs, o.observations = without(obs, o.observations, func(x equitrial.Observation) bool {
			return x.Analyte == oe.Observation.Analyte && x.Date == oe.Observation.Date
		})
		if oe.Retract {
			continue
		}
		obs = append(obs, oe.Observation)
		o.observations = append(o.observations, oe)
	}
	next.Observations = nilIfEmpty(obs)
	return &next, o
}

// sameCondition reports whether stored is what incoming records again: the same
// code in the same system or, for a Condition given only as text, the same text
// (the store codes such text through the vocabulary, and may add a condition for
// each it names, all with that text).
func sameCondition(stored, incoming equitrial.Condition) bool {
	if incoming.Code != "" {
		return stored.System == incoming.System && stored.Code == incoming.Code
	}
	return strings.EqualFold(strings.Join(strings.Fields(stored.Text), " "), strings.Join(strings.Fields(incoming.Text), " "))
}

// without drops the items that match, and their origins alongside.
func without[T, O any](items []T, origins []O, match func(T) bool) ([]T, []O) {
	var keep []T
	var keptFrom []O
	for i, x := range items {
		if !match(x) {
			keep = append(keep, x)
			keptFrom = append(keptFrom, origins[i])
		}
	}
	return keep, keptFrom
}

// clonePatient copies p deeply enough that normalising or merging the copy never
// changes p (the lists are copied; pointers are never written through).
func clonePatient(p *equitrial.Patient) equitrial.Patient {
	c := *p
	c.Conditions = slices.Clone(p.Conditions)
	c.Observations = slices.Clone(p.Observations)
	c.Answers = slices.Clone(p.Answers)
	c.Medicines = slices.Clone(p.Medicines)
	c.AccessibilityNeeds = slices.Clone(p.AccessibilityNeeds)
	return c
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
