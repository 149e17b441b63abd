// Package matcher finds trials for people: the bleve full-text and faceted index over
// trials lives here, and (later) the matching of patients to trials built on it.
package matcher

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
)

// MappingVersion changes whenever indexMapping or indexDoc change in a way that needs
// the index rebuilt; an index built by another version is rebuilt from the store.
const MappingVersion = "trials-v1"

// Sentinels for open-ended age bounds, so that one numeric range query covers
// "no lower limit" and "no upper limit" alike.
const (
	noMinAge = -1.0
	noMaxAge = 1000.0
)

func indexMapping() mapping.IndexMapping {
	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store = store
		f.IncludeTermVectors = store // needed to highlight
		return f
	}
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = true
		f.IncludeInAll = false
		return f
	}
	num := func(index bool) *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Index = index
		f.Store = true
		return f
	}
	storedOnly := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		return f
	}
	date := func() *mapping.FieldMapping {
		f := bleve.NewDateTimeFieldMapping()
		f.Store = false
		return f
	}
	geo := bleve.NewGeoPointFieldMapping()
	geo.Store = false

	dm := bleve.NewDocumentStaticMapping()
	for name, f := range map[string]*mapping.FieldMapping{
		"title":         text(true),
		"summary":       text(true),
		"conditions":    text(true),
		"keywords":      text(true),
		"interventions": text(true),
		"eligibility":   text(true),
		"meshText":      text(false),
		"sponsor":       text(true),
		"status":        kw(),
		"phase":         kw(),
		"studyType":     kw(),
		"sponsorClass":  kw(),
		"country":       kw(),
		"mesh":          kw(),
		"sex":           kw(),
		"minAge":        num(true),
		"maxAge":        num(true),
		"enrollment":    num(false),
		"siteLat":       num(false),
		"siteLon":       num(false),
		"briefTitle":    storedOnly(),
		"minimumAge":    storedOnly(),
		"maximumAge":    storedOnly(),
		"startDate":     date(),
		"lastUpdate":    date(),
		"sites":         geo,
	} {
		dm.AddFieldMappingsAt(name, f)
	}
	im := bleve.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = en.AnalyzerName
	im.ScoringModel = index.BM25Scoring
	return im
}
