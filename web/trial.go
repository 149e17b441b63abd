package web

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"equitrial"
)

type criterionView struct {
	Index      int      `json:"index"`
	Section    string   `json:"section"`
	Text       string   `json:"text"`
	Type       string   `json:"type"`
	Confidence float64  `json:"confidence"`
	Meaning    []string `json:"meaning"`
}

type criteriaView struct {
	Criteria []criterionView `json:"criteria"`
}

func (c *criteriaView) Section(name string) []criterionView {
	var out []criterionView
	for _, cr := range c.Criteria {
		if cr.Section == name {
			out = append(out, cr)
		}
	}
	return out
}

// candidatesView is GET /api/v1/trials/{nctId}/candidates.
type candidatesView struct {
	Counts    stratumCount                       `json:"counts"`
	ByStratum map[string]map[string]stratumCount `json:"byStratum"`
	Flags     []struct {
		Dimension string  `json:"dimension"`
		Group     string  `json:"group"`
		Status    string  `json:"status"`
		PPR       float64 `json:"ppr"`
	} `json:"flags"`
	Total    int `json:"total"`
	Patients []struct {
		PatientID      string   `json:"patientId"`
		Status         string   `json:"status"`
		Age            *int     `json:"age"`
		Unknowns       int      `json:"unknowns"`
		Questions      []string `json:"questions"`
		Priority       bool     `json:"priority"`
		PriorityReason string   `json:"priorityReason"`
		GivenName      string   `json:"givenName"`
		FamilyName     string   `json:"familyName"`
		New            bool     `json:"new"`
	} `json:"patients"`
}

type stratumCount struct {
	Eligible            int `json:"eligible"`
	PotentiallyEligible int `json:"potentially_eligible"`
}

// stratumRow is one group's counts, flagged groups first within each dimension.
type stratumRow struct {
	Dimension, Group, Key string
	Count                 stratumCount
	Flag                  string // under or at_risk, when an alert is open
}

func (c *candidatesView) Rows() []stratumRow {
	var out []stratumRow
	for _, dim := range dimensionOrder {
		groups := c.ByStratum[dim]
		var rows []stratumRow
		for g, n := range groups {
			row := stratumRow{Dimension: dim, Group: g, Key: dim + ":" + g, Count: n}
			for _, f := range c.Flags {
				if f.Dimension == dim && f.Group == g {
					row.Flag = f.Status
				}
			}
			rows = append(rows, row)
		}
		slices.SortFunc(rows, func(a, b stratumRow) int {
			if (a.Flag != "") != (b.Flag != "") {
				if a.Flag != "" {
					return -1
				}
				return 1
			}
			return groupRank(dim, a.Group) - groupRank(dim, b.Group)
		})
		out = append(out, rows...)
	}
	return out
}

type trialData struct {
	Trial      *equitrial.Trial
	Criteria   *criteriaView
	Candidates *candidatesView
	CandErr    string
	Group      string
	Status     string
	CanDash    bool
	Pager      *pager // the candidates' pages
	Sites      []equitrial.Location
	SitePager  *pager // the sites' pages
}

// sitesPageSize is how many of a trial's sites a page lists: registry records of
// large trials list hundreds.
const sitesPageSize = 20

// pageSites is a page (?sites=N) of the trial's sites, those in the UK first, and
// its pager, whose links keep the rest of the page's query.
func pageSites(id string, all []equitrial.Location, v url.Values) ([]equitrial.Location, *pager) {
	ls := slices.Clone(all)
	sort.SliceStable(ls, func(a, b int) bool { return ukFirst(ls[a]) && !ukFirst(ls[b]) })
	n, err := strconv.Atoi(v.Get("sites"))
	if err != nil || n < 1 {
		n = 1
	}
	shown := pageOf(ls, n, sitesPageSize)
	p := newPager(len(ls), n, sitesPageSize, len(shown), "site", "sites", func(k int) string {
		c := url.Values{}
		for key, vals := range v {
			if key != "sites" {
				c[key] = vals
			}
		}
		if k > 1 {
			c.Set("sites", strconv.Itoa(k))
		}
		u := "/trials/" + url.PathEscape(id)
		if len(c) > 0 {
			u += "?" + c.Encode()
		}
		return u + "#sites"
	})
	p.Label = "Pages of sites"
	return shown, p
}

// candidatesPageSize is how many candidates a page of a trial shows.
const candidatesPageSize = 20

func (s *Site) trial(w http.ResponseWriter, r *http.Request) {
	m := s.whoMaybe(w, r)
	id := r.PathValue("nctId")
	var t equitrial.Trial
	if res := s.get(w, r, "/api/v1/trials/"+url.PathEscape(id), &t, callOpts{}); !res.ok() {
		if res.Status == http.StatusNotFound || res.Status == http.StatusBadRequest {
			s.render(w, r, http.StatusNotFound, "error", page{Title: "Trial not found", Me: m,
				D: errorData{Message: "We could not find a trial with that ID. Check the NCT number, or search for the trial.", Link: "/", LinkText: "Search for trials"}})
			return
		}
		s.failed(w, r, res)
		return
	}
	t.Raw = nil
	d := trialData{Trial: &t, CanDash: m != nil}
	d.Sites, d.SitePager = pageSites(id, t.Locations, r.URL.Query())
	var cv criteriaView
	if res := s.get(w, r, "/api/v1/trials/"+url.PathEscape(id)+"/criteria", &cv, callOpts{}); res.ok() {
		d.Criteria = &cv
	}
	if m != nil && (m.Role == "nurse" || m.Role == "admin") {
		q := url.Values{}
		if g := r.URL.Query().Get("group"); strings.Contains(g, ":") {
			q.Set("group", g)
			d.Group = g
		}
		if st := r.URL.Query().Get("status"); st == "eligible" || st == "potentially_eligible" {
			q.Set("status", st)
			d.Status = st
		}
		keep := url.Values{}
		for k, v := range q {
			keep[k] = v
		}
		pageNo := pageParam(r.URL.Query())
		q.Set("size", strconv.Itoa(candidatesPageSize))
		if pageNo > 1 {
			q.Set("page", strconv.Itoa(pageNo))
		}
		var c candidatesView
		path := "/api/v1/trials/" + url.PathEscape(id) + "/candidates?" + q.Encode()
		res := s.get(w, r, path, &c, callOpts{})
		switch {
		case res.ok():
			d.Candidates = &c
			d.Pager = newPager(c.Total, pageNo, candidatesPageSize, len(c.Patients), "candidate", "candidates", func(n int) string {
				return pageHref("/trials/"+url.PathEscape(id), keep, n) + "#candidates"
			})
			d.Pager.Label = "Pages of candidates"
		case res.Status == http.StatusNotFound:
			d.CandErr = "Finding candidates is not available on this server yet."
		default:
			d.CandErr = "Candidates could not be loaded. Try again later."
		}
	}
	s.render(w, r, http.StatusOK, "trial", page{Title: t.BriefTitle, Me: m, D: d})
}
