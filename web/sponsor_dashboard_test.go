package web_test

import (
	"context"
	"encoding/csv"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"equitrial/equity"
	"equitrial/jobs"
)

// A sponsor's dashboard at a glance (issue 12, items 6 and 7): the trial's title; a
// chart per dimension with its table, saying the same things; enrolment over time
// with its projection; alerts as sentences; one status vocabulary across tables,
// alerts and charts; a CSV download that matches the tables; criteria that shut
// groups out, and why they cannot be worked out where they cannot; a summary line
// per trial on /sponsor. Small groups read alike, empty or not.
func TestSponsorDashboardAtAGlance(t *testing.T) {
	ctx := tab(t)
	s := newService(t)
	bg := context.Background()
	own, second := s.nct[0], s.nct[1]
	pw := s.user(t, "glance@example.org", "sponsor", "sponsor-glance", "sponsor", own, second)
	if err := s.db.Targets.Put(bg, own, equity.Targets{Total: 400, EndDate: time.Now().AddDate(0, 6, 0).Format("2006-01-02"),
		Source: equity.SourceDiversityPlan, Shares: map[string]map[string]float64{"smi": {"yes": 0.1, "no": 0.9}}}, "test"); err != nil {
		t.Fatal(err)
	}
	// 200 enrolled over ten weeks: none in the most and least deprived quintiles, 20
	// in quintile 2 (under its 40 expected); 3 Black participants and no Mixed ones.
	var events []equity.Event
	add := func(n int, ethnic string, imd int) {
		for range n {
			i := len(events)
			events = append(events, equity.Event{TrialID: own, Stage: equity.StageEnrolled, At: time.Now().Add(-time.Duration(70-i%70) * 24 * time.Hour),
				Site: "site-leeds", RowKey: "g" + strconv.Itoa(i), Strata: &equity.Strata{EthnicGroup: ethnic, IMDQuintile: imd, Sex: "female", SMI: "no", AgeBand: "50-64"}})
		}
	}
	add(20, "White", 2)
	add(97, "White", 3)
	add(3, "Black", 3)
	add(80, "White", 4)
	if _, err := s.db.Events.Append(bg, events); err != nil {
		t.Fatal(err)
	}
	// Criterion impact from 60 registered patients with the condition: a quarter with
	// SMI, all of whom the first criterion excludes. No one's deprivation is known.
	var patients []equity.ImpactPatient
	for i := range 60 {
		smi := []string{"no", "no", "no", "yes"}[i%4]
		patients = append(patients, equity.ImpactPatient{Strata: equity.Strata{SMI: smi, EthnicGroup: []string{"White", "White", "Asian"}[i%3], Sex: "female"},
			Excluded: []bool{smi == "yes" || i%29 == 0, i%7 == 0}})
	}
	m := &jobs.Monitor{DB: s.db, Impact: func(_ context.Context, id string) ([]string, []equity.ImpactPatient, error) {
		if id != own {
			return nil, nil, nil
		}
		return []string{"History of psychiatric illness", "Lives more than 50 miles from a site"}, patients, nil
	}}
	if _, err := m.Pass(bg); err != nil { // publishes every trial's dashboard, as the scheduled monitor does
		t.Fatal(err)
	}
	alerts, err := s.db.Alerts.List(bg, own, false)
	if err != nil || len(alerts) == 0 {
		t.Fatalf("the monitor opened no alert (%v)", err)
	}
	trial, err := s.db.Trials.Get(bg, own)
	if err != nil {
		t.Fatal(err)
	}

	// /sponsor: a summary line per trial.
	signIn(t, ctx, s, "glance@example.org", pw)
	if p := path(t, ctx); p != "/sponsor" {
		t.Fatalf("a sponsor starts at %s", p)
	}
	axe(t, ctx, "sponsor home with summaries")
	wantSummary := "200 enrolled of a target of 400 · " + strconv.Itoa(len(alerts)) + " open alert"
	if got := text(t, ctx, `li[data-nct-id="`+own+`"] .equitrial-trial-summary`); !strings.HasPrefix(got, wantSummary) {
		t.Errorf("summary of %s: %q, want %q…", own, got, wantSummary)
	}
	// Without a target, the trial's registered plan says how far along it is.
	secondTrial, err := s.db.Trials.Get(bg, second)
	if err != nil {
		t.Fatal(err)
	}
	wantSecond := "fewer than 8 enrolled (no total target set) · no open alerts"
	if secondTrial.Enrollment > 0 {
		wantSecond = "fewer than 8 enrolled of " + commas(secondTrial.Enrollment) + " planned on ClinicalTrials.gov (no target set) · no open alerts"
	}
	if got := text(t, ctx, `li[data-nct-id="`+second+`"] .equitrial-trial-summary`); got != wantSecond {
		t.Errorf("summary of %s: %q, want %q", second, got, wantSecond)
	}
	if got := text(t, ctx, "#sponsor-showing"); got != "Showing 1–2 of 2 trials of your organisation" {
		t.Errorf("the sponsor's trials count: %q", got)
	}

	visit(t, ctx, s.url+"/trials/"+own+"/equity")
	if h := text(t, ctx, "h1"); h != trial.BriefTitle || h == "" {
		t.Errorf("h1 %q, want the trial's title %q", h, trial.BriefTitle)
	}
	axe(t, ctx, "dashboard at a glance")

	labels := map[string]bool{}
	for _, st := range equity.Statuses {
		labels[equity.StatusLabel(st)] = true
	}

	// Each dimension: an accessible chart, then its table, saying the same per group.
	type cell struct{ Group, Target, Enrolled, Share, Needed, Chance, Status string }
	tables := map[string][]cell{}
	for _, dim := range []string{"ethnicGroup", "imdQuintile", "smi", "sex", "ageBand"} {
		sec := `section[data-dimension="` + dim + `"]`
		chart := js[map[string]string](t, ctx, `(() => { const s = document.querySelector(`+quote(sec+` svg`)+`); if (!s) return {};
			const ids = (s.getAttribute("aria-labelledby") || "").split(" ");
			const next = s.closest("figure").nextElementSibling;
			return {role: s.getAttribute("role") || "", title: (document.getElementById(ids[0]) || {}).textContent || "",
				desc: (document.getElementById(ids[1]) || {}).textContent || "", titleTag: s.querySelector("title") ? "yes" : "",
				after: next ? next.tagName + "/" + next.getAttribute("data-dimension") : ""} })()`)
		if chart["role"] != "img" || chart["title"] == "" || chart["desc"] == "" || chart["titleTag"] != "yes" {
			t.Errorf("%s: chart not an accessible image: %v", dim, chart)
		}
		if chart["after"] != "TABLE/"+dim {
			t.Errorf("%s: the chart is not followed by its table: %q", dim, chart["after"])
		}
		rows := js[[]cell](t, ctx, `Array.from(document.querySelectorAll(`+quote(sec+` table tbody tr`)+`)).map(r => {
			const c = Array.from(r.cells).map(td => { const x = td.cloneNode(true); x.querySelectorAll(".nhsuk-table-responsive__heading").forEach(h => h.remove()); return x.innerText.trim() });
			return {Group: c[0], Target: c[1], Enrolled: c[2], Share: c[3], Needed: c[5], Chance: c[6], Status: c[7]} })`)
		bars := js[[]cell](t, ctx, `Array.from(document.querySelectorAll(`+quote(sec+` svg g[data-group]`)+`)).map(g => ({
			Group: g.getAttribute("data-group"), Share: g.querySelector(".equitrial-chart-value").textContent,
			Enrolled: g.querySelector(".equitrial-chart-bar") ? "bar" : "", Status: g.querySelector(".equitrial-chart-status text").textContent}))`)
		if len(rows) == 0 || len(rows) != len(bars) {
			t.Fatalf("%s: %d table rows, %d chart rows", dim, len(rows), len(bars))
		}
		for i, r := range rows {
			b := bars[i]
			if b.Group != r.Group || b.Status != r.Status || !labels[r.Status] {
				t.Errorf("%s: table row %+v, chart row %+v: group or status differ, or not in the vocabulary", dim, r, b)
			}
			if r.Enrolled == "fewer than 8" {
				if b.Enrolled != "" || !strings.HasPrefix(b.Share, "fewer than 8") {
					t.Errorf("%s %s: withheld in the table, but the chart draws %+v", dim, r.Group, b)
				}
			} else if share, _, _ := strings.Cut(r.Share, " "); !strings.HasPrefix(b.Share, share) {
				t.Errorf("%s %s: table share %q, chart %q", dim, r.Group, r.Share, b.Share)
			}
		}
		tables[dim] = rows
	}
	// With a total and an end date, each judged group has the share it still needs
	// and its chance of reaching the target.
	for _, r := range tables["imdQuintile"] {
		if r.Enrolled == "fewer than 8" {
			continue
		}
		if !strings.HasSuffix(r.Needed, "%") || !strings.HasSuffix(r.Chance, "%") {
			t.Errorf("deprivation %s: needed share %q, chance of reaching target %q", r.Group, r.Needed, r.Chance)
		}
	}
	// Black (3) and Mixed (none) read alike in table and chart.
	eth := tables["ethnicGroup"]
	if len(eth) < 3 || eth[1].Group != "Black" || eth[2].Group != "Mixed" || eth[1].Enrolled != "fewer than 8" ||
		eth[1].Enrolled != eth[2].Enrolled || eth[1].Share != eth[2].Share || eth[1].Status != eth[2].Status {
		t.Errorf("Black and Mixed read differently: %+v", eth)
	}
	blackBar := js[string](t, ctx, `(() => { const g = document.querySelector('section[data-dimension="ethnicGroup"] svg g[data-group="Black"]'); return g.innerHTML.replace(/Black/g, "X") })()`)
	mixedBar := js[string](t, ctx, `(() => { const g = document.querySelector('section[data-dimension="ethnicGroup"] svg g[data-group="Mixed"]'); return g.innerHTML.replace(/Mixed/g, "X").replace(/y="[0-9.]+"|y1="[0-9.]+"|y2="[0-9.]+"/g, "") })()`)
	if strings.Contains(blackBar, "equitrial-chart-bar") || !strings.Contains(mixedBar, "fewer than 8") {
		t.Errorf("withheld groups in the chart: Black %s / Mixed %s", blackBar, mixedBar)
	}

	// Alerts are sentences, with the status words of their group's row and chart.
	type alertRow struct{ Dimension, Group, Tag, Text string }
	shown := js[[]alertRow](t, ctx, `Array.from(document.querySelectorAll("#alert-list li")).map(li => ({Dimension: li.dataset.dimension,
		Group: li.dataset.group, Tag: li.querySelector(".nhsuk-tag").innerText.trim(), Text: li.querySelector(".equitrial-alert-text").innerText.trim()}))`)
	if len(shown) != len(alerts) {
		t.Errorf("%d alerts shown, %d open", len(shown), len(alerts))
	}
	sentence := regexp.MustCompile(`^[A-Z].* (is|has) [a-z(). -]+: (\d+|fewer than 8) enrolled( against \d+ expected)?\.$`)
	found := false
	for _, a := range shown {
		if !sentence.MatchString(a.Text) || !strings.Contains(a.Text, strings.ToLower(a.Tag)) || !labels[a.Tag] {
			t.Errorf("alert %q (tag %q) is not a sentence in the status vocabulary", a.Text, a.Tag)
		}
		for i, r := range tables[a.Dimension] {
			if group := js[string](t, ctx, `document.querySelectorAll('section[data-dimension="`+a.Dimension+`"] tbody tr')[`+strconv.Itoa(i)+`].dataset.group`); group == a.Group && r.Status != a.Tag {
				t.Errorf("alert on %s/%s says %q, its row %q", a.Dimension, a.Group, a.Tag, r.Status)
			}
		}
		if a.Text == "Deprivation quintile 2 is under-represented: 20 enrolled against 40 expected." {
			found = true
		}
	}
	if !found {
		t.Errorf("no alert reads \"Deprivation quintile 2 is under-represented: 20 enrolled against 40 expected.\": %+v", shown)
	}
	for _, tag := range texts(t, ctx, "main .nhsuk-tag") {
		if !labels[tag] {
			t.Errorf("status tag %q is not in the vocabulary", tag)
		}
	}

	// Enrolment over time, its projection, completeness, the targets' source in words.
	if js[string](t, ctx, `document.querySelector('svg[data-chart="enrolment"]')?.getAttribute("role") || ""`) != "img" {
		t.Error("no enrolment chart")
	}
	if p := text(t, ctx, "#projection"); !strings.Contains(p, "people will be enrolled by") || !strings.Contains(p, "target of 400") {
		t.Errorf("projection: %q", p)
	}
	if n := len(texts(t, ctx, "#enrolment-table tbody tr")); n < 5 {
		t.Errorf("enrolment table has %d rows", n)
	}
	if n := len(texts(t, ctx, "#completeness-table tbody tr")); n != 5 {
		t.Errorf("completeness table has %d rows, want 5", n)
	}
	if opts := texts(t, ctx, "#source option"); slices.ContainsFunc(opts, func(o string) bool { return strings.Contains(o, "_") }) ||
		!slices.Contains(opts, equity.SourceLabel(equity.SourceDiversityPlan)) {
		t.Errorf("target sources: %q", opts)
	}

	// The CSV download is the tables.
	href := js[string](t, ctx, `document.querySelector("#download-csv").getAttribute("href")`)
	if href != "/api/v1/trials/"+own+"/equity.csv" {
		t.Fatalf("download link %q", href)
	}
	body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+quote(href)+`, {credentials: "same-origin"}).then(r => r.ok ? r.text() : "HTTP " + r.status)`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("downloading the CSV: %v", err)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("CSV: %v\n%s", err, body)
	}
	dimOf := map[string]string{"Ethnic group": "ethnicGroup", "Deprivation (IMD quintile)": "imdQuintile", "Serious mental illness": "smi", "Sex": "sex", "Age band": "ageBand"}
	next := map[string]int{}
	for _, r := range recs[1:] {
		dim := dimOf[r[0]]
		i := next[dim]
		next[dim]++
		if i >= len(tables[dim]) {
			t.Errorf("CSV row %q has no table row", r)
			continue
		}
		row := tables[dim][i]
		pctCell := func(v string) string {
			if v == "" {
				return "–"
			}
			return v + "%"
		}
		share, _, _ := strings.Cut(row.Share, " ")
		if r[1] != row.Group || pctCell(r[2]) != row.Target || r[3] != row.Enrolled || pctCell(r[4]) != share || r[12] != row.Status {
			t.Errorf("CSV row %q, table row %+v", r, row)
		}
	}
	for dim, rows := range tables {
		if next[dim] != len(rows) {
			t.Errorf("%s: %d CSV rows, %d table rows", dim, next[dim], len(rows))
		}
	}

	// Criteria that shut groups out, and where it cannot be told, why.
	if f := text(t, ctx, "#criteria-flagged"); !strings.Contains(f, "“History of psychiatric illness” rules out people with serious mental illness") {
		t.Errorf("flagged criteria: %q", f)
	}
	if e := text(t, ctx, "#criteria-explained"); !strings.Contains(e, "needs at least 10 registered patients with the condition in a group") ||
		!strings.Contains(e, "Deprivation (IMD quintile): 1 (most deprived)") {
		t.Errorf("unjudged groups: %q", e)
	}

	// A trial with nothing yet says so, and why criteria cannot be checked.
	visit(t, ctx, s.url+"/trials/"+second+"/equity")
	if e := text(t, ctx, "#criteria-explained"); !strings.Contains(e, "needs at least 10 registered patients with the condition in a group") &&
		!strings.Contains(e, "at least 10 registered patients with the condition in a group") {
		t.Errorf("a trial without impact data: %q", e)
	}
	if body := text(t, ctx, "#enrolment"); body == "" {
		t.Error("no enrolment section")
	}
	axe(t, ctx, "empty dashboard")
}

// commas writes 12345 as 12,345.
func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
