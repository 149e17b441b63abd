package jobs_test

import (
	"context"
	"testing"
	"time"

	"equitrial"
	"equitrial/catalog"
	"equitrial/ctgov"
	"equitrial/jobs"
	"equitrial/matcher"
	"equitrial/store/storetest"
	"equitrial/synth"
)

// The full pass, as a scheduled job, indexes trials the store holds and the
// index lacks (written to the store only, as after a crash between the two
// writes) and removes index documents with no stored trial.
func TestIndexSyncFull(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	ix, err := matcher.OpenMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	cat := &catalog.Catalog{Store: db.Trials, Index: ix}
	var trials []*equitrial.Trial
	synth.Reader(synth.Trials(30, 3))(func(r ctgov.Record) error { trials = append(trials, r.Trial); return nil })
	if _, err := db.Trials.Upsert(ctx, trials); err != nil {
		t.Fatal(err)
	}
	ix.Put(&equitrial.Trial{NCTID: "NCT00000000", BriefTitle: "orphan"})
	x := &jobs.IndexSync{Catalog: cat}
	s := newScheduler(t, db, "h", time.Minute)
	s.Register(x.FullJob("30 3 * * *"))
	id, err := s.Trigger(ctx, jobs.JobIndexSyncFull)
	if err != nil {
		t.Fatal(err)
	}
	r := waitRun(t, db, id)
	if r.Outcome != "succeeded" || r.Detail != "reindexed 30 trials, removed 1 index documents with no stored trial" {
		t.Fatalf("full pass: %+v", r)
	}
	if n, _ := ix.Count(); n != 30 {
		t.Fatalf("%d indexed after the full pass, want 30", n)
	}
}

// Issue 10, item 10: a trial imported while a full sync runs (after the store scan
// passed it) is in the index but not among the trials the scan saw; the full sync
// must not delete it, while a real orphan still goes.
func TestIndexSyncFullKeepsTrialsImportedDuringIt(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	ix, err := matcher.OpenMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	cat := &catalog.Catalog{Store: db.Trials, Index: ix}
	records := synth.Trials(12, 10)
	if _, err := cat.Import(ctx, synth.Reader(records[:10]), nil); err != nil {
		t.Fatal(err)
	}
	ix.Put(&equitrial.Trial{NCTID: "NCT00000000", BriefTitle: "orphan"})
	x := &jobs.IndexSync{Catalog: cat}
	var during []string
	jobs.SetIndexSyncAfterScan(x, func() {
		sum, err := cat.Import(ctx, func(each func(ctgov.Record) error) error {
			return synth.Reader(records[10:])(func(r ctgov.Record) error {
				during = append(during, r.Trial.NCTID)
				return each(r)
			})
		}, nil)
		if err != nil || sum.Imported != 2 {
			t.Errorf("import during the sync: %v, %v", sum, err)
		}
	})
	d, err := x.Full(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d != "reindexed 10 trials, removed 1 index documents with no stored trial" {
		t.Errorf("full pass: %q", d)
	}
	res, err := ix.Search(ctx, matcher.Query{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	indexed := map[string]bool{}
	for _, h := range res.Hits {
		indexed[h.NCTID] = true
	}
	if len(during) != 2 {
		t.Fatalf("%d trials imported during the sync, want 2", len(during))
	}
	for _, id := range during {
		if !indexed[id] {
			t.Errorf("%s, imported during the full sync, is missing from the index", id)
		}
	}
	if n, _ := ix.Count(); n != 12 {
		t.Errorf("%d indexed after the full pass, want 12 (the orphan gone, the two new trials kept)", n)
	}
}
