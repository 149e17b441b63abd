package web

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"equitrial/equity"
)

func f(v float64) *float64 { return &v }

// parseSVG checks the chart is well-formed XML and returns its elements by name.
func parseSVG(t *testing.T, svg string) map[string][]xml.StartElement {
	t.Helper()
	out := map[string][]xml.StartElement{}
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("not well-formed SVG: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			out[se.Name.Local] = append(out[se.Name.Local], se)
		}
	}
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// A share chart is an image with a title and a description, a bar, interval and
// target marker per group it can show, and the groups' statuses in the page's words.
func TestShareChartIsAnAccessibleImage(t *testing.T) {
	svg := string(shareChart("chart-imd", "Deprivation (IMD quintile)", []shareBar{
		{Label: "1 (most deprived)", Share: f(0.1), Low: f(0.05), High: f(0.18), Target: f(0.2), Status: equity.StatusUnder},
		{Label: "2", Share: f(0.25), Low: f(0.17), High: f(0.35), Target: f(0.2), Status: equity.StatusOnTarget},
		{Label: "3", Target: f(0.2), Withheld: true, Status: equity.StatusSuppressed},
	}))
	el := parseSVG(t, svg)
	root := el["svg"][0]
	if attr(root, "role") != "img" || attr(root, "aria-labelledby") != "chart-imd-title chart-imd-desc" {
		t.Errorf("svg attributes: %v", root.Attr)
	}
	if len(el["title"]) == 0 || attr(el["title"][0], "id") != "chart-imd-title" || len(el["desc"]) != 1 || attr(el["desc"][0], "id") != "chart-imd-desc" {
		t.Errorf("title/desc: %v %v", el["title"], el["desc"])
	}
	count := func(class string) int {
		n := 0
		for _, list := range el {
			for _, se := range list {
				if attr(se, "class") == class {
					n++
				}
			}
		}
		return n
	}
	if n := count("equitrial-chart-bar"); n != 2 {
		t.Errorf("%d bars, want 2 (none for the withheld group)", n)
	}
	if n := count("equitrial-chart-interval"); n != 2 {
		t.Errorf("%d intervals, want 2", n)
	}
	if n := count("equitrial-chart-target"); n != 3 {
		t.Errorf("%d target markers, want 3 (a withheld group's target is not withheld)", n)
	}
	for _, want := range []string{"Under-represented", "On target", "Withheld (small numbers)", "fewer than 8", "10.0%", "Target 20.0%"} {
		if !strings.Contains(svg, ">"+want+"<") {
			t.Errorf("the chart does not say %q", want)
		}
	}
	if strings.Contains(svg, "style=") || strings.Contains(svg, "<script") {
		t.Error("the chart uses a style attribute or script, which the CSP refuses")
	}
	// The bar's length is its share on the chart's scale (0–30%, since 25% + interval reach 35% → 40%).
	bars := 0
	for _, r := range el["rect"] {
		if attr(r, "class") == "equitrial-chart-bar" && bars == 0 {
			bars++
			if w := attr(r, "width"); w != "82.5" { // 0.1 of a 0.4 scale over 330 px
				t.Errorf("first bar width %s, want 82.5", w)
			}
		}
	}
}

// A withheld group draws the same whatever figures reach the chart: an empty group
// and a group of 1–7 cannot be told apart, even were a figure passed by mistake.
func TestShareChartWithheldGroupsLookAlike(t *testing.T) {
	base := []shareBar{{Label: "White", Share: f(0.9), Low: f(0.8), High: f(0.95), Target: f(0.817), Status: equity.StatusOnTarget}}
	empty := append(base, shareBar{Label: "Black", Target: f(0.04), Withheld: true, Status: equity.StatusSuppressed})
	small := append(base, shareBar{Label: "Black", Share: f(0.07), Low: f(0.02), High: f(0.19), Target: f(0.04), Withheld: true, Status: equity.StatusSuppressed})
	a, b := shareChart("c", "Ethnic group", empty), shareChart("c", "Ethnic group", small)
	if a != b {
		t.Errorf("a withheld group with figures draws differently:\n%s\n%s", a, b)
	}
	if strings.Count(string(a), `class="equitrial-chart-bar"`) != 1 || !strings.Contains(string(a), "fewer than 8") {
		t.Errorf("withheld group: %s", a)
	}
	// The scale ignores a withheld group's figures too.
	if shareScale(small) != shareScale(empty) {
		t.Error("a withheld group's share moves the scale")
	}
}

// The enrolment chart draws the series, a dashed projection to the end date and
// the total target, and says them in its description.
func TestEnrolmentChart(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	pts := []enrolmentPoint{{t0, 10}, {t0.AddDate(0, 0, 7), 20}, {t0.AddDate(0, 0, 14), 35}}
	svg := string(enrolmentChart("e", pts, &projection{End: t0.AddDate(0, 3, 0), Enrolled: 180}, 200))
	el := parseSVG(t, svg)
	if attr(el["svg"][0], "role") != "img" || len(el["title"]) != 1 || len(el["desc"]) != 1 {
		t.Fatalf("not an accessible image: %s", svg)
	}
	if len(el["polyline"]) != 1 || strings.Count(attr(el["polyline"][0], "points"), ",") != 3 {
		t.Errorf("series line: %v", el["polyline"])
	}
	proj := 0
	for _, l := range el["line"] {
		if attr(l, "class") == "equitrial-chart-projection" && attr(l, "stroke-dasharray") != "" {
			proj++
		}
	}
	if proj != 1 {
		t.Errorf("%d dashed projections, want 1", proj)
	}
	for _, want := range []string{"about 180 enrolled by 5 April 2026", "target of 200", "Target: 200"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the enrolment chart does not say %q", want)
		}
	}
	if enrolmentChart("e", nil, nil, 0) != "" {
		t.Error("an empty series draws a chart")
	}
}

// The projection runs at the recent window's rate from the last point.
func TestProjection(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	n := func(v int) *int { return &v }
	days := 14.0
	d := dashboardView{RecentDays: &days, Targets: targetsView{EndDate: t0.AddDate(0, 0, 28-1).Format("2006-01-02")},
		Series: seriesView{StepDays: 7, At: []time.Time{t0, t0.AddDate(0, 0, 7), t0.AddDate(0, 0, 14)}, Enrolled: []*int{n(10), n(20), n(38)}}}
	p := d.Projection()
	// 28 people over the last 14 days = 2 a day; 14 days left → 38 + 28 = 66.
	if p == nil || p.Enrolled < 65.9 || p.Enrolled > 66.1 {
		t.Fatalf("projection %+v, want 66", p)
	}
	d.Targets.EndDate = ""
	if d.Projection() != nil {
		t.Error("a projection without an end date")
	}
}
