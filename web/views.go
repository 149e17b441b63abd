package web

import (
	"fmt"
	"strings"
	"time"

	"equitrial"
)

// The API's JSON as the pages read it. These mirror the published JSON contract,
// not the Go types behind it, so that the pages depend only on what the API says.

type patientView struct {
	ID                  string          `json:"id"`
	GivenName           string          `json:"givenName"`
	FamilyName          string          `json:"familyName"`
	BirthDate           string          `json:"birthDate"`
	NHSNumber           string          `json:"nhsNumber"`
	Email               string          `json:"email"`
	Phone               string          `json:"phone"`
	Postcode            string          `json:"postcode"`
	Sex                 string          `json:"sex"`
	EthnicCategory      string          `json:"ethnicCategory"`
	Census2021Ethnicity string          `json:"census2021Ethnicity"`
	Language            string          `json:"language"`
	InterpreterNeeded   *bool           `json:"interpreterNeeded"`
	Pregnant            *bool           `json:"pregnant"`
	Breastfeeding       *bool           `json:"breastfeeding"`
	SMI                 *bool           `json:"smi"`
	AccessibilityNeeds  []string        `json:"accessibilityNeeds"`
	Conditions          []conditionView `json:"conditions"`
	ConditionsComplete  bool            `json:"conditionsComplete"` // patient edit (patient_edit.go)
	Observations        []struct {
		Analyte string  `json:"analyte"`
		Value   float64 `json:"value"`
		Unit    string  `json:"unit"`
		Date    string  `json:"date"`
	} `json:"observations"`
	UpdatedAt time.Time `json:"updatedAt"`
	Consent   struct {
		Contact bool   `json:"contact"`
		Date    string `json:"date"`
		Channel string `json:"channel"`
	} `json:"consent"`
	Org    string `json:"org"`
	Source string `json:"source"`
	Strata *struct {
		IMDQuintile int    `json:"imdQuintile"`
		IMDNote     string `json:"imdNote"`
		EthnicGroup string `json:"ethnicGroup"`
		SMI         string `json:"smi"`
		AgeBand     string `json:"ageBand"`
		Sex         string `json:"sex"`
	} `json:"strata"`
	Withdrawn *struct {
		At time.Time `json:"at"`
	} `json:"withdrawn"`
	CreatedAt time.Time `json:"createdAt"`
}

func (p *patientView) Name() string {
	n := strings.TrimSpace(p.GivenName + " " + p.FamilyName)
	if n == "" {
		return "Name not given"
	}
	return n
}

// BirthDateText is the date of birth as people write it: 9 March 1972.
func (p *patientView) BirthDateText() string { return longDate(p.BirthDate) }

func longDate(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("2 January 2006")
}

// EthnicityText is the answer the person gave, in the census's words.
func (p *patientView) EthnicityText() string {
	if c, ok := equitrial.ParseCensus2021Ethnicity(p.Census2021Ethnicity); ok {
		return c.Heading + ": " + c.Description
	}
	if info, ok := equitrial.EthnicCategory(p.EthnicCategory); ok {
		if info.Code == "Z" {
			return "Prefers not to say"
		}
		return info.Heading + ": " + info.Description
	}
	return "Not given"
}

type conditionView struct {
	System string `json:"system,omitempty"`
	Code   string `json:"code,omitempty"`
	Text   string `json:"text,omitempty"`
	Status string `json:"status,omitempty"` // "absent": confirmed not to have it
}

// Label is "Type 2 diabetes (ICD10 E11)".
func (c conditionView) Label() string {
	switch {
	case c.Text != "" && c.Code != "":
		return c.Text + " (" + strings.ToUpper(c.System) + " " + c.Code + ")"
	case c.Text != "":
		return c.Text
	}
	return strings.ToUpper(c.System) + " " + c.Code
}

// ConditionList is the conditions the patient has.
func (p *patientView) ConditionList() []string {
	var out []string
	for _, c := range p.Conditions {
		if c.Status != "absent" {
			out = append(out, c.Label())
		}
	}
	return out
}

// AbsentList is the conditions the patient is confirmed not to have.
func (p *patientView) AbsentList() []string {
	var out []string
	for _, c := range p.Conditions {
		if c.Status == "absent" {
			out = append(out, c.Label())
		}
	}
	return out
}

// matchesView is GET /api/v1/patients/{id}/matches.
type matchesView struct {
	Counts   map[string]int `json:"counts"`
	Total    int            `json:"total"`
	Located  bool           `json:"located"`
	RadiusKm *float64       `json:"radius_km"`
	Results  []trialMatch   `json:"results"`
}

type trialMatch struct {
	NCTID       string            `json:"nctId"`
	Title       string            `json:"title"`
	TrialStatus string            `json:"trialStatus"`
	Status      string            `json:"status"`
	Criteria    []criterionResult `json:"criteria"`
	Questions   []string          `json:"questions"`
	Asks        []question        `json:"asks"`
	RestsOn     *restsOn          `json:"restsOn"`
	Unknowns    int               `json:"unknowns"`
	DistanceKm  *float64          `json:"distance_km"`
	Relevance   string            `json:"relevance"`
	Conditions  []string          `json:"conditions"`
	New         bool              `json:"new"`
}

type criterionResult struct {
	Index    int    `json:"index"`
	Text     string `json:"text"`
	Section  string `json:"section"`
	Type     string `json:"type"`
	Result   string `json:"result"`
	Reason   string `json:"reason"`
	Question string `json:"question"`
}

// ByStatus splits the matches into eligible and potentially eligible, in the
// API's order within each.
func (m *matchesView) ByStatus() (groups []matchGroup) {
	if m == nil {
		return nil
	}
	for _, st := range []string{"eligible", "potentially_eligible"} {
		g := matchGroup{Status: st}
		for _, r := range m.Results {
			if r.Status == st {
				g.Matches = append(g.Matches, r)
			}
		}
		if len(g.Matches) > 0 {
			groups = append(groups, g)
		}
	}
	return groups
}

type matchGroup struct {
	Status  string
	Matches []trialMatch
}

func (g matchGroup) Heading() string {
	if g.Status == "eligible" {
		return "Eligible"
	}
	return "Potentially eligible: questions to ask"
}

func (t trialMatch) Distance() string {
	if t.DistanceKm == nil {
		return "Distance not known"
	}
	miles := *t.DistanceKm / 1.609344
	return fmt.Sprintf("%.0f miles (%.0f km) to the nearest site", miles, *t.DistanceKm)
}
