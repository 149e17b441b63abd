package storetest

import (
	"context"
	"testing"
	"time"

	"equitrial"
	"equitrial/store"
)

// testSyncStates: a registry sync's cursor round-trips, and a save that names a
// version other than the stored one (a second run of the same sync) is refused.
func testSyncStates(t *testing.T, db *store.DB) {
	ctx := context.Background()
	states := db.SyncStates()
	if _, ok, err := states.Get(ctx, "ctgov?query.locn=United+Kingdom"); ok || err != nil {
		t.Fatalf("Get of an unsaved sync = %v, %v", ok, err)
	}
	st := store.SyncState{Name: "ctgov?query.locn=United+Kingdom", Query: "query.locn=United+Kingdom", Since: "2026-01-01",
		Status: "running", StartedAt: time.Now()}
	if err := states.Put(ctx, &st); err != nil || st.Version != 1 {
		t.Fatalf("first Put: version %d, %v", st.Version, err)
	}
	stale := st
	st.PageToken, st.Pages, st.Fetched, st.Imported, st.Rejected, st.RunHighWater = "tok-2", 1, 1000, 998, 2, "2026-02-03"
	st.UpdatedAt = time.Now()
	if err := states.Put(ctx, &st); err != nil || st.Version != 2 {
		t.Fatalf("second Put: version %d, %v", st.Version, err)
	}
	got, ok, err := states.Get(ctx, st.Name)
	if err != nil || !ok {
		t.Fatalf("Get = %v, %v", ok, err)
	}
	want := st
	want.StartedAt, want.UpdatedAt = st.StartedAt.UTC().Truncate(time.Millisecond), st.UpdatedAt.UTC().Truncate(time.Millisecond)
	if got != want {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if err := states.Put(ctx, &stale); !equitrial.Is(equitrial.KindConflict, err) {
		t.Fatalf("Put of a stale version: %v; want a conflict", err)
	}
	fresh := store.SyncState{Name: st.Name, Query: "query.cond=asthma"}
	if err := states.Put(ctx, &fresh); !equitrial.Is(equitrial.KindConflict, err) {
		t.Fatalf("a new state over a saved one: %v; want a conflict", err)
	}
	other := store.SyncState{Name: "ctgov?query.cond=asthma", Query: "query.cond=asthma", Status: "done", HighWater: "2026-03-01"}
	if err := states.Put(ctx, &other); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := states.Get(ctx, st.Name); got.Pages != 1 || got.Version != 2 {
		t.Fatalf("another sync's save changed this one: %+v", got)
	}
}
