package ctgov

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"equitrial"
)

var nctIDPattern = regexp.MustCompile(`^NCT[0-9]{8}$`)

// ValidNCTID reports whether s has the form of a ClinicalTrials.gov identifier.
func ValidNCTID(s string) bool { return nctIDPattern.MatchString(s) }

// Decode normalises one API v2 study record. A record that is not a JSON object,
// has fields of the wrong type, or has no valid NCT id is rejected with a reason.
func Decode(raw []byte) (*equitrial.Trial, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, equitrial.Errorf(equitrial.KindInvalid, "a study record must be a JSON object")
	}
	var s study
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, equitrial.Errorf(equitrial.KindInvalid, "%s", describeJSONError(err))
	}
	p := &s.ProtocolSection
	id := strings.TrimSpace(p.IdentificationModule.NCTID)
	if id == "" {
		return nil, equitrial.Errorf(equitrial.KindInvalid, "no NCT id (protocolSection.identificationModule.nctId)")
	}
	if !ValidNCTID(id) {
		return nil, equitrial.Errorf(equitrial.KindInvalid, "NCT id %q is not of the form NCT followed by 8 digits", id)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, equitrial.Errorf(equitrial.KindInvalid, "%s", describeJSONError(err))
	}
	el := &p.EligibilityModule
	t := &equitrial.Trial{
		NCTID:            id,
		BriefTitle:       strings.TrimSpace(p.IdentificationModule.BriefTitle),
		OfficialTitle:    strings.TrimSpace(p.IdentificationModule.OfficialTitle),
		Acronym:          p.IdentificationModule.Acronym,
		OverallStatus:    p.StatusModule.OverallStatus,
		Phases:           p.DesignModule.Phases,
		StudyType:        p.DesignModule.StudyType,
		Conditions:       p.ConditionsModule.Conditions,
		Keywords:         p.ConditionsModule.Keywords,
		LeadSponsor:      p.SponsorCollaboratorsModule.LeadSponsor.Name,
		SponsorClass:     p.SponsorCollaboratorsModule.LeadSponsor.Class,
		BriefSummary:     p.DescriptionModule.BriefSummary,
		EligibilityText:  el.EligibilityCriteria,
		MinimumAge:       el.MinimumAge,
		MaximumAge:       el.MaximumAge,
		Sex:              el.Sex,
		HealthyVolunteer: el.HealthyVolunteers,
		StartDate:        p.StatusModule.StartDateStruct.Date,
		CompletionDate:   p.StatusModule.CompletionDateStruct.Date,
		Enrollment:       p.DesignModule.EnrollmentInfo.Count,
		EnrollmentType:   p.DesignModule.EnrollmentInfo.Type,
		LastUpdate:       p.StatusModule.LastUpdatePostDateStruct.Date,
		Raw:              compact.Bytes(),
	}
	if t.LastUpdate == "" {
		t.LastUpdate = p.StatusModule.LastUpdateSubmitDate
	}
	if t.Sex == "" {
		t.Sex = "ALL"
	}
	var err error
	if t.MinAgeYears, err = ParseAge(el.MinimumAge); err != nil {
		return nil, equitrial.Errorf(equitrial.KindInvalid, "minimumAge: %v", err)
	}
	if t.MaxAgeYears, err = ParseAge(el.MaximumAge); err != nil {
		return nil, equitrial.Errorf(equitrial.KindInvalid, "maximumAge: %v", err)
	}
	for _, m := range s.DerivedSection.ConditionBrowseModule.Meshes {
		if m.Term != "" {
			t.ConditionMeSH = append(t.ConditionMeSH, m.Term)
		}
	}
	for _, iv := range p.ArmsInterventionsModule.Interventions {
		if iv.Name != "" {
			t.Interventions = append(t.Interventions, equitrial.Intervention{Type: iv.Type, Name: iv.Name})
		}
	}
	for _, l := range p.ContactsLocationsModule.Locations {
		loc := equitrial.Location{Facility: l.Facility, City: l.City, Postcode: l.Zip, Country: l.Country, Status: l.Status}
		if g := l.GeoPoint; g != nil && validLatLon(g.Lat, g.Lon) {
			loc.Geo = &equitrial.LatLon{Lat: g.Lat, Lon: g.Lon}
		}
		t.Locations = append(t.Locations, loc)
	}
	return t, nil
}

func validLatLon(lat, lon float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 && !(lat == 0 && lon == 0)
}

// ageUnits are the units ClinicalTrials.gov uses for age limits, in years.
var ageUnits = map[string]float64{
	"year": 1, "years": 1,
	"month": 1.0 / 12, "months": 1.0 / 12,
	"week": 7 / 365.25, "weeks": 7 / 365.25,
	"day": 1 / 365.25, "days": 1 / 365.25,
	"hour": 1 / 8766.0, "hours": 1 / 8766.0,
	"minute": 1 / 525960.0, "minutes": 1 / 525960.0,
}

// ParseAge reads an age limit such as "18 Years" or "6 Months" into years. An empty
// limit or "N/A" means no limit and gives nil.
func ParseAge(s string) (*float64, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "N/A") {
		return nil, nil
	}
	f := strings.Fields(s)
	if len(f) != 2 {
		return nil, fmt.Errorf("%q is not an age such as \"18 Years\"", s)
	}
	n, err := strconv.ParseFloat(f[0], 64)
	unit, ok := ageUnits[strings.ToLower(f[1])]
	if err != nil || !ok || n < 0 {
		return nil, fmt.Errorf("%q is not an age such as \"18 Years\"", s)
	}
	years := n * unit
	return &years, nil
}

// describeJSONError turns encoding/json's messages into ones that name the field.
func describeJSONError(err error) string {
	switch e := err.(type) {
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("field %s has the wrong type: got JSON %s, want %s", e.Field, e.Value, e.Type)
	case *json.SyntaxError:
		return fmt.Sprintf("invalid JSON at byte %d: %v", e.Offset, e)
	}
	return "invalid JSON: " + err.Error()
}
