package web

import (
	"net/http"
	"net/url"
	"strings"
)

// A patient's private link is /my/<token>. The token is their only credential: the
// pages send it to the API as a bearer token, never log it (the API logs route
// patterns, and so does this package), and the answers are never cached. The
// Referrer-Policy the API sets keeps it out of other sites' logs.

type myData struct {
	Patient *patientView
	Matches *matchesView
	Link    string       // the page's own path, for the withdraw form
	Answer  *answerState // an answer sent back with errors, shown as typed
}

// Forms are the questions the patient may answer themselves, in their own
// words, once each however many studies ask them.
func (d myData) Forms() []answerForm {
	if d.Matches == nil || d.Patient == nil || d.Patient.Withdrawn != nil {
		return nil
	}
	var out []answerForm
	seen := map[string]bool{}
	for _, t := range d.Matches.Results {
		if t.Status == "ineligible" {
			continue
		}
		for _, f := range answerForms(d.Link+"/answers", "", t.Asks, true, d.Answer) {
			if !seen[f.Key] {
				seen[f.Key] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// patientByLink finds the patient the link belongs to, or answers with a page
// that says the link does not work and returns nil.
func (s *Site) patientByLink(w http.ResponseWriter, r *http.Request) (*patientView, string) {
	token := r.PathValue("token")
	opt := callOpts{bearer: token}
	var who me
	if !strings.HasPrefix(token, "ptl_") {
		s.badLink(w, r)
		return nil, ""
	}
	if res := s.get(w, r, "/api/v1/me", &who, opt); !res.ok() || who.Role != "patient" || who.PatientID == "" {
		if res.Status >= 500 {
			s.failed(w, r, res)
		} else {
			s.badLink(w, r)
		}
		return nil, ""
	}
	var p patientView
	if res := s.get(w, r, "/api/v1/patients/"+url.PathEscape(who.PatientID), &p, opt); !res.ok() {
		if res.Status >= 500 {
			s.failed(w, r, res)
		} else {
			s.badLink(w, r)
		}
		return nil, ""
	}
	return &p, token
}

func (s *Site) badLink(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "error", page{Title: "This link does not work",
		D: errorData{Message: "Check you copied the whole link. If it still does not work, contact the research team who gave you the link, or register again.",
			Link: "/register", LinkText: "Join the research register"}})
}

func (s *Site) myPage(w http.ResponseWriter, r *http.Request) {
	p, token := s.patientByLink(w, r)
	if p == nil {
		return
	}
	s.showMyPage(w, r, p, token, http.StatusOK, nil, nil)
}

func (s *Site) showMyPage(w http.ResponseWriter, r *http.Request, p *patientView, token string, status int, errs []fieldError, st *answerState) {
	d := myData{Patient: p, Link: "/my/" + token, Answer: st}
	if p.Withdrawn == nil {
		var m matchesView
		if res := s.get(w, r, "/api/v1/patients/"+url.PathEscape(p.ID)+"/matches", &m, callOpts{bearer: token}); res.ok() {
			d.Matches = &m
		}
	}
	s.render(w, r, status, "my", page{Title: "Your research register page", Errors: errs, D: d})
}

func (s *Site) withdrawForm(w http.ResponseWriter, r *http.Request) {
	p, token := s.patientByLink(w, r)
	if p == nil {
		return
	}
	s.render(w, r, http.StatusOK, "withdraw", page{Title: "Are you sure you want us to stop contacting you?",
		D: myData{Patient: p, Link: "/my/" + token}})
}

func (s *Site) withdraw(w http.ResponseWriter, r *http.Request) {
	p, token := s.patientByLink(w, r)
	if p == nil {
		return
	}
	res := s.call(w, r, http.MethodDelete, "/api/v1/patients/"+url.PathEscape(p.ID), nil, callOpts{bearer: token})
	if !res.ok() {
		s.failed(w, r, res)
		return
	}
	s.render(w, r, http.StatusOK, "withdrawn", page{Title: "We will not contact you about research again",
		D: myData{Link: "/my/" + token}})
}
