package api

import (
	"github.com/gin-gonic/gin"

	"equitrial"
)

// Caller is who is making a request, as established by authentication. Handlers ask
// for it with callerOf and never read credentials themselves.
type Caller struct {
	Role      Role
	UserID    string // staff account or API token id; empty for anonymous and patients
	Org       string // the organisation a staff member or token acts for
	PatientID string // for Role == Patient: the only patient record they may see

	mustChange bool // signed in with a one-time password not yet changed
}

const callerKey = "equitrial.caller"

// callerOf returns the caller established for this request (anonymous if none).
func callerOf(c *gin.Context) Caller {
	if v, ok := c.Get(callerKey); ok {
		return v.(Caller)
	}
	return Caller{Role: Anonymous}
}

// requireTrialAccess enforces sponsor scoping: a sponsor may act only on trials
// linked to their organisation. Staff of sites and admins may act on any trial.
func (s *Server) requireTrialAccess(c *gin.Context, nctID string) error {
	caller := callerOf(c)
	switch caller.Role {
	case Admin, Nurse:
		return nil
	case Sponsor:
		if s.TrialOwner != nil && s.TrialOwner(c.Request.Context(), caller.Org, nctID) {
			return nil
		}
	}
	return equitrial.Errorf(equitrial.KindForbidden, "you may not see or change trial %s", nctID)
}

// exactCounts reports whether the caller may see exact counts: admins, and nurses
// whose organisation recruits to the trial (noted by withRecruitment, events.go; a
// route without it shows nurses the controlled view). Sponsors, and nurses of other
// organisations, see only disclosure-controlled aggregates (small counts
// suppressed, others rounded).
func exactCounts(c *gin.Context) bool {
	switch callerOf(c).Role {
	case Admin:
		return true
	case Nurse:
		return c.GetBool(recruitsKey)
	}
	return false
}
