package web

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"equitrial/equity"
)

// Server-rendered SVG charts for the diversity dashboard. They are pure functions of
// the figures the page already shows (no script, no style attribute: the CSP allows
// neither), each an image with a title and description whose accessible equivalent
// is the data table printed beside it. A withheld group draws no bar and reads
// "fewer than 8", whatever its count: the chart is built from the view the reader
// may see, and a withheld row's figures are never drawn even if present.

// shareBar is one group's row of a share chart.
type shareBar struct {
	Label    string   // the group in words
	Share    *float64 // enrolled share; nil when undefined
	Low      *float64 // 95% Wilson interval of the share
	High     *float64
	Target   *float64 // target share; nil when not set
	Withheld bool     // counts withheld from this view: no bar, "fewer than 8"
	Status   string   // the group's status, shown in the one vocabulary
}

// toneColours are the NHS tag colours (text and border, background) of each tone.
var toneColours = map[string][2]string{
	"red":    {"#6b140e", "#f7d4d1"},
	"orange": {"#4d3708", "#ffdc8e"},
	"green":  {"#004c23", "#cce5d8"},
	"blue":   {"#004281", "#ccdff1"},
	"grey":   {"#354550", "#dbe0e3"},
}

const (
	chartBar      = "#005eb8" // NHS blue
	chartInterval = "#212b32"
	chartTarget   = "#d5281b"
	chartGrid     = "#d8dde0"
	chartText     = "#212b32"
	chartFont     = `font-family="Frutiger W01, Arial, sans-serif"`
)

// shareChart draws enrolled share against target for the groups of one dimension:
// a bar per group with its 95% interval, a marker at the target, and the group's
// status label. id must be unique on the page (it names the title and description).
func shareChart(id, dimension string, bars []shareBar) template.HTML {
	const (
		labelW = 150.0 // group labels, right-aligned
		plotX  = 160.0
		plotW  = 330.0
		valueX = plotX + plotW + 12
		badgeX = valueX + 100
		width  = 820.0
		top    = 44.0 // legend and axis labels
		rowH   = 34.0
	)
	height := top + rowH*float64(len(bars)) + 8
	scale := shareScale(bars)
	x := func(f float64) float64 { return plotX + plotW*math.Min(math.Max(f, 0), scale)/scale }

	var b strings.Builder
	desc := fmt.Sprintf("Bar chart of the share of enrolled participants in each %s group, with its 95%% interval and a red marker at the group's target share. The table that follows gives the same figures.", strings.ToLower(dimension))
	fmt.Fprintf(&b, `<svg class="equitrial-chart" xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 %g %g" width="100%%" aria-labelledby="%s-title %s-desc" data-chart="share">`,
		width, height, id, id)
	fmt.Fprintf(&b, `<title id="%s-title">%s: enrolled share against target</title><desc id="%s-desc">%s</desc>`,
		id, esc(dimension), id, esc(desc))
	fmt.Fprintf(&b, `<g %s font-size="14" fill="%s">`, chartFont, chartText)
	// Legend.
	fmt.Fprintf(&b, `<rect x="%g" y="6" width="14" height="10" fill="%s"/><text x="%g" y="15">Enrolled share</text>`, plotX, chartBar, plotX+18)
	fmt.Fprintf(&b, `<line x1="%g" y1="11" x2="%g" y2="11" stroke="%s" stroke-width="2"/><text x="%g" y="15">95%% interval</text>`, plotX+120, plotX+140, chartInterval, plotX+144)
	fmt.Fprintf(&b, `<line x1="%g" y1="3" x2="%g" y2="19" stroke="%s" stroke-width="3"/><text x="%g" y="15">Target</text>`, plotX+240, plotX+240, chartTarget, plotX+246)
	// Grid and axis labels.
	for i := 0; i <= 4; i++ {
		f := scale * float64(i) / 4
		gx := x(f)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="%s"/>`, gx, top-4, gx, height-8, chartGrid)
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" text-anchor="middle" font-size="11">%s</text>`, gx, top-8, axisPercent(f))
	}
	for i, r := range bars {
		y := top + rowH*float64(i)
		mid := y + rowH/2
		fmt.Fprintf(&b, `<g data-group="%s">`, esc(r.Label))
		fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="end">%s</text>`, labelW, mid+4, esc(r.Label))
		value := equity.SuppressedText
		if !r.Withheld {
			value = "no one"
			if r.Share != nil {
				fmt.Fprintf(&b, `<rect class="equitrial-chart-bar" x="%g" y="%g" width="%.1f" height="14" fill="%s"/>`, plotX, mid-7, x(*r.Share)-plotX, chartBar)
				value = pct(r.Share)
			}
			if r.Low != nil && r.High != nil {
				lo, hi := x(*r.Low), x(*r.High)
				fmt.Fprintf(&b, `<path class="equitrial-chart-interval" d="M%.1f %gH%.1fM%.1f %gV%gM%.1f %gV%g" stroke="%s" stroke-width="2" fill="none"/>`,
					lo, mid, hi, lo, mid-5, mid+5, hi, mid-5, mid+5, chartInterval)
			}
		}
		if r.Target != nil {
			tx := x(*r.Target)
			fmt.Fprintf(&b, `<line class="equitrial-chart-target" x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="%s" stroke-width="3"><title>Target %s</title></line>`,
				tx, mid-11, tx, mid+11, chartTarget, pct(r.Target))
		}
		fmt.Fprintf(&b, `<text class="equitrial-chart-value" x="%g" y="%g">%s</text>`, valueX, mid+4, esc(value))
		b.WriteString(statusBadge(badgeX, mid, r.Status))
		b.WriteString(`</g>`)
	}
	b.WriteString(`</g></svg>`)
	return template.HTML(b.String())
}

// statusBadge draws a status as the page's tags show it: its label in its tone.
func statusBadge(x, mid float64, status string) string {
	w := equity.StatusWordOf(status)
	c := toneColours[w.Tone]
	if c[0] == "" {
		c = toneColours["grey"]
	}
	width := 12 + 8.0*float64(len(w.Label))
	return fmt.Sprintf(`<g class="equitrial-chart-status" data-status="%s"><rect x="%g" y="%g" width="%.1f" height="22" fill="%s" stroke="%s"/><text x="%g" y="%g" fill="%s" font-weight="600">%s</text></g>`,
		esc(status), x, mid-11, width, c[1], c[0], x+6, mid+4, c[0], esc(w.Label))
}

// shareScale is the chart's right edge: the largest figure drawn, rounded up to a
// tenth, at least 10% and at most 100%.
func shareScale(bars []shareBar) float64 {
	top := 0.0
	for _, r := range bars {
		for _, f := range []*float64{r.Target, r.High, r.Share} {
			if f != nil && (!r.Withheld || f == r.Target) {
				top = math.Max(top, *f)
			}
		}
	}
	return math.Min(math.Max(math.Ceil(top*10-1e-9)/10, 0.1), 1)
}

func axisPercent(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64) + "%"
}

// enrolmentPoint is one point of cumulative enrolment.
type enrolmentPoint struct {
	At       time.Time
	Enrolled int
}

// projection is where enrolment is heading: Enrolled by End at the recent rate.
type projection struct {
	End      time.Time
	Enrolled float64
}

// enrolmentChart draws cumulative enrolment over time, the projection to the end of
// recruitment (dashed) and the total target (a red line), when set.
func enrolmentChart(id string, pts []enrolmentPoint, proj *projection, total int) template.HTML {
	const (
		left, right = 60.0, 20.0
		top, bottom = 30.0, 40.0
		width       = 780.0
		height      = 300.0
		plotW       = width - left - right
		plotH       = height - top - bottom
	)
	if len(pts) == 0 {
		return ""
	}
	t0, t1 := pts[0].At, pts[len(pts)-1].At
	ymax := float64(pts[len(pts)-1].Enrolled)
	if proj != nil {
		if proj.End.After(t1) {
			t1 = proj.End
		}
		ymax = math.Max(ymax, proj.Enrolled)
	}
	ymax = niceCeil(math.Max(ymax, float64(total)))
	span := t1.Sub(t0).Seconds()
	if span <= 0 {
		span = 1
	}
	x := func(t time.Time) float64 { return left + plotW*t.Sub(t0).Seconds()/span }
	y := func(v float64) float64 { return top + plotH*(1-v/ymax) }

	var b strings.Builder
	last := pts[len(pts)-1]
	desc := fmt.Sprintf("Line chart of the number of people enrolled over time, from %s (%d) to %s (%d).",
		t0.Format("2 January 2006"), pts[0].Enrolled, last.At.Format("2 January 2006"), last.Enrolled)
	if proj != nil {
		desc += fmt.Sprintf(" A dashed line projects about %.0f enrolled by %s at the recent rate.", math.Round(proj.Enrolled), proj.End.Format("2 January 2006"))
	}
	if total > 0 {
		desc += fmt.Sprintf(" A red line marks the target of %d.", total)
	}
	desc += " The table that follows gives the same figures."
	fmt.Fprintf(&b, `<svg class="equitrial-chart" xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 %g %g" width="100%%" aria-labelledby="%s-title %s-desc" data-chart="enrolment">`,
		width, height, id, id)
	fmt.Fprintf(&b, `<title id="%s-title">Cumulative enrolment over time</title><desc id="%s-desc">%s</desc>`, id, id, esc(desc))
	fmt.Fprintf(&b, `<g %s font-size="12" fill="%s">`, chartFont, chartText)
	for i := 0; i <= 4; i++ {
		v := ymax * float64(i) / 4
		fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="%s"/><text x="%g" y="%.1f" text-anchor="end">%s</text>`,
			left, y(v), width-right, y(v), chartGrid, left-6, y(v)+4, strconv.FormatFloat(v, 'f', -1, 64))
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g">%s</text>`, left, height-12, t0.Format("Jan 2006"))
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="end">%s</text>`, width-right, height-12, t1.Format("Jan 2006"))
	if total > 0 {
		fmt.Fprintf(&b, `<line class="equitrial-chart-target" x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="%s" stroke-width="2"/><text x="%g" y="%.1f">Target: %d</text>`,
			left, y(float64(total)), width-right, y(float64(total)), chartTarget, left+6, y(float64(total))-6, total)
	}
	var line strings.Builder
	for i, p := range pts {
		if i > 0 {
			line.WriteByte(' ')
		}
		fmt.Fprintf(&line, "%.1f,%.1f", x(p.At), y(float64(p.Enrolled)))
	}
	fmt.Fprintf(&b, `<polyline class="equitrial-chart-line" points="%s" fill="none" stroke="%s" stroke-width="3"/>`, line.String(), chartBar)
	if proj != nil && proj.End.After(last.At) {
		fmt.Fprintf(&b, `<line class="equitrial-chart-projection" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`,
			x(last.At), y(float64(last.Enrolled)), x(proj.End), y(proj.Enrolled), chartBar)
		// The label ends at the line's end, under it: far enough under that the
		// rising line, which runs lower on the left, does not cross the words.
		label := fmt.Sprintf("Projected: about %.0f", math.Round(proj.Enrolled))
		below := 16.0
		if run := x(proj.End) - x(last.At); run > 0 {
			rise := y(float64(last.Enrolled)) - y(proj.Enrolled) // screen y grows downwards
			below += max(0, rise/run*6.5*float64(len(label)))
		}
		ly := math.Min(y(proj.Enrolled)+below, top+plotH-4) // never under the axis
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, x(proj.End)-4, ly, label)
	}
	b.WriteString(`</g></svg>`)
	return template.HTML(b.String())
}

// niceCeil rounds a chart's top up to 1, 2 or 5 times a power of ten (at least 10).
func niceCeil(v float64) float64 {
	if v <= 10 {
		return 10
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func esc(s string) string { return template.HTMLEscapeString(s) }
