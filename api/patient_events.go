package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/equity"
)

// GET /api/v1/patients/{id}/events?trial=NCT…&trial=…: the latest recruitment event
// of one patient in each trial named, for the nurse's matches page ("Approached on
// 3 December"). Decisions:
//
//   - Site staff only (nurses of the patient's organisation, admins): the same
//     scoping as the patient record, so another site's nurse gets 404.
//   - Events are stored per trial, not per patient, so each trial named is read
//     whole and filtered: linear in the trial's events, bounded by at most
//     maxEventTrials trials per request (a page of matches). An index by patient
//     would need a store change; this is enough for the pages.
//   - The answer holds the stage, time, site and reasons, never other patients'
//     events; it is audited as a read of the patient.
const maxEventTrials = 50

type latestEvents struct {
	PatientID string                  `json:"patientId"`
	Latest    map[string]equity.Event `json:"latest"` // by NCT id; trials without an event are absent
}

func (s *Server) patientEvents(c *gin.Context) error {
	// Scope first: a patient out of scope is not found, whatever was asked.
	_, p, ok := s.scopedPatient(c, "read-events")
	if !ok {
		return nil
	}
	var trials []string
	seen := map[string]bool{}
	for _, v := range c.QueryArray("trial") {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" && !seen[id] {
				seen[id] = true
				trials = append(trials, id)
			}
		}
	}
	var bad []equitrial.FieldError
	for name := range c.Request.URL.Query() {
		if name != "trial" {
			bad = append(bad, equitrial.FieldError{Field: name, Detail: "unknown parameter; the parameter is trial (NCT ids, repeated or comma-separated)"})
		}
	}
	if len(trials) == 0 || len(trials) > maxEventTrials {
		bad = append(bad, equitrial.FieldError{Field: "trial", Detail: "name 1 to 50 trials by NCT id"})
	}
	for _, id := range trials {
		if !validNCTID(id) {
			bad = append(bad, equitrial.FieldError{Field: "trial", Detail: "must be NCT followed by 8 digits, such as NCT04280705"})
			break
		}
	}
	if len(bad) > 0 {
		return equitrial.Invalid("", bad...)
	}
	if s.Equity.DB == nil {
		return equitrial.Errorf(equitrial.KindUnavailable, "recruitment events are not available on this server")
	}
	out := latestEvents{PatientID: p.ID, Latest: map[string]equity.Event{}}
	for _, id := range trials {
		evs, err := s.Equity.DB.Events.List(c.Request.Context(), id)
		if err != nil {
			return err
		}
		for _, e := range evs { // in time order: the last one wins
			if e.PatientID == p.ID {
				e.TrialID = id
				out.Latest[id] = e
			}
		}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
	s.audit(c, "read-events", "patient", p.ID, len(out.Latest))
	return nil
}
