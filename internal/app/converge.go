package app

import (
	"context"
	"fmt"
	"time"

	"equitrial/jobs"
	"equitrial/matcher"
	"equitrial/refdata"
	"equitrial/store"
)

// newConverger makes this replica's convergence with the store (jobs.Converger),
// timed by EQUITRIAL_CONVERGE_INTERVAL (how often it reads the change log: the
// bound on how stale a replica's search index, trial cache, patient index and
// reference data can be) and EQUITRIAL_CONVERGE_MARGIN (how far back each read
// reaches, for writes in flight and clock skew between replicas). Its sources are
// wired by wireConverger once what it feeds exists.
func (a *App) newConverger(getenv func(string) string) (*jobs.Converger, error) {
	interval, err := durationFrom(getenv, "EQUITRIAL_CONVERGE_INTERVAL", jobs.DefaultConvergeInterval, 100*time.Millisecond, time.Minute)
	if err != nil {
		return nil, err
	}
	margin, err := durationFrom(getenv, "EQUITRIAL_CONVERGE_MARGIN", jobs.DefaultConvergeMargin, time.Second, store.Retention/3)
	if err != nil {
		return nil, err
	}
	if getenv("EQUITRIAL_JOB_INDEX_SYNC") != "" {
		a.log.Warn("EQUITRIAL_JOB_INDEX_SYNC is no longer used: every replica keeps its index current from the store (EQUITRIAL_CONVERGE_INTERVAL)")
	}
	return &jobs.Converger{Changes: a.DB.Changes, Interval: interval, Margin: margin, Log: a.log}, nil
}

// durationFrom reads a duration between lo and hi from the environment.
func durationFrom(getenv func(string) string, name string, def, lo, hi time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		return 0, fmt.Errorf("%s: want a duration from %s to %s, got %q", name, lo, hi, v)
	}
	return d, nil
}

// wireConverger gives the converger what it applies changes to: the catalog
// (search index and, through its change hook, the trial cache), the patient index
// and the reference data, whose generation when this replica loaded it was refGen.
func (a *App) wireConverger(c *jobs.Converger, pix *matcher.PatientIndex, refGen string) {
	db := a.DB
	c.Sources = []jobs.Source{
		{Kind: store.ChangeTrials, Apply: func(ctx context.Context, ids []string) (map[string]jobs.Found, error) {
			versions, err := a.Catalog.Refresh(ctx, ids)
			found := make(map[string]jobs.Found, len(versions))
			for id, v := range versions {
				found[id] = jobs.Found{UpdatedAt: v}
			}
			return found, err
		}},
		{Kind: store.ChangePatients, Apply: func(ctx context.Context, ids []string) (map[string]jobs.Found, error) {
			recs, err := db.Patients.ForMatching(ctx, ids)
			if err != nil {
				return nil, err
			}
			found := make(map[string]jobs.Found, len(recs))
			for id, p := range recs {
				// Put adds a consented patient, takes out one who may not be
				// matched, and takes out a withdrawn one for good.
				pix.Put(p)
				found[id] = jobs.Found{UpdatedAt: p.UpdatedAt, Final: p.Withdrawn != nil}
			}
			return found, nil
		}, Gone: func(ids []string) {
			for _, id := range ids {
				pix.Withdraw(id) // deleted: for good
			}
		}},
	}
	gen := refGen
	reference := func(ctx context.Context, force bool) error {
		m, err := db.RefData.Manifest(ctx)
		if err != nil || m == nil || (m.Generation == gen && !force) {
			return err
		}
		dir, imd, loaded, err := db.RefData.Load(ctx)
		if err != nil || loaded == nil {
			return err
		}
		ref, err := refdata.NewReference(dir, imd)
		if err != nil {
			return err
		}
		db.Patients.SetReference(ref)
		gen = loaded.Generation
		a.log.Info("reference data reloaded from the store", "generation", gen, "edition", loaded.Edition)
		return nil
	}
	c.Watch = []func(context.Context) error{func(ctx context.Context) error { return reference(ctx, false) }}
	c.Resync = func(ctx context.Context) error {
		if _, err := a.Catalog.Rebuild(ctx); err != nil {
			return err
		}
		if _, err := pix.Load(ctx, db.Patients.Each); err != nil {
			return err
		}
		return reference(ctx, true)
	}
	c.Reload = func(ctx context.Context) error {
		_, err := pix.Load(ctx, db.Patients.Each)
		return err
	}
}
