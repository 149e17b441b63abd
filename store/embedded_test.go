package store_test

import (
	"context"
	"testing"

	"equitrial/store"
)

// The embedded database must come back on the same files, with the same data, as it
// does on every start of the service after the first.
func TestEmbeddedRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		emb, err := store.StartEmbedded(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.StartEmbedded(dir, nil); err == nil {
			t.Fatal("a second embedded server started on files that are in use")
		}
		db, err := store.Connect(ctx, emb.URI(), "restart")
		if err != nil {
			emb.Stop()
			t.Fatalf("start %d: %v", i+1, err)
		}
		n, err := db.Trials.Count(ctx)
		if err == nil && i == 0 {
			_, err = db.Trials.Upsert(ctx, storeTrials("NCT00000001"))
		}
		db.Close(ctx)
		emb.Stop()
		if err != nil || (i == 1 && n != 1) {
			t.Fatalf("start %d: %d trials, %v", i+1, n, err)
		}
	}
}
