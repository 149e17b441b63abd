package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"equitrial/internal/app"
	"equitrial/internal/seal"
	"equitrial/store"
)

func runServe(ctx context.Context, c *cli, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	demo := fs.Bool("demo", false, "seed demo data (trials, patients, recruitment, accounts) when the store has no trials")
	demoTrials := fs.Int("demo-trials", 400, "how many demo trials to seed")
	demoPatients := fs.Int("demo-patients", 300, "how many demo patients to seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(c.getenv)
	if err != nil {
		return err
	}
	log := newLogger(c.stderr, cfg.logLevel)
	keys, devKeys, err := seal.FromEnv(c.getenv, cfg.dataDir)
	if err != nil {
		return err
	}
	if devKeys {
		log.Warn("using development encryption keys from the data directory: set EQUITRIAL_DATA_KEYS and EQUITRIAL_LOOKUP_KEY in production")
	}
	oidc, err := oidcProviders(ctx, c.getenv)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Config{URI: cfg.mongoURI, DataDir: cfg.dataDir, Logger: log})
	if err != nil {
		return err
	}
	defer func() {
		if err := db.Close(context.Background()); err != nil {
			log.Error("closing store", "error", err.Error())
		}
	}()
	a, err := app.Build(ctx, app.Config{DB: db, IndexDir: filepath.Join(cfg.dataDir, "index"), Keyring: keys,
		AdminToken: cfg.adminToken, TrustedProxies: cfg.trustedProxies, OIDC: oidc, AssetsDir: cfg.webDir,
		Log: log, Getenv: c.getenv, StartJobs: true})
	if err != nil {
		return err
	}
	// Shutdown order: the deferred calls run last-in first-out, so jobs stop and
	// the index closes before the store disconnects and the database stops.
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := a.Close(stopCtx); err != nil {
			log.Error("stopping jobs and closing the index", "error", err.Error())
		}
	}()
	if *demo {
		if err := seedDemo(ctx, a, *demoTrials, *demoPatients, c.stdout, log); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	fmt.Fprintf(c.stdout, "equitrial is serving at http://%s/\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "embedded_db", cfg.mongoURI == "")

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting and let in-flight requests finish; then the deferred calls stop
	// the jobs, close the index, disconnect and stop the embedded database.
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
