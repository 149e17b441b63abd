package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"equitrial/api"
	"equitrial/synth"
	"equitrial/web"
)

func runServe(ctx context.Context, c *cli, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	demo := fs.Bool("demo", false, "seed synthetic demo trials when the store has no trials")
	demoTrials := fs.Int("demo-trials", 400, "how many demo trials to seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(c.getenv)
	if err != nil {
		return err
	}
	log := newLogger(c.stderr, cfg.logLevel)

	db, cat, closeCatalog, err := openCatalog(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeCatalog()

	if *demo {
		if n, err := db.Trials.Count(ctx); err != nil {
			return err
		} else if n == 0 {
			sum, err := cat.Import(ctx, synth.Reader(synth.Trials(*demoTrials, 1)), nil)
			if err != nil {
				return fmt.Errorf("seeding demo trials: %w", err)
			}
			log.Info("seeded demo trials", "imported", sum.Imported)
		}
	}

	handler := api.New(api.Deps{
		Catalog: cat, Ping: db.Ping, Log: log, AdminToken: cfg.adminToken,
		Web: web.New(web.Deps{Catalog: cat, AssetsDir: cfg.webDir, Log: log}),
	})
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
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
	// Stop accepting, let in-flight requests finish; the deferred close then closes
	// the index, disconnects and stops the embedded database, in that order.
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
