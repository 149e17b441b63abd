package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// dashboardView is GET /api/v1/trials/{nctId}/equity. Counts a sponsor may not see
// are null (fewer than 8 people), so counts and figures are pointers.
type dashboardView struct {
	AsOf            time.Time                        `json:"asOf"`
	View            string                           `json:"view"`
	Enrolled        *int                             `json:"enrolled"`
	Targets         targetsView                      `json:"targets"`
	Dimensions      map[string]map[string]groupStats `json:"dimensions"`
	Alerts          []alertView                      `json:"alerts"`
	CriterionImpact []impactView                     `json:"criterionImpact"`
	Notes           []string                         `json:"notes"`
}

type groupStats struct {
	Target     *float64 `json:"target"`
	Enrolled   *int     `json:"enrolled"`
	Share      *float64 `json:"share"`
	PPR        *float64 `json:"ppr"`
	PPRLow     *float64 `json:"pprLow"`
	PPRHigh    *float64 `json:"pprHigh"`
	Status     string   `json:"status"`
	Note       string   `json:"note"`
	Suppressed bool     `json:"suppressed"`
}

type alertView struct {
	ID             string    `json:"id"`
	Dimension      string    `json:"dimension"`
	Group          string    `json:"group"`
	Status         string    `json:"status"`
	OpenedAt       time.Time `json:"openedAt"`
	AcknowledgedAt time.Time `json:"acknowledgedAt"`
	AcknowledgedBy string    `json:"acknowledgedBy"`
}

type impactView struct {
	Criterion string   `json:"criterion"`
	Rate      *float64 `json:"rate"`
	Flagged   []struct {
		Dimension string `json:"dimension"`
		Group     string `json:"group"`
	} `json:"flagged"`
	Groups map[string]map[string]struct {
		RateRatio *float64 `json:"rateRatio"`
	} `json:"groups"`
}

type targetsView struct {
	Total   int                           `json:"total,omitempty"`
	EndDate string                        `json:"endDate,omitempty"`
	Source  string                        `json:"source,omitempty"`
	Sources map[string]string             `json:"sources,omitempty"`
	Shares  map[string]map[string]float64 `json:"shares,omitempty"`
	Region  string                        `json:"region,omitempty"`
}

// dimensionTable is one dimension's rows, in the dimension's own group order.
type dimensionTable struct {
	Dimension string
	Rows      []dimensionRow
}

type dimensionRow struct {
	Group string
	groupStats
}

func (d *dashboardView) Tables() []dimensionTable {
	var out []dimensionTable
	for _, dim := range dimensionOrder {
		groups, ok := d.Dimensions[dim]
		if !ok {
			continue
		}
		t := dimensionTable{Dimension: dim}
		for _, g := range groupsOf(dim, groups) {
			t.Rows = append(t.Rows, dimensionRow{Group: g, groupStats: groups[g]})
		}
		out = append(out, t)
	}
	return out
}

// groupsOf lists a dimension's groups: the known ones in order, then any others the
// API sent (the missing-value groups).
func groupsOf[V any](dim string, present map[string]V) []string {
	var out []string
	for _, g := range knownGroups[dim] {
		if _, ok := present[g]; ok {
			out = append(out, g)
		}
	}
	for _, g := range []string{equityNotStated, equityNotKnown} {
		if _, ok := present[g]; ok {
			out = append(out, g)
		}
	}
	return out
}

// Impacts are the criteria that fall hardest on some groups, in words.
func (d *dashboardView) Impacts() []string {
	var out []string
	for _, ci := range d.CriterionImpact {
		for _, f := range ci.Flagged {
			out = append(out, criterionWords(ci.Criterion, f.Dimension, f.Group, ratioOf(ci, f.Dimension, f.Group)))
		}
	}
	return out
}

func ratioOf(ci impactView, dim, group string) float64 {
	if g, ok := ci.Groups[dim][group]; ok && g.RateRatio != nil {
		return *g.RateRatio
	}
	return 0
}

// OpenAlerts are the alerts not yet acknowledged.
func (d *dashboardView) OpenAlerts() []alertView {
	var out []alertView
	for _, a := range d.Alerts {
		if a.AcknowledgedAt.IsZero() {
			out = append(out, a)
		}
	}
	return out
}

// SharePercent is a target share as the form shows it, "" when not set.
func (d *dashboardView) SharePercent(dim, group string) string {
	v, ok := d.Targets.Shares[dim][group]
	if !ok {
		return ""
	}
	return strconv.FormatFloat(math.Round(v*10000)/100, 'f', -1, 64) // 0.029 → "2.9", not "2.9000000000000004"
}

type equityData struct {
	Regions   []string // of the regional table, for the targets form; none when none is loaded
	NCTID     string
	Dashboard *dashboardView
	CanEdit   bool
	Saved     string
	Form      map[string]string // the targets form as typed, after an error
}

func (s *Site) equity(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "sponsor", "nurse", "admin")
	if m == nil {
		return
	}
	s.showEquity(w, r, m, http.StatusOK, nil, nil)
}

func (s *Site) showEquity(w http.ResponseWriter, r *http.Request, m *me, status int, errs []fieldError, form map[string]string) {
	id := r.PathValue("nctId")
	var d dashboardView
	res := s.get(w, r, "/api/v1/trials/"+url.PathEscape(id)+"/equity", &d, callOpts{})
	if !res.ok() {
		if res.Status == http.StatusForbidden {
			s.render(w, r, http.StatusForbidden, "error", page{Title: "You cannot see this trial's dashboard", Me: m,
				D: errorData{Message: "This trial is not one of your organisation's trials. If it should be, ask your equitrial administrator to link it to your organisation.",
					Link: m.Home(), LinkText: "Go to your trials"}})
			return
		}
		s.failed(w, r, res)
		return
	}
	saved := ""
	switch r.URL.Query().Get("done") {
	case "targets":
		saved = "Targets saved. The dashboard now uses them."
	case "acknowledged":
		saved = "Alert acknowledged."
	}
	canEdit := m.Role == "sponsor" || m.Role == "admin"
	var regions struct{ Regions []string }
	if canEdit {
		s.get(w, r, "/api/v1/regions", &regions, callOpts{})
	}
	s.render(w, r, status, "equity", page{Title: "Diversity dashboard: " + id, Me: m, Errors: errs, Wide: true,
		D: equityData{NCTID: id, Dashboard: &d, CanEdit: canEdit, Saved: saved, Form: form, Regions: regions.Regions}})
}

func (s *Site) acknowledgeAlert(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "sponsor", "nurse", "admin")
	if m == nil {
		return
	}
	res := s.call(w, r, http.MethodPost, "/api/v1/alerts/"+url.PathEscape(r.PathValue("id"))+"/acknowledge", nil, callOpts{})
	if !res.ok() {
		s.failed(w, r, res)
		return
	}
	http.Redirect(w, r, "/trials/"+url.PathEscape(r.PathValue("nctId"))+"/equity?done=acknowledged#alerts", http.StatusSeeOther)
}

// putTargets reads the targets form (shares in percent) and sends it to the API.
func (s *Site) putTargets(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "sponsor", "admin")
	if m == nil {
		return
	}
	r.ParseForm()
	form := map[string]string{}
	for k := range r.PostForm {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	var errs []fieldError
	t := targetsView{EndDate: form["end-date"], Source: form["source"], Shares: map[string]map[string]float64{}}
	if v := form["total"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fieldError{Field: "total", Href: "#total", Detail: "Enter the number of participants as a whole number, like 300"})
		}
		t.Total = n
	}
	for _, dim := range dimensionOrder {
		for _, g := range knownGroups[dim] {
			id := "share-" + dim + "-" + g
			v := form[id]
			if v == "" {
				continue
			}
			f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
			if err != nil || f < 0 || f > 100 {
				errs = append(errs, fieldError{Field: id, Href: "#" + id, Detail: "Enter the " + groupName(dim, g) + " target as a percentage from 0 to 100"})
				continue
			}
			if t.Shares[dim] == nil {
				t.Shares[dim] = map[string]float64{}
			}
			t.Shares[dim][g] = f / 100
		}
	}
	if t.Region = form["region"]; t.Region != "" {
		delete(t.Shares, "ethnicGroup") // the region's population shares are the ethnicity target
	}
	if len(errs) == 0 {
		res := s.call(w, r, http.MethodPut, "/api/v1/trials/"+url.PathEscape(r.PathValue("nctId"))+"/targets", t, callOpts{})
		if res.ok() {
			http.Redirect(w, r, "/trials/"+url.PathEscape(r.PathValue("nctId"))+"/equity?done=targets", http.StatusSeeOther)
			return
		}
		if res.Status != http.StatusBadRequest {
			s.failed(w, r, res)
			return
		}
		table := map[string]fieldMsg{"total": {ID: "total", Subject: "Total"}, "endDate": {ID: "end-date", Subject: "End date"},
			"source": {ID: "source", Subject: "Source"}, "region": {ID: "region", Subject: "Region"}}
		for _, dim := range dimensionOrder {
			table["shares."+dim] = fieldMsg{ID: "share-" + dim + "-" + knownGroups[dim][0], Subject: dimName(dim) + " targets"}
		}
		table["shares"] = fieldMsg{ID: "share-ethnicGroup-Asian", Subject: "Targets"}
		errs = mapErrors(res.Problem, table)
	}
	s.showEquity(w, r, m, http.StatusBadRequest, errs, form)
}

// sponsorHome is where a sponsor starts. The API has no "my organisation's trials"
// route for sponsors yet, so the page asks for the trial's NCT number.
func (s *Site) sponsorHome(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "sponsor", "admin")
	if m == nil {
		return
	}
	if id := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("nct"))); id != "" {
		if len(id) == 11 && strings.HasPrefix(id, "NCT") {
			http.Redirect(w, r, "/trials/"+id+"/equity", http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusBadRequest, "sponsor", page{Title: "Your trials", Me: m,
			Errors: []fieldError{{Field: "nct", Href: "#nct", Detail: "Enter an NCT number: NCT followed by 8 numbers, like NCT04280705"}},
			D:      sponsorTrials{Trials: s.trialTitles(w, r, m.Trials), NCT: id}})
		return
	}
	s.render(w, r, http.StatusOK, "sponsor", page{Title: "Your trials", Me: m, D: sponsorTrials{Trials: s.trialTitles(w, r, m.Trials)}})
}

// sponsorTrials is the sponsor's home page: their organisation's trials, and the
// NCT number typed (to open a trial not listed).
type sponsorTrials struct {
	Trials []trialLink
	NCT    string
}

type trialLink struct{ NCTID, Title, Status string }

// maxListedTrials bounds the trial titles looked up for one page.
const maxListedTrials = 100

// trialTitles looks up the titles of the trials (through the API, as every page does).
func (s *Site) trialTitles(w http.ResponseWriter, r *http.Request, ids []string) []trialLink {
	var out []trialLink
	for _, id := range ids[:min(len(ids), maxListedTrials)] {
		var t struct {
			BriefTitle    string `json:"briefTitle"`
			OverallStatus string `json:"overallStatus"`
		}
		link := trialLink{NCTID: id, Title: id}
		if res := s.get(w, r, "/api/v1/trials/"+url.PathEscape(id), &t, callOpts{}); res.ok() {
			link.Title, link.Status = t.BriefTitle, t.OverallStatus
		}
		out = append(out, link)
	}
	return out
}

// The equity dashboard's names for "no value given" and "no value recorded".
const (
	equityNotStated = "not_stated"
	equityNotKnown  = "not_known"
)
