package fhir

import (
	"strings"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"equitrial"
)

// ResearchStudy is a trial as a FHIR R4 ResearchStudy. Its id is the NCT number
// (an id FHIR accepts), identified in the registry's own system. Only what the
// registry published is in it: it is public, like the trial itself, and carries
// no enrolment (ResearchSubjects do, for those who may see it).
func ResearchStudy(t *equitrial.Trial) fm.ResearchStudy {
	rs := fm.ResearchStudy{
		Id:     ptr(t.NCTID),
		Status: studyStatus(t.OverallStatus),
		Identifier: []fm.Identifier{{
			Use: ptr(fm.IdentifierUseOfficial), System: ptr(SystemNCT), Value: ptr(t.NCTID),
		}},
		Title:       ptr(or(t.BriefTitle, t.OfficialTitle)),
		Description: optional(t.BriefSummary),
		RelatedArtifact: []fm.RelatedArtifact{{
			Type: fm.RelatedArtifactTypeDocumentation, Label: ptr("ClinicalTrials.gov record"),
			Url: ptr("https://clinicaltrials.gov/study/" + t.NCTID),
		}},
	}
	if ph := studyPhase(t.Phases); ph != "" {
		rs.Phase = &fm.CodeableConcept{Coding: []fm.Coding{{System: ptr(SystemResearchStudyPhase), Code: ptr(ph)}}}
	}
	if t.StudyType != "" {
		rs.Category = []fm.CodeableConcept{{Text: ptr(strings.ToLower(t.StudyType))}}
	}
	rs.Condition = texts(t.Conditions)
	rs.Keyword = texts(t.Keywords)
	for _, iv := range t.Interventions {
		rs.Focus = append(rs.Focus, fm.CodeableConcept{Text: ptr(iv.Name)})
	}
	countries := map[string]bool{}
	for _, l := range t.Locations {
		if l.Facility != "" {
			rs.Site = append(rs.Site, fm.Reference{Type: ptr("Location"), Display: ptr(strings.Join(nonEmpty(l.Facility, l.City, l.Postcode), ", "))})
		}
		if l.Country != "" && !countries[l.Country] {
			countries[l.Country] = true
			rs.Location = append(rs.Location, fm.CodeableConcept{Text: ptr(l.Country)})
		}
	}
	if t.StartDate != "" || t.CompletionDate != "" {
		rs.Period = &fm.Period{Start: optional(t.StartDate), End: optional(t.CompletionDate)}
	}
	if t.LeadSponsor != "" {
		rs.Sponsor = &fm.Reference{Type: ptr("Organization"), Display: ptr(t.LeadSponsor)}
	}
	return rs
}

// studyStatus maps ClinicalTrials.gov's overall status. A study of unknown status
// (not verified by its sponsor for two years) is closed to accrual here, as
// equitrial never offers it as recruiting.
func studyStatus(s string) fm.ResearchStudyStatus {
	switch s {
	case "RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE":
		return fm.ResearchStudyStatusActive
	case "NOT_YET_RECRUITING", "APPROVED_FOR_MARKETING":
		return fm.ResearchStudyStatusApproved
	case "SUSPENDED", "TEMPORARILY_NOT_AVAILABLE":
		return fm.ResearchStudyStatusTemporarilyClosedToAccrual
	case "TERMINATED":
		return fm.ResearchStudyStatusAdministrativelyCompleted
	case "COMPLETED", "NO_LONGER_AVAILABLE":
		return fm.ResearchStudyStatusCompleted
	case "WITHDRAWN", "WITHHELD":
		return fm.ResearchStudyStatusWithdrawn
	}
	return fm.ResearchStudyStatusClosedToAccrual // ACTIVE_NOT_RECRUITING, UNKNOWN and anything new
}

// studyPhase maps ClinicalTrials.gov's phases (PHASE1, PHASE2, …) to the FHIR
// research-study-phase code; two phases make a combined phase.
func studyPhase(phases []string) string {
	has := map[string]bool{}
	for _, p := range phases {
		has[p] = true
	}
	switch {
	case has["PHASE1"] && has["PHASE2"]:
		return "phase-1-phase-2"
	case has["PHASE2"] && has["PHASE3"]:
		return "phase-2-phase-3"
	case has["EARLY_PHASE1"]:
		return "early-phase-1"
	case has["PHASE1"]:
		return "phase-1"
	case has["PHASE2"]:
		return "phase-2"
	case has["PHASE3"]:
		return "phase-3"
	case has["PHASE4"]:
		return "phase-4"
	case has["NA"]:
		return "n-a"
	}
	return ""
}

func texts(ss []string) []fm.CodeableConcept {
	var out []fm.CodeableConcept
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, fm.CodeableConcept{Text: ptr(s)})
		}
	}
	return out
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
