package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// importResult is one timed import into an empty data directory.
type importResult struct {
	studies    int
	took, cpu  time.Duration
	store, idx int64 // bytes on disk
}

// runImport times `import ctgov` end to end (reading NDJSON files, decoding, the
// embedded store, the bleve index) into an empty data directory at each size of
// cfg.ImportSizes, and reports the rates, how far from linear the largest is
// against the smallest, and the store and index size per study. The largest
// import's data directory is kept for the scenarios after.
func runImport(ctx context.Context, w *workspace) ([]Row, error) {
	var results []importResult
	for _, n := range w.cfg.ImportSizes {
		corpus, err := w.corpus(n)
		if err != nil {
			return nil, err
		}
		dir := filepath.Join(w.dir, fmt.Sprintf("data-%d", n))
		os.RemoveAll(dir)
		cat, closeCat, err := openCatalog(ctx, dir)
		if err != nil {
			return nil, err
		}
		cpu0, start := cpuTime(), time.Now()
		sum, err := cat.Import(ctx, readCorpus(corpus), nil)
		took, cpu := time.Since(start), cpuTime()-cpu0
		if cerr := closeCat(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		if sum.Imported != n {
			return nil, fmt.Errorf("imported %s of %d studies", sum, n)
		}
		res := importResult{studies: n, took: took, cpu: cpu,
			store: diskUsage(filepath.Join(dir, "db")), idx: diskUsage(filepath.Join(dir, "index"))}
		w.logf("%s studies: %s (%s studies/s, CPU %s per study)", count(n), seconds(took), rate(n, took), ms(cpu/time.Duration(n)))
		results = append(results, res)
		if n == w.cfg.Studies {
			w.loaded = dir // for search, http and memory
		} else {
			os.RemoveAll(dir)
		}
	}
	var rows []Row
	for _, r := range results {
		perSec := float64(r.studies) / r.took.Seconds()
		rows = append(rows, Row{Key: fmt.Sprintf("import.rate.%d", len(rows)+1),
			Measure: fmt.Sprintf("import %s studies into an empty store, end to end", count(r.studies)),
			Value:   fmt.Sprintf("%s studies/s (%s; CPU %s per study)", rate(r.studies, r.took), seconds(r.took), ms(r.cpu/time.Duration(r.studies))),
			Target:  "≥ 3,000 studies/s", Met: met(perSec >= 3000, r.studies >= 10_000),
			Numbers: map[string]float64{"rate": perSec, "cpuMs": float64(r.cpu) / float64(r.studies) / 1e6}})
	}
	if len(results) >= 2 {
		a, b := results[0], results[len(results)-1]
		ra, rb := float64(a.studies)/a.took.Seconds(), float64(b.studies)/b.took.Seconds()
		rows = append(rows, Row{Key: "import.linearity",
			Measure: fmt.Sprintf("rate at %s ÷ rate at %s studies (1 is linear)", count(b.studies), count(a.studies)),
			Value:   fmt.Sprintf("%.2f (CPU per study %s)", rb/ra, ratio(float64(b.cpu)/float64(b.studies), float64(a.cpu)/float64(a.studies))),
			Target:  "≥ 0.8 (within 20% of linear)", Met: met(rb/ra >= 0.8, a.studies >= 10_000 && b.studies >= 100_000),
			Numbers: map[string]float64{"ratio": rb / ra}})
	}
	last := results[len(results)-1]
	rows = append(rows, Row{Key: "import.size",
		Measure: fmt.Sprintf("store and index on disk per study, at %s studies", count(last.studies)),
		Value:   fmt.Sprintf("store %s, index %s", bytesPer(last.store, last.studies), bytesPer(last.idx, last.studies)),
		Numbers: map[string]float64{"store": float64(last.store), "index": float64(last.idx)}})
	return rows, nil
}
