package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"time"

	"equitrial/equity"
	"equitrial/jobs"
	"equitrial/store"
)

// runBench times one equity monitor pass with storage: it loads a synthetic
// recruitment log into a fresh embedded FerretDB (timed separately), then runs the
// monitor twice: the first pass opens alerts, the second is the steady state.
//
//	equitrial bench [--trials 10000] [--events 1000000] [--dir DIR]
func runBench(ctx context.Context, c *cli, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	trials := fs.Int("trials", 10000, "trials in the log")
	events := fs.Int("events", 1000000, "recruitment events in all")
	dir := fs.String("dir", "", "where the embedded database goes (default: a temporary directory, removed after)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "equitrial-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		*dir = tmp
	}
	db, err := store.Open(ctx, store.Config{DataDir: *dir, Database: "bench"})
	if err != nil {
		return err
	}
	defer db.Close(context.Background())

	now := time.Now().UTC()
	log, patients, targets := benchLog(*trials, *events/(*trials), now)
	start := time.Now()
	if err := db.Targets.PutMany(ctx, targets, "bench"); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "stored targets for %d trials in %.1fs\n", len(targets), time.Since(start).Seconds())
	start = time.Now()
	if _, err := db.Events.Append(ctx, log); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "loaded %d events for %d trials in %.1fs\n", len(log), *trials, time.Since(start).Seconds())
	log = nil
	runtime.GC()

	mon := &jobs.Monitor{DB: db, Now: func() time.Time { return now },
		Strata: func(_ context.Context, ids []string) (map[string]equity.Strata, error) {
			out := make(map[string]equity.Strata, len(ids))
			for _, id := range ids {
				if s, ok := patients[id]; ok {
					out[id] = s
				}
			}
			return out, nil
		}}
	for _, name := range []string{"first pass", "second pass"} {
		start := time.Now()
		res, err := mon.Pass(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s: %.1fs (%s)\n", name, time.Since(start).Seconds(), res)
	}
	return nil
}

// benchLog makes trials × perTrial events: half for equitrial patients walking the
// pipeline (some declining, screen-failing or withdrawing), half anonymous strata
// rows, over two years, interleaved across trials as sites would post them.
func benchLog(trials, perTrial int, now time.Time) ([]equity.Event, map[string]equity.Strata, map[string]equity.Targets) {
	rng := rand.New(rand.NewPCG(7, 11))
	eth := []string{"White", "White", "White", "White", "White", "White", "Asian", "Black", "Mixed", "Other", "notStated", ""}
	strata := func() equity.Strata {
		return equity.Strata{EthnicGroup: eth[rng.IntN(len(eth))], IMDQuintile: rng.IntN(6), SMI: []string{"yes", "no", "no", ""}[rng.IntN(4)],
			Sex: []string{"female", "male"}[rng.IntN(2)], AgeBand: equity.AgeBand(18 + rng.IntN(70))}
	}
	patients := map[string]equity.Strata{}
	targets := map[string]equity.Targets{}
	pipeline := []equity.Stage{equity.StageIdentified, equity.StageApproached, equity.StageScreened, equity.StageEligible,
		equity.StageConsented, equity.StageEnrolled}
	perT := make([][]equity.Event, trials)
	for t := range trials {
		id := fmt.Sprintf("NCT%08d", t)
		targets[id] = equity.Targets{Total: 100 + rng.IntN(400), EndDate: now.AddDate(0, 6, 0).Format("2006-01-02"),
			Shares: map[string]map[string]float64{"smi": {"yes": 0.2, "no": 0.8}}}
		first := now.Add(-time.Duration(30+rng.IntN(700)) * 24 * time.Hour)
		span := now.Sub(first)
		evs := make([]equity.Event, 0, perTrial)
		for len(evs) < perTrial {
			at := first.Add(time.Duration(rng.Int64N(int64(span))))
			site := fmt.Sprintf("S%d", rng.IntN(5))
			if rng.IntN(2) == 0 {
				pid := fmt.Sprintf("P%d-%d", t, len(evs))
				patients[pid] = strata()
				last := rng.IntN(len(pipeline))
				for i := 0; i <= last && len(evs) < perTrial; i++ {
					evs = append(evs, equity.Event{TrialID: id, Stage: pipeline[i], At: at.Add(time.Duration(i) * time.Hour), Site: site, PatientID: pid})
				}
				switch {
				case last == 5 && rng.IntN(10) == 0 && len(evs) < perTrial:
					evs = append(evs, equity.Event{TrialID: id, Stage: equity.StageWithdrawn, At: at.Add(24 * time.Hour), Site: site, PatientID: pid})
				case last == 2 && len(evs) < perTrial:
					evs = append(evs, equity.Event{TrialID: id, Stage: equity.StageScreenFailed, At: at.Add(3 * time.Hour), Site: site,
						PatientID: pid, Reasons: []string{"exclusion_met"}})
				}
				continue
			}
			s := strata()
			evs = append(evs, equity.Event{TrialID: id, Stage: equity.StageEnrolled, At: at, Site: site, Strata: &s})
		}
		perT[t] = evs
	}
	var all []equity.Event
	for i := 0; i < perTrial; i++ {
		for t := range perT {
			if i < len(perT[t]) {
				all = append(all, perT[t][i])
			}
		}
	}
	return all, patients, targets
}
