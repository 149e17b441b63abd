package bench

import (
	"equitrial"
	"equitrial/matcher"
)

// The searches timed against bleve (search.go) and SQLite FTS5 (fts5.go), in the
// three kinds the issue names: free text as people type it, facet filters without
// text, and distance from a point. Each runs as the API runs it (first page of 20,
// facet counts over every match, highlights for text).

// searchKind is one kind of search with its queries, cycled.
type searchKind struct {
	name    string
	queries []matcher.Query
}

var textQueries = []string{
	"diabetes", "heart failure", "semaglutide", "breast cancer adjuvant", "serious mental illness",
	"pulmonary rehabilitation", "covid-19 remdesivir", "deprived areas", "chronic kidney disease finerenone",
	"asthma eosinophils", "depression cognitive behavioural therapy", "dementia", "hiv", "stroke rehabilitation",
	"smoking cessation varenicline", "quality of life", "prostate", "insomnia", "pregnancy", "lupus",
}

// places are UK cities searched around.
var places = []equitrial.LatLon{
	{Lat: 51.5072, Lon: -0.1276}, {Lat: 52.4862, Lon: -1.8904}, {Lat: 53.4808, Lon: -2.2426}, {Lat: 53.8008, Lon: -1.5491},
	{Lat: 55.8642, Lon: -4.2518}, {Lat: 51.4816, Lon: -3.1791}, {Lat: 54.5973, Lon: -5.9301}, {Lat: 54.9783, Lon: -1.6178},
	{Lat: 51.4545, Lon: -2.5879}, {Lat: 52.6309, Lon: 1.2974}, {Lat: 50.3755, Lon: -4.1427}, {Lat: 53.7676, Lon: -0.3274},
}

func searchKinds() []searchKind {
	recruiting := []string{"RECRUITING"}
	open := []string{"RECRUITING", "NOT_YET_RECRUITING"}
	age := func(a float64) *float64 { return &a }
	var text, facets, distance []matcher.Query
	for _, t := range textQueries {
		text = append(text, matcher.Query{Text: t})
	}
	facets = []matcher.Query{
		{Status: recruiting},
		{Status: open, Phase: []string{"PHASE3"}},
		{Status: recruiting, Phase: []string{"PHASE2", "PHASE3"}, Country: []string{"United Kingdom"}},
		{Country: []string{"France"}},
		{Status: recruiting, Condition: "diabetes"},
		{Condition: "cancer", Phase: []string{"PHASE1"}},
		{Status: recruiting, Age: age(72), Sex: "FEMALE"},
		{Status: open, Age: age(35), Sex: "MALE", Condition: "heart failure"},
	}
	for i := range places {
		q := matcher.Query{Near: &places[i], RadiusKm: []float64{10, 25, 50, 100}[i%4]}
		if i%2 == 0 {
			q.Status = recruiting
		}
		distance = append(distance, q)
	}
	return []searchKind{{"text", text}, {"facets", facets}, {"distance", distance}}
}
