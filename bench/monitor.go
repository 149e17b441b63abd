package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"equitrial/equity"
	"equitrial/jobs"
	"equitrial/store"
	"equitrial/synth"
)

// monitorTarget is the target for one pass.
const monitorTarget = 10 * time.Second

// runMonitor times one equity monitor pass with storage: it stores targets for
// every trial and a synthetic recruitment log (synth.Recruitment) in a fresh
// embedded FerretDB (timed separately), then runs jobs.Monitor.Pass twice: the
// first pass opens alerts, the second is the steady state (every group's previous
// status known).
func runMonitor(ctx context.Context, w *workspace) ([]Row, error) {
	dir := filepath.Join(w.dir, "monitor")
	os.RemoveAll(dir)
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, store.Config{DataDir: dir, Database: "bench"})
	if err != nil {
		return nil, err
	}
	defer db.Close(context.Background())

	now := time.Now().UTC()
	log := synth.Recruitment(w.cfg.MonitorTrials, w.cfg.MonitorEvents, now, w.cfg.Seed)
	start := time.Now()
	if err := db.Targets.PutMany(ctx, log.Targets, "bench"); err != nil {
		return nil, err
	}
	targetsTook := time.Since(start)
	start = time.Now()
	if _, err := db.Events.Append(ctx, log.Events); err != nil {
		return nil, err
	}
	eventsTook, events := time.Since(start), len(log.Events)
	w.logf("stored targets for %s trials in %s, %s events in %s", count(len(log.Targets)), seconds(targetsTook), count(events), seconds(eventsTook))
	log.Events = nil
	runtime.GC()

	mon := &jobs.Monitor{DB: db, Now: func() time.Time { return now },
		Strata: func(_ context.Context, ids []string) (map[string]equity.Strata, error) { return log.Strata(ids), nil }}
	var took [2]time.Duration
	var res [2]string
	for i := range took {
		start := time.Now()
		r, err := mon.Pass(ctx)
		if err != nil {
			return nil, err
		}
		took[i], res[i] = time.Since(start), r.String()
	}
	size := fmt.Sprintf("%s trials, %s events, embedded FerretDB", count(w.cfg.MonitorTrials), count(events))
	atScale := w.cfg.MonitorTrials >= 10_000 && events >= 1_000_000
	return []Row{
		{Key: "monitor.first", Measure: "equity monitor, first pass (opens alerts), " + size,
			Value:  fmt.Sprintf("%s (%s); setup outside the pass: targets %s, events %s", seconds(took[0]), res[0], seconds(targetsTook), seconds(eventsTook)),
			Target: "≤ 10 s", Met: met(took[0] <= monitorTarget, atScale), Numbers: map[string]float64{"seconds": took[0].Seconds()}},
		{Key: "monitor.steady", Measure: "equity monitor, steady-state pass, " + size,
			Value:  fmt.Sprintf("%s (%s)", seconds(took[1]), res[1]),
			Target: "≤ 10 s", Met: met(took[1] <= monitorTarget, atScale), Numbers: map[string]float64{"seconds": took[1].Seconds()}},
	}, nil
}
