package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/equity"
	"equitrial/store"
)

// Recruitment events and alerts: who may write and see what. Decisions:
//
//   - A patientId in an event must name a patient of the caller's organisation (any
//     existing patient, for an admin). An id that is unknown or
//     another organisation's is refused with the same 400 naming the event's
//     patientId, so the answer does not tell which. Nothing is stored if any is bad.
//   - Every event write is attributed in the store (the account or token, and its
//     organisation) and audited: one entry for the trial with the number of events,
//     and one for each patient the events name. Refused writes are audited too.
//   - A site recruits to a trial when an administrator lists the trial among the
//     site's trials (store.Org.Trials), or once the site has recorded an event for
//     it. Nurses see a trial's exact counts only if their organisation recruits to
//     it; otherwise they get the sponsor's disclosure-controlled view. Only nurses of
//     recruiting sites may list and acknowledge a trial's alerts (alerts carry
//     statuses judged on exact counts). Admins see and do everything; sponsors keep
//     their own rules (their organisation's trials, aggregates only).
//   - Uploads are idempotent. A client may send an Idempotency-Key header (1–200
//     printable characters); without one the key is the request itself (trial and
//     body), so a retried identical request is the same request. Within 24 hours a
//     request with a key already used by the same caller answers as the first did
//     (201, the same ids, with Idempotent-Replayed: true) and stores nothing; the
//     same key with a different body is a 409. To record two indistinguishable
//     anonymous participants in separate requests, give them rowKeys or send distinct
//     Idempotency-Keys.

// recruitsKey holds, for a nurse, whether their organisation recruits to the trial
// in the path (set by withRecruitment; read by exactCounts).
const recruitsKey = "equitrial.recruits"

// recruits reports whether the caller's organisation recruits to trial nctID:
// an administrator has listed the trial among the site's trials. Recording events
// does not make a site a recruiter: otherwise one made-up anonymous row would
// unlock a trial's exact counts for any nurse.
func (s *Server) recruits(c *gin.Context, nctID string) (bool, error) {
	caller := callerOf(c)
	if caller.Org == "" || s.Orgs == nil {
		return false, nil
	}
	return s.Orgs.ListsSite(c.Request.Context(), caller.Org, nctID)
}

// withRecruitment notes, for a nurse, whether their organisation recruits to the
// trial in the path, so that exactCounts can tell.
func (s *Server) withRecruitment(h handlerFunc) handlerFunc {
	return func(c *gin.Context) error {
		if callerOf(c).Role == Nurse {
			ok, err := s.recruits(c, c.Param("nctId"))
			if err != nil {
				return err
			}
			c.Set(recruitsKey, ok)
		}
		return h(c)
	}
}

// recruitersOnly refuses nurses whose organisation does not recruit to the trial
// in the path.
func (s *Server) recruitersOnly(h handlerFunc) handlerFunc {
	return s.withRecruitment(func(c *gin.Context) error {
		if callerOf(c).Role == Nurse && !c.GetBool(recruitsKey) {
			return notRecruiting(c.Param("nctId"))
		}
		return h(c)
	})
}

func notRecruiting(nctID string) error {
	return equitrial.Errorf(equitrial.KindForbidden,
		"your organisation does not recruit to %s: its alerts are for the sites that do (an administrator can list your site for the trial)", nctID)
}

// acknowledgeRecruitingAlert acknowledges an alert, for admins, the trial's
// sponsor, or nurses of a site that recruits to the trial.
func (s *Server) acknowledgeRecruitingAlert(c *gin.Context) error {
	if s.Equity.DB == nil {
		return equitrial.Errorf(equitrial.KindUnavailable, "equity monitoring is not configured")
	}
	ctx := c.Request.Context()
	a, err := s.Equity.DB.Alerts.Get(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if err := s.requireTrialAccess(c, a.TrialID); err != nil {
		return err
	}
	if callerOf(c).Role == Nurse {
		ok, err := s.recruits(c, a.TrialID)
		if err != nil {
			return err
		}
		if !ok {
			return notRecruiting(a.TrialID)
		}
	}
	a, err = s.Equity.DB.Alerts.Acknowledge(ctx, a.ID, callerName(callerOf(c)), time.Now())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, a)
	return nil
}

// recordEvents appends one event or an array of them (see postEvents for the
// checks of each event), after checking every patientId against the caller's
// organisation, idempotently and attributed to the caller.
func (s *Server) recordEvents(c *gin.Context) error {
	id := c.Param("nctId")
	if err := s.requireTrial(c, id); err != nil {
		return err
	}
	var raw json.RawMessage
	if err := decodeJSON(c, &raw); err != nil {
		return err
	}
	var items []json.RawMessage
	array := bytes.HasPrefix(bytes.TrimSpace(raw), []byte("["))
	if array {
		if err := json.Unmarshal(raw, &items); err != nil {
			return equitrial.Errorf(equitrial.KindInvalid, "send one event object or an array of them")
		}
	} else {
		items = []json.RawMessage{raw}
	}
	if len(items) == 0 || len(items) > maxEventsPerRequest {
		return equitrial.Errorf(equitrial.KindInvalid, "send 1 to %d events per request (got %d); use the CSV upload for more", maxEventsPerRequest, len(items))
	}
	events := make([]equity.Event, 0, len(items))
	var fields []equitrial.FieldError
	prefix := func(i int) string {
		if array {
			return "[" + strconv.Itoa(i) + "]."
		}
		return ""
	}
	for i, item := range items {
		e, errs := parseEvent(item, id)
		for _, f := range errs {
			fields = append(fields, equitrial.FieldError{Field: prefix(i) + f.Field, Detail: f.Detail})
		}
		events = append(events, e)
	}
	if len(fields) > 0 {
		return equitrial.Invalid("no events were stored: fix the events named and send them all again", fields...)
	}
	patientIDs, err := s.checkEventPatients(c, events, prefix)
	if err != nil {
		writeError(c, err)
		s.audit(c, "create", "recruitment-events", id, 0)
		return nil
	}
	return s.storeEvents(c, id, events, raw, patientIDs)
}

// checkEventPatients refuses events naming a patient outside the caller's scope
// and returns the distinct patients named, in order.
func (s *Server) checkEventPatients(c *gin.Context, events []equity.Event, prefix func(int) string) ([]string, error) {
	caller := callerOf(c)
	var ids []string
	verdict := map[string]bool{}
	var fields []equitrial.FieldError
	for i := range events {
		pid := events[i].PatientID
		if pid == "" {
			continue
		}
		ok, seen := verdict[pid]
		if !seen {
			repo, err := s.patientsRepo()
			if err != nil {
				return nil, err
			}
			p, err := repo.Get(c.Request.Context(), pid)
			switch {
			case equitrial.Is(equitrial.KindNotFound, err):
			case err != nil:
				return nil, err
			default:
				ok = caller.Role == Admin || (caller.Role == Nurse && caller.Org != "" && p.Org == caller.Org)
			}
			verdict[pid] = ok
			if ok {
				ids = append(ids, pid)
			}
		}
		if !ok {
			detail := "is not a patient of your organisation: give the id of one of your organisation's patients, or strata for someone recruited outside equitrial"
			if caller.Role == Admin {
				detail = "is not an equitrial patient"
			}
			fields = append(fields, equitrial.FieldError{Field: prefix(i) + "patientId", Detail: detail})
		}
	}
	if len(fields) > 0 {
		return nil, equitrial.Invalid("no events were stored: the events named refer to patients you cannot record events for", fields...)
	}
	return ids, nil
}

// recordEventsCSV appends anonymous strata rows uploaded as CSV (see
// postEventsCSV), idempotently and attributed to the caller.
func (s *Server) recordEventsCSV(c *gin.Context) error {
	id := c.Param("nctId")
	if err := s.requireTrial(c, id); err != nil {
		return err
	}
	if ct := c.ContentType(); ct != "text/csv" {
		return equitrial.Errorf(equitrial.KindInvalid, "send CSV with Content-Type: text/csv (got %q)", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxCSVBody))
	if err != nil {
		return csvReadError(err, 0)
	}
	events, err := parseEventsCSV(bytes.NewReader(body), id)
	if err != nil {
		return err
	}
	return s.storeEvents(c, id, events, body, nil)
}

// idempotencyKey reads the Idempotency-Key header.
func idempotencyKey(c *gin.Context) (string, error) {
	k := c.GetHeader("Idempotency-Key")
	if _, sent := c.Request.Header["Idempotency-Key"]; !sent {
		return "", nil
	}
	ok := len(k) >= 1 && len(k) <= 200
	for _, r := range k {
		if r < 0x21 || r > 0x7e {
			ok = false
		}
	}
	if !ok {
		return "", equitrial.Invalid("", equitrial.FieldError{Field: "Idempotency-Key", Detail: "must be 1 to 200 printable ASCII characters without spaces, such as a UUID"})
	}
	return k, nil
}

// storeEvents appends validated events for trial id, attributed to the caller and
// keyed by the Idempotency-Key header or, without one, by the request body, and
// audits the write.
func (s *Server) storeEvents(c *gin.Context, id string, events []equity.Event, body []byte, patientIDs []string) error {
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(append([]byte(c.FullPath()+"\x00"+id+"\x00"), body...))
	fingerprint := hex.EncodeToString(sum[:])
	if key == "" {
		key = "request:" + fingerprint
	}
	caller := callerOf(c)
	res, err := s.Equity.DB.Events.AppendWith(c.Request.Context(), events, store.AppendOptions{
		Attribution: store.Attribution{By: callerName(caller), Org: caller.Org},
		Key:         key, Fingerprint: fingerprint})
	if err != nil {
		var e *equitrial.Error
		if errors.As(err, &e) && e.Kind == equitrial.KindConflict {
			writeError(c, err)
			s.audit(c, "create", "recruitment-events", id, 0)
			return nil
		}
		return err
	}
	if res.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	c.JSON(http.StatusCreated, gin.H{"stored": len(res.IDs), "ids": res.IDs})
	n := len(res.IDs)
	if res.Replayed {
		n = 0
	}
	s.audit(c, "create", "recruitment-events", id, n)
	for _, pid := range patientIDs {
		s.audit(c, "record-event", "patient", pid, 1) // same requestId as the trial's entry
	}
	return nil
}
