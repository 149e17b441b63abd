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
	ID                  string          `json:"id"`
	GivenName           string          `json:"givenName,omitempty"`
	FamilyName          string          `json:"familyName,omitempty"`
	BirthDate           string          `json:"birthDate,omitempty"` // YYYY-MM-DD
	NHSNumber           string          `json:"nhsNumber,omitempty"`
	Email               string          `json:"email,omitempty"`
	Phone               string          `json:"phone,omitempty"`
	Postcode            string          `json:"postcode,omitempty"`
	Sex                 string          `json:"sex,omitempty"`            // female, male, other, unknown
	EthnicCategory      string          `json:"ethnicCategory,omitempty"` // NHS Data Dictionary code A–S, Z, 99
	Census2021Ethnicity string          `json:"census2021Ethnicity,omitempty"`
	Conditions          []Condition     `json:"conditions,omitempty"`
	Medicines           []string        `json:"medicines,omitempty"`
	Observations        []Observation   `json:"observations,omitempty"`
	Pregnant            *bool           `json:"pregnant,omitempty"`
	Breastfeeding       *bool           `json:"breastfeeding,omitempty"`
	SMI                 *bool           `json:"smi,omitempty"` // an explicit answer; F20–F31 diagnoses also count
	Language            string          `json:"language,omitempty"`
	InterpreterNeeded   *bool           `json:"interpreterNeeded,omitempty"`
	AccessibilityNeeds  []string        `json:"accessibilityNeeds,omitempty"`
	Consent             Consent         `json:"consent"`
	Source              string          `json:"source,omitempty"` // self-registered, nurse, imported
	Org                 string          `json:"org,omitempty"`    // the organisation responsible for the record
	Strata              *Strata         `json:"strata,omitempty"` // derived, read-only
	CreatedAt           time.Time       `json:"createdAt,omitzero"`
	UpdatedAt           time.Time       `json:"updatedAt,omitzero"`
	Withdrawn           *WithdrawalNote `json:"withdrawn,omitempty"` // set when consent was withdrawn and identifiers erased
}

// Condition is one coded diagnosis: system icd10 or snomed; free text is mapped
// through the eligibility vocabulary when no code is given.
type Condition struct {
	System string `json:"system,omitempty" bson:"system,omitempty"` // icd10 | snomed
	Code   string `json:"code,omitempty" bson:"code,omitempty"`
	Text   string `json:"text,omitempty" bson:"text,omitempty"`
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
