package web

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"equitrial"
)

// searchForm is what the user typed, kept to fill the form in again.
type searchForm struct {
	Q, Condition, Age, Sex, Near, Radius string
	Recruiting                           bool
}

// searchHit is one trial of GET /api/v1/trials.
type searchHit struct {
	NCTID      string              `json:"nctId"`
	Title      string              `json:"title"`
	Status     string              `json:"status"`
	Phases     []string            `json:"phases"`
	Highlights map[string][]string `json:"highlights"`
	Conditions []string            `json:"conditions"`
	Sponsor    string              `json:"sponsor"`
	MinimumAge string              `json:"minimumAge"`
	MaximumAge string              `json:"maximumAge"`
	DistanceKm *float64            `json:"distance_km"`

	// Filled in by the page from the trial's record:
	Snippet template.HTML // one short, clean extract, search words marked
	Site    string        // the nearest site (with a point to measure from), else the first
	More    int           // other sites
}

// searchResults is GET /api/v1/trials.
type searchResults struct {
	Total uint64      `json:"total"`
	Page  int         `json:"page"`
	Size  int         `json:"size"`
	Hits  []searchHit `json:"hits"`
	Near  *struct {
		Lat         float64 `json:"lat"`
		Lon         float64 `json:"lon"`
		Approximate bool    `json:"approximate"`
	} `json:"near"`
}

type searchData struct {
	Form    searchForm
	Results *searchResults
	Pager   *pager
	// Approximate: the postcode has no point of its own in the directory and was
	// placed at its small area's centroid.
	Approximate bool
	NearText    string // the postcode as searched
}

// searchPageSize is how many trials a page of results shows.
const searchPageSize = 10

// searchFields are where the API's parameter errors show on the form.
var searchFields = map[string]fieldMsg{
	"q":         {ID: "q", Msg: "Search words must be " + strconv.Itoa(maxSearchWords) + " characters or fewer"},
	"condition": {ID: "condition", Msg: "Condition must be " + strconv.Itoa(maxCondition) + " characters or fewer"},
	"age":       {ID: "age", Msg: "Enter an age in years from 0 to 130, like 54"},
	"sex":       {ID: "sex", Msg: "Select any sex, female or male"},
	"near":      {ID: "near", Msg: "Enter a full UK postcode, like LS1 4AP"},
	"radius_km": {ID: "radius", Msg: "Enter a distance in miles from 1 to 1000, like 25"},
}

// The longest search words and condition the API takes (api/trials_query.go).
const (
	maxSearchWords = 500
	maxCondition   = 200
)

// searchOrder is the form's field order, which the error summary follows.
var searchOrder = []string{"q", "condition", "age", "near", "radius", "sex"}

// nearMessage words the API's problem with a postcode for the person who typed it.
func nearMessage(detail, typed string) string {
	pc := strings.ToUpper(strings.TrimSpace(typed))
	switch {
	case strings.Contains(detail, "not in the postcode directory"):
		return "Postcode " + pc + " is not in the postcode directory. Check it, or try a nearby postcode"
	case strings.Contains(detail, "no location for"):
		return "The postcode directory has no location for " + pc + ". Try a nearby postcode"
	case strings.Contains(detail, "no postcode directory is loaded"):
		return "Searching near a postcode is not available: no postcode directory is loaded"
	}
	return "Enter a full UK postcode, like LS1 4AP"
}

func (s *Site) search(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	f := searchForm{Q: v.Get("q"), Condition: v.Get("condition"), Age: v.Get("age"), Sex: v.Get("sex"),
		Near: v.Get("near"), Radius: v.Get("radius"), Recruiting: v.Get("recruiting") != "no"}
	d := searchData{Form: f}
	p := page{Title: "Find a clinical trial", Me: s.whoMaybe(w, r), D: &d}

	q := url.Values{"size": {strconv.Itoa(searchPageSize)}}
	// Fields the page checks itself are reported with the API's, all at once: the
	// API is still asked about the others. A field the page refuses is not sent, so
	// that the API's message for it cannot land on another field.
	local := checkSearchForm(f)
	set := func(k, val string) {
		if val = strings.TrimSpace(val); val != "" && errorFor(local, searchFields[k].ID) == "" {
			q.Set(k, val)
		}
	}
	set("q", f.Q)
	set("condition", f.Condition)
	set("age", f.Age)
	set("sex", f.Sex)
	set("near", f.Near)
	if f.Recruiting {
		q["status"] = []string{"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"}
	}
	if strings.TrimSpace(f.Near) != "" {
		q.Set("radius_km", strconv.FormatFloat(radiusMiles(f.Radius)*1.609344, 'f', 1, 64))
	}
	pageNo := pageParam(v)
	if pageNo > 1 {
		q.Set("page", strconv.Itoa(pageNo))
	}
	var res searchResults
	out := s.get(w, r, "/api/v1/trials?"+q.Encode(), &res, callOpts{})
	if out.Status == http.StatusBadRequest || len(local) > 0 {
		errs := local
		if out.Status == http.StatusBadRequest {
			for _, e := range mapErrors(out.Problem, searchFields) {
				if e.Field == "near" {
					for _, pe := range out.Problem.Errors {
						if pe.Field == "near" {
							e.Detail = nearMessage(pe.Detail, f.Near)
						}
					}
				}
				if errorFor(errs, e.Field) == "" {
					errs = append(errs, e)
				}
			}
		}
		p.Errors = orderErrors(errs, searchOrder)
		s.render(w, r, http.StatusBadRequest, "search", p)
		return
	}
	if !out.ok() {
		s.failed(w, r, out)
		return
	}
	d.Results = &res
	if res.Near != nil {
		d.Approximate, d.NearText = res.Near.Approximate, strings.ToUpper(strings.TrimSpace(f.Near))
	}
	for i := range res.Hits {
		s.describeHit(w, r, &res.Hits[i], res.Near)
	}
	d.Pager = newPager(int(res.Total), max(res.Page, 1), max(res.Size, 1), len(res.Hits), "trial", "trials", func(n int) string {
		return pageHref("/", v, n)
	})
	s.render(w, r, http.StatusOK, "search", p)
}

// checkSearchForm checks what the page can check without the API: lengths (the
// API reports both under "q") and the distance, whether or not a postcode was given,
// so that a mistake is reported the first time, not after the postcode is typed.
func checkSearchForm(f searchForm) []fieldError {
	var errs []fieldError
	if len(strings.TrimSpace(f.Q)) > maxSearchWords {
		errs = append(errs, fieldError{Field: "q", Href: "#q", Detail: searchFields["q"].Msg})
	}
	if len(strings.TrimSpace(f.Condition)) > maxCondition {
		errs = append(errs, fieldError{Field: "condition", Href: "#condition", Detail: searchFields["condition"].Msg})
	}
	if r := strings.TrimSpace(f.Radius); r != "" {
		m, err := strconv.ParseFloat(r, 64)
		if err != nil || m < 1 || m > 1000 || math.IsNaN(m) {
			errs = append(errs, fieldError{Field: "radius", Href: "#radius", Detail: searchFields["radius_km"].Msg})
		}
	}
	return errs
}

// radiusMiles is the distance typed, 25 miles when none (or a wrong one) was.
func radiusMiles(typed string) float64 {
	m, err := strconv.ParseFloat(strings.TrimSpace(typed), 64)
	if err != nil || m < 1 || m > 1000 || math.IsNaN(m) {
		return 25
	}
	return m
}

// describeHit adds the snippet and the site from the trial's record. Without the
// record (an error), the hit shows what the index gave.
func (s *Site) describeHit(w http.ResponseWriter, r *http.Request, h *searchHit, near *struct {
	Lat         float64 `json:"lat"`
	Lon         float64 `json:"lon"`
	Approximate bool    `json:"approximate"`
}) {
	h.Snippet = bestHighlight(h.Highlights)
	var t equitrial.Trial
	if res := s.get(w, r, "/api/v1/trials/"+url.PathEscape(h.NCTID), &t, callOpts{}); !res.ok() {
		return
	}
	if h.Snippet == "" {
		h.Snippet = snippet(html.EscapeString(t.BriefSummary), snippetLen)
	}
	best, bestKm := -1, math.Inf(1)
	for i, l := range t.Locations {
		if near != nil && l.Geo != nil {
			if d := haversineKm(near.Lat, near.Lon, l.Geo.Lat, l.Geo.Lon); d < bestKm {
				best, bestKm = i, d
			}
		}
	}
	if best < 0 && len(t.Locations) > 0 {
		best = 0
	}
	if best >= 0 {
		l := t.Locations[best]
		var parts []string
		for _, p := range []string{l.Facility, l.City} {
			if p = strings.TrimSpace(p); p != "" && !strings.Contains(strings.Join(parts, ", "), p) {
				parts = append(parts, p)
			}
		}
		if len(parts) == 0 && l.Country != "" {
			parts = append(parts, l.Country)
		}
		h.Site = strings.Join(parts, ", ")
		h.More = len(t.Locations) - 1
	}
}

func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0088
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}

// snippetLen is the most characters of text a result's snippet shows.
const snippetLen = 180

// highlightPreference is the order in which highlighted fields make the snippet:
// the summary reads best; the title is shown anyway.
var highlightPreference = []string{"summary", "conditions", "interventions", "keywords", "eligibility"}

// bestHighlight is one clean snippet from the index's highlights, or "".
func bestHighlight(hl map[string][]string) template.HTML {
	for _, field := range highlightPreference {
		for _, frag := range hl[field] {
			if s := snippet(frag, snippetLen); s != "" {
				return s
			}
		}
	}
	return ""
}

const (
	markOpen  = '\x01'
	markClose = '\x02'
)

var (
	bulletRe = regexp.MustCompile(`(?m)(^|[\n\r]|\s)\s*(?:[*•·▪◦‣-]|\d{1,2}[.)])\s+`)
	spaceRe  = regexp.MustCompile(`\s+`)
	tagRe    = regexp.MustCompile(`<[^>]*>`)
)

// snippet makes one short, clean extract of an HTML fragment (escaped text with
// <mark> around search words, as the index highlights): list bullets and numbering
// gone, white space collapsed, no word cut at either end, at most max characters
// of text, and ellipses where text was left out. Only <mark> survives as markup.
func snippet(fragment string, max int) template.HTML {
	t := strings.NewReplacer("<mark>", string(markOpen), "</mark>", string(markClose)).Replace(fragment)
	t = tagRe.ReplaceAllString(t, " ") // any other markup: never shown
	t = html.UnescapeString(t)
	t = bulletRe.ReplaceAllString(t, "$1")
	t = strings.ReplaceAll(t, "*", " ")
	t = strings.TrimSpace(spaceRe.ReplaceAllString(t, " "))
	if t == "" {
		return ""
	}
	// The index marks a fragment cut out of longer text with "…" at either end, and
	// cuts wherever its character count falls, often inside a word: that partial
	// word goes (unless it is a search word, which starts and ends whole).
	cutStart, cutEnd := false, false
	if rest, ok := strings.CutPrefix(t, "…"); ok {
		t, cutStart = strings.TrimSpace(rest), true
		if i := strings.IndexByte(t, ' '); i > 0 && !strings.HasPrefix(t, string(markOpen)) {
			t = t[i+1:]
		}
	}
	if rest, ok := strings.CutSuffix(t, "…"); ok {
		t, cutEnd = strings.TrimSpace(rest), true
		if i := strings.LastIndexByte(t, ' '); i > 0 && !strings.HasSuffix(t, string(markClose)) {
			t = t[:i]
		}
	}
	rs := []rune(t)
	if textLen(rs) > max {
		// Cut at the last space before max characters of text.
		n, last := 0, -1
		for i, r := range rs {
			if r == markOpen || r == markClose {
				continue
			}
			if r == ' ' {
				last = i
			}
			n++
			if n >= max {
				break
			}
		}
		if last > 0 {
			rs, cutEnd = rs[:last], true
		}
	}
	// Marks stay balanced: an open mark left open is closed.
	open := false
	for _, r := range rs {
		switch r {
		case markOpen:
			open = true
		case markClose:
			open = false
		}
	}
	out := strings.TrimRight(string(rs), " ,;:-")
	if open {
		out += string(markClose)
	}
	out = html.EscapeString(out)
	out = strings.NewReplacer(string(markOpen), "<mark>", string(markClose), "</mark>").Replace(out)
	out = strings.ReplaceAll(out, "<mark></mark>", "")
	if cutStart {
		out = "… " + out
	}
	if cutEnd {
		out += " …"
	}
	return template.HTML(out)
}

func indexRune(rs []rune, r rune) int {
	for i, x := range rs {
		if x == r {
			return i
		}
	}
	return -1
}

func lastIndexRune(rs []rune, r rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == r {
			return i
		}
	}
	return -1
}

func containsMark(rs []rune) bool {
	for _, r := range rs {
		if r == markOpen || r == markClose {
			return true
		}
	}
	return false
}

func textLen(rs []rune) int {
	n := 0
	for _, r := range rs {
		if r != markOpen && r != markClose {
			n++
		}
	}
	return n
}

// DistanceText is "12 miles (19 km)".
func (h searchHit) DistanceText() string {
	if h.DistanceKm == nil {
		return ""
	}
	return fmt.Sprintf("%s miles (%s km)", num(miles(*h.DistanceKm)), num(math.Round(*h.DistanceKm*10)/10))
}
