package main

import (
	"fmt"
	"log/slog"
	"time"

	"equitrial/catalog"
	"equitrial/jobs"
	"equitrial/store"
)

// Job schedules, each overridable by its environment variable: a five-field cron
// spec or a descriptor ("@every 15m", "@daily"), in Europe/London time.
var jobSchedules = []struct {
	job, env, def string
}{
	{jobs.JobEquityMonitor, "EQUITRIAL_JOB_EQUITY_MONITOR", "@every 15m"},
	{jobs.JobIndexSync, "EQUITRIAL_JOB_INDEX_SYNC", "@every 10m"},
	{jobs.JobIndexSyncFull, "EQUITRIAL_JOB_INDEX_SYNC_FULL", "30 3 * * *"},
	{jobs.JobRematch, "EQUITRIAL_JOB_REMATCH", "0 * * * *"},
	{jobs.JobPurge, "EQUITRIAL_JOB_PURGE", "15 2 * * *"},
}

// newMonitor is the equity monitor the scheduler runs and the API computes with.
func newMonitor(db *store.DB, log *slog.Logger) *jobs.Monitor {
	return &jobs.Monitor{DB: db, Log: log, Sender: &jobs.Sender{Webhooks: db.Webhooks, Log: log}}
}

// startScheduler registers every job with its configured schedule and starts the
// scheduler. The caller stops it (Stop) on shutdown, before the index closes.
// EQUITRIAL_JOB_LEASE_TTL sets how long a job's lease lasts unless renewed.
func startScheduler(getenv func(string) string, db *store.DB, cat *catalog.Catalog, mon *jobs.Monitor, log *slog.Logger) (*jobs.Scheduler, error) {
	ttl := 2 * time.Minute
	if v := getenv("EQUITRIAL_JOB_LEASE_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return nil, fmt.Errorf("EQUITRIAL_JOB_LEASE_TTL: want a duration of at least 1s, got %q", v)
		}
		ttl = d
	}
	sched, err := jobs.New(db, jobs.Options{LeaseTTL: ttl, Logger: log})
	if err != nil {
		return nil, err
	}
	sync := &jobs.IndexSync{Catalog: cat, Runs: db.JobRuns}
	for _, s := range jobSchedules {
		spec := or(getenv(s.env), s.def)
		var j jobs.Job
		switch s.job {
		case jobs.JobEquityMonitor:
			j = mon.Job(spec)
		case jobs.JobIndexSync:
			j = sync.Job(spec)
		case jobs.JobIndexSyncFull:
			j = sync.FullJob(spec)
		default:
			j = jobs.Placeholder(s.job, spec) // supplied by their owners with sched.Register
		}
		if err := sched.Register(j); err != nil {
			return nil, fmt.Errorf("%s: %w", s.env, err)
		}
	}
	sched.Start()
	log.Info("job scheduler started", "holder", sched.Holder(), "lease_ttl", ttl.String())
	return sched, nil
}
