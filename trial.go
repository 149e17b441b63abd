package equitrial

import (
	"encoding/json"
	"strings"
	"time"
)

// Trial is one study from ClinicalTrials.gov: the raw API v2 record, kept so that
// nothing the registry said is lost, and the fields equitrial reads, normalised once
// at import so that search, matching and equity need not re-read the raw record.
type Trial struct {
	NCTID            string          `json:"nctId" bson:"_id"`
	BriefTitle       string          `json:"briefTitle" bson:"briefTitle"`
	OfficialTitle    string          `json:"officialTitle,omitempty" bson:"officialTitle,omitempty"`
	Acronym          string          `json:"acronym,omitempty" bson:"acronym,omitempty"`
	OverallStatus    string          `json:"overallStatus,omitempty" bson:"overallStatus,omitempty"` // RECRUITING, COMPLETED, …
	Phases           []string        `json:"phases,omitempty" bson:"phases,omitempty"`               // PHASE1, PHASE2, NA, …
	StudyType        string          `json:"studyType,omitempty" bson:"studyType,omitempty"`         // INTERVENTIONAL, OBSERVATIONAL
	Conditions       []string        `json:"conditions,omitempty" bson:"conditions,omitempty"`
	Keywords         []string        `json:"keywords,omitempty" bson:"keywords,omitempty"`
	ConditionMeSH    []string        `json:"conditionMesh,omitempty" bson:"conditionMesh,omitempty"`
	Interventions    []Intervention  `json:"interventions,omitempty" bson:"interventions,omitempty"`
	LeadSponsor      string          `json:"leadSponsor,omitempty" bson:"leadSponsor,omitempty"`
	SponsorClass     string          `json:"sponsorClass,omitempty" bson:"sponsorClass,omitempty"` // INDUSTRY, NIH, OTHER, …
	BriefSummary     string          `json:"briefSummary,omitempty" bson:"briefSummary,omitempty"`
	EligibilityText  string          `json:"eligibilityCriteria,omitempty" bson:"eligibilityCriteria,omitempty"`
	MinimumAge       string          `json:"minimumAge,omitempty" bson:"minimumAge,omitempty"` // as registered, e.g. "18 Years"
	MaximumAge       string          `json:"maximumAge,omitempty" bson:"maximumAge,omitempty"`
	MinAgeYears      *float64        `json:"minAgeYears,omitempty" bson:"minAgeYears,omitempty"` // nil: no lower bound
	MaxAgeYears      *float64        `json:"maxAgeYears,omitempty" bson:"maxAgeYears,omitempty"` // nil: no upper bound
	Sex              string          `json:"sex,omitempty" bson:"sex,omitempty"`                 // ALL, FEMALE, MALE
	HealthyVolunteer bool            `json:"healthyVolunteers" bson:"healthyVolunteers"`
	Locations        []Location      `json:"locations,omitempty" bson:"locations,omitempty"`
	StartDate        string          `json:"startDate,omitempty" bson:"startDate,omitempty"` // YYYY-MM or YYYY-MM-DD, as registered
	CompletionDate   string          `json:"completionDate,omitempty" bson:"completionDate,omitempty"`
	Enrollment       int             `json:"enrollment,omitempty" bson:"enrollment,omitempty"`
	EnrollmentType   string          `json:"enrollmentType,omitempty" bson:"enrollmentType,omitempty"` // ACTUAL or ESTIMATED
	LastUpdate       string          `json:"lastUpdate,omitempty" bson:"lastUpdate,omitempty"`         // last update posted, YYYY-MM-DD
	Raw              json.RawMessage `json:"raw,omitempty" bson:"-"`                                   // the API v2 record as received
}

// Intervention is one arm's drug, device, procedure or behaviour.
type Intervention struct {
	Type string `json:"type,omitempty" bson:"type,omitempty"`
	Name string `json:"name" bson:"name"`
}

// Location is one site of a trial.
type Location struct {
	Facility string  `json:"facility,omitempty" bson:"facility,omitempty"`
	City     string  `json:"city,omitempty" bson:"city,omitempty"`
	Postcode string  `json:"postcode,omitempty" bson:"postcode,omitempty"`
	Country  string  `json:"country,omitempty" bson:"country,omitempty"`
	Status   string  `json:"status,omitempty" bson:"status,omitempty"`
	Geo      *LatLon `json:"geo,omitempty" bson:"geo,omitempty"`
}

// LatLon is a WGS84 point in decimal degrees.
type LatLon struct {
	Lat float64 `json:"lat" bson:"lat"`
	Lon float64 `json:"lon" bson:"lon"`
}

// Recruiting reports whether the trial is open, or about to open, to new participants.
func (t *Trial) Recruiting() bool {
	switch t.OverallStatus {
	case "RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION":
		return true
	}
	return false
}

// LastUpdateTime parses LastUpdate; the zero time when absent or unreadable.
func (t *Trial) LastUpdateTime() time.Time {
	return ParsePartialDate(t.LastUpdate)
}

// partialDateLayouts are the forms a ClinicalTrials.gov date takes: ISO from the
// API v2 ("2024-03-18", "2024-03", "2024"), and the long forms of records
// converted from older formats ("December 22, 2017", "December 2017").
var partialDateLayouts = []string{"2006-01-02", "2006-01", "2006", "January 2, 2006", "Jan 2, 2006", "January 2006"}

// ParsePartialDate reads any of partialDateLayouts; a date with no day counts as
// the first of its month. Anything else gives the zero time.
func ParsePartialDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range partialDateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
