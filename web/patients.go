package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

type patientListData struct {
	Patients []patientView
	Total    int
	Q, Sort  string
	Pager    *pager
	Sorts    []option
}

// patientListSize is how many patients a page of the list shows.
const patientListSize = 20

var patientSorts = []option{{"newest", "Recently added"}, {"name", "Name (A to Z)"}, {"birth-date", "Date of birth (oldest first)"}}

// nhsDigits is s as an NHS number's 10 digits if it is written as one (spaces or
// dashes allowed), else "".
func nhsDigits(s string) string {
	d := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
	if len(d) != 10 || strings.Trim(d, "0123456789") != "" {
		return ""
	}
	return d
}

// formatNHS shows an NHS number as 943 476 5919.
func formatNHS(s string) string {
	d := nhsDigits(s)
	if d == "" {
		return s
	}
	return d[:3] + " " + d[3:6] + " " + d[6:]
}

// NHSNumberText is the NHS number as people read it: 943 476 5919.
func (p *patientView) NHSNumberText() string { return formatNHS(p.NHSNumber) }

// patientList is a nurse's organisation's patients (GET /api/v1/patients): one
// box searches names, NHS numbers and postcodes; the list sorts and pages.
func (s *Site) patientList(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "nurse", "admin")
	if m == nil {
		return
	}
	v := r.URL.Query()
	d := patientListData{Q: strings.TrimSpace(v.Get("q")), Sort: v.Get("sort"), Sorts: patientSorts}
	if !slices.ContainsFunc(patientSorts, func(o option) bool { return o.Value == d.Sort }) {
		d.Sort = "newest"
	}
	pageNo := pageParam(v)
	q := url.Values{"size": {strconv.Itoa(patientListSize)}, "page": {strconv.Itoa(pageNo)}, "sort": {d.Sort}}
	if nhs := nhsDigits(d.Q); nhs != "" {
		q.Set("nhsNumber", nhs)
	} else if d.Q != "" {
		q.Set("q", d.Q)
	}
	var out struct {
		Patients []patientView `json:"patients"`
		Total    int           `json:"total"`
	}
	p := page{Title: "Patients", Me: m, Wide: true, D: &d}
	res := s.get(w, r, "/api/v1/patients?"+q.Encode(), &out, callOpts{})
	if res.Status == http.StatusBadRequest {
		p.Errors = mapErrors(res.Problem, map[string]fieldMsg{
			"nhsNumber": {ID: "q", Msg: "That is not a valid NHS number. Check the 10 numbers, like 943 476 5919"},
			"q":         {ID: "q", Subject: "Search"},
		})
		s.render(w, r, http.StatusBadRequest, "patients", p)
		return
	}
	if !res.ok() {
		s.failed(w, r, res)
		return
	}
	d.Patients, d.Total = out.Patients, out.Total
	keep := url.Values{}
	if d.Q != "" {
		keep.Set("q", d.Q)
	}
	if d.Sort != "newest" {
		keep.Set("sort", d.Sort)
	}
	d.Pager = newPager(out.Total, pageNo, patientListSize, len(out.Patients), "patient", "patients", func(n int) string {
		return pageHref("/patients", keep, n)
	})
	if d.Q != "" {
		p.Title = "Patients matching " + d.Q
	}
	s.render(w, r, http.StatusOK, "patients", p)
}

func (s *Site) newPatientForm(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "nurse", "admin")
	if m == nil {
		return
	}
	s.render(w, r, http.StatusOK, "register", page{Title: "Add a patient", Me: m,
		D: registerData{Form: patientForm{Staff: true}, Ethnicities: ethnicities(), Action: "/patients/new"}})
}

func (s *Site) createPatient(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "nurse", "admin")
	if m == nil {
		return
	}
	f := readPatientForm(r, true)
	body, local := f.body(time.Now())
	res := s.call(w, r, http.MethodPost, "/api/v1/patients", body, callOpts{})
	if res.Status == http.StatusBadRequest {
		s.render(w, r, http.StatusBadRequest, "register", page{Title: "Add a patient", Me: m,
			Errors: f.patientErrors(res.Problem, local), D: registerData{Form: f, Ethnicities: ethnicities(), Action: "/patients/new"}})
		return
	}
	if !res.ok() {
		s.failed(w, r, res)
		return
	}
	var p patientView
	if err := res.decode(&p); err != nil || p.ID == "" {
		s.failed(w, r, internalProblem())
		return
	}
	http.Redirect(w, r, "/patients/"+url.PathEscape(p.ID)+"?added=1", http.StatusSeeOther)
}

type patientData struct {
	Patient      *patientView
	Matches      *matchesView
	MatchesError string
	Added        bool
	Updated      bool
	Answer       *answerState // an answer sent back with errors, shown as typed
	Event        *eventForm   // an event form sent back with errors
	Events       map[string]latestEvent
	Recorded     string // the trial whose event was just recorded
	Since        time.Time
	Pager        *pager
	PageNo       int                     // the page of matches shown (matches_page.go)
	Batch        map[string]*answerState // the shared questions as typed, sent back with errors
}

// Forms are the answer forms for the questions a trial still asks.
func (d patientData) Forms(t trialMatch) []answerForm {
	if d.Patient == nil || d.Patient.Withdrawn != nil {
		return nil
	}
	return answerForms(d.onPage("/patients/"+url.PathEscape(d.Patient.ID)+"/answers"), t.NCTID, t.Asks, false, d.Answer)
}

// EventForm is the card's form to record what happened with the patient.
func (d patientData) EventForm(t trialMatch) *eventForm {
	if d.Patient == nil || d.Patient.Withdrawn != nil {
		return nil
	}
	f := newEventForm(d.Patient.ID, t.NCTID, d.Event)
	f.Action = d.onPage(f.Action)
	return &f
}

// LatestEvent is the patient's latest recruitment event in the trial, if any.
func (d patientData) LatestEvent(nctID string) *latestEvent {
	if e, ok := d.Events[nctID]; ok {
		return &e
	}
	return nil
}

// matchesPageSize is how many matches a page of the patient's profile shows.
const matchesPageSize = 20

// patientProfile is the two-minutes-in-clinic view: who, their strata, and the
// trials they could join with the questions still to ask, each answerable there.
func (s *Site) patientProfile(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "nurse", "admin")
	if m == nil {
		return
	}
	s.showPatient(w, r, m, r.PathValue("id"), http.StatusOK, nil, nil, nil)
}

// showPatient renders the patient's page, with errors and an answer or an event
// form as typed when one was refused.
func (s *Site) showPatient(w http.ResponseWriter, r *http.Request, m *me, id string, status int, errs []fieldError, st *answerState, ev *eventForm) {
	s.showPatientWith(w, r, m, id, status, errs, patientExtras{answer: st, event: ev})
}

// patientExtras are the forms sent back with errors, to show as typed: one
// answer, an event form, or the shared questions' answers (by key).
type patientExtras struct {
	answer *answerState
	event  *eventForm
	batch  map[string]*answerState
}

func (s *Site) showPatientWith(w http.ResponseWriter, r *http.Request, m *me, id string, status int, errs []fieldError, x patientExtras) {
	var p patientView
	if res := s.get(w, r, "/api/v1/patients/"+url.PathEscape(id), &p, callOpts{}); !res.ok() {
		s.failed(w, r, res)
		return
	}
	q := r.URL.Query()
	d := patientData{Patient: &p, Added: q.Get("added") != "", Updated: q.Get("updated") != "", Answer: x.answer, Event: x.event, Batch: x.batch}
	if nctPattern.MatchString(q.Get("recorded")) {
		d.Recorded = q.Get("recorded")
	}
	if p.Withdrawn == nil {
		d.Since = seePatient(w, r, p.ID, time.Now())
		mq := url.Values{"size": {strconv.Itoa(matchesPageSize)}}
		pageNo := pageParam(q)
		d.PageNo = pageNo
		if pageNo > 1 {
			mq.Set("page", strconv.Itoa(pageNo))
		}
		if !d.Since.IsZero() {
			mq.Set("since", d.Since.UTC().Format(time.RFC3339))
		}
		var mv matchesView
		res := s.get(w, r, "/api/v1/patients/"+url.PathEscape(id)+"/matches?"+mq.Encode(), &mv, callOpts{})
		switch {
		case res.ok():
			d.Matches = &mv
			d.Pager = newPager(mv.Total, pageNo, matchesPageSize, len(mv.Results), "match", "matches", func(n int) string {
				return pageHref("/patients/"+url.PathEscape(id), url.Values{}, n) + "#matches"
			})
			d.Events = s.latestEvents(w, r, id, mv.Results)
		case res.Status == http.StatusNotFound:
			d.MatchesError = "Matching is not available on this server yet."
		default:
			d.MatchesError = "Matches could not be loaded. Try again later."
		}
	}
	s.render(w, r, status, "patient", page{Title: p.Name(), Me: m, Errors: errs, D: d})
}

// latestEvents are the patient's latest recruitment events in the trials shown;
// none when they cannot be read (the cards then show no event).
func (s *Site) latestEvents(w http.ResponseWriter, r *http.Request, id string, ms []trialMatch) map[string]latestEvent {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]string, len(ms))
	for i, t := range ms {
		ids[i] = t.NCTID
	}
	var out struct {
		Latest map[string]latestEvent `json:"latest"`
	}
	res := s.get(w, r, "/api/v1/patients/"+url.PathEscape(id)+"/events?trial="+url.QueryEscape(strings.Join(ids, ",")), &out, callOpts{})
	if !res.ok() {
		s.log.Warn("web: reading a patient's latest events", "status", res.Status)
		return nil
	}
	return out.Latest
}
