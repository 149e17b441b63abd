package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"equitrial/auth"
	"equitrial/catalog"
	"equitrial/matcher"
	"equitrial/store"
)

// config is the service's configuration, all from the environment (see README).
type config struct {
	addr       string // EQUITRIAL_ADDR
	dataDir    string // EQUITRIAL_DATA_DIR
	mongoURI   string // MONGODB_URI; empty: embedded FerretDB under dataDir
	adminToken string // EQUITRIAL_ADMIN_TOKEN; empty: admin routes disabled
	webDir     string // EQUITRIAL_WEB_DIR: built web assets
	logLevel   slog.Level
	// EQUITRIAL_TRUSTED_PROXIES: comma-separated CIDRs of reverse proxies whose
	// X-Forwarded-For is believed; none by default.
	trustedProxies []string
}

func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{
		addr:       or(getenv("EQUITRIAL_ADDR"), "127.0.0.1:8080"),
		dataDir:    or(getenv("EQUITRIAL_DATA_DIR"), "./data"),
		mongoURI:   getenv("MONGODB_URI"),
		adminToken: getenv("EQUITRIAL_ADMIN_TOKEN"),
		webDir:     or(getenv("EQUITRIAL_WEB_DIR"), "web/static"),
	}
	for _, p := range strings.Split(getenv("EQUITRIAL_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.trustedProxies = append(cfg.trustedProxies, p)
		}
	}
	if err := cfg.logLevel.UnmarshalText([]byte(or(getenv("EQUITRIAL_LOG_LEVEL"), "info"))); err != nil {
		return cfg, fmt.Errorf("EQUITRIAL_LOG_LEVEL: %w", err)
	}
	if cfg.adminToken != "" && len(cfg.adminToken) < 24 {
		return cfg, fmt.Errorf("EQUITRIAL_ADMIN_TOKEN must be at least 24 characters")
	}
	return cfg, nil
}

func or(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// openCatalog opens the store and the index and makes sure the index reflects the
// store. The caller must call the returned close function.
func openCatalog(ctx context.Context, cfg config, log *slog.Logger) (*store.DB, *catalog.Catalog, func(), error) {
	db, err := store.Open(ctx, store.Config{URI: cfg.mongoURI, DataDir: cfg.dataDir, Logger: log})
	if err != nil {
		return nil, nil, nil, err
	}
	ix, rebuild, err := matcher.OpenIndex(filepath.Join(cfg.dataDir, "index"))
	if err != nil {
		db.Close(context.Background())
		return nil, nil, nil, err
	}
	cat := &catalog.Catalog{Store: db.Trials, Index: ix, Log: log}
	closeAll := func() {
		if err := ix.Close(); err != nil {
			log.Error("closing index", "error", err.Error())
		}
		if err := db.Close(context.Background()); err != nil {
			log.Error("closing store", "error", err.Error())
		}
	}
	if err := cat.EnsureIndexed(ctx, rebuild); err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	return db, cat, closeAll, nil
}

// oidcProviders discovers the OpenID Connect providers configured in the
// environment (NHS CIS2 for staff, NHS login for patients); none by default.
func oidcProviders(ctx context.Context, getenv func(string) string) (map[string]*auth.OIDCProvider, error) {
	out := map[string]*auth.OIDCProvider{}
	for _, name := range []string{"staff", "patient"} {
		cfg, err := auth.OIDCFromEnv(getenv, name)
		if err != nil || cfg == nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		p, err := auth.NewOIDCProvider(ctx, *cfg)
		if err != nil {
			return nil, err
		}
		out[name] = p
	}
	return out, nil
}
