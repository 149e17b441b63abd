package app

import (
	"fmt"
	"strconv"
	"time"

	"equitrial/jobs"
)

// jobSchedules: each job's default schedule and the variable that overrides it (a
// five-field cron spec or a descriptor such as "@every 15m", in Europe/London time).
var jobSchedules = []struct {
	job, env, def string
}{
	{jobs.JobEquityMonitor, "EQUITRIAL_JOB_EQUITY_MONITOR", "@every 15m"},
	{jobs.JobIndexSyncFull, "EQUITRIAL_JOB_INDEX_SYNC_FULL", "30 3 * * *"},
	{jobs.JobRematch, "EQUITRIAL_JOB_REMATCH", "0 * * * *"},
	{jobs.JobPurge, "EQUITRIAL_JOB_PURGE", "15 2 * * *"},
}

// startScheduler registers every job with its schedule and starts the scheduler.
// EQUITRIAL_JOB_LEASE_TTL sets how long a job's lease lasts unless renewed.
func (a *App) startScheduler(getenv func(string) string) (*jobs.Scheduler, error) {
	ttl := 2 * time.Minute
	if v := getenv("EQUITRIAL_JOB_LEASE_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return nil, fmt.Errorf("EQUITRIAL_JOB_LEASE_TTL: want a duration of at least 1s, got %q", v)
		}
		ttl = d
	}
	retention, err := retentionFrom(getenv)
	if err != nil {
		return nil, err
	}
	sched, err := jobs.New(a.DB, jobs.Options{LeaseTTL: ttl, Logger: a.log, Metrics: a.Metrics})
	if err != nil {
		return nil, err
	}
	sync := &jobs.IndexSync{Catalog: a.Catalog}
	purge := &Purge{DB: a.DB, Auth: a.Auth, Retention: retention}
	for _, s := range jobSchedules {
		spec := getenv(s.env)
		if spec == "" {
			spec = s.def
		}
		var j jobs.Job
		switch s.job {
		case jobs.JobEquityMonitor:
			j = a.Monitor.Job(spec)
		case jobs.JobIndexSyncFull:
			j = sync.FullJob(spec)
		case jobs.JobRematch:
			j = jobs.Job{Name: s.job, Schedule: spec, Run: a.Matcher.RematchJob(a.DB.Patients.Each)}
		case jobs.JobPurge:
			j = jobs.Job{Name: s.job, Schedule: spec, Run: purge.Run}
		}
		if err := sched.Register(j); err != nil {
			return nil, fmt.Errorf("%s: %w", s.env, err)
		}
	}
	// The registry sync runs only where a query is configured (EQUITRIAL_CTGOV_SYNC_QUERY).
	if err := jobs.RegisterCTGovSync(sched, getenv, a.Catalog, a.DB, a.log); err != nil {
		return nil, err
	}
	sched.Start()
	a.log.Info("job scheduler started", "holder", sched.Holder(), "lease_ttl", ttl.String())
	return sched, nil
}

// retentionFrom reads EQUITRIAL_RETENTION_DAYS: how long a patient's record is kept
// without any change before the purge withdraws it and erases its identifiers.
func retentionFrom(getenv func(string) string) (time.Duration, error) {
	days := 3 * 365
	if v := getenv("EQUITRIAL_RETENTION_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 30 {
			return 0, fmt.Errorf("EQUITRIAL_RETENTION_DAYS: want a whole number of days, at least 30; got %q", v)
		}
		days = n
	}
	return time.Duration(days) * 24 * time.Hour, nil
}
