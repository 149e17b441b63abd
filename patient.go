package equitrial

import "time"

// Patient is a person who agreed to be contacted about research, with what matching
// and equity monitoring need to know. The JSON names are a published contract:
// integrations rely on them.
//
// Direct identifiers (names, date of birth, NHS number, email, phone, postcode) are
// encrypted at rest by the store; everything else is stored in the clear so that
// matching and equity statistics can run without decrypting anyone.
type Patient struct {
	ID                  string      `json:"id"`
	GivenName           string      `json:"givenName,omitempty"`
	FamilyName          string      `json:"familyName,omitempty"`
	BirthDate           string      `json:"birthDate,omitempty"` // YYYY-MM-DD
	NHSNumber           string      `json:"nhsNumber,omitempty"`
	Email               string      `json:"email,omitempty"`
	Phone               string      `json:"phone,omitempty"`
	Postcode            string      `json:"postcode,omitempty"`
	Sex                 string      `json:"sex,omitempty"`            // female, male, other, unknown
	EthnicCategory      string      `json:"ethnicCategory,omitempty"` // NHS Data Dictionary code A–S, Z, 99
	Census2021Ethnicity string      `json:"census2021Ethnicity,omitempty"`
	Conditions          []Condition `json:"conditions,omitempty"`
	// ConditionsComplete: the conditions are a complete coded problem list (a GP
	// or hospital record), so a diagnosis not in it is taken as absent. Without
	// it, matching asks about a required diagnosis that is not listed.
	ConditionsComplete bool `json:"conditionsComplete,omitempty"`
	// Answers to matching questions, one per question key (eligibility.Question).
	Answers            []Answer        `json:"answers,omitempty"`
	Medicines          []string        `json:"medicines,omitempty"`
	Observations       []Observation   `json:"observations,omitempty"`
	Pregnant           *bool           `json:"pregnant,omitempty"`
	Breastfeeding      *bool           `json:"breastfeeding,omitempty"`
	SMI                *bool           `json:"smi,omitempty"` // an explicit answer; F20–F31 diagnoses also count
	Language           string          `json:"language,omitempty"`
	InterpreterNeeded  *bool           `json:"interpreterNeeded,omitempty"`
	AccessibilityNeeds []string        `json:"accessibilityNeeds,omitempty"`
	Consent            Consent         `json:"consent"`
	Source             string          `json:"source,omitempty"` // self-registered, nurse, imported
	Org                string          `json:"org,omitempty"`    // the organisation responsible for the record
	Strata             *Strata         `json:"strata,omitempty"` // derived, read-only
	CreatedAt          time.Time       `json:"createdAt,omitzero"`
	UpdatedAt          time.Time       `json:"updatedAt,omitzero"`
	Withdrawn          *WithdrawalNote `json:"withdrawn,omitempty"` // set when consent was withdrawn and identifiers erased
}

// Condition is one coded diagnosis: system icd10 or snomed; free text is mapped
// through the eligibility vocabulary when no code is given.
type Condition struct {
	System string `json:"system,omitempty" bson:"system,omitempty"` // icd10 | snomed
	Code   string `json:"code,omitempty" bson:"code,omitempty"`
	Text   string `json:"text,omitempty" bson:"text,omitempty"`
	// Status is "absent" for a condition the patient is confirmed not to have
	// (refuted, or answered no); empty or "present" otherwise.
	Status string `json:"status,omitempty" bson:"status,omitempty"`
}

// ConditionAbsent is the Status of a condition confirmed absent.
const ConditionAbsent = "absent"

// Answer is an answer to a matching question, keyed by what is asked
// ("diagnosis:I21", "lab:egfr", "capacity", "criterion:NCT…:3"), so that one
// answer serves every trial asking the same thing. Value is "yes", "no" or a
// number (with Unit, and Date when the value was measured). By and Role say who
// answered and At when: answers are clinical facts others rely on.
type Answer struct {
	Key   string    `json:"key" bson:"key"`
	Value string    `json:"value" bson:"value"`
	Unit  string    `json:"unit,omitempty" bson:"unit,omitempty"`
	Date  string    `json:"date,omitempty" bson:"date,omitempty"` // YYYY-MM-DD
	By    string    `json:"by,omitempty" bson:"by,omitempty"`     // the account or token that answered
	Role  string    `json:"role,omitempty" bson:"role,omitempty"` // nurse, admin, patient
	At    time.Time `json:"at,omitzero" bson:"at,omitempty"`
}

// Observation is one dated measurement; Analyte is a name from analytes.csv.
type Observation struct {
	Analyte string  `json:"analyte" bson:"analyte"`
	Value   float64 `json:"value" bson:"value"`
	Unit    string  `json:"unit" bson:"unit"`
	Date    string  `json:"date" bson:"date"` // YYYY-MM-DD
}

// Consent records the patient's agreement to be contacted about research.
type Consent struct {
	Contact bool   `json:"contact" bson:"contact"`
	Date    string `json:"date,omitempty" bson:"date,omitempty"`       // YYYY-MM-DD
	Version string `json:"version,omitempty" bson:"version,omitempty"` // the wording version agreed to
	Channel string `json:"channel,omitempty" bson:"channel,omitempty"` // web, paper, phone, in-person
}

// Strata are the groups a patient counts in for equity monitoring, derived from the
// profile and stored with the versions of the reference data they came from.
type Strata struct {
	LSOA        string `json:"lsoa,omitempty" bson:"lsoa,omitempty"`
	IMDDecile   int    `json:"imdDecile,omitempty" bson:"imdDecile,omitempty"`
	IMDQuintile int    `json:"imdQuintile,omitempty" bson:"imdQuintile,omitempty"`
	IMDEdition  string `json:"imdEdition,omitempty" bson:"imdEdition,omitempty"`
	Nation      string `json:"nation,omitempty" bson:"nation,omitempty"`
	IMDNote     string `json:"imdNote,omitempty" bson:"imdNote,omitempty"` // why IMD is unknown, when it is
	// PostcodeDirectory names the postcode directory release the LSOA came from, so a
	// stratum can be traced to (and re-derived from) the data that produced it.
	PostcodeDirectory string      `json:"postcodeDirectory,omitempty" bson:"postcodeDirectory,omitempty"`
	EthnicGroup       EthnicGroup `json:"ethnicGroup,omitempty" bson:"ethnicGroup,omitempty"`
	SMI               string      `json:"smi,omitempty" bson:"smi,omitempty"` // yes, no, unknown
	AgeBand           string      `json:"ageBand,omitempty" bson:"ageBand,omitempty"`
	Sex               string      `json:"sex,omitempty" bson:"sex,omitempty"`
	DerivedAt         time.Time   `json:"derivedAt,omitzero" bson:"derivedAt,omitempty"`
}

// WithdrawalNote says when consent was withdrawn; the identifiers are gone.
type WithdrawalNote struct {
	At time.Time `json:"at" bson:"at"`
}
