package store_test

import (
	"context"
	"testing"
	"time"

	"equitrial/store/storetest"
)

// Failures count up, the wait only grows, old counts restart, and purging removes
// old entries, including those that never had a wait.
func TestThrottle(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	delay := func(n int) time.Duration { return time.Duration(n) * time.Minute }
	for i := 1; i <= 3; i++ {
		if n, err := db.Throttle.Fail(ctx, "k", now, time.Hour, delay); err != nil || n != i {
			t.Fatalf("failure %d: count %d, %v", i, n, err)
		}
	}
	db.Throttle.Fail(ctx, "free", now, time.Hour, func(int) time.Duration { return 0 })
	got, err := db.Throttle.Get(ctx, []string{"k", "free", "absent"})
	if err != nil || len(got) != 2 {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	for _, e := range got {
		if e.Key == "k" && !e.Until.Equal(now.Add(3*time.Minute)) {
			t.Fatalf("until = %v, want three minutes on", e.Until)
		}
	}
	later := now.Add(2 * time.Hour)
	if n, _ := db.Throttle.Fail(ctx, "k", later, time.Hour, delay); n != 1 {
		t.Fatalf("a failure after the window counted %d, want a fresh 1", n)
	}
	if n, err := db.Throttle.Purge(ctx, later.Add(-time.Hour), later); err != nil || n != 1 {
		t.Fatalf("Purge removed %d (%v), want the free entry only", n, err)
	}
	if err := db.Throttle.Clear(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Throttle.Get(ctx, []string{"k", "free"}); len(got) != 0 {
		t.Fatalf("after Purge and Clear: %+v", got)
	}
}
