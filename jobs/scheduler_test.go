package jobs_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"equitrial"
	"equitrial/jobs"
	"equitrial/store"
	"equitrial/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func newScheduler(t *testing.T, db *store.DB, holder string, ttl time.Duration) *jobs.Scheduler {
	t.Helper()
	s, err := jobs.New(db, jobs.Options{Holder: holder, LeaseTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Stop(ctx)
	})
	return s
}

// waitRun polls a run record until it has ended.
func waitRun(t *testing.T, db *store.DB, id string) store.JobRun {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := db.JobRuns.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Outcome != store.RunRunning {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s of %s did not end", id, r.Job)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Two schedulers in one process against one store, both on a one-second schedule
// and both hammered with manual triggers, never run the job at once.
func TestTwoSchedulersNeverRunAJobAtOnce(t *testing.T) {
	db := storetest.NewDB(t)
	var running, maxRunning, runs atomic.Int32
	slow := func(context.Context) (string, error) {
		n := running.Add(1)
		for {
			m := maxRunning.Load()
			if n <= m || maxRunning.CompareAndSwap(m, n) {
				break
			}
		}
		runs.Add(1)
		time.Sleep(150 * time.Millisecond)
		running.Add(-1)
		return "slept", nil
	}
	a := newScheduler(t, db, "replica-a", time.Second)
	b := newScheduler(t, db, "replica-b", time.Second)
	for _, s := range []*jobs.Scheduler{a, b} {
		if err := s.Register(jobs.Job{Name: "slow", Schedule: "@every 1s", Run: slow}); err != nil {
			t.Fatal(err)
		}
		s.Start()
	}
	var wg sync.WaitGroup
	var triggered, refused atomic.Int32
	stop := time.Now().Add(3 * time.Second)
	for _, s := range []*jobs.Scheduler{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				_, err := s.Trigger(context.Background(), "slow")
				switch {
				case err == nil:
					triggered.Add(1)
				case equitrial.Is(equitrial.KindConflict, err):
					refused.Add(1)
				default:
					t.Error(err)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a.Stop(ctx)
	b.Stop(ctx)
	if maxRunning.Load() != 1 {
		t.Fatalf("the job ran %d at once", maxRunning.Load())
	}
	if runs.Load() < 5 || refused.Load() == 0 {
		t.Fatalf("%d runs, %d triggers refused: the test did not exercise contention", runs.Load(), refused.Load())
	}
	recorded, err := db.JobRuns.Recent(ctx, "slow", 1000)
	if err != nil || len(recorded) != int(runs.Load()) {
		t.Fatalf("%d runs recorded, %d made (%v)", len(recorded), runs.Load(), err)
	}
	holders := map[string]bool{}
	for _, r := range recorded {
		holders[r.Holder] = true
		if r.Outcome != store.RunSucceeded || r.Detail != "slept" {
			t.Fatalf("run recorded as %+v", r)
		}
	}
	if !holders["replica-a"] || !holders["replica-b"] {
		t.Fatalf("runs by %v; want both schedulers to have run the job", holders)
	}
}

// A holder that died (took the lease and never renewed or released it) blocks the
// job until the lease expires, and not after.
func TestDeadHoldersLeaseIsTakenOverAfterExpiry(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	const ttl = 1500 * time.Millisecond
	taken := time.Now() // before Acquire, which dates the lease from its own clock
	if ok, err := db.Leases.Acquire(ctx, "j", "dead-replica", ttl); err != nil || !ok {
		t.Fatalf("could not take the lease: %v %v", ok, err)
	}
	s := newScheduler(t, db, "live-replica", time.Minute)
	s.Register(jobs.Job{Name: "j", Schedule: "@every 1h", Run: func(context.Context) (string, error) { return "ran", nil }})
	if _, err := s.Trigger(ctx, "j"); !equitrial.Is(equitrial.KindConflict, err) {
		t.Fatalf("trigger while a live lease is held elsewhere: %v, want conflict", err)
	}
	var id string
	for deadline := time.Now().Add(30 * time.Second); ; {
		var err error
		id, err = s.Trigger(ctx, "j")
		if err == nil {
			break
		}
		if !equitrial.Is(equitrial.KindConflict, err) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dead holder's %s lease was still not taken over after 30s", ttl)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Stored times are truncated to the millisecond, so the expiry can fall up to a
	// millisecond before taken+ttl.
	if waited := time.Since(taken); waited < ttl-time.Millisecond {
		t.Fatalf("the lease was taken over after %s, before its %s expiry", waited, ttl)
	}
	if r := waitRun(t, db, id); r.Outcome != store.RunSucceeded || r.Holder != "live-replica" {
		t.Fatalf("run after takeover: %+v", r)
	}
}

// A run longer than the lease's time to live keeps the lease by renewing it.
func TestLeaseIsRenewedDuringALongRun(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	// A lease of one second, renewed every third of that: long enough that a busy
	// CI machine's scheduling delays cannot starve the renewal, short enough that the
	// run below outlasts several lifetimes.
	a := newScheduler(t, db, "a", time.Second)
	b := newScheduler(t, db, "b", time.Second)
	release := make(chan struct{})
	long := jobs.Job{Name: "long", Schedule: "@every 1h", Run: func(ctx context.Context) (string, error) {
		select {
		case <-release:
			return "done", nil
		case <-ctx.Done():
			return "", context.Cause(ctx)
		}
	}}
	a.Register(long)
	b.Register(long)
	id, err := a.Trigger(ctx, "long")
	if err != nil {
		t.Fatal(err)
	}
	for range 10 { // 4 s: four lease lifetimes
		time.Sleep(400 * time.Millisecond)
		if _, err := b.Trigger(ctx, "long"); !equitrial.Is(equitrial.KindConflict, err) {
			t.Fatalf("another scheduler started the job during a long run: %v", err)
		}
	}
	close(release)
	if r := waitRun(t, db, id); r.Outcome != store.RunSucceeded {
		t.Fatalf("long run: %+v", r)
	}
	// Released at the end: the other scheduler may run it straight away. (The run
	// is recorded as finished just before its lease is released, so allow for that
	// moment, and no more than a second.)
	var id2 string
	for deadline := time.Now().Add(time.Second); ; {
		id2, err = b.Trigger(ctx, "long")
		if err == nil {
			break
		}
		if !equitrial.Is(equitrial.KindConflict, err) || time.Now().After(deadline) {
			t.Fatalf("after the run ended: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitRun(t, db, id2)
}

func TestRunOutcomesAreRecorded(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	s := newScheduler(t, db, "h", time.Minute)
	s.Register(jobs.Job{Name: "ok", Schedule: "@every 1h", Run: func(context.Context) (string, error) { return "3 things", nil }})
	s.Register(jobs.Job{Name: "fails", Schedule: "@every 1h", Run: func(context.Context) (string, error) { return "half", errors.New("disk on fire") }})
	s.Register(jobs.Job{Name: "panics", Schedule: "@every 1h", Run: func(context.Context) (string, error) { panic("oh no") }})
	s.Register(jobs.Placeholder(jobs.JobRematch, "@every 1h"))
	if err := s.Register(jobs.Job{Name: "bad", Schedule: "every tuesday", Run: func(context.Context) (string, error) { return "", nil }}); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Fatalf("a bad schedule was accepted: %v", err)
	}
	if _, err := s.Trigger(ctx, "nope"); !equitrial.Is(equitrial.KindNotFound, err) {
		t.Fatalf("trigger of an unknown job: %v", err)
	}
	want := map[string]func(store.JobRun) bool{
		"ok": func(r store.JobRun) bool {
			return r.Outcome == store.RunSucceeded && r.Detail == "3 things" && r.Error == ""
		},
		"fails": func(r store.JobRun) bool {
			return r.Outcome == store.RunFailed && r.Error == "disk on fire" && r.Detail == "half"
		},
		"panics": func(r store.JobRun) bool {
			return r.Outcome == store.RunFailed && strings.Contains(r.Error, "panic: oh no")
		},
		jobs.JobRematch: func(r store.JobRun) bool { return r.Outcome == "skipped: not configured" },
	}
	for name, ok := range want {
		id, err := s.Trigger(ctx, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r := waitRun(t, db, id)
		if !ok(r) || r.Trigger != jobs.TriggerManual || r.EndedAt.Before(r.StartedAt) {
			t.Fatalf("%s recorded as %+v", name, r)
		}
	}
	// The panic was recovered: the process lives, the lease was released, and the
	// job runs again.
	if l, _, _ := db.Leases.Get(ctx, "panics"); l.ExpiresAt.After(time.Now()) {
		t.Fatalf("the panicking run kept its lease: %+v", l)
	}
	id, err := s.Trigger(ctx, "panics")
	if err != nil {
		t.Fatalf("trigger after a panic: %v", err)
	}
	waitRun(t, db, id)
	// A replacement registered by the job's owner does the work.
	s.Register(jobs.Job{Name: jobs.JobRematch, Schedule: "@every 2h", Run: func(context.Context) (string, error) { return "rematched", nil }})
	id, _ = s.Trigger(ctx, jobs.JobRematch)
	if r := waitRun(t, db, id); r.Detail != "rematched" {
		t.Fatalf("replacement job: %+v", r)
	}
	infos := s.Jobs()
	if len(infos) != 4 || infos[3].Name != jobs.JobRematch || infos[3].Schedule != "@every 2h" {
		t.Fatalf("Jobs = %+v", infos)
	}
}

// Scheduled runs happen on the schedule and are recorded as such; Stop waits for
// the running one.
func TestScheduledRunAndStop(t *testing.T) {
	db := storetest.NewDB(t)
	s := newScheduler(t, db, "h", time.Minute)
	started := make(chan struct{}, 10)
	var finished atomic.Bool
	s.Register(jobs.Job{Name: "tick", Schedule: "@every 1s", Run: func(context.Context) (string, error) {
		started <- struct{}{}
		time.Sleep(300 * time.Millisecond)
		finished.Store(true)
		return "", nil
	}})
	s.Start()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the scheduled job did not run")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if !finished.Load() {
		t.Fatal("Stop returned before the running job finished")
	}
	runs, _ := db.JobRuns.Recent(ctx, "tick", 10)
	if len(runs) == 0 || runs[0].Trigger != jobs.TriggerSchedule || runs[0].Outcome != store.RunSucceeded {
		t.Fatalf("runs = %+v", runs)
	}
	if _, err := s.Trigger(ctx, "tick"); !equitrial.Is(equitrial.KindUnavailable, err) {
		t.Fatalf("trigger after Stop: %v", err)
	}
}
