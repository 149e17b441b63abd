package storetest

import (
	"context"
	"testing"
	"time"

	"equitrial/store"
)

// NewSharedDBs connects n times to one fresh database on the package's server, as
// n replicas of the service do (each connection has its own origin in the change
// log), and drops it when the test ends.
func NewSharedDBs(tb testing.TB, n int) []*store.DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := UniqueName("test")
	dbs := make([]*store.DB, n)
	for i := range dbs {
		db, err := store.Connect(ctx, URI(tb), name)
		if err != nil {
			tb.Fatalf("storetest: %v", err)
		}
		dbs[i] = db
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		dbs[0].Drop(ctx)
		for _, db := range dbs {
			db.Close(ctx)
		}
	})
	return dbs
}
