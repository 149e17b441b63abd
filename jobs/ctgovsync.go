package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"equitrial"
	"equitrial/catalog"
	"equitrial/ctgov"
	"equitrial/store"
)

// JobCTGovSync is the scheduled registry sync. It is registered only when a query
// is configured (EQUITRIAL_CTGOV_SYNC_QUERY).
const JobCTGovSync = "ctgov-sync"

// DefaultCTGovSyncSchedule runs the sync once a day, early in the morning UK time,
// clear of the other nightly jobs (purge at 02:15, full index sync at 03:30).
const DefaultCTGovSyncSchedule = "40 4 * * *"

// CTGovSyncConfig configures a registry sync; zero fields take the defaults.
type CTGovSyncConfig struct {
	Query         string  // API v2 search parameters, e.g. "query.locn=United Kingdom"
	Name          string  // the cursor's key; default ctgov.DefaultName of the query
	BaseURL       string  // default ctgov.DefaultBaseURL
	PageSize      int     // default ctgov.MaxPageSize
	RatePerMinute float64 // default ctgov.DefaultRatePerMinute
	Retry         ctgov.Retry
	HTTP          *http.Client                                     // tests
	Sleep         func(ctx context.Context, d time.Duration) error // tests: back-off without waiting
	Progress      func(ctgov.Cursor)                               // hears each page
}

// CTGovSyncConfigFromEnv reads EQUITRIAL_CTGOV_SYNC_QUERY and EQUITRIAL_CTGOV_URL.
func CTGovSyncConfigFromEnv(getenv func(string) string) CTGovSyncConfig {
	return CTGovSyncConfig{Query: strings.TrimSpace(getenv("EQUITRIAL_CTGOV_SYNC_QUERY")), BaseURL: strings.TrimSpace(getenv("EQUITRIAL_CTGOV_URL"))}
}

// CTGovSync imports a registry search into the catalog, page by page, through the
// same path as `equitrial import ctgov`, with its cursor in the store. The CLI
// (`equitrial sync ctgov`) and the scheduled job run this same code.
type CTGovSync struct {
	sync  *ctgov.Sync
	query ctgov.Query
	name  string
}

// NewCTGovSync checks cfg and assembles a sync into cat, with its cursor in db.
func NewCTGovSync(cfg CTGovSyncConfig, cat *catalog.Catalog, db *store.DB, log *slog.Logger) (*CTGovSync, error) {
	q, err := ctgov.ParseQuery(cfg.Query)
	if err != nil {
		return nil, err
	}
	base := cfg.BaseURL
	if base == "" {
		base = ctgov.DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, equitrial.Invalid("the registry URL must be an http(s) URL such as "+ctgov.DefaultBaseURL,
			equitrial.FieldError{Field: "base-url", Detail: base})
	}
	rate := cfg.RatePerMinute
	if rate <= 0 {
		rate = ctgov.DefaultRatePerMinute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &CTGovSync{query: q, name: cfg.Name, sync: &ctgov.Sync{
		Client: &ctgov.Client{BaseURL: base, HTTP: cfg.HTTP, Limiter: ctgov.NewLimiter(rate, 1), Retry: cfg.Retry,
			Sleep: cfg.Sleep, Log: log},
		Cursors:  syncCursors{db.SyncStates()},
		Importer: catalogImporter{cat},
		PageSize: cfg.PageSize,
		Log:      log,
		Progress: cfg.Progress,
	}}, nil
}

// Run syncs: it resumes a run that stopped part-way, or fetches what was posted
// since (YYYY-MM-DD; empty: since the last completed run's high-water mark).
// Restart abandons a stopped run and starts again.
func (x *CTGovSync) Run(ctx context.Context, since string, restart bool) (ctgov.Result, error) {
	return x.sync.Run(ctx, ctgov.Request{Query: x.query, Name: x.name, Since: since, Restart: restart})
}

// Job is the sync as a scheduled job: each run continues from the last.
func (x *CTGovSync) Job(schedule string) Job {
	return Job{Name: JobCTGovSync, Schedule: schedule, Run: func(ctx context.Context) (string, error) {
		res, err := x.Run(ctx, "", false)
		return res.String(), err
	}}
}

// RegisterCTGovSync registers the scheduled sync when EQUITRIAL_CTGOV_SYNC_QUERY
// is set, on EQUITRIAL_CTGOV_SYNC_SCHEDULE (default DefaultCTGovSyncSchedule);
// otherwise it does nothing.
func RegisterCTGovSync(s *Scheduler, getenv func(string) string, cat *catalog.Catalog, db *store.DB, log *slog.Logger) error {
	cfg := CTGovSyncConfigFromEnv(getenv)
	if cfg.Query == "" {
		return nil
	}
	x, err := NewCTGovSync(cfg, cat, db, log)
	if err != nil {
		return fmt.Errorf("EQUITRIAL_CTGOV_SYNC_QUERY, EQUITRIAL_CTGOV_URL: %w", err)
	}
	schedule := strings.TrimSpace(getenv("EQUITRIAL_CTGOV_SYNC_SCHEDULE"))
	if schedule == "" {
		schedule = DefaultCTGovSyncSchedule
	}
	if err := s.Register(x.Job(schedule)); err != nil {
		return fmt.Errorf("EQUITRIAL_CTGOV_SYNC_SCHEDULE: %w", err)
	}
	return nil
}

// catalogImporter imports a page through the catalog: store, then index.
type catalogImporter struct{ cat *catalog.Catalog }

func (c catalogImporter) ImportRecords(ctx context.Context, records []ctgov.Record) (ctgov.ImportResult, error) {
	sum, err := c.cat.Import(ctx, func(each func(ctgov.Record) error) error {
		for _, r := range records {
			if err := each(r); err != nil {
				return err
			}
		}
		return nil
	}, nil)
	out := ctgov.ImportResult{Imported: sum.Imported, Updated: sum.Updated, Unchanged: sum.Unchanged, Rejected: sum.Rejected}
	for _, r := range sum.Rejections {
		where := r.Source
		if r.Position != "" {
			where += ": " + r.Position
		}
		out.Rejections = append(out.Rejections, ctgov.Rejection{Where: where, Reason: r.Reason})
	}
	return out, err
}

// syncCursors keeps ctgov's cursors in the store's sync_state collection.
type syncCursors struct{ s *store.SyncStates }

func (c syncCursors) LoadCursor(ctx context.Context, name string) (ctgov.Cursor, bool, error) {
	st, ok, err := c.s.Get(ctx, name)
	if err != nil || !ok {
		return ctgov.Cursor{}, ok, err
	}
	return ctgov.Cursor{Name: st.Name, Query: st.Query, Since: st.Since, PageToken: st.PageToken, Status: st.Status, Pages: st.Pages,
		Counts:       ctgov.Counts{Fetched: st.Fetched, Imported: st.Imported, Updated: st.Updated, Unchanged: st.Unchanged, Rejected: st.Rejected},
		RunHighWater: st.RunHighWater, HighWater: st.HighWater, LastError: st.LastError,
		StartedAt: st.StartedAt, UpdatedAt: st.UpdatedAt, CompletedAt: st.CompletedAt, Version: st.Version}, true, nil
}

func (c syncCursors) SaveCursor(ctx context.Context, cur *ctgov.Cursor) error {
	st := store.SyncState{Name: cur.Name, Query: cur.Query, Since: cur.Since, PageToken: cur.PageToken, Status: cur.Status, Pages: cur.Pages,
		Fetched: cur.Counts.Fetched, Imported: cur.Counts.Imported, Updated: cur.Counts.Updated, Unchanged: cur.Counts.Unchanged,
		Rejected: cur.Counts.Rejected, RunHighWater: cur.RunHighWater, HighWater: cur.HighWater, LastError: cur.LastError,
		StartedAt: cur.StartedAt, UpdatedAt: cur.UpdatedAt, CompletedAt: cur.CompletedAt, Version: cur.Version}
	if err := c.s.Put(ctx, &st); err != nil {
		return err
	}
	cur.Version = st.Version
	return nil
}
