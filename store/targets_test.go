package store_test

import (
	"context"
	"fmt"
	"testing"

	"equitrial"
	"equitrial/equity"
	"equitrial/store/storetest"
)

// Issue 11: targets for many trials are set in bulk; re-setting replaces, and an
// invalid entry stops the whole set before anything is written.
func TestTargetsPutMany(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	good := func(total int) equity.Targets {
		return equity.Targets{Total: total, EndDate: "2027-06-30", Shares: map[string]map[string]float64{"ethnicGroup": {"Black": 0.1, "White": 0.9}}}
	}
	first := map[string]equity.Targets{}
	for i := range 1200 {
		first[fmt.Sprintf("NCT%08d", i)] = good(100 + i)
	}
	if err := db.Targets.Put(ctx, "NCT00000005", good(1), "single"); err != nil { // one already set
		t.Fatal(err)
	}
	if err := db.Targets.PutMany(ctx, first, "bulk"); err != nil {
		t.Fatal(err)
	}
	second := map[string]equity.Targets{"NCT00000007": good(7), "NCT00009999": good(9999)}
	if err := db.Targets.PutMany(ctx, second, "bulk"); err != nil {
		t.Fatal(err)
	}
	all, err := db.Targets.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1201 {
		t.Fatalf("%d trials with targets, want 1201", len(all))
	}
	for id, want := range map[string]int{"NCT00000005": 105, "NCT00000007": 7, "NCT00001199": 1299, "NCT00009999": 9999} {
		if all[id].Total != want {
			t.Errorf("%s: total %d, want %d", id, all[id].Total, want)
		}
	}
	bad := map[string]equity.Targets{"NCT00020000": good(5), "NCT00020001": {Total: -1}}
	if err := db.Targets.PutMany(ctx, bad, "bulk"); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Fatalf("invalid targets: %v, want an invalid error", err)
	}
	if _, found, _ := db.Targets.Get(ctx, "NCT00020000"); found {
		t.Fatal("a valid entry of an invalid set was written")
	}
}
