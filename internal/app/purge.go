package app

import (
	"context"
	"fmt"
	"time"

	"equitrial/auth"
	"equitrial/store"
)

// Purge removes data past its time: ended sessions, long-dead API tokens, old job
// run records, record locks left by processes that died holding them, and the
// identifiers of patients whose record has not changed within the retention
// period (they are withdrawn, exactly as if they had asked: strata stay in
// recruitment counts, identifiers go).
type Purge struct {
	DB        *store.DB
	Auth      *auth.Service
	Retention time.Duration
	Now       func() time.Time
}

// purgeBatch bounds the patients withdrawn in one run, so a first run on an old
// database does not hold the job's lease for long; the next run continues.
const purgeBatch = 1000

// Run is the purge job's body.
func (p *Purge) Run(ctx context.Context) (string, error) {
	now := time.Now().UTC()
	if p.Now != nil {
		now = p.Now()
	}
	sessions, err := p.DB.Sessions.Purge(ctx, p.Auth.IdleTimeout, now)
	if err != nil {
		return "", fmt.Errorf("sessions: %w", err)
	}
	tokens, err := p.DB.Tokens.DeleteExpired(ctx, now.Add(-90*24*time.Hour))
	if err != nil {
		return "", fmt.Errorf("tokens: %w", err)
	}
	runs, err := p.DB.JobRuns.DeleteBefore(ctx, now.Add(-90*24*time.Hour))
	if err != nil {
		return "", fmt.Errorf("job runs: %w", err)
	}
	locks, err := p.DB.Locks.Prune(ctx, now.Add(-time.Hour)) // a live lock lasts seconds
	if err != nil {
		return "", fmt.Errorf("record locks: %w", err)
	}
	cutoff := now.Add(-p.Retention)
	stale, err := p.DB.Patients.StaleIDs(ctx, cutoff, purgeBatch)
	if err != nil {
		return "", fmt.Errorf("patients: %w", err)
	}
	withdrawn := 0
	for _, id := range stale {
		// The write checks staleness again: a record updated since the scan stays.
		ok, err := p.DB.Patients.WithdrawIfStale(ctx, id, cutoff)
		if err != nil {
			return "", fmt.Errorf("patients: withdrawing a stale record: %w", err)
		}
		if ok {
			withdrawn++
		}
	}
	return fmt.Sprintf("%d sessions, %d tokens, %d job runs, %d stale record locks removed; %d patients past retention withdrawn", sessions, tokens, runs, locks, withdrawn), nil
}
