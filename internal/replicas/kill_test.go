package replicas_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"equitrial/catalog"
	"equitrial/synth"
)

// A replica killed part-way through a multi-study import loses nothing: the
// import is run again on the other replica and completes, the killed replica
// comes back on its own index, and both then hold every study exactly once,
// in the store and in their search indexes.
func TestReplicaKilledMidImportLosesNothing(t *testing.T) {
	c := newCluster(t)
	indexA := t.TempDir()
	a := c.start("a", indexA, nil)
	b := c.start("b", t.TempDir(), nil)

	const n = 2500 // three of the catalog's batches (of 1,000)
	records := synth.Trials(n, 77)
	ids := make([]string, n)
	for i, r := range records {
		ids[i] = study(t, r).id
	}
	body := ndjson(records)
	imported := make(chan error, 1)
	go func() {
		var sum catalog.Summary
		_, err := a.call(context.Background(), http.MethodPost, "/api/v1/trials/import", body, &sum)
		if err == nil {
			err = fmt.Errorf("the import finished before the kill: %+v", sum)
		}
		imported <- err
	}()
	// Kill A once its second batch is reaching the store: the first is written,
	// the rest are not.
	eventually(t, "A's import reaches its second batch", func() bool {
		stored, err := c.db.Trials.Stored(t.Context(), ids[1000:1001])
		return err == nil && stored[ids[1000]]
	})
	a.kill()
	if err := <-imported; err != nil && err.Error()[:20] == "the import finished " {
		t.Fatal(err)
	}
	before, err := c.db.Trials.Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if before < 1000 || before >= n {
		t.Fatalf("%d studies stored when A was killed; want part of the import (at least the first batch, not all)", before)
	}
	t.Logf("A killed with %d of %d studies stored", before, n)

	// (A write A had sent may still land after the kill: the server finishes
	// it. Either way the import run again finds it stored or stores it.)
	var sum catalog.Summary
	b.must(http.MethodPost, "/api/v1/trials/import", body, http.StatusOK, &sum)
	if sum.Imported+sum.Unchanged != n || sum.Imported == 0 || sum.Rejected != 0 {
		t.Fatalf("the import run again on B: %+v; want all %d studies, those not stored before imported", sum, n)
	}
	t.Logf("the import run again on B: %s", sum)
	restarted := c.start("a-restarted", indexA, nil)

	for _, r := range []*replica{b, restarted} {
		took := eventually(t, "replica "+r.name+" indexes every study", func() bool { return r.search("size=1").Total == n })
		t.Logf("replica %s indexes all %d studies after %s", r.name, n, took.Round(10*time.Millisecond))
		if got := r.allIDs(t); !slices.Equal(got, slices.Sorted(slices.Values(ids))) {
			t.Fatalf("replica %s: %d index documents, not each study exactly once", r.name, len(got))
		}
	}
	if stored, err := c.db.Trials.Count(t.Context()); err != nil || stored != n {
		t.Fatalf("%d studies stored (%v), want %d", stored, err, n)
	}
}

// allIDs pages through every search hit, sorted (duplicates kept).
func (r *replica) allIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	for page := 1; ; page++ {
		res := r.search(fmt.Sprintf("size=100&page=%d", page))
		for _, h := range res.Hits {
			ids = append(ids, h.NCTID)
		}
		if len(res.Hits) < 100 {
			break
		}
	}
	slices.Sort(ids)
	return ids
}
