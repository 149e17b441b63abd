package matcher

import (
	"context"
	"math"

	"github.com/blevesearch/bleve/v2/geo"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// sitesNear matches trials with at least one site within radiusKm of a point and,
// when scoreByDistance is set, scores them by the distance to their nearest site.
//
// It exists because bleve v2.6.1's geo-distance filter checks only one point of a
// multi-valued geopoint field (its doc-value visitor stops at the first value), so a
// trial with a hundred sites would be judged by one of them. This query uses bleve's
// own candidate terms and then checks every site.
type sitesNear struct {
	field           string
	lat, lon        float64
	radiusKm        float64 // <= 0: no limit (match every trial with a site)
	scoreByDistance bool
}

// maxEarthDistanceKm is half the Earth's circumference: every point is this close.
const maxEarthDistanceKm = 20038.0

func (q *sitesNear) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	radiusKm := q.radiusKm
	if radiusKm <= 0 || radiusKm > maxEarthDistanceKm {
		radiusKm = maxEarthDistanceKm
	}
	candidates, err := q.candidates(ctx, i, radiusKm, options)
	if err != nil {
		return nil, err
	}
	dv, err := i.DocValueReader([]string{q.field})
	if err != nil {
		candidates.Close()
		return nil, err
	}
	var nearest float64
	visit := func(_ string, term []byte) {
		// Each site is stored as a morton-hashed point; other shifts are coarser
		// copies used by range searches.
		pc := numeric.PrefixCoded(term)
		if shift, err := pc.Shift(); err != nil || shift != 0 {
			return
		}
		h, err := pc.Int64()
		if err != nil {
			return
		}
		d := geo.Haversin(geo.MortonUnhashLon(uint64(h)), geo.MortonUnhashLat(uint64(h)), q.lon, q.lat)
		nearest = math.Min(nearest, d)
	}
	filter := func(_ *search.SearchContext, d *search.DocumentMatch) bool {
		nearest = math.Inf(1)
		if err := dv.VisitDocValues(d.IndexInternalID, visit); err != nil || nearest > radiusKm {
			return false
		}
		if q.scoreByDistance {
			d.Score = 1 / (1 + nearest)
		} else {
			d.Score = 0
		}
		return true
	}
	return searcher.NewFilteringSearcher(ctx, candidates, filter), nil
}

// candidates finds trials with a site in the cells covering the circle (a superset).
func (q *sitesNear) candidates(ctx context.Context, i index.IndexReader, radiusKm float64, options search.SearcherOptions) (search.Searcher, error) {
	meters := radiusKm * 1000
	if sp, ok := i.(index.SpatialIndexPlugin); ok {
		if plugin, err := sp.GetSpatialAnalyzerPlugin("s2"); err == nil {
			terms := plugin.GetQueryTokens(geo.NewPointDistance(q.lat, q.lon, meters))
			return searcher.NewMultiTermSearcher(ctx, i, terms, q.field, 1, options, false)
		}
	}
	minLon, maxLat, maxLon, minLat, err := geo.RectFromPointDistance(q.lon, q.lat, meters)
	if err != nil {
		return nil, err
	}
	if maxLon < minLon { // the box crosses the antimeridian
		minLon, maxLon = -180, 180
	}
	return searcher.NewGeoBoundingBoxSearcher(ctx, i, minLon, minLat, maxLon, maxLat, q.field, 1, options, false)
}
