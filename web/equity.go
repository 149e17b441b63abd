package web

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"equitrial/equity"
)

// dashboardView is GET /api/v1/trials/{nctId}/equity. Counts a sponsor may not see
// are null (fewer than 8 people), so counts and figures are pointers.
type dashboardView struct {
	AsOf            time.Time                        `json:"asOf"`
	View            string                           `json:"view"`
	Enrolled        *int                             `json:"enrolled"`
	Targets         targetsView                      `json:"targets"`
	Dimensions      map[string]map[string]groupStats `json:"dimensions"`
	Completeness    map[string]completenessView      `json:"completeness"`
	Series          seriesView                       `json:"series"`
	RecentDays      *float64                         `json:"recentDays"`
	Alerts          []alertView                      `json:"alerts"`
	CriterionImpact []impactView                     `json:"criterionImpact"`
	Notes           []string                         `json:"notes"`
}

type groupStats struct {
	Target      *float64 `json:"target"`
	Enrolled    *int     `json:"enrolled"`
	Expected    *float64 `json:"expected"`
	Share       *float64 `json:"share"`
	ShareLow    *float64 `json:"shareLow"`
	ShareHigh   *float64 `json:"shareHigh"`
	PPR         *float64 `json:"ppr"`
	PPRLow      *float64 `json:"pprLow"`
	PPRHigh     *float64 `json:"pprHigh"`
	NeededShare *float64 `json:"neededShare"`
	ProbReach   *float64 `json:"probReach"`
	Status      string   `json:"status"`
	Note        string   `json:"note"`
	Suppressed  bool     `json:"suppressed"`
}

// Withheld reports whether the group's counts are withheld from this view.
func (g groupStats) Withheld() bool { return g.Suppressed || (g.Enrolled == nil) }

type completenessView struct {
	Enrolled       *int     `json:"enrolled"`
	Known          *int     `json:"known"`
	NotStated      *int     `json:"notStated"`
	NotKnown       *int     `json:"notKnown"`
	Missing        *float64 `json:"missing"`
	NotStatedShare *float64 `json:"notStatedShare"`
	NotKnownShare  *float64 `json:"notKnownShare"`
}

type seriesView struct {
	StepDays int         `json:"stepDays"`
	At       []time.Time `json:"at"`
	Enrolled []*int      `json:"enrolled"`
}

type alertView struct {
	ResolvedAt     time.Time `json:"resolvedAt"`
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
	Patients  *int     `json:"patients"`
	Excluded  *int     `json:"excluded"`
	Rate      *float64 `json:"rate"`
	Flagged   []struct {
		Dimension string `json:"dimension"`
		Group     string `json:"group"`
	} `json:"flagged"`
	Groups map[string]map[string]struct {
		Patients  *int     `json:"patients"`
		Rate      *float64 `json:"rate"`
		RateRatio *float64 `json:"rateRatio"`
	} `json:"groups"`
	Rule struct {
		Ratio    float64 `json:"ratio"`
		MinGroup int     `json:"minGroup"`
	} `json:"rule"`
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
			out = append(out, impactSentence(ci.Criterion, f.Dimension, f.Group, ratioOf(ci, f.Dimension, f.Group)))
		}
	}
	return out
}

// impactSentence says which group a criterion falls hardest on, in plain words.
func impactSentence(criterion, dim, group string, rateRatio float64) string {
	who := equity.GroupPeople(dim, group)
	if rateRatio > 0 {
		return fmt.Sprintf("“%s” rules out %s %.1f times as often as others.", criterion, who, rateRatio)
	}
	return fmt.Sprintf("“%s” rules out %s more often than others.", criterion, who)
}

func ratioOf(ci impactView, dim, group string) float64 {
	if g, ok := ci.Groups[dim][group]; ok && g.RateRatio != nil {
		return *g.RateRatio
	}
	return 0
}

// impactMinGroup is the fewest registered patients with the condition a group needs
// before a criterion's effect on it is judged (the API's rule; 10 by default).
func (d *dashboardView) impactMinGroup() int {
	for _, ci := range d.CriterionImpact {
		if ci.Rule.MinGroup > 0 {
			return ci.Rule.MinGroup
		}
	}
	return 10
}

// ImpactNote explains, in words, how far criterion impact could be worked out: why
// not at all, or which groups are too small to judge.
type impactNote struct {
	Criteria  int    // criteria checked
	Patients  string // registered patients with the condition, in words
	MinGroup  int
	Unjudged  []unjudgedGroups // per dimension, the groups too small to judge
	NoneFound bool             // criteria were checked and none falls hardest on a group
}

type unjudgedGroups struct {
	Dimension string
	Groups    []string
}

// ImpactNote is what the criteria section says beyond the flagged criteria.
func (d *dashboardView) ImpactNote() impactNote {
	n := impactNote{Criteria: len(d.CriterionImpact), MinGroup: d.impactMinGroup()}
	if n.Criteria == 0 {
		return n
	}
	first := d.CriterionImpact[0]
	n.Patients = countText(first.Patients)
	for _, dim := range dimensionOrder {
		u := unjudgedGroups{Dimension: dimName(dim)}
		for _, g := range knownGroups[dim] {
			gi, ok := first.Groups[dim][g]
			if !ok || gi.Patients == nil || *gi.Patients < n.MinGroup {
				u.Groups = append(u.Groups, groupName(dim, g))
			}
		}
		if len(u.Groups) > 0 {
			n.Unjudged = append(n.Unjudged, u)
		}
	}
	n.NoneFound = len(d.Impacts()) == 0
	return n
}

// OpenAlerts are the alerts not yet resolved, acknowledged or not: the API lists
// only those.
func (d *dashboardView) OpenAlerts() []alertView {
	var out []alertView
	for _, a := range d.Alerts {
		if a.ResolvedAt.IsZero() {
			out = append(out, a)
		}
	}
	return out
}

// AlertText says what an alert is about in a sentence, with its group's figures as
// this view shows them: "Deprivation quintile 3 is under-represented: 12 enrolled
// against 20 expected."
func (d *dashboardView) AlertText(a alertView) string {
	g, ok := d.Dimensions[a.Dimension][a.Group]
	enrolled, expected := equity.Suppressed, equity.NaN
	if ok {
		if g.Enrolled != nil && !g.Suppressed {
			enrolled = equity.Count(*g.Enrolled)
		}
		if g.Expected != nil {
			expected = equity.Float(*g.Expected)
		}
	}
	return equity.AlertSentence(a.Dimension, a.Group, a.Status, enrolled, expected)
}

// Charts are the share charts, one per dimension, in dashboard order.
func (d *dashboardView) Chart(t dimensionTable) template.HTML {
	bars := make([]shareBar, 0, len(t.Rows))
	for _, r := range t.Rows {
		bars = append(bars, shareBar{Label: groupName(t.Dimension, r.Group), Share: r.Share, Low: r.ShareLow, High: r.ShareHigh,
			Target: r.Target, Withheld: r.Withheld(), Status: r.Status})
	}
	return shareChart("chart-"+t.Dimension, dimName(t.Dimension), bars)
}

// SourceOf says where a dimension's target shares come from, in plain words.
func (d *dashboardView) SourceOf(dim string) string {
	src := d.Targets.Sources[dim]
	if src == "" {
		src = d.Targets.Source
	}
	if src == "" {
		return ""
	}
	return equity.SourceLabel(src)
}

// completenessRow is one dimension's completeness, as the page shows it.
type completenessRow struct {
	Dimension                  string
	Known, NotStated, NotKnown string
	Missing                    string
}

// CompletenessRows say how much of the enrolment each dimension is recorded for.
func (d *dashboardView) CompletenessRows() []completenessRow {
	var out []completenessRow
	for _, dim := range dimensionOrder {
		c, ok := d.Completeness[dim]
		if !ok {
			continue
		}
		out = append(out, completenessRow{Dimension: dimName(dim), Known: countText(c.Known), NotStated: countText(c.NotStated),
			NotKnown: countText(c.NotKnown), Missing: pct(c.Missing)})
	}
	return out
}

// EnrolmentPoints are the series' cumulative enrolment points the reader may see.
func (d *dashboardView) EnrolmentPoints() []enrolmentPoint {
	var out []enrolmentPoint
	for i, at := range d.Series.At {
		if i < len(d.Series.Enrolled) && d.Series.Enrolled[i] != nil {
			out = append(out, enrolmentPoint{At: at, Enrolled: *d.Series.Enrolled[i]})
		}
	}
	return out
}

// Projection is the enrolment the recent rate reaches by the end of recruitment:
// the rate over the recent window (the one the chance of reaching target uses),
// measured on the series the reader sees; nil without an end date or a series.
func (d *dashboardView) Projection() *projection {
	pts := d.EnrolmentPoints()
	end, err := time.Parse("2006-01-02", d.Targets.EndDate)
	if err != nil || len(pts) == 0 {
		return nil
	}
	end = end.Add(24 * time.Hour)
	last := pts[len(pts)-1]
	if !end.After(last.At) {
		return nil
	}
	window := 90 * 24 * time.Hour
	if d.RecentDays != nil && *d.RecentDays > 0 {
		window = time.Duration(*d.RecentDays * float64(24*time.Hour))
	}
	// From the last point at least a window old; when the series is younger than the
	// window, from its first point (or, with one point, from no one a step before).
	var from *enrolmentPoint
	for i := range pts {
		if !pts[i].At.After(last.At.Add(-window)) {
			from = &pts[i]
		}
	}
	if from == nil && len(pts) > 1 {
		from = &pts[0]
	} else if from == nil {
		from = &enrolmentPoint{At: last.At.Add(-time.Duration(max(d.Series.StepDays, 1)) * 24 * time.Hour)}
	}
	days := last.At.Sub(from.At).Hours() / 24
	if days <= 0 {
		return nil
	}
	rate := float64(last.Enrolled-from.Enrolled) / days
	return &projection{End: end, Enrolled: float64(last.Enrolled) + rate*end.Sub(last.At).Hours()/24}
}

// EnrolmentChart is cumulative enrolment with its projection, or "" with no series.
func (d *dashboardView) EnrolmentChart() template.HTML {
	return enrolmentChart("chart-enrolment", d.EnrolmentPoints(), d.Projection(), d.Targets.Total)
}

// ProjectedText says where the projection lands, in words.
func (d *dashboardView) ProjectedText() string {
	p := d.Projection()
	if p == nil {
		return ""
	}
	return fmt.Sprintf("about %.0f", math.Round(p.Enrolled))
}

// Summary is the dashboard in one line: enrolled, target, open alerts.
func (d *dashboardView) Summary() string {
	s := countText(d.Enrolled) + " enrolled"
	if d.Targets.Total > 0 {
		s += " of a target of " + strconv.Itoa(d.Targets.Total)
	} else {
		s += " (no total target set)"
	}
	switch n := len(d.OpenAlerts()); n {
	case 0:
		s += " · no open alerts"
	case 1:
		s += " · 1 open alert"
	default:
		s += " · " + strconv.Itoa(n) + " open alerts"
	}
	return s
}

// Withheld reports whether the view withholds small counts (a sponsor's).
func (d *dashboardView) Withheld() bool { return d.View == "sponsor" }

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
	Title     string // the trial's brief title; its NCT number when it has none
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
	if res := s.getDashboard(w, r, id, &d); !res.ok() {
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
	title := id
	if tr, ok := s.getTrialHeading(w, r, id); ok && tr.BriefTitle != "" {
		title = tr.BriefTitle
	}
	s.render(w, r, status, "equity", page{Title: "Diversity dashboard: " + title, Me: m, Errors: errs, Wide: true,
		D: equityData{NCTID: id, Title: title, Dashboard: &d, CanEdit: canEdit, Saved: saved, Form: form, Regions: regions.Regions}})
}

// getDashboard reads a trial's dashboard as the signed-in user may see it: the
// dashboard page and the sponsor's list of trials read it alike.
func (s *Site) getDashboard(w http.ResponseWriter, r *http.Request, id string, d *dashboardView) *apiResult {
	return s.get(w, r, "/api/v1/trials/"+url.PathEscape(id)+"/equity", d, callOpts{})
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

// The equity dashboard's names for "no value given" and "no value recorded".
const (
	equityNotStated = "not_stated"
	equityNotKnown  = "not_known"
)

// ShareText is a group's share with its 95% interval: "20.0% (12.1% to 30.9%)".
func (g groupStats) ShareText() string {
	if g.Share == nil {
		return "–"
	}
	s := pct(g.Share)
	if g.ShareLow != nil && g.ShareHigh != nil {
		s += " (" + pct(g.ShareLow) + " to " + pct(g.ShareHigh) + ")"
	}
	return s
}

// EnrolledText is a group's count as this view shows it: a withheld one reads
// "fewer than 8", whatever it is.
func (g groupStats) EnrolledText() string {
	if g.Withheld() {
		return equity.SuppressedText
	}
	return countText(g.Enrolled)
}

// sourceOption is one choice of where target shares come from.
type sourceOption struct{ Value, Label string }

// SourceOptions are the targets form's sources, in plain words.
func (d *dashboardView) SourceOptions() []sourceOption {
	var out []sourceOption
	for _, v := range equity.TargetSources() {
		out = append(out, sourceOption{Value: v, Label: equity.SourceLabel(v)})
	}
	return out
}

// SeriesRows are the enrolment chart's figures, for its table.
func (d *dashboardView) SeriesRows() []enrolmentPoint { return d.EnrolmentPoints() }

// EndDateText is the last day of recruitment as people write it: 31 March 2027.
func (d *dashboardView) EndDateText() string {
	if d.Targets.EndDate == "" {
		return ""
	}
	return longDate(d.Targets.EndDate)
}
