// Package jobs runs equitrial's scheduled work — the equity monitor, index sync,
// re-matching and purging — on a cron schedule in UK time, one replica at a time.
//
// Each run of a job holds the job's lease in the store (an atomic find-and-update
// with an expiry, renewed while the run lasts), so with several replicas only one
// runs a job at once, and a replica that dies mid-run leaves a lease that others
// take over once it expires. Every run's start, end, outcome and error are recorded.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"
	_ "time/tzdata" // Europe/London on machines without a zoneinfo database

	"github.com/robfig/cron/v3"

	"equitrial"
	"equitrial/internal/metrics"
	"equitrial/store"
)

// Job is a named piece of scheduled work. Run returns a one-line account of what it
// did; an error fails the run, and an error made by Skip records it as skipped.
type Job struct {
	Name     string
	Schedule string // a five-field cron spec or a descriptor such as "@every 15m", in Europe/London time
	Run      func(ctx context.Context) (detail string, err error)
}

// SkipError marks a run that had nothing to do (say, a job not configured here).
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return "skipped: " + e.Reason }

// Skip returns an error that records the run as "skipped: reason", not failed.
func Skip(reason string) error { return &SkipError{Reason: reason} }

// Triggers of a run.
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
)

// Options configure a Scheduler; zero values give the defaults.
type Options struct {
	LeaseTTL time.Duration  // how long a lease lasts unless renewed; default 2 minutes
	Holder   string         // this scheduler's identity in leases; default hostname+pid+random
	Location *time.Location // default Europe/London
	Logger   *slog.Logger
	Metrics  *metrics.Metrics // job durations, last success and failures; nil records nothing
}

// Scheduler runs jobs on their schedules and on demand.
type Scheduler struct {
	runs   *store.JobRuns
	leases *store.Leases
	log    *slog.Logger
	metric *metrics.Metrics
	holder string
	ttl    time.Duration
	cron   *cron.Cron

	ctx    context.Context // cancelled by Stop once its deadline passes
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	jobs    map[string]*entry
	running map[string]bool
	started bool
	stopped bool
}

type entry struct {
	job Job
	id  cron.EntryID
}

// New returns a scheduler over the store's leases and run records. Register jobs,
// then Start it.
func New(db *store.DB, opts Options) (*Scheduler, error) {
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 2 * time.Minute
	}
	if opts.Holder == "" {
		opts.Holder = defaultHolder()
	}
	if opts.Location == nil {
		loc, err := time.LoadLocation("Europe/London")
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		opts.Location = loc
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	cl := cronLogger{opts.Logger}
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		runs: db.JobRuns, leases: db.Leases, log: opts.Logger, metric: opts.Metrics, holder: opts.Holder, ttl: opts.LeaseTTL,
		cron: cron.New(cron.WithLocation(opts.Location), cron.WithLogger(cl),
			cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl))),
		ctx: ctx, cancel: cancel, jobs: map[string]*entry{}, running: map[string]bool{},
	}, nil
}

// defaultHolder names this process uniquely among replicas, and among schedulers
// within one process.
func defaultHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Holder is this scheduler's identity in leases and run records.
func (s *Scheduler) Holder() string { return s.holder }

// ParseSchedule checks a schedule: a five-field cron spec or a descriptor.
func ParseSchedule(spec string) error {
	if _, err := cron.ParseStandard(spec); err != nil {
		return equitrial.Errorf(equitrial.KindInvalid, "schedule %q: %v", spec, err)
	}
	return nil
}

// Register adds a job, or replaces the job of the same name (how the owners of
// rematch and purge supply their work in place of the placeholder). It may be called
// before or after Start.
func (s *Scheduler) Register(j Job) error {
	if j.Name == "" || j.Run == nil {
		return errors.New("jobs: a job needs a name and a Run function")
	}
	if err := ParseSchedule(j.Schedule); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.jobs[j.Name]; ok {
		s.cron.Remove(old.id)
	}
	name := j.Name
	id, err := s.cron.AddFunc(j.Schedule, func() { s.scheduled(name) })
	if err != nil {
		return err
	}
	s.jobs[j.Name] = &entry{job: j, id: id}
	s.metric.DeclareJob(j.Name)
	return nil
}

// Start begins running jobs on their schedules.
func (s *Scheduler) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started && !s.stopped {
		s.started = true
		s.cron.Start()
	}
}

// Stop stops scheduling and waits for running jobs to finish. When ctx ends first,
// running jobs are cancelled (their runs are recorded as failed) and Stop waits
// briefly for them to record it, then returns ctx's error.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	<-s.cron.Stop().Done() // returns at once when the cron was never started; jobs are tracked by wg
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
	}
	s.cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	return ctx.Err()
}

// JobInfo describes a registered job.
type JobInfo struct {
	Name     string    `json:"name"`
	Schedule string    `json:"schedule"`
	Next     time.Time `json:"next,omitzero"` // next scheduled run (zero before Start)
	Running  bool      `json:"running"`       // running in this process now
}

// Jobs lists the registered jobs by name.
func (s *Scheduler) Jobs() []JobInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]JobInfo, 0, len(s.jobs))
	for name, e := range s.jobs {
		out = append(out, JobInfo{Name: name, Schedule: e.job.Schedule, Next: s.cron.Entry(e.id).Next, Running: s.running[name]})
	}
	slices.SortFunc(out, func(a, b JobInfo) int { return cmpString(a.Name, b.Name) })
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Runs gives access to the run records, for listing recent runs.
func (s *Scheduler) Runs() *store.JobRuns { return s.runs }

// Trigger runs a job now, under its lease like a scheduled run, and returns the id
// of the run record at once; the run goes on in the background. It is a conflict
// when the job is already running here or on another replica.
func (s *Scheduler) Trigger(ctx context.Context, name string) (string, error) {
	r, err := s.begin(ctx, name, TriggerManual)
	if err != nil {
		return "", err
	}
	go cron.NewChain(cron.Recover(cronLogger{s.log})).Then(cron.FuncJob(r.execute)).Run()
	return r.id, nil
}

// scheduled is what cron calls on a job's schedule.
func (s *Scheduler) scheduled(name string) {
	r, err := s.begin(s.ctx, name, TriggerSchedule)
	if err != nil {
		if equitrial.Is(equitrial.KindConflict, err) {
			s.log.Debug("job not started", "job", name, "reason", err.Error())
		} else {
			s.log.Error("job not started", "job", name, "error", err.Error())
		}
		return
	}
	r.execute()
}

// run is one run in progress.
type run struct {
	s       *Scheduler
	job     Job
	id      string
	trigger string
	start   time.Time
}

// begin claims a job for a run: not already running in this process, its lease
// taken, its run record started.
func (s *Scheduler) begin(ctx context.Context, name, trigger string) (*run, error) {
	s.mu.Lock()
	e, ok := s.jobs[name]
	switch {
	case !ok:
		s.mu.Unlock()
		return nil, equitrial.Errorf(equitrial.KindNotFound, "there is no job %q", name)
	case s.stopped:
		s.mu.Unlock()
		return nil, equitrial.Errorf(equitrial.KindUnavailable, "the scheduler is stopping")
	case s.running[name]:
		s.mu.Unlock()
		return nil, equitrial.Errorf(equitrial.KindConflict, "job %s is already running here", name)
	}
	s.running[name] = true
	s.wg.Add(1)
	job := e.job
	s.mu.Unlock()

	r := &run{s: s, job: job, trigger: trigger}
	got, err := s.leases.Acquire(ctx, name, s.holder, s.ttl)
	if err == nil && !got {
		err = equitrial.Errorf(equitrial.KindConflict, "job %s is running on another replica", name)
	}
	if err == nil {
		r.start = time.Now()
		if r.id, err = s.runs.Start(ctx, name, s.holder, trigger, r.start); err != nil {
			s.leases.Release(context.WithoutCancel(ctx), name, s.holder)
		}
	}
	if err != nil {
		s.idle(name)
		s.wg.Done()
		return nil, err
	}
	return r, nil
}

// idle marks a job as no longer running in this process, so it may be triggered
// again; Stop still waits for the run's wg.Done, after its record is written.
func (s *Scheduler) idle(name string) {
	s.mu.Lock()
	delete(s.running, name)
	s.mu.Unlock()
}

// execute runs the job with its lease renewed every ttl/3, records the outcome
// (a panic is recorded as a failure, then re-raised for cron.Recover to log) and
// releases the lease.
func (r *run) execute() {
	s := r.s
	ctx, cancel := context.WithCancelCause(s.ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		r.renew(ctx, cancel)
	}()
	var (
		detail string
		err    error
	)
	finish := func() {
		cancel(nil)
		<-renewed
		outcome, errText := store.RunSucceeded, ""
		var skip *SkipError
		switch {
		case errors.As(err, &skip):
			outcome = skip.Error()
		case err != nil:
			outcome, errText = store.RunFailed, err.Error()
		}
		bg, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		// Free the job first, then record the run as finished: whoever sees the run
		// finished (an admin, a test, another replica's status page) can start the
		// job again at once. The work itself is over either way.
		if rerr := s.leases.Release(bg, r.job.Name, s.holder); rerr != nil {
			s.log.Warn("releasing job lease", "job", r.job.Name, "error", rerr.Error())
		}
		s.idle(r.job.Name)
		defer s.wg.Done() // after the record below: Stop returns only once runs are recorded
		if ferr := s.runs.Finish(bg, r.id, outcome, errText, detail, time.Now()); ferr != nil {
			s.log.Error("recording job run", "job", r.job.Name, "run", r.id, "error", ferr.Error())
		}
		s.metric.ObserveJob(r.job.Name, metricOutcome(outcome), time.Since(r.start), time.Now())
		level := slog.LevelInfo
		if outcome == store.RunFailed {
			level = slog.LevelError
		}
		s.log.Log(bg, level, "job run", "job", r.job.Name, "run", r.id, "trigger", r.trigger, "outcome", outcome,
			"error", errText, "detail", detail, "took_ms", time.Since(r.start).Milliseconds())
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p) // cron.Recover logs the stack
			finish()
			panic(p)
		}
	}()
	detail, err = r.job.Run(ctx)
	if err == nil && context.Cause(ctx) != nil && ctx.Err() != nil {
		err = context.Cause(ctx) // the lease was lost: the work may be incomplete
	}
	finish()
}

// errLeaseLost cancels a run whose lease another replica has taken.
var errLeaseLost = errors.New("the job's lease was lost (renewal failed); another replica may have taken over")

// renew keeps the lease alive until ctx ends; when it cannot, it cancels the run
// rather than let two replicas run the job at once.
func (r *run) renew(ctx context.Context, cancel context.CancelCauseFunc) {
	s := r.s
	tick := time.NewTicker(max(s.ttl/3, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		ok, err := s.leases.Renew(ctx, r.job.Name, s.holder, s.ttl)
		if ctx.Err() != nil {
			return
		}
		if err != nil || !ok {
			if err != nil {
				s.log.Error("renewing job lease", "job", r.job.Name, "error", err.Error())
			}
			cancel(errLeaseLost)
			return
		}
	}
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append([]any{"error", err.Error()}, kv...)...)
}

// metricOutcome is a run's outcome as a metric label: succeeded, failed or skipped
// (a skip's outcome text names its reason, which would make labels unbounded).
func metricOutcome(outcome string) string {
	switch outcome {
	case store.RunSucceeded, store.RunFailed:
		return outcome
	}
	return "skipped"
}
