package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
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
	Pager   *pager
}

// myPageSize is how many studies a page of the patient's own page shows: few, so
// that the page stays easy to read on a phone.
const myPageSize = 10

// trialSites is where a trial recruits, for the patient's page: the site when
// there is one, or the first few, and the nearest to the patient's postcode when
// both places are known.
type trialSites struct {
	Recruiting   []equitrial.Location
	Nearest      *equitrial.Location
	NearestMiles float64
}

// siteName is a site as people name it: "St James's University Hospital, Leeds".
func siteName(l equitrial.Location) string {
	switch {
	case l.Facility != "" && l.City != "" && !strings.Contains(l.Facility, l.City):
		return l.Facility + ", " + l.City
	case l.Facility != "":
		return l.Facility
	}
	return l.City
}

// Where says where the trial is done, in a sentence or two: the nearest place
// when it is known, else the places.
func (t trialSites) Where() string {
	if t.Nearest != nil {
		far := "less than a mile from your postcode"
		if m := math.Round(t.NearestMiles); m >= 1 {
			far = fmt.Sprintf("about %.0f %s from your postcode", m, map[bool]string{true: "mile", false: "miles"}[m == 1])
		}
		s := "The nearest place running this study is " + siteName(*t.Nearest) + ", " + far + "."
		switch n := len(t.Recruiting) - 1; {
		case n == 1:
			s += " It is also run at 1 other place."
		case n > 1:
			s += fmt.Sprintf(" It is also run at %d other places.", n)
		}
		return s
	}
	return t.places()
}

func (t trialSites) places() string {
	name := siteName
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
		pageNo := pageParam(r.URL.Query())
		q := url.Values{"size": {strconv.Itoa(myPageSize)}, "page": {strconv.Itoa(pageNo)}}
		if res := s.get(w, r, "/api/v1/patients/"+url.PathEscape(p.ID)+"/matches?"+q.Encode(), &m, callOpts{bearer: token}); res.ok() {
			d.Matches = &m
			d.Sites = s.sitesOf(w, r, d.Studies(), s.locate(w, r, p.Postcode))
			d.Pager = newPager(m.Total, pageNo, myPageSize, len(m.Results), "study", "studies", func(n int) string {
				return pageHref(d.Link, url.Values{}, n) + "#studies"
			})
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
func (s *Site) sitesOf(w http.ResponseWriter, r *http.Request, ts []trialMatch, from *equitrial.LatLon) map[string]trialSites {
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
		ts := trialSites{Recruiting: ls}
		if from != nil {
			best := math.Inf(1)
			for i, l := range ls {
				if l.Geo == nil {
					continue
				}
				if km := haversineKm(from.Lat, from.Lon, l.Geo.Lat, l.Geo.Lon); km < best {
					best, ts.Nearest = km, &ls[i]
				}
			}
			ts.NearestMiles = best / 1.609344
		}
		out[t.NCTID] = ts
	}
	return out
}

func ukFirst(l equitrial.Location) bool { return l.Country == "United Kingdom" }

// locate is where a postcode is, as the trial search places it (the postcode
// directory, or its small area's centroid), or nil when it cannot be placed. The
// search is public and its query strings are never logged.
func (s *Site) locate(w http.ResponseWriter, r *http.Request, postcode string) *equitrial.LatLon {
	if strings.TrimSpace(postcode) == "" {
		return nil
	}
	var res searchResults
	q := url.Values{"near": {postcode}, "radius_km": {"1"}, "size": {"1"}}
	if out := s.get(w, r, "/api/v1/trials?"+q.Encode(), &res, callOpts{}); !out.ok() || res.Near == nil {
		return nil
	}
	return &equitrial.LatLon{Lat: res.Near.Lat, Lon: res.Near.Lon}
}
