package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"equitrial/matcher"
)

// searchTarget is the search target.
const searchTarget = 15 * time.Millisecond

// runSearch times text, facet and distance searches through the index's Search
// (what GET /api/v1/trials calls) on the data directory of cfg.Studies studies,
// one at a time, and reports p50, p95 and p99 per kind.
func runSearch(ctx context.Context, w *workspace) ([]Row, error) {
	dir, err := w.loadedDir(ctx)
	if err != nil {
		return nil, err
	}
	ix, _, err := matcher.OpenIndex(filepath.Join(dir, "index"))
	if err != nil {
		return nil, err
	}
	defer ix.Close()
	var rows []Row
	for _, k := range searchKinds() {
		lat, hits, err := timeSearches(ctx, ix, k, w.cfg.Queries)
		if err != nil {
			return nil, err
		}
		p := lat.percentiles()
		rows = append(rows, Row{Key: "search." + k.name,
			Measure: fmt.Sprintf("search, %s queries, %s studies (%d queries, one at a time)", k.name, count(w.cfg.Studies), len(lat)),
			Value:   fmt.Sprintf("%s (%s matches/query)", p, count(hits/max(1, len(lat)))),
			Target:  "p95 ≤ 15 ms", Met: met(p.p95 <= searchTarget, w.cfg.Studies >= 100_000),
			Numbers: p.numbers("", nil)})
	}
	return rows, nil
}

// timeSearches runs n searches of a kind (after one untimed pass over its
// queries) and returns their latencies and the matches they found.
func timeSearches(ctx context.Context, ix *matcher.Index, k searchKind, n int) (latencies, int, error) {
	for _, q := range k.queries {
		if _, err := ix.Search(ctx, q); err != nil {
			return nil, 0, err
		}
	}
	lat := make(latencies, 0, n)
	total := 0
	for i := range n {
		start := time.Now()
		res, err := ix.Search(ctx, k.queries[i%len(k.queries)])
		if err != nil {
			return nil, 0, err
		}
		lat = append(lat, time.Since(start))
		total += int(res.Total)
	}
	return lat, total, nil
}
