package equity

import (
	"errors"
	"slices"
	"strings"
	"time"

	"equitrial"
)

// Stage is a step of the recruitment pipeline.
type Stage string

// Pipeline stages. Declined and screen-failed are exits with reason codes;
// withdrawn undoes an enrolment.
const (
	StageIdentified   Stage = "identified"
	StageApproached   Stage = "approached"
	StageScreened     Stage = "screened"
	StageEligible     Stage = "eligible"
	StageConsented    Stage = "consented"
	StageEnrolled     Stage = "enrolled"
	StageWithdrawn    Stage = "withdrawn"
	StageDeclined     Stage = "declined"
	StageScreenFailed Stage = "screen_failed"
)

// Stages lists every stage in pipeline order.
var Stages = []Stage{StageIdentified, StageApproached, StageScreened, StageEligible,
	StageConsented, StageEnrolled, StageWithdrawn, StageDeclined, StageScreenFailed}

// DeclinedReasons are the reason codes a declined event may carry. They follow the
// barriers the recruitment literature reports most, so that a site can see whether
// travel or distrust, say, falls harder on one group.
var DeclinedReasons = []string{
	"not_interested", "time_commitment", "travel_distance", "travel_cost",
	"randomisation_concern", "side_effect_concern", "family_or_carer_advice",
	"language_barrier", "distrust_of_research", "caring_responsibilities",
	"work_commitments", "too_unwell", "other",
}

// ScreenFailedReasons are the reason codes a screen_failed event may carry.
var ScreenFailedReasons = []string{
	"inclusion_not_met", "exclusion_met", "laboratory_value", "comorbidity",
	"concomitant_medication", "age", "pregnancy_or_contraception", "capacity_to_consent",
	"language_requirement", "mental_health_history", "other",
}

// Event is one step of one participant through a trial's pipeline. Events are
// append-only: a correction is a new, later event, never an edit.
//
// A participant is either an equitrial patient (PatientID) or someone recruited
// outside equitrial known only by Strata. Anonymous rows are each their own
// participant unless they share a RowKey at the same Site, which is how a site
// records a later stage (a withdrawal, say) for someone it uploaded earlier.
type Event struct {
	ID        string    `json:"id,omitempty"` // assigned by the store; a tiebreak for anonymous rows
	TrialID   string    `json:"nctId,omitempty"`
	Stage     Stage     `json:"stage"`
	At        time.Time `json:"at"`
	Site      string    `json:"site"`
	PatientID string    `json:"patientId,omitempty"`
	Strata    *Strata   `json:"strata,omitempty"`
	RowKey    string    `json:"rowKey,omitempty"` // the site's own reference for an anonymous participant
	Reasons   []string  `json:"reasons,omitempty"`
}

// ValidStage reports whether s is a known stage.
func ValidStage(s Stage) bool { return slices.Contains(Stages, s) }

// Validate checks an event as received from a user or an upload, naming every field
// at fault.
func (e *Event) Validate() error {
	var fields []equitrial.FieldError
	add := func(f, d string) { fields = append(fields, equitrial.FieldError{Field: f, Detail: d}) }
	if !ValidStage(e.Stage) {
		add("stage", "must be one of "+joinStages())
	}
	if e.At.IsZero() {
		add("at", "the time of the event is required")
	}
	if strings.TrimSpace(e.Site) == "" {
		add("site", "the recruiting site is required")
	}
	switch {
	case e.PatientID != "" && e.Strata != nil:
		add("strata", "give either patientId or strata, not both: strata are looked up from the patient record")
	case e.PatientID == "" && e.Strata == nil:
		add("patientId", "give patientId for an equitrial patient or strata for someone recruited outside equitrial")
	case e.Strata != nil:
		var se *equitrial.Error
		if errors.As(e.Strata.Validate(), &se) {
			fields = append(fields, se.Fields...)
		}
	}
	if e.PatientID != "" && e.RowKey != "" {
		add("rowKey", "rowKey identifies anonymous strata rows only")
	}
	var allowed []string
	switch e.Stage {
	case StageDeclined:
		allowed = DeclinedReasons
	case StageScreenFailed:
		allowed = ScreenFailedReasons
	}
	if allowed == nil && len(e.Reasons) > 0 {
		add("reasons", "reason codes are recorded only for declined and screen_failed events")
	}
	for i, r := range e.Reasons {
		if allowed != nil && !slices.Contains(allowed, r) {
			add("reasons["+itoa(i)+"]", "\""+r+"\" is not a "+string(e.Stage)+" reason; use one of "+strings.Join(allowed, ", "))
		}
	}
	if len(fields) > 0 {
		return equitrial.Invalid("the recruitment event is not valid", fields...)
	}
	return nil
}

func joinStages() string {
	s := make([]string, len(Stages))
	for i, st := range Stages {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}
