package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
)

type patientListData struct {
	Patients []patientView
	Total    int
	Page     int
	Prev     string
	Next     string
}

// patientList is a nurse's organisation's patients (GET /api/v1/patients).
func (s *Site) patientList(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "nurse", "admin")
	if m == nil {
		return
	}
	pageNo, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if pageNo < 1 {
		pageNo = 1
	}
	var out struct {
		Patients []patientView `json:"patients"`
		Total    int           `json:"total"`
	}
	res := s.get(w, r, "/api/v1/patients?size=50&page="+strconv.Itoa(pageNo), &out, callOpts{})
	if !res.ok() {
		s.failed(w, r, res)
		return
	}
	d := patientListData{Patients: out.Patients, Total: out.Total, Page: pageNo}
	if pageNo > 1 {
		d.Prev = "/patients?page=" + strconv.Itoa(pageNo-1)
	}
	if pageNo*50 < out.Total {
		d.Next = "/patients?page=" + strconv.Itoa(pageNo+1)
	}
	s.render(w, r, http.StatusOK, "patients", page{Title: "Patients", Me: m, Wide: true, D: d})
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
	Answer       *answerState // an answer sent back with errors, shown as typed
}

// Forms are the answer forms for the questions a trial still asks.
func (d patientData) Forms(t trialMatch) []answerForm {
	if d.Patient == nil || d.Patient.Withdrawn != nil {
		return nil
	}
	return answerForms("/patients/"+url.PathEscape(d.Patient.ID)+"/answers", t.NCTID, t.Asks, false, d.Answer)
}

// patientProfile is the two-minutes-in-clinic view: who, their strata, and the
// trials they could join with the questions still to ask, each answerable there.
func (s *Site) patientProfile(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "nurse", "admin")
	if m == nil {
		return
	}
	s.showPatient(w, r, m, r.PathValue("id"), http.StatusOK, nil, nil)
}

// showPatient renders the patient's page, with errors and an answer as typed
// when an answer was refused.
func (s *Site) showPatient(w http.ResponseWriter, r *http.Request, m *me, id string, status int, errs []fieldError, st *answerState) {
	var p patientView
	if res := s.get(w, r, "/api/v1/patients/"+url.PathEscape(id), &p, callOpts{}); !res.ok() {
		s.failed(w, r, res)
		return
	}
	d := patientData{Patient: &p, Added: r.URL.Query().Get("added") != "", Answer: st}
	if p.Withdrawn == nil {
		var mv matchesView
		res := s.get(w, r, "/api/v1/patients/"+url.PathEscape(id)+"/matches", &mv, callOpts{})
		switch {
		case res.ok():
			d.Matches = &mv
		case res.Status == http.StatusNotFound:
			d.MatchesError = "Matching is not available on this server yet."
		default:
			d.MatchesError = "Matches could not be loaded. Try again later."
		}
	}
	s.render(w, r, status, "patient", page{Title: p.Name(), Me: m, Errors: errs, D: d})
}
