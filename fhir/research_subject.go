package fhir

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"equitrial/equity"
)

// ResearchSubjects is a trial's participants, folded from its recruitment log
// (equity.Fold), as a searchset Bundle of ResearchSubjects in the log's order.
// Which participants a caller may see is the caller's business (the API filters
// first); this only maps.
func ResearchSubjects(nctID string, ps []equity.Participant, now time.Time) (fm.Bundle, error) {
	b := fm.Bundle{Type: fm.BundleTypeSearchset, Timestamp: ptr(now.UTC().Format(time.RFC3339)), Total: ptr(len(ps))}
	for _, p := range ps {
		raw, err := json.Marshal(ResearchSubject(nctID, p))
		if err != nil {
			return fm.Bundle{}, err
		}
		b.Entry = append(b.Entry, fm.BundleEntry{Resource: raw, Search: &fm.BundleEntrySearch{Mode: ptr(fm.SearchEntryModeMatch)}})
	}
	return b, nil
}

// ResearchSubject is one participant of a trial. Its id is stable (the trial and a
// hash of the participant's key), so a system that stores them can update them. An
// equitrial patient is referred to as Patient/<id> (see PatientID); a participant
// recruited outside equitrial is known only by strata, and is shown as such.
func ResearchSubject(nctID string, p equity.Participant) fm.ResearchSubject {
	sum := sha256.Sum256([]byte(p.Key))
	rs := fm.ResearchSubject{
		Id:     ptr(strings.ToLower(nctID) + "-" + hex.EncodeToString(sum[:8])),
		Status: subjectStatus(p.Stage),
		Study:  fm.Reference{Reference: ptr("ResearchStudy/" + nctID), Type: ptr("ResearchStudy")},
	}
	if p.PatientID != "" {
		rs.Individual = fm.Reference{Reference: ptr("Patient/" + PatientID(p.PatientID)), Type: ptr("Patient")}
	} else {
		rs.Individual = fm.Reference{Type: ptr("Patient"), Display: ptr("a participant recruited outside equitrial, known only by anonymous strata")}
	}
	if p.Enrolled {
		rs.Period = &fm.Period{Start: ptr(p.EnrolledAt.UTC().Format(time.RFC3339))}
	}
	return rs
}

// PatientID is an equitrial patient id written as a FHIR id, which may not hold
// "_": "pt_abc…" is "pt-abc…" (ids are otherwise lower-case letters and digits, so
// nothing else changes and the two forms map one to one).
func PatientID(id string) string { return strings.ReplaceAll(id, "_", "-") }

// subjectStatus maps a recruitment stage to the ResearchSubject status that
// describes the same point of the pipeline.
func subjectStatus(s equity.Stage) fm.ResearchSubjectStatus {
	switch s {
	case equity.StageIdentified:
		return fm.ResearchSubjectStatusPotentialCandidate
	case equity.StageApproached:
		return fm.ResearchSubjectStatusCandidate
	case equity.StageScreened:
		return fm.ResearchSubjectStatusScreening
	case equity.StageEligible:
		return fm.ResearchSubjectStatusEligible
	case equity.StageConsented:
		return fm.ResearchSubjectStatusPendingOnStudy
	case equity.StageEnrolled:
		return fm.ResearchSubjectStatusOnStudy
	case equity.StageWithdrawn:
		return fm.ResearchSubjectStatusWithdrawn
	case equity.StageDeclined:
		return fm.ResearchSubjectStatusNotRegistered
	case equity.StageScreenFailed:
		return fm.ResearchSubjectStatusIneligible
	}
	return fm.ResearchSubjectStatusCandidate
}
