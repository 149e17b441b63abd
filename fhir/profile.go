package fhir

import "equitrial"

// Import is what a Bundle says about patients: one Profile per Patient entry, with
// the Conditions, Observations and problem lists that refer to it, and notes on
// what was read but not used.
type Import struct {
	Type     string // transaction or collection
	Profiles []*Profile
	Notes    []Note
}

// Profile is one Patient of a Bundle and the clinical facts about them in it.
type Profile struct {
	Ref
	NHSNumber string // ten digits; how the patient is found in the store
	// Patient holds the demographics the Patient resource gave; a field left
	// empty was not given and keeps its stored value.
	Patient equitrial.Patient
	// fields maps a profile field ("postcode") to where in the entry it came from
	// ("resource.address[0].postalCode"), to name the field when it is refused.
	fields       map[string]string
	Conditions   []ConditionEntry
	Observations []ObservationEntry
	// Complete is the problem list that marks the patient's conditions complete,
	// nil when the Bundle does not (see problemlist.go).
	Complete *Ref
}

// ConditionEntry is one Condition resource, as equitrial records it.
type ConditionEntry struct {
	Ref
	Condition equitrial.Condition
	// Retract: the Condition was entered in error, so a stored condition with its
	// code is taken out and nothing is recorded.
	Retract bool
	// Unconfirmed: provisional, differential or unconfirmed. It is recorded neither
	// present nor absent (so matching asks), takes out a stored condition with its
	// code, and keeps the conditions from being marked complete.
	Unconfirmed bool
	codeField   string // where the code came from: "resource.code.coding[1]"
}

// ObservationEntry is one measurement from an Observation resource (a panel such
// as blood pressure gives one per component).
type ObservationEntry struct {
	Ref
	Path        string // "resource", or "resource.component[1]" for a component
	Observation equitrial.Observation
	Retract     bool // entered in error: a stored result of the same analyte and date is taken out
	codeField   string
	valueField  string
	dateField   string
}
