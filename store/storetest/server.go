// Package storetest gives tests a real database and holds the conformance suite that
// every backend of package store must pass: the embedded FerretDB always, and a real
// MongoDB whenever MONGODB_URI names one.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"equitrial/store"
)

var serverURI string

// Main starts one database server for a whole test package (an embedded FerretDB in a
// temporary directory, or the MongoDB named by MONGODB_URI), runs the tests and stops
// it. Call it from TestMain: one server per package, not one per test.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if uri := os.Getenv("MONGODB_URI"); uri != "" {
		serverURI = uri
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "equitrial-storetest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	emb, err := store.StartEmbedded(dir, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer emb.Stop()
	serverURI = emb.URI()
	return m.Run()
}

// URI is the connection string of the package's test server.
func URI(tb testing.TB) string {
	if serverURI == "" {
		tb.Fatal("storetest: call storetest.Main from TestMain")
	}
	return serverURI
}

// NewDB connects to a fresh, uniquely named database on the package's server and
// drops it when the test ends, so tests never see each other's data.
func NewDB(tb testing.TB) *store.DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Connect(ctx, URI(tb), UniqueName("test"))
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db.Drop(ctx)
		db.Close(ctx)
	})
	return db
}

// UniqueName returns prefix followed by random hex, for database names.
func UniqueName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}
