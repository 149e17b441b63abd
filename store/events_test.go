package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"equitrial"
	"equitrial/equity"
	"equitrial/store"
	"equitrial/store/storetest"
)

func looseEvents(trial string, n int, from int) []equity.Event {
	var evs []equity.Event
	for i := 0; i < n; i++ {
		evs = append(evs, equity.Event{TrialID: trial, Stage: equity.StageEnrolled, At: time.Date(2025, 1, 1, 0, 0, from+i, 0, time.UTC),
			Site: "A", RowKey: fmt.Sprint("r", from+i), Strata: &equity.Strata{EthnicGroup: equity.EthnicWhite}})
	}
	return evs
}

// Readers running while the log is compacted must see every event (issue 10, item
// 7): with segments read before loose events, a reader that read the segments
// before the compaction wrote its segment and the loose events after it deleted
// them missed a whole pass's events.
func TestEventsCompactionRaceWithReaders(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	const trial = "NCT00000777"
	// Some packed history, so that a reader has segments to read.
	if _, err := db.Events.Append(ctx, looseEvents(trial, 40, 0)); err != nil {
		t.Fatal(err)
	}
	total, lost := 40, 0
	for round := 0; round < 40; round++ {
		if _, err := db.Events.Append(ctx, looseEvents(trial, 15, total)); err != nil {
			t.Fatal(err)
		}
		total += 15
		done := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		short := 0
		for r := 0; r < 3; r++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					evs, err := db.Events.List(ctx, trial)
					if err != nil {
						t.Error(err)
						return
					}
					if len(evs) != total {
						mu.Lock()
						short++
						mu.Unlock()
					}
					select {
					case <-done:
						return
					default:
					}
				}
			}()
		}
		time.Sleep(time.Millisecond)
		if _, err := db.Events.Compact(ctx); err != nil {
			t.Fatal(err)
		}
		close(done)
		wg.Wait()
		if short > 0 {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("readers racing compaction missed events in %d of 40 rounds", lost)
	}
	if n, err := db.Events.Count(ctx, trial); err != nil || n != int64(total) {
		t.Fatalf("Count = %d, %v; want %d", n, err, total)
	}
}

// Trickle traffic, compacted every pass, keeps one segment per trial rather than
// one more document per pass (issue 10, item 8), and merging loses nothing.
func TestEventsCompactionMergesSmallSegments(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	segs := db.Collection("equity_event_segments")
	for pass := 0; pass < 12; pass++ {
		for _, trial := range []string{"NCT00000001", "NCT00000002"} {
			if _, err := db.Events.Append(ctx, looseEvents(trial, 2, pass*2)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Events.Compact(ctx); err != nil {
			t.Fatal(err)
		}
		if n, _ := segs.CountDocuments(ctx, bson.M{}); n != 2 {
			t.Fatalf("after pass %d: %d segments, want one per trial", pass, n)
		}
	}
	for _, trial := range []string{"NCT00000001", "NCT00000002"} {
		evs, err := db.Events.List(ctx, trial)
		if err != nil || len(evs) != 24 {
			t.Fatalf("%s: %d events, %v; want 24", trial, len(evs), err)
		}
	}
	if n, _ := db.Collection("equity_events").CountDocuments(ctx, bson.M{}); n != 0 {
		t.Fatalf("%d loose events left", n)
	}
}

// An append with an idempotency key stores its events once however often, and
// however concurrently, it is retried (issue 10, item 8); the attribution is kept
// through compaction.
func TestEventsIdempotentAppend(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	const trial = "NCT00000003"
	who := store.Attribution{By: "tok_1", Org: "site-a"}
	opt := store.AppendOptions{Attribution: who, Key: "k-1", Fingerprint: "f-1"}
	first, err := db.Events.AppendWith(ctx, looseEvents(trial, 3, 0), opt)
	if err != nil || first.Replayed || len(first.IDs) != 3 {
		t.Fatalf("first append: %+v, %v", first, err)
	}
	again, err := db.Events.AppendWith(ctx, looseEvents(trial, 3, 0), opt)
	if err != nil || !again.Replayed || fmt.Sprint(again.IDs) != fmt.Sprint(first.IDs) {
		t.Fatalf("retry: %+v, %v; want the first ids replayed", again, err)
	}
	if _, err := db.Events.AppendWith(ctx, looseEvents(trial, 3, 10), store.AppendOptions{Attribution: who, Key: "k-1", Fingerprint: "f-2"}); !equitrial.Is(equitrial.KindConflict, err) {
		t.Fatalf("same key, other request: %v, want a conflict", err)
	}
	// Eight simultaneous retries of a 30-event batch (a segment) and of a 4-event one (loose).
	for _, n := range []int{30, 4} {
		key := fmt.Sprint("burst-", n)
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := db.Events.AppendWith(ctx, looseEvents(trial, n, 100*n), store.AppendOptions{Attribution: who, Key: key, Fingerprint: key}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	want := int64(3 + 30 + 4)
	if n, err := db.Events.Count(ctx, trial); err != nil || n != want {
		t.Fatalf("Count = %d, %v; want %d", n, err, want)
	}
	if _, err := db.Events.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if evs, _ := db.Events.List(ctx, trial); int64(len(evs)) != want {
		t.Fatalf("after compaction: %d events, want %d", len(evs), want)
	}
}
