package store_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"equitrial"
	"equitrial/ctgov"
	"equitrial/store"
	"equitrial/store/storetest"
	"equitrial/synth"
)

// What one convergence tick costs on the embedded FerretDB (SQLite), against what
// polling the collections by updatedAt would cost: the figures in
// deploy/SCALING.md. It takes minutes, so it runs only when asked:
//
//	EQUITRIAL_MEASURE_CONVERGE=10000,100000 go test ./store/ -run TestMeasureConvergeCost -v -timeout 60m
//
// (the sizes are numbers of patients; trials are measured at the first size
// only, because 100,000 realistic studies take most of an hour to store here).
func TestMeasureConvergeCost(t *testing.T) {
	spec := os.Getenv("EQUITRIAL_MEASURE_CONVERGE")
	if spec == "" {
		t.Skip("set EQUITRIAL_MEASURE_CONVERGE=10000,100000 to measure")
	}
	var sizes []int
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, n)
	}
	ctx := context.Background()
	timeIt := func(f func() error) time.Duration {
		t.Helper()
		best := time.Duration(1 << 62)
		for range 3 {
			start := time.Now()
			if err := f(); err != nil {
				t.Fatal(err)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	poll := func(db *store.DB, coll string) func() error {
		return func() error {
			cur, err := db.Collection(coll).Find(ctx, bson.M{"updatedAt": bson.M{"$gte": time.Now()}})
			if err != nil {
				return err
			}
			var docs []bson.Raw
			return cur.All(ctx, &docs)
		}
	}
	since := func(db *store.DB) func() error {
		return func() error { _, err := db.Changes.Since(ctx, time.Now().Add(-store.Retention)); return err }
	}

	// Trials: realistic studies (synth.Study, ~14 KB stored each).
	db := storetest.NewDB(t)
	var batch []*equitrial.Trial
	for i := range sizes[0] {
		tr, err := ctgov.Decode(synth.Study(i, 11))
		if err != nil {
			t.Fatal(err)
		}
		if batch = append(batch, tr); len(batch) == 1000 || i == sizes[0]-1 {
			if _, err := db.Trials.Upsert(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	db.Changes.Prune(ctx, time.Now().Add(time.Hour)) // an import long past: an empty log
	t.Logf("%d trials: poll of trials by updatedAt %s; one tick over an empty log %s",
		sizes[0], timeIt(poll(db, "trials")).Round(100*time.Microsecond), timeIt(since(db)).Round(100*time.Microsecond))

	// Patients, and a log holding a busy quarter of an hour of marks.
	keys := storetest.TestKeyring(t, "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	for _, n := range sizes {
		db := storetest.NewDB(t)
		db.Patients.SetKeyring(keys)
		gen := synth.NewPatientGenerator(5, synth.PatientOptions{Identifiers: true})
		var ids []string
		for done := 0; done < n; {
			ps := make([]*equitrial.Patient, 0, 1000)
			for range min(1000, n-done) {
				p := gen.Next()
				p.NHSNumber = "" // no claims needed to measure reads
				ps = append(ps, p)
			}
			recs, err := db.Patients.CreateMany(ctx, ps)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				ids = append(ids, r.ID)
			}
			done += len(ps)
		}
		db.Changes.Prune(ctx, time.Now().Add(time.Hour))
		empty := timeIt(since(db))
		pollPatients := timeIt(poll(db, "patients"))
		// 1,000 single-patient writes in the last quarter of an hour.
		for _, id := range ids[:1000] {
			if _, err := db.Patients.WithdrawConsent(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		busy := timeIt(since(db))
		read := timeIt(func() error { _, err := db.Patients.ForMatching(ctx, ids[:100]); return err })
		t.Logf("%d patients: poll of patients by updatedAt %s; tick over an empty log %s, over 1,000 marks %s; reading 100 named patients by _id %s",
			n, pollPatients.Round(100*time.Microsecond), empty.Round(100*time.Microsecond), busy.Round(100*time.Microsecond), read.Round(100*time.Microsecond))
	}
}
