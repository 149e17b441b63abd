// Package store keeps equitrial's data in MongoDB (or the embedded FerretDB that
// speaks the same protocol). It uses only what both support: no transactions,
// $lookup, $facet, TTL, partial or text indexes; aggregation is done in Go.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// Config says which database to use. With no URI, an embedded FerretDB is started
// with its files under DataDir.
type Config struct {
	URI      string
	DataDir  string
	Database string // default "equitrial"
	Logger   *slog.Logger
}

// DB is a connection to equitrial's database and the repositories over it.
type DB struct {
	client   *mongo.Client
	db       *mongo.Database
	embedded *Embedded

	Trials *Trials
	Audit  *Audit

	// Staff accounts, sessions, API tokens and organisations (see accounts_repos.go).
	Users    *Users
	Sessions *Sessions
	Tokens   *Tokens
	Orgs     *Orgs
	Throttle *Throttle // failed password checks, for sign-in back-off

	// Equity monitoring and scheduled jobs (see equity_repos.go).
	Events     *Events
	Targets    *Targets
	Alerts     *Alerts
	Dashboards *Dashboards
	JobRuns    *JobRuns
	Leases     *Leases
	Webhooks   *Webhooks
	// RegionalShares is the regional table of ethnic groups for default targets.
	RegionalShares *RegionalShares

	// Patient profiles and the reference data their strata come from (see patients_repos.go).
	Patients *Patients
	RefData  *RefData

	// When each patient–trial match was first seen (see matches.go).
	Matches *Matches

	// What replicas share to stay in step (see replication_repos.go): the change
	// log each converges from, and the locks FerretDB's writes need between them.
	Changes *Changes
	Locks   *Locks
}

// Open connects to the configured database, starting the embedded one if needed.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	uri := cfg.URI
	var emb *Embedded
	if uri == "" {
		var err error
		if emb, err = StartEmbedded(filepath.Join(cfg.DataDir, "db"), nil); err != nil {
			return nil, err
		}
		uri = emb.URI()
	}
	db, err := Connect(ctx, uri, cfg.Database)
	if err != nil {
		if emb != nil {
			emb.Stop()
		}
		return nil, err
	}
	db.embedded = emb
	return db, nil
}

// Connect opens a database on a running server and makes sure its indexes exist.
func Connect(ctx context.Context, uri, database string) (*DB, error) {
	if database == "" {
		database = "equitrial"
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetAppName("equitrial").
		SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	d := &DB{client: client, db: client.Database(database)}
	if err := d.Ping(ctx); err != nil {
		client.Disconnect(context.Background())
		return nil, fmt.Errorf("store: %w", err)
	}
	d.Trials = &Trials{c: d.db.Collection("trials")}
	d.Audit = &Audit{c: d.db.Collection("audit")}
	ensures := append([]func(context.Context) error{d.Trials.ensureIndexes, d.Audit.ensureIndexes}, append(append(append(d.openEquity(), d.openAccounts()...), d.openPatients()...), d.openMatches()...)...)
	ensures = append(ensures, d.openReplication()...) // after the repositories it wires
	for _, ensure := range ensures {
		if err := ensure(ctx); err != nil {
			client.Disconnect(context.Background())
			return nil, fmt.Errorf("store: indexes: %w", err)
		}
	}
	if err := indexEmbeddedIDs(ctx, uri, database); err != nil {
		client.Disconnect(context.Background())
		return nil, fmt.Errorf("store: %w", err)
	}
	return d, nil
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	return d.client.Ping(ctx, readpref.Primary())
}

// Close disconnects and stops the embedded server, if one was started.
func (d *DB) Close(ctx context.Context) error {
	err := d.client.Disconnect(ctx)
	if d.embedded != nil {
		d.embedded.Stop()
	}
	return err
}

// Drop removes the whole database; tests use it to clean up.
func (d *DB) Drop(ctx context.Context) error { return d.db.Drop(ctx) }

// ensureIndexes creates each index in its own command: FerretDB v1.24 panics on a
// createIndexes command naming several indexes that already exist (as they do on
// every start after the first), while one at a time is idempotent on both servers.
func ensureIndexes(ctx context.Context, c *mongo.Collection, models ...mongo.IndexModel) error {
	for _, m := range models {
		if _, err := c.Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("%s: %w", c.Name(), err)
		}
	}
	return nil
}

func isDuplicate(err error) bool {
	var we mongo.WriteException
	if errors.As(err, &we) {
		for _, e := range we.WriteErrors {
			if e.Code == 11000 {
				return true
			}
		}
	}
	return mongo.IsDuplicateKeyError(err)
}
