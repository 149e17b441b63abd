package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"equitrial/equity"
)

// Recording a recruitment event from a trial's card on the patient's page: a small
// form per card (what happened, and why for a decline or a screen failure) posted
// to POST /api/v1/trials/{nctId}/events with the patient's id, the nurse's site and
// the time now, so nothing is typed twice. Each form carries an idempotency key made
// when the page was drawn: a double click or a resubmitted form records the event
// once. The browser then goes back to the card, which shows the latest event
// (GET /api/v1/patients/{id}/events).

// eventStages are the stages a nurse records from the matches page, in pipeline order.
var eventStages = []option{
	{string(equity.StageApproached), "Approached"},
	{string(equity.StageConsented), "Consented"},
	{string(equity.StageDeclined), "Declined"},
	{string(equity.StageScreenFailed), "Screen failed"},
	{string(equity.StageEnrolled), "Enrolled"},
}

type option struct{ Value, Label string }

func reasonOptions(codes []string) []option {
	out := make([]option, len(codes))
	for i, c := range codes {
		out[i] = option{c, humanise(c)}
	}
	return out
}

// stageLabel is a stage in words ("Screen failed").
func stageLabel(stage string) string {
	for _, o := range eventStages {
		if o.Value == stage {
			return o.Label
		}
	}
	return humanise(stage)
}

// eventForm is one trial card's form as the template draws it.
type eventForm struct {
	ID       string // element id prefix, unique on the page
	Action   string
	NCTID    string
	Key      string // the Idempotency-Key for this rendering
	Stage    string
	Declined string // the reason chosen for a decline
	Failed   string // the reason chosen for a screen failure
	Err      map[string]string
	Open     bool // show the form open: it came back with errors
}

func (f eventForm) ErrFor(part string) string     { return f.Err[part] }
func (f eventForm) Stages() []option              { return eventStages }
func (f eventForm) DeclinedReasons() []option     { return reasonOptions(equity.DeclinedReasons) }
func (f eventForm) ScreenFailedReasons() []option { return reasonOptions(equity.ScreenFailedReasons) }

// latestEvent is the API's event as the card shows it.
type latestEvent struct {
	Stage   string    `json:"stage"`
	At      time.Time `json:"at"`
	Site    string    `json:"site"`
	Reasons []string  `json:"reasons"`
}

// Text is "Declined on 2 December 2026 (travel distance)".
func (e latestEvent) Text() string {
	s := stageLabel(e.Stage) + " on " + e.At.In(ukZone()).Format("2 January 2006")
	if len(e.Reasons) > 0 {
		var rs []string
		for _, r := range e.Reasons {
			rs = append(rs, strings.ToLower(humanise(r)))
		}
		s += " (" + strings.Join(rs, ", ") + ")"
	}
	return s
}

func ukZone() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}

func newIdempotencyKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "web-" + hex.EncodeToString(b)
}

func eventFormID(nctID string) string { return "event-" + idUnsafe.ReplaceAllString(nctID, "") }

// newEventForm is a fresh form for a card, or the one sent back with errors.
func newEventForm(patientID, nctID string, back *eventForm) eventForm {
	if back != nil && back.NCTID == nctID {
		f := *back
		f.ID, f.Action, f.Open = eventFormID(nctID), "/patients/"+url.PathEscape(patientID)+"/events", true
		return f
	}
	return eventForm{ID: eventFormID(nctID), Action: "/patients/" + url.PathEscape(patientID) + "/events",
		NCTID: nctID, Key: newIdempotencyKey()}
}

// readEventForm reads a posted event form and checks what the page can: a stage
// chosen, and a reason for a decline or a screen failure.
func readEventForm(r *http.Request) (eventForm, []fieldError) {
	r.ParseForm()
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := eventForm{NCTID: v("nct"), Key: v("key"), Stage: v("stage"), Declined: v("declined-reason"),
		Failed: v("screen-failed-reason"), Err: map[string]string{}}
	if !nctPattern.MatchString(f.NCTID) {
		f.NCTID = ""
	}
	if f.Key == "" || len(f.Key) > 200 {
		f.Key = newIdempotencyKey()
	}
	id := eventFormID(f.NCTID)
	var errs []fieldError
	add := func(part, href, msg string) {
		f.Err[part] = msg
		errs = append(errs, fieldError{Field: id + "-" + part, Detail: msg, Href: "#" + href})
	}
	switch {
	case !slices.ContainsFunc(eventStages, func(o option) bool { return o.Value == f.Stage }):
		add("stage", id+"-stage", "Select what happened")
	case f.Stage == string(equity.StageDeclined) && !slices.Contains(equity.DeclinedReasons, f.Declined):
		add("declined", id+"-declined", "Select why the patient declined")
	case f.Stage == string(equity.StageScreenFailed) && !slices.Contains(equity.ScreenFailedReasons, f.Failed):
		add("failed", id+"-failed", "Select why the patient failed screening")
	}
	return f, errs
}

// eventBody is the API's event for the form.
func (f eventForm) body(patientID, site string, now time.Time) map[string]any {
	b := map[string]any{"patientId": patientID, "stage": f.Stage, "at": now.UTC().Format(time.RFC3339), "site": site}
	switch f.Stage {
	case string(equity.StageDeclined):
		b["reasons"] = []string{f.Declined}
	case string(equity.StageScreenFailed):
		b["reasons"] = []string{f.Failed}
	}
	return b
}

// recordEvent handles POST /patients/{id}/events.
func (s *Site) recordEvent(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "nurse", "admin")
	if m == nil {
		return
	}
	id := r.PathValue("id")
	f, errs := readEventForm(r)
	if f.NCTID == "" {
		s.errorPage(w, r, http.StatusBadRequest, "There is a problem", "The trial for this event is missing. Go back to the patient's page and try again.")
		return
	}
	if len(errs) == 0 {
		site := m.Org
		if site == "" { // an administrator: the patient's own organisation recruits
			var p patientView
			if res := s.get(w, r, "/api/v1/patients/"+url.PathEscape(id), &p, callOpts{}); !res.ok() {
				s.failed(w, r, res)
				return
			}
			site = p.Org
		}
		res := s.call(w, r, http.MethodPost, "/api/v1/trials/"+url.PathEscape(f.NCTID)+"/events", f.body(id, site, time.Now()),
			callOpts{header: map[string]string{"Idempotency-Key": f.Key}})
		switch {
		case res.ok():
			http.Redirect(w, r, patientURL(id, pageParam(r.URL.Query()), f.NCTID, "trial-"+f.NCTID), http.StatusSeeOther)
			return
		case res.Status == http.StatusBadRequest || res.Status == http.StatusConflict:
			msg := "The event could not be recorded: " + strings.TrimSuffix(res.Problem.Detail, ".")
			for _, e := range res.Problem.Errors {
				msg = sentence(humanField(e.Field) + " " + e.Detail)
				break
			}
			if res.Status == http.StatusConflict {
				msg = "This form was already used for a different event. Choose again and save"
				f.Key = newIdempotencyKey()
			}
			f.Err["stage"] = sentence(msg)
			errs = []fieldError{{Field: eventFormID(f.NCTID) + "-stage", Detail: sentence(msg), Href: "#" + eventFormID(f.NCTID) + "-stage"}}
		default:
			s.failed(w, r, res)
			return
		}
	}
	s.showPatient(w, r, m, id, http.StatusBadRequest, errs, nil, &f)
}
