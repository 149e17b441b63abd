package storetest

import (
	"context"
	"testing"
	"time"

	"equitrial/store"
)

// A re-match that finds what it found before writes nothing new; a changed status
// is recorded with when it changed; first-seen times never move.
func testMatches(t *testing.T, db *store.DB) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	n, err := db.Matches.Record(ctx, "NCT00000001", map[string]string{"p1": "eligible", "p2": "potentially_eligible"}, t0)
	if err != nil || n != 2 {
		t.Fatalf("first record: %d new, %v; want 2", n, err)
	}
	n, err = db.Matches.Record(ctx, "NCT00000001", map[string]string{"p1": "eligible", "p2": "eligible", "p3": "eligible"}, t1)
	if err != nil || n != 1 {
		t.Fatalf("second record: %d new, %v; want 1 (p3)", n, err)
	}
	seen, err := db.Matches.FirstSeen(ctx, "NCT00000001", "", []string{"p1", "p2", "p3", "p4"})
	if err != nil || !seen["p1"].Equal(t0) || !seen["p2"].Equal(t0) || !seen["p3"].Equal(t1) || len(seen) != 3 {
		t.Fatalf("first seen by trial: %v, %v", seen, err)
	}
	byTrial, err := db.Matches.FirstSeen(ctx, "", "p3", []string{"NCT00000001", "NCT00000002"})
	if err != nil || len(byTrial) != 1 || !byTrial["NCT00000001"].Equal(t1) {
		t.Fatalf("first seen by patient: %v, %v", byTrial, err)
	}
	ms, err := db.Matches.ForPatient(ctx, "p2")
	if err != nil || len(ms) != 1 || ms[0].Status != "eligible" || !ms[0].StatusAt.Equal(t1) || !ms[0].FirstSeenAt.Equal(t0) {
		t.Fatalf("p2's match after its status changed: %+v, %v", ms, err)
	}
	if err := db.Matches.DeletePatient(ctx, "p2"); err != nil {
		t.Fatal(err)
	}
	if ms, _ := db.Matches.ForPatient(ctx, "p2"); len(ms) != 0 {
		t.Fatalf("matches left after the patient was deleted: %+v", ms)
	}
}
