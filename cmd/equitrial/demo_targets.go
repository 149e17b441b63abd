package main

import (
	"context"
	"time"

	"equitrial"
	"equitrial/equity"
	"equitrial/store"
)

// seedDemoTargets gives each of the demo sponsor's recruiting trials what a
// sponsor sets first: how many to recruit (the trial's registered plan) and the
// last day of recruitment (its registered completion date, else a year from now),
// so that the demo's dashboards show where enrolment is heading, the share each
// group still needs and the chance of reaching it, rather than dashes. The shares
// stay the defaults (census and deprivation), which the dashboard says.
func seedDemoTargets(ctx context.Context, db *store.DB, trials []*equitrial.Trial) error {
	targets := map[string]equity.Targets{}
	now := time.Now().UTC()
	for _, t := range trials {
		total := t.Enrollment
		if total <= 0 {
			total = 400
		}
		end := now.AddDate(1, 0, 0)
		for _, layout := range []string{time.DateOnly, "2006-01"} {
			if d, err := time.Parse(layout, t.CompletionDate); err == nil && d.After(now.AddDate(0, 3, 0)) {
				end = d
				break
			}
		}
		targets[t.NCTID] = equity.Targets{Total: total, EndDate: end.Format(time.DateOnly)}
	}
	return db.Targets.PutMany(ctx, targets, "demo")
}
