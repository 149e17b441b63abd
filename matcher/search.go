package matcher

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"equitrial"
)

// Query is a trial search. Zero values mean "no filter".
type Query struct {
	Text      string
	Status    []string // overall statuses, any of
	Phase     []string // phases, any of
	Condition string   // words that must all appear in the conditions or MeSH terms
	Country   []string // a site in any of these countries
	Near      *equitrial.LatLon
	// NearApproximate: Near is an approximation (a postcode placed at its small
	// area's centroid); it is echoed in Results.Near so pages can say so.
	NearApproximate bool
	RadiusKm        float64  // with Near: a site within this distance
	Age             *float64 // the trial's age range includes this age, in years
	Sex             string   // FEMALE or MALE: the trial admits this sex
	Page            int      // 1-based
	Size            int
}

// Results is one page of hits with facet counts over all matches.
type Results struct {
	Total  uint64             `json:"total"`
	TookMs float64            `json:"took_ms"`
	Page   int                `json:"page"`
	Size   int                `json:"size"`
	Hits   []Hit              `json:"hits"`
	Facets map[string][]Facet `json:"facets"`
	// Near is the point distances were measured from, with Query.Near.
	Near *NearPoint `json:"near,omitempty"`
}

// NearPoint is the point a search measured distances from. Approximate: it is the
// small area's centroid of a postcode without coordinates of its own, so distances
// may be off by a few hundred metres in towns and a few km in rural areas.
type NearPoint struct {
	Lat         float64 `json:"lat"`
	Lon         float64 `json:"lon"`
	Approximate bool    `json:"approximate"`
}

// Hit is one trial in a result list, with enough to show it without another lookup.
type Hit struct {
	NCTID      string              `json:"nctId"`
	Title      string              `json:"title"`
	Status     string              `json:"status"`
	Phases     []string            `json:"phases"`
	Score      float64             `json:"score"`
	Highlights map[string][]string `json:"highlights,omitempty"`
	Conditions []string            `json:"conditions,omitempty"`
	Sponsor    string              `json:"sponsor,omitempty"`
	StudyType  string              `json:"studyType,omitempty"`
	MinimumAge string              `json:"minimumAge,omitempty"`
	MaximumAge string              `json:"maximumAge,omitempty"`
	Sex        string              `json:"sex,omitempty"`
	Countries  []string            `json:"countries,omitempty"`
	Sites      int                 `json:"sitesWithLocation"`
	DistanceKm *float64            `json:"distance_km,omitempty"` // to the nearest site, with Query.Near
}

// Facet is one value of a facet field and how many matching trials have it.
type Facet struct {
	Term  string `json:"term"`
	Count int    `json:"count"`
}

// facetFields are the keyword fields counted for every search, with how many values
// each shows.
var facetFields = map[string]int{
	"status": 12, "phase": 8, "studyType": 5, "sponsorClass": 10, "country": 25, "mesh": 25,
}

var highlightFields = []string{"title", "summary", "conditions", "keywords", "interventions", "eligibility"}

// Search runs q. Relevance (BM25) orders text searches; without text, nearest first
// when Near is given, else most recently updated first.
func (ix *Index) Search(ctx context.Context, q Query) (*Results, error) {
	start := time.Now()
	if q.Size <= 0 {
		q.Size = 20
	}
	if q.Page <= 0 {
		q.Page = 1
	}
	req := bleve.NewSearchRequestOptions(buildQuery(q), q.Size, (q.Page-1)*q.Size, false)
	req.Fields = []string{"briefTitle", "status", "phase", "conditions", "sponsor", "studyType", "minimumAge",
		"maximumAge", "sex", "country", "siteLat", "siteLon"}
	for name, size := range facetFields {
		req.AddFacet(name, bleve.NewFacetRequest(name, size))
	}
	switch {
	case q.Text != "":
		req.Highlight = bleve.NewHighlightWithStyle("html")
		req.Highlight.Fields = highlightFields
	case q.Near != nil:
		req.SortBy([]string{"-_score", "_id"}) // the nearest site scores highest
	default:
		req.SortBy([]string{"-lastUpdate", "_id"})
	}
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := &Results{Total: res.Total, Page: q.Page, Size: q.Size, Hits: make([]Hit, 0, len(res.Hits)),
		Facets: make(map[string][]Facet, len(res.Facets))}
	if q.Near != nil {
		out.Near = &NearPoint{Lat: q.Near.Lat, Lon: q.Near.Lon, Approximate: q.NearApproximate}
	}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, newHit(h, q.Near))
	}
	for name, f := range res.Facets {
		list := []Facet{}
		if f.Terms != nil {
			for _, t := range f.Terms.Terms() {
				list = append(list, Facet{Term: t.Term, Count: t.Count})
			}
		}
		sort.SliceStable(list, func(i, j int) bool { return list[i].Count > list[j].Count })
		out.Facets[name] = list
	}
	out.TookMs = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

func buildQuery(q Query) query.Query {
	var must []query.Query
	if q.Text != "" {
		var should []query.Query
		for field, boost := range map[string]float64{
			"title": 3, "conditions": 3, "meshText": 2, "keywords": 2, "interventions": 2,
			"summary": 1, "eligibility": 0.5, "sponsor": 1,
		} {
			m := bleve.NewMatchQuery(q.Text)
			m.SetField(field)
			m.SetBoost(boost)
			should = append(should, m)
		}
		must = append(must, bleve.NewDisjunctionQuery(should...))
	}
	if q.Condition != "" {
		var either []query.Query
		for _, field := range []string{"conditions", "meshText"} {
			m := bleve.NewMatchQuery(q.Condition)
			m.SetField(field)
			m.SetOperator(query.MatchQueryOperatorAnd)
			either = append(either, m)
		}
		must = append(must, bleve.NewDisjunctionQuery(either...))
	}
	must = appendAnyOf(must, "status", q.Status)
	must = appendAnyOf(must, "phase", q.Phase)
	must = appendAnyOf(must, "country", q.Country)
	scoreByDistance := q.Near != nil && q.Text == ""
	if q.Near != nil && q.RadiusKm > 0 {
		must = append(must, &sitesNear{field: "sites", lat: q.Near.Lat, lon: q.Near.Lon, radiusKm: q.RadiusKm, scoreByDistance: scoreByDistance})
	}
	if q.Age != nil {
		must = append(must, ageQueries(*q.Age)...)
	}
	if q.Sex != "" {
		must = appendAnyOf(must, "sex", []string{"ALL", q.Sex})
	}
	if scoreByDistance && q.RadiusKm <= 0 {
		// Nearest first, but trials without a located site still match.
		b := bleve.NewBooleanQuery()
		if len(must) > 0 {
			b.AddMust(must...)
		} else {
			b.AddMust(bleve.NewMatchAllQuery())
		}
		b.AddShould(&sitesNear{field: "sites", lat: q.Near.Lat, lon: q.Near.Lon, scoreByDistance: true})
		return b
	}
	if len(must) == 0 {
		return bleve.NewMatchAllQuery()
	}
	return bleve.NewConjunctionQuery(must...)
}

func appendAnyOf(must []query.Query, field string, values []string) []query.Query {
	if len(values) == 0 {
		return must
	}
	var any []query.Query
	for _, v := range values {
		t := bleve.NewTermQuery(v)
		t.SetField(field)
		any = append(any, t)
	}
	return append(must, bleve.NewDisjunctionQuery(any...))
}

func newHit(h *search.DocumentMatch, near *equitrial.LatLon) Hit {
	hit := Hit{
		NCTID:      h.ID,
		Score:      h.Score,
		Title:      str(h.Fields["briefTitle"]),
		Status:     str(h.Fields["status"]),
		Phases:     strs(h.Fields["phase"]),
		Conditions: strs(h.Fields["conditions"]),
		Sponsor:    str(h.Fields["sponsor"]),
		StudyType:  str(h.Fields["studyType"]),
		MinimumAge: str(h.Fields["minimumAge"]),
		MaximumAge: str(h.Fields["maximumAge"]),
		Sex:        str(h.Fields["sex"]),
		Countries:  strs(h.Fields["country"]),
	}
	if len(h.Fragments) > 0 {
		hit.Highlights = h.Fragments
	}
	lats, lons := floats(h.Fields["siteLat"]), floats(h.Fields["siteLon"])
	hit.Sites = len(lats)
	if near != nil && len(lats) == len(lons) {
		best := math.Inf(1)
		for i := range lats {
			best = math.Min(best, DistanceKm(*near, equitrial.LatLon{Lat: lats[i], Lon: lons[i]}))
		}
		if !math.IsInf(best, 1) {
			d := math.Round(best*10) / 10
			hit.DistanceKm = &d
		}
	}
	return hit
}

// DistanceKm is the great-circle distance between two points (haversine).
func DistanceKm(a, b equitrial.LatLon) float64 {
	const r = 6371.0088
	rad := math.Pi / 180
	dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	s := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(s)))
}

// Stored fields come back as a single value or a slice, depending on how many the
// document had.
func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if l := strs(v); len(l) > 0 {
		return l[0]
	}
	return ""
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func floats(v any) []float64 {
	switch x := v.(type) {
	case float64:
		return []float64{x}
	case []any:
		out := make([]float64, 0, len(x))
		for _, e := range x {
			if f, ok := e.(float64); ok {
				out = append(out, f)
			}
		}
		return out
	}
	return nil
}

// CandidateIDs returns the ids of up to max trials passing q's filters (q.Text,
// Page and Size are ignored), in index order: no scoring, sorting, stored fields,
// highlights or facets. It walks the query's searcher directly, without a
// collector, because matching a patient wants every candidate (thousands), ranks
// them itself on the compiled criteria, and a top-N collector's heap would cost
// more than the search.
func (ix *Index) CandidateIDs(ctx context.Context, q Query, max int) ([]string, error) {
	q.Text = ""
	adv, err := ix.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	defer r.Close()
	s, err := buildQuery(q).Searcher(ctx, r, ix.idx.Mapping(), search.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	defer s.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	var ids []string
	for len(ids) < max {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d, err := s.Next(sctx)
		if err != nil {
			return nil, fmt.Errorf("candidates: %w", err)
		}
		if d == nil {
			break
		}
		id, err := r.ExternalID(d.IndexInternalID)
		if err != nil {
			return nil, fmt.Errorf("candidates: %w", err)
		}
		ids = append(ids, id)
		sctx.DocumentMatchPool.Put(d)
	}
	return ids, nil
}

// ageQueries keep the trials whose age limits a person of this age may meet.
// An age in whole years (as matching holds a patient's age: 0 for a baby of
// three months) is any age in [a, a+1): a trial from 28 days is open to a
// "0-year-old", a trial up to 6 months is not open to a "1-year-old". A
// maximum counts to the end of its last year ("up to 1 year" admits 1.5), as
// evaluation reads it, so a fractional age is compared with whole years there.
func ageQueries(age float64) []query.Query {
	yes, no := true, false
	minBelow := age // minAge <= age
	minIncl := &yes
	if age == math.Trunc(age) {
		minBelow, minIncl = age+1, &no // minAge < a+1
	}
	maxFrom := math.Floor(age) // maxAge >= whole years of age
	lo := bleve.NewNumericRangeInclusiveQuery(nil, &minBelow, nil, minIncl)
	lo.SetField("minAge")
	hi := bleve.NewNumericRangeInclusiveQuery(&maxFrom, nil, &yes, nil)
	hi.SetField("maxAge")
	return []query.Query{lo, hi}
}
