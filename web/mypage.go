package web

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"equitrial"
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
	Sites   map[string]trialSites
}

// trialSites is where a trial recruits, for the patient's page: the site when
// there is one, or the first few.
type trialSites struct {
	Recruiting []equitrial.Location
}

// Where says where the trial is done, in a sentence.
func (t trialSites) Where() string {
	name := func(l equitrial.Location) string {
		switch {
		case l.Facility != "" && l.City != "" && !strings.Contains(l.Facility, l.City):
			return l.Facility + ", " + l.City
		case l.Facility != "":
			return l.Facility
		}
		return l.City
	}
	switch n := len(t.Recruiting); {
	case n == 0:
		return "The study has not listed where it is run yet. The research nurse can tell you."
	case n == 1:
		return "The study is run at " + name(t.Recruiting[0]) + "."
	case n <= 3:
		var names []string
		for _, l := range t.Recruiting {
			names = append(names, name(l))
		}
		return "The study is run at " + strings.Join(names[:n-1], ", ") + " and " + names[n-1] + "."
	default:
		return fmt.Sprintf("The study is run at %d hospitals, including %s and %s.", n, name(t.Recruiting[0]), name(t.Recruiting[1]))
	}
}

// Studies are the trials the patient might join, eligible first.
func (d myData) Studies() []trialMatch {
	var out []trialMatch
	for _, g := range d.Matches.ByStatus() {
		out = append(out, g.Matches...)
	}
	return out
}

// sitesShown caps how many trials' sites the page looks up.
const sitesShown = 50

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
			d.Sites = s.sitesOf(w, r, d.Studies())
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

// sitesOf looks up where each trial recruits (public trial records): its
// recruiting sites, those in the UK first.
func (s *Site) sitesOf(w http.ResponseWriter, r *http.Request, ts []trialMatch) map[string]trialSites {
	out := map[string]trialSites{}
	for i, t := range ts {
		if i == sitesShown {
			break
		}
		var tr struct {
			Locations []equitrial.Location `json:"locations"`
		}
		if res := s.get(w, r, "/api/v1/trials/"+url.PathEscape(t.NCTID), &tr, callOpts{}); !res.ok() {
			continue
		}
		var ls []equitrial.Location
		for _, l := range tr.Locations {
			if l.Status == "" || l.Status == "RECRUITING" {
				ls = append(ls, l)
			}
		}
		if len(ls) == 0 { // not yet recruiting: where it will be
			ls = tr.Locations
		}
		sort.SliceStable(ls, func(a, b int) bool { return ukFirst(ls[a]) && !ukFirst(ls[b]) })
		out[t.NCTID] = trialSites{Recruiting: ls}
	}
	return out
}

func ukFirst(l equitrial.Location) bool { return l.Country == "United Kingdom" }
