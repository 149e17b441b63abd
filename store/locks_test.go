package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"equitrial/store"
	"equitrial/store/storetest"
)

// One holder at a time, across connections (replicas): a second waits for the
// first to release, and every holder sees the count it left.
func TestLocksAreExclusiveAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	a, b := sharedDB(t)
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		locks := a.Locks
		if i%2 == 1 {
			locks = b.Locks
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				release, err := locks.Lock(ctx, "test/one")
				if err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				if n > most.Load() {
					most.Store(n)
				}
				time.Sleep(time.Millisecond)
				inside.Add(-1)
				release()
			}
		}()
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Fatalf("%d holders at once", most.Load())
	}
}

// The sign-in back-off counts every failure exactly, even when replicas count
// failures of one key at the same moment (FerretDB's $inc is a read then a write).
func TestThrottleCountsConcurrentFailuresAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	a, b := sharedDB(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	var wg sync.WaitGroup
	for i := range 20 {
		th := a.Throttle
		if i%2 == 1 {
			th = b.Throttle
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := th.Fail(ctx, "race", now, time.Hour, func(int) time.Duration { return 0 }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := a.Throttle.Get(ctx, []string{"race"})
	if err != nil || len(got) != 1 || got[0].Failures != 20 {
		t.Fatalf("after 20 concurrent failures: %+v, %v", got, err)
	}
}

// A withdrawal on one replica racing an update of the same record on another
// must win for good: the identifiers it erased never come back. On FerretDB
// each conditional write is a read and a write of its own, so only a lock both
// replicas share closes the window.
func TestWithdrawalRacingAnUpdateOnAnotherReplicaStaysWithdrawn(t *testing.T) {
	a, b := sharedDB(t)
	for _, db := range []*store.DB{a, b} {
		db.Patients.SetKeyring(storetest.TestKeyring(t, "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="))
	}
	raceWithdrawalAndUpdate(t, a, b, 20)
}
