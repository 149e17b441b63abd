package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"equitrial"
	"equitrial/ctgov"
	"equitrial/matcher"
)

// runFTS5 indexes the corpus of cfg.Studies studies twice, in a bleve index alone
// (no store: the part of the import bleve does) and in SQLite FTS5 (fts5_index.go),
// reading the same files the same way, then runs the search scenario's queries in
// both, alternately, and reports FTS5's rates and latencies as ratios to bleve's
// (above 1: FTS5 slower).
func runFTS5(ctx context.Context, w *workspace) ([]Row, error) {
	corpus, err := w.corpus(w.cfg.Studies)
	if err != nil {
		return nil, err
	}
	n := w.cfg.Studies
	bleveDir, ftsPath := filepath.Join(w.dir, "fts5-bleve"), filepath.Join(w.dir, "fts5.sqlite")
	os.RemoveAll(bleveDir)
	os.Remove(ftsPath)
	defer os.RemoveAll(bleveDir)
	defer os.Remove(ftsPath)

	start := time.Now()
	if err := bleveOnly(bleveDir, corpus); err != nil {
		return nil, err
	}
	bleveTook := time.Since(start)
	w.logf("bleve alone: %s studies in %s", count(n), seconds(bleveTook))

	fts, err := openFTS(ftsPath)
	if err != nil {
		return nil, err
	}
	defer fts.close()
	start = time.Now()
	if _, err := fts.load(ctx, corpus); err != nil {
		return nil, err
	}
	ftsTook := time.Since(start)
	w.logf("FTS5: %s studies in %s", count(n), seconds(ftsTook))

	ix, _, err := matcher.OpenIndex(bleveDir)
	if err != nil {
		return nil, err
	}
	defer ix.Close()
	rows := []Row{{Key: "fts5.index",
		Measure: fmt.Sprintf("SQLite FTS5 indexing %s studies (same files, same reading) vs bleve alone", count(n)),
		Value: fmt.Sprintf("FTS5 %s studies/s, bleve %s studies/s: FTS5 %s faster; on disk %s vs %s per study",
			rate(n, ftsTook), rate(n, bleveTook), ratio(bleveTook.Seconds(), ftsTook.Seconds()),
			bytesPer(diskUsage(ftsPath)+diskUsage(ftsPath+"-wal"), n), bytesPer(diskUsage(bleveDir), n)),
		Numbers: map[string]float64{"ftsRate": float64(n) / ftsTook.Seconds(), "bleveRate": float64(n) / bleveTook.Seconds()}}}
	for _, k := range searchKinds() {
		var bl, fl latencies
		var bHits, fHits int
		for _, q := range k.queries { // untimed first pass, for caches
			if _, err := fts.search(ctx, q); err != nil {
				return nil, err
			}
		}
		for i := range w.cfg.Queries {
			q := k.queries[i%len(k.queries)]
			t0 := time.Now()
			res, err := ix.Search(ctx, q)
			if err != nil {
				return nil, err
			}
			t1 := time.Now()
			got, err := fts.search(ctx, q)
			if err != nil {
				return nil, err
			}
			bl, fl = append(bl, t1.Sub(t0)), append(fl, time.Since(t1))
			bHits, fHits = bHits+int(res.Total), fHits+got
		}
		b, f := bl.percentiles(), fl.percentiles()
		rows = append(rows, Row{Key: "fts5." + k.name,
			Measure: fmt.Sprintf("FTS5 vs bleve, %s queries, %s studies", k.name, count(n)),
			Value: fmt.Sprintf("FTS5 %s; bleve %s; FTS5 ÷ bleve at p50 %s, p95 %s, p99 %s (matches/query %s vs %s)",
				f, b, ratio(float64(f.p50), float64(b.p50)), ratio(float64(f.p95), float64(b.p95)), ratio(float64(f.p99), float64(b.p99)),
				count(fHits/max(1, len(fl))), count(bHits/max(1, len(bl)))),
			Numbers: f.numbers("fts.", b.numbers("bleve.", nil))})
	}
	return rows, nil
}

// bleveOnly indexes the corpus in a new bleve index in dir, in batches of a
// thousand as the import does, and closes it (flushing what it holds).
func bleveOnly(dir, corpus string) error {
	ix, _, err := matcher.OpenIndex(dir)
	if err != nil {
		return err
	}
	var batch []*equitrial.Trial
	err = ctgov.ReadPaths([]string{corpus}, func(r ctgov.Record) error {
		if r.Err != nil {
			return r.Err
		}
		batch = append(batch, r.Trial)
		if len(batch) < perFile {
			return nil
		}
		err := ix.Put(batch...)
		batch = batch[:0]
		return err
	})
	if err == nil && len(batch) > 0 {
		err = ix.Put(batch...)
	}
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	return err
}
