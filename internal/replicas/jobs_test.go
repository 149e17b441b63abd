package replicas_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"equitrial/jobs"
	"equitrial/store"
)

// execution is one run of a job's body, on one replica.
type execution struct {
	replica    string
	start, end time.Time
}

type recorder struct {
	mu   sync.Mutex
	runs []execution
}

// job is a job whose body takes a while and records where and when it ran.
func (rec *recorder) job(name, schedule, replica string, takes time.Duration) jobs.Job {
	return jobs.Job{Name: name, Schedule: schedule, Run: func(ctx context.Context) (string, error) {
		e := execution{replica: replica, start: time.Now()}
		select {
		case <-time.After(takes):
		case <-ctx.Done():
		}
		e.end = time.Now()
		rec.mu.Lock()
		rec.runs = append(rec.runs, e)
		rec.mu.Unlock()
		return "ran on " + replica, nil
	}}
}

// A job scheduled on both replicas runs once each time it is due, on one of
// them, never on both at once: both schedulers fire on the same whole second
// (`@every` rounds to the second), and the lease in the store lets one through.
// Run by hand on both at the same moment, it starts on one and is refused on
// the other.
func TestScheduledJobRunsOnceAcrossReplicas(t *testing.T) {
	c := newCluster(t)
	a := c.start("a", t.TempDir(), nil)
	b := c.start("b", t.TempDir(), nil)
	rec := &recorder{}
	for _, r := range []*replica{a, b} {
		if err := r.app.Scheduler.Register(rec.job("replica-probe", "@every 1s", r.name, 400*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(3500 * time.Millisecond)
	for _, r := range []*replica{a, b} {
		r.app.Scheduler.Register(jobs.Job{Name: "replica-probe", Schedule: "0 0 1 1 *", Run: func(context.Context) (string, error) { return "", nil }})
	}
	time.Sleep(500 * time.Millisecond) // a run in progress ends
	rec.mu.Lock()
	runs := slices.Clone(rec.runs)
	rec.mu.Unlock()
	if len(runs) < 2 || len(runs) > 4 {
		t.Fatalf("%d runs of a job due every second for 3.5 s on two replicas, want one per second: %+v", len(runs), runs)
	}
	slices.SortFunc(runs, func(x, y execution) int { return x.start.Compare(y.start) })
	for i := 1; i < len(runs); i++ {
		if runs[i].start.Before(runs[i-1].end) {
			t.Fatalf("runs overlap: %+v and %+v", runs[i-1], runs[i])
		}
		if runs[i].start.Truncate(time.Second).Equal(runs[i-1].start.Truncate(time.Second)) {
			t.Fatalf("two runs in one second: %+v and %+v", runs[i-1], runs[i])
		}
	}
	// Both replicas were due each time: the one that did not run was refused
	// the lease (logged at debug level).
	refused := strings.Count(a.logs.String(), `msg="job not started" job=replica-probe`) +
		strings.Count(b.logs.String(), `msg="job not started" job=replica-probe`)
	if refused < len(runs)-1 {
		t.Errorf("%d refusals for %d runs: were both replicas due each second?", refused, len(runs))
	}
	recorded, err := c.db.JobRuns.Recent(t.Context(), "replica-probe", 50)
	if err != nil || len(recorded) != len(runs) {
		t.Fatalf("%d runs recorded in the store (%v), want %d", len(recorded), err, len(runs))
	}
	t.Logf("%d runs, %d refusals, by %v", len(runs), refused, holders(runs))

	// By hand, on both at once.
	for _, r := range []*replica{a, b} {
		if err := r.app.Scheduler.Register(rec.job("replica-manual", "0 0 1 1 *", r.name, 500*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i, r := range []*replica{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = r.call(context.Background(), http.MethodPost, "/api/v1/jobs/replica-manual/run", nil, nil)
		}()
	}
	wg.Wait()
	slices.Sort(codes)
	if codes[0] != http.StatusAccepted || codes[1] != http.StatusConflict {
		t.Fatalf("a job run by hand on both replicas at once: statuses %v, want one 202 and one 409", codes)
	}
	eventually(t, "the manual run finishes", func() bool {
		r, err := c.db.JobRuns.Recent(t.Context(), "replica-manual", 5)
		return err == nil && len(r) == 1 && r[0].Outcome == store.RunSucceeded
	})
}

func holders(runs []execution) map[string]int {
	out := map[string]int{}
	for _, r := range runs {
		out[r.replica]++
	}
	return out
}
