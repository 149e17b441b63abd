package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/store"
)

// audit records that the caller read or changed patient data. It runs after the
// handler, so the entry carries the outcome; a failure to record is logged as an
// error but does not undo what the caller already received.
func (s *Server) audit(c *gin.Context, action, subject, subjectID string, count int) {
	caller := callerOf(c)
	e := store.AuditEntry{
		At: time.Now().UTC(), ActorRole: string(caller.Role), ActorID: caller.UserID, ActorOrg: caller.Org,
		Action: action, Subject: subject, SubjectID: subjectID, Count: count,
		Method: c.Request.Method, Route: c.FullPath(), RequestID: requestID(c), Status: c.Writer.Status(),
	}
	if caller.Role == Patient {
		e.ActorID = "patient:" + caller.PatientID
	}
	if s.Audit == nil {
		return
	}
	if err := s.Audit.Append(c.Request.Context(), e); err != nil {
		logFrom(c).Error("audit entry not recorded", "error", err.Error(), "route", e.Route)
	}
}

// listAudit lets admins read the audit log, newest first, a page at a time:
// ?subjectId=&actorId=&from=&to=&page=&size= (limit is the old name of size).
// The answer says how many entries match in all.
func (s *Server) listAudit(c *gin.Context) error {
	q := store.AuditQuery{SubjectID: c.Query("subjectId"), ActorID: c.Query("actorId")}
	var bad []equitrial.FieldError
	for name, dst := range map[string]*time.Time{"from": &q.From, "to": &q.To} {
		if v := c.Query(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				bad = append(bad, equitrial.FieldError{Field: name, Detail: "must be a time such as 2026-11-21T09:00:00Z"})
			}
			*dst = t
		}
	}
	page, size := 1, 100
	for _, p := range []struct {
		name    string
		dst     *int
		max     int
		mustSay string
	}{{"page", &page, 100000, "must be a whole number from 1"}, {"limit", &size, 1000, "must be a whole number from 1 to 1000"},
		{"size", &size, 1000, "must be a whole number from 1 to 1000"}} {
		if v := c.Query(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > p.max {
				bad = append(bad, equitrial.FieldError{Field: p.name, Detail: p.mustSay})
				continue
			}
			*p.dst = n
		}
	}
	if len(bad) > 0 {
		return equitrial.Invalid("", bad...)
	}
	entries, total, err := s.Audit.FindPage(c.Request.Context(), q, page, size)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"entries": entries, "total": total, "page": page, "size": size})
	return nil
}
