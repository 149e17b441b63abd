// Package app assembles the whole service from a database: the trial catalogue and
// search index, patients, matching, equity monitoring, scheduled jobs, the API and
// the web pages. `equitrial serve` and the end-to-end tests build it the same way,
// so what is tested is what runs.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"equitrial"
	"equitrial/api"
	"equitrial/auth"
	"equitrial/catalog"
	"equitrial/internal/metrics"
	"equitrial/internal/seal"
	"equitrial/jobs"
	"equitrial/matcher"
	"equitrial/refdata"
	"equitrial/store"
	"equitrial/web"
)

// Config is what the service is built from.
type Config struct {
	DB             *store.DB
	IndexDir       string        // the bleve index; rebuilt from the store when missing or outdated
	Keyring        *seal.Keyring // seals patients' direct identifiers
	AdminToken     string
	TrustedProxies []string
	OIDC           map[string]*auth.OIDCProvider
	AssetsDir      string // built web assets
	Log            *slog.Logger
	// Getenv supplies job schedules (EQUITRIAL_JOB_*) and the retention period.
	Getenv func(string) string
	// StartJobs starts the background work: the scheduler, the webhook sender and
	// this replica's convergence with the store (converge.go). Tests trigger jobs
	// through the API instead.
	StartJobs bool
}

// App is the assembled service.
type App struct {
	DB        *store.DB
	Catalog   *catalog.Catalog
	Matcher   *matcher.Matcher
	Monitor   *jobs.Monitor
	Scheduler *jobs.Scheduler
	Auth      *auth.Service
	Handler   http.Handler // the API with the web pages behind it
	Metrics   *metrics.Metrics
	// MetricsAddr is where EQUITRIAL_METRICS_ADDR's listener serves /metrics
	// without credentials; empty when it is not set.
	MetricsAddr string
	log         *slog.Logger

	stopMetrics func() // closes the metrics listener

	stopSender func() // ends the background webhook sender and waits for it

	converger *jobs.Converger // keeps this replica's memory in step with the store
}

// Build assembles the service. Close releases what it opened (not the database).
func Build(ctx context.Context, cfg Config) (*App, error) {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	db := cfg.DB
	if cfg.Keyring == nil {
		return nil, errors.New("app: a keyring is required to seal patient identifiers")
	}
	db.Patients.SetKeyring(cfg.Keyring)
	// Everything in memory is loaded from the store after this instant; the
	// change log is read from before it, so no write made meanwhile is missed.
	loadedAt := time.Now()

	ix, rebuild, err := matcher.OpenIndex(cfg.IndexDir)
	if err != nil {
		return nil, err
	}
	a := &App{DB: db, Auth: auth.New(db), log: log, Metrics: metrics.New()}
	a.Catalog = &catalog.Catalog{Store: db.Trials, Index: ix, Log: log, Counted: func(s catalog.Summary) {
		a.Metrics.CountImport(s.Imported, s.Updated, s.Unchanged, s.Rejected)
	}}
	a.Metrics.IndexDocuments(ix.Count)
	fail := func(err error) (*App, error) {
		ix.Close()
		return nil, err
	}
	if err := a.Catalog.EnsureIndexed(ctx, rebuild); err != nil {
		return fail(err)
	}
	var conv *jobs.Converger
	refGen := "" // the generation of the reference data in the store now
	if cfg.StartJobs {
		if conv, err = a.newConverger(getenv); err != nil {
			return fail(err)
		}
		if m, err := db.RefData.Manifest(ctx); err != nil {
			return fail(err)
		} else if m != nil {
			refGen = m.Generation
		}
	}

	// Reference data loaded into the store (`equitrial refdata load`), unless the
	// caller has already given the patients store some.
	if db.Patients.Reference() == nil {
		ref, err := LoadReference(ctx, db)
		if err != nil {
			return fail(err)
		}
		db.Patients.SetReference(ref)
	}

	// Matching keeps compiled criteria and a feature index of patients in memory,
	// current on every import and every patient write.
	trials := matcher.NewTrialCache()
	if _, err := trials.Load(ctx, db.Trials.Each); err != nil {
		return fail(err)
	}
	a.Catalog.Changed = func(ts []*equitrial.Trial) {
		trials.Put(ts...)
		if conv != nil {
			ids := make([]string, len(ts))
			for i, t := range ts {
				ids[i] = t.NCTID
			}
			conv.Applied(store.ChangeTrials, ids...)
		}
	}
	pix := matcher.NewPatientIndex(nil)
	db.Patients.Subscribe(func(ch store.PatientChange) {
		if conv != nil {
			defer conv.Applied(store.ChangePatients, ch.ID)
		}
		if ch.Patient != nil {
			pix.Put(ch.Patient)
			return
		}
		if ch.Kind == store.PatientWithdrawn || ch.Kind == store.PatientDeleted {
			pix.Withdraw(ch.ID) // for good: no late notification brings them back
		} else {
			pix.RemoveVersion(ch.ID, ch.UpdatedAt) // contact turned off: older records stay out
		}
		if err := db.Matches.DeletePatient(context.Background(), ch.ID); err != nil {
			log.Error("removing a withdrawn patient's matches", "error", err.Error())
		}
	})
	if _, err := pix.Load(ctx, db.Patients.Each); err != nil {
		return fail(err)
	}
	a.Matcher = &matcher.Matcher{Index: ix, Trials: trials, Patients: pix, Seen: db.Matches,
		Locate:    func(pc string) (equitrial.LatLon, bool) { return locate(db.Patients.Reference(), pc) },
		OpenFlags: func(ctx context.Context, nctID string) ([]matcher.Flag, error) { return openFlags(ctx, db, nctID) }}
	if conv != nil {
		a.wireConverger(conv, pix, refGen)
	}

	a.Monitor = &jobs.Monitor{DB: db, Log: log,
		Sender: &jobs.Sender{Webhooks: db.Webhooks, Log: log, Metrics: a.Metrics, AllowPrivateNetworks: getenv("EQUITRIAL_WEBHOOK_ALLOW_PRIVATE") == "true"},
		Strata: db.Patients.EquityStrata, Impact: a.Matcher.Impact}
	if cfg.StartJobs {
		if a.Scheduler, err = a.startScheduler(getenv); err != nil {
			return fail(err)
		}
	}

	site := web.New(web.Deps{AssetsDir: cfg.AssetsDir, Log: log})
	a.Handler, err = api.New(api.Deps{
		Catalog: a.Catalog, Ping: db.Ping, Log: log, AdminToken: cfg.AdminToken, Web: site,
		Audit: db.Audit, Auth: a.Auth, Orgs: db.Orgs, TrustedProxies: cfg.TrustedProxies, OIDC: cfg.OIDC,
		Patients: db.Patients, Reference: db.Patients.Reference, Matcher: a.Matcher, Metrics: a.Metrics,
		PatientByLink: func(ctx context.Context, token string) (string, error) {
			p, err := db.Patients.ByAccessToken(ctx, token)
			if err != nil {
				return "", err
			}
			return p.ID, nil
		},
		PatientByNHSNumber: func(ctx context.Context, nhs string) (string, error) {
			// Two records with one number (two organisations, or a number typed
			// wrongly): refuse rather than pick one (auth.ErrAmbiguousPatient).
			ids, err := db.Patients.IDsByNHSNumber(ctx, nhs, 2)
			switch {
			case err != nil:
				return "", err
			case len(ids) == 0:
				return "", equitrial.Errorf(equitrial.KindNotFound, "no patient with that NHS number")
			case len(ids) > 1:
				return "", auth.ErrAmbiguousPatient
			}
			return ids[0], nil
		},
		Equity: api.EquityDeps{DB: db, Monitor: a.Monitor, Jobs: a.Scheduler},
	})
	if err != nil {
		if a.Scheduler != nil {
			a.Scheduler.Stop(context.Background())
		}
		return fail(err)
	}
	site.SetAPI(a.Handler)
	if addr := getenv("EQUITRIAL_METRICS_ADDR"); addr != "" {
		if err := a.serveMetrics(addr); err != nil {
			if a.Scheduler != nil {
				a.Scheduler.Stop(context.Background())
			}
			return fail(err)
		}
	}
	if cfg.StartJobs {
		// The webhook outbox is sent in the background, never inside a monitor pass.
		sctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { a.Monitor.Sender.Run(sctx); close(done) }()
		a.stopSender = func() { cancel(); <-done }
		// Every replica, not one under a lease: each keeps its own memory.
		conv.Init(loadedAt, !a.Catalog.Rebuilt())
		conv.Start()
		a.converger = conv
	}
	return a, nil
}

// Close stops this replica's convergence and the scheduler (waiting for running
// jobs) and closes the index. The caller closes the database afterwards.
func (a *App) Close(ctx context.Context) error {
	var errs []error
	if a.converger != nil {
		a.converger.Stop()
	}
	if a.Scheduler != nil {
		errs = append(errs, a.Scheduler.Stop(ctx))
	}
	if a.stopSender != nil {
		a.stopSender()
	}
	if a.stopMetrics != nil {
		a.stopMetrics()
	}
	errs = append(errs, a.Catalog.Index.Close())
	return errors.Join(errs...)
}

// LoadReference reads the postcode directory and deprivation index kept in the
// store; nil when none has been loaded.
func LoadReference(ctx context.Context, db *store.DB) (*refdata.Reference, error) {
	dir, imd, m, err := db.RefData.Load(ctx)
	if err != nil || m == nil {
		return nil, err
	}
	return refdata.NewReference(dir, imd)
}

func locate(ref *refdata.Reference, postcode string) (equitrial.LatLon, bool) {
	if ref == nil {
		return equitrial.LatLon{}, false
	}
	r := ref.Lookup(postcode)
	return equitrial.LatLon{Lat: r.Lat, Lon: r.Lon}, r.HasLocation
}

// openFlags turns a trial's open under-representation alerts into matching's
// outreach flags, with the group's PPR from the latest dashboard where there is one.
func openFlags(ctx context.Context, db *store.DB, nctID string) ([]matcher.Flag, error) {
	alerts, err := db.Alerts.List(ctx, nctID, false)
	if err != nil || len(alerts) == 0 {
		return nil, err
	}
	d, derr := db.Dashboards.Get(ctx, nctID)
	flags := make([]matcher.Flag, 0, len(alerts))
	for _, al := range alerts {
		f := matcher.Flag{Dimension: al.Dimension, Group: al.Group, Status: al.Status}
		if derr == nil {
			if g, ok := d.Dimensions[al.Dimension][al.Group]; ok && g.PPR.Defined() {
				f.PPR = float64(g.PPR)
			}
		}
		flags = append(flags, f)
	}
	return flags, nil
}

// serveMetrics serves GET /metrics, without credentials, on its own address
// (EQUITRIAL_METRICS_ADDR): for a scraper on loopback or an internal network. The
// main address serves them to admins only.
func (a *App) serveMetrics(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("EQUITRIAL_METRICS_ADDR: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("metrics listener", "error", err.Error())
		}
	}()
	a.MetricsAddr = ln.Addr().String()
	a.log.Info("serving metrics", "addr", a.MetricsAddr)
	a.stopMetrics = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}
	return nil
}
