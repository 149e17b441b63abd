package matcher

import (
	"context"
	"fmt"
	"time"

	"equitrial"
	"equitrial/eligibility"
)

// RematchResult says what a re-match pass did.
type RematchResult struct {
	Trials     int           `json:"trials"`     // recruiting trials checked
	Matches    int           `json:"matches"`    // eligible and potentially eligible pairs found
	NewMatches int           `json:"newMatches"` // of those, first seen in this pass
	Took       time.Duration `json:"took"`
}

func (r RematchResult) String() string {
	return fmt.Sprintf("%d recruiting trials, %d matches, %d new, in %s", r.Trials, r.Matches, r.NewMatches, r.Took.Round(time.Millisecond))
}

// Rematch evaluates every consented patient against every recruiting trial
// through the feature index and records each match (eligible or potentially
// eligible) with the time it was first seen. It needs Seen.
func (m *Matcher) Rematch(ctx context.Context) (RematchResult, error) {
	start, wall := m.now(), time.Now()
	var res RematchResult
	if m.Seen == nil {
		return res, equitrial.Errorf(equitrial.KindUnavailable, "re-match: no match log is configured")
	}
	for _, t := range m.Trials.Recruiting() {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		recs := m.Patients.prefilter(t, Filter{})
		statuses := evaluateAll(t.Compiled, recs, start)
		found := map[string]string{}
		for i, st := range statuses {
			if st != eligibility.Ineligible {
				found[recs[i].id] = string(st)
			}
		}
		res.Trials++
		res.Matches += len(found)
		if len(found) == 0 {
			continue
		}
		n, err := m.Seen.Record(ctx, t.NCTID, found, start)
		res.NewMatches += n
		if err != nil {
			return res, fmt.Errorf("re-match %s: %w", t.NCTID, err)
		}
	}
	res.Took = time.Since(wall)
	return res, nil
}

// RematchJob is the re-match as the body of the scheduler's "rematch" job: it
// reloads the patient index from the store first (bringing ages up to date),
// then records matches. reload may be nil.
func (m *Matcher) RematchJob(reload PatientEach) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		if reload != nil {
			if _, err := m.Patients.Load(ctx, reload); err != nil {
				return "", fmt.Errorf("re-match: reload patients: %w", err)
			}
		}
		r, err := m.Rematch(ctx)
		return r.String(), err
	}
}
