package jobs_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"equitrial"
	"equitrial/catalog"
	"equitrial/ctgov"
	"equitrial/jobs"
	"equitrial/matcher"
	"equitrial/store"
	"equitrial/store/storetest"
	"equitrial/synth"
)

func synthTrials(n int, seed uint64) []*equitrial.Trial {
	var out []*equitrial.Trial
	synth.Reader(synth.Trials(n, seed))(func(r ctgov.Record) error { out = append(out, r.Trial); return nil })
	return out
}

// Replica B's index hears of trials written through replica A's connection —
// new ones and new versions — from the change log alone.
func TestConvergerAppliesAnotherReplicasTrials(t *testing.T) {
	ctx := context.Background()
	dbs := storetest.NewSharedDBs(t, 2)
	a, b := dbs[0], dbs[1]
	ix, err := matcher.OpenMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	cache := matcher.NewTrialCache()
	cat := &catalog.Catalog{Store: b.Trials, Index: ix, Changed: func(ts []*equitrial.Trial) { cache.Put(ts...) }}
	c := &jobs.Converger{Changes: b.Changes, Sources: []jobs.Source{{Kind: store.ChangeTrials,
		Apply: func(ctx context.Context, ids []string) (map[string]jobs.Found, error) {
			v, err := cat.Refresh(ctx, ids)
			found := map[string]jobs.Found{}
			for id, at := range v {
				found[id] = jobs.Found{UpdatedAt: at}
			}
			return found, err
		}}}}
	c.Init(time.Now(), false)
	trials := synthTrials(25, 7)
	if _, err := a.Trials.Upsert(ctx, trials); err != nil {
		t.Fatal(err)
	}
	if err := c.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != 25 || cache.Len() != 25 {
		t.Fatalf("after a tick replica B indexes %d trials and caches %d, want 25", n, cache.Len())
	}
	changed := *trials[3]
	changed.BriefTitle, changed.LastUpdate = "Zanzibar follow-up study", "2099-01-01"
	changed.Raw = []byte(`{"changed":true}`)
	if _, err := a.Trials.Upsert(ctx, []*equitrial.Trial{&changed}); err != nil {
		t.Fatal(err)
	}
	if err := c.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, matcher.Query{Text: "Zanzibar"})
	if err != nil || res.Total != 1 || res.Hits[0].NCTID != changed.NCTID {
		t.Fatalf("search for the new version on replica B: %+v, %v", res, err)
	}
	if got := cache.Get(changed.NCTID); got == nil || got.Title != changed.BriefTitle {
		t.Fatalf("replica B's trial cache holds %+v", got)
	}
}

// fakeSource is a source whose store answers are scripted.
type fakeSource struct {
	mu    sync.Mutex
	calls [][]string
	found func(id string) (jobs.Found, bool)
	gone  []string
}

func (f *fakeSource) source(kind string) jobs.Source {
	return jobs.Source{Kind: kind, Apply: func(_ context.Context, ids []string) (map[string]jobs.Found, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.calls = append(f.calls, slices.Clone(ids))
		out := map[string]jobs.Found{}
		for _, id := range ids {
			if v, ok := f.found(id); ok {
				out[id] = v
			}
		}
		return out, nil
	}, Gone: func(ids []string) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.gone = append(f.gone, ids...)
	}}
}

func (f *fakeSource) reads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// A mark is written before its write. A record read at an older version than its
// mark (the write still in flight) is read again on later ticks — after one
// interval, then two, four… so that a large write in flight is not read over and
// over — and not again once it is current.
func TestConvergerRereadsAWriteInFlight(t *testing.T) {
	ctx := context.Background()
	dbs := storetest.NewSharedDBs(t, 2)
	a, b := dbs[0], dbs[1]
	var mu sync.Mutex
	landed := false
	src := &fakeSource{found: func(string) (jobs.Found, bool) {
		mu.Lock()
		defer mu.Unlock()
		if !landed {
			return jobs.Found{UpdatedAt: time.Unix(0, 0)}, true // the version before the write
		}
		return jobs.Found{UpdatedAt: time.Now().Add(time.Hour)}, true
	}}
	now := time.Now()
	c := &jobs.Converger{Changes: b.Changes, Sources: []jobs.Source{src.source(store.ChangeTrials)}, Interval: time.Second,
		Now: func() time.Time { return now }}
	c.Init(now, false)
	if _, err := a.Trials.Upsert(ctx, synthTrials(1, 1)); err != nil {
		t.Fatal(err)
	}
	now = time.Now()
	var readAt []int // seconds after the first tick at which the record was read
	for s := 0; s <= 8; s++ {
		if err := c.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if src.reads() > len(readAt) {
			readAt = append(readAt, s)
		}
		now = now.Add(time.Second)
	}
	if fmt.Sprint(readAt) != "[0 1 3 7]" {
		t.Fatalf("a record still at its old version was read at %v s, want [0 1 3 7] (backing off)", readAt)
	}
	mu.Lock()
	landed = true
	mu.Unlock()
	for range 10 {
		now = now.Add(time.Second)
		if err := c.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := src.reads(); n != 5 {
		t.Fatalf("%d reads after the write landed, want one more (5)", n)
	}
}

// A replica does not read back its own writes that it applied in memory as it
// made them; one it did not apply (its notification failed) it reads back once
// a grace period (a minute, or the margin if longer) has passed.
func TestConvergerSkipsItsOwnAppliedWrites(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	src := &fakeSource{found: func(string) (jobs.Found, bool) { return jobs.Found{UpdatedAt: time.Now()}, true }}
	now := time.Now()
	var clock sync.Mutex
	c := &jobs.Converger{Changes: db.Changes, Sources: []jobs.Source{src.source(store.ChangeTrials)}, Margin: time.Second,
		Now: func() time.Time { clock.Lock(); defer clock.Unlock(); return now }}
	c.Init(now, false)
	trials := synthTrials(2, 2)
	if _, err := db.Trials.Upsert(ctx, trials[:1]); err != nil {
		t.Fatal(err)
	}
	clock.Lock()
	now = time.Now()
	clock.Unlock()
	c.Applied(store.ChangeTrials, trials[0].NCTID)
	if _, err := db.Trials.Upsert(ctx, trials[1:]); err != nil { // never applied locally
		t.Fatal(err)
	}
	if err := c.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if n := src.reads(); n != 0 {
		t.Fatalf("own writes read back at once: %v", src.calls)
	}
	clock.Lock()
	now = time.Now().Add(time.Minute + time.Second)
	clock.Unlock()
	if err := c.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if n := src.reads(); n != 1 || fmt.Sprint(src.calls[0]) != fmt.Sprint([]string{trials[1].NCTID}) {
		t.Fatalf("after the grace period, reads %v; want only the write not applied locally (%s)", src.calls, trials[1].NCTID)
	}
}

// A deleted patient is gone from the other replica once the store no longer
// holds them; a withdrawn one is read (Final) at once.
func TestConvergerAppliesDeletionsAndWithdrawals(t *testing.T) {
	ctx := context.Background()
	dbs := storetest.NewSharedDBs(t, 2)
	a, b := dbs[0], dbs[1]
	keys := storetest.TestKeyring(t, "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	a.Patients.SetKeyring(keys)
	b.Patients.SetKeyring(keys)
	pix := matcher.NewPatientIndex(nil)
	c := &jobs.Converger{Changes: b.Changes, Sources: []jobs.Source{{Kind: store.ChangePatients,
		Apply: func(ctx context.Context, ids []string) (map[string]jobs.Found, error) {
			recs, err := b.Patients.ForMatching(ctx, ids)
			found := map[string]jobs.Found{}
			for id, p := range recs {
				pix.Put(p)
				found[id] = jobs.Found{UpdatedAt: p.UpdatedAt, Final: p.Withdrawn != nil}
			}
			return found, err
		}, Gone: func(ids []string) {
			for _, id := range ids {
				pix.Withdraw(id)
			}
		}}}}
	c.Init(time.Now(), false)
	var ids []string
	for i := range 3 {
		p, err := a.Patients.Create(ctx, &equitrial.Patient{GivenName: "Ann", FamilyName: fmt.Sprint("Other", i), BirthDate: "1970-01-01",
			Sex: "female", Consent: equitrial.Consent{Contact: true, Date: "2026-01-01", Version: "v1", Channel: "web"},
			Org: "site-a", Source: "nurse"}, store.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	if err := c.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if pix.Len() != 3 {
		t.Fatalf("replica B's patient index holds %d, want 3", pix.Len())
	}
	if _, err := a.Patients.WithdrawConsent(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := a.Patients.Delete(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if err := c.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if pix.Len() != 1 {
		t.Fatalf("after a withdrawal and a deletion on A, B's patient index holds %d, want 1", pix.Len())
	}
}

// A replica that has not read the log for about as long as it keeps marks
// reloads everything, since marks it never read may be gone.
func TestConvergerResyncsAfterALongPause(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	start := time.Now()
	now := start
	resyncs := 0
	c := &jobs.Converger{Changes: db.Changes, Now: func() time.Time { return now },
		Resync: func(context.Context) error { resyncs++; return nil }}
	c.Init(start, false)
	now = start.Add(time.Minute)
	if err := c.Tick(ctx); err != nil || resyncs != 0 {
		t.Fatalf("a tick a minute later resynced %d times (%v)", resyncs, err)
	}
	now = now.Add(store.Retention)
	if err := c.Tick(ctx); err != nil || resyncs != 1 {
		t.Fatalf("a tick after a pause as long as the log keeps marks resynced %d times (%v), want 1", resyncs, err)
	}
}

// A replica whose clock runs ahead stamps its marks in the future; that must not
// carry another replica's watermark past the marks that writers with correct
// clocks stamp now (the watermark never passes the reader's own clock).
func TestConvergerWatermarkIgnoresAClockAhead(t *testing.T) {
	ctx := context.Background()
	dbs := storetest.NewSharedDBs(t, 3)
	ahead, right, reader := dbs[0], dbs[1], dbs[2]
	keys := storetest.TestKeyring(t, "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	ahead.Patients.SetKeyring(keys)
	right.Patients.SetKeyring(keys)
	ahead.Patients.SetClock(func() time.Time { return time.Now().Add(time.Hour) })
	src := &fakeSource{found: func(string) (jobs.Found, bool) { return jobs.Found{UpdatedAt: time.Now().Add(2 * time.Hour)}, true }}
	c := &jobs.Converger{Changes: reader.Changes, Sources: []jobs.Source{src.source(store.ChangePatients)}}
	c.Init(time.Now(), false)
	create := func(db *store.DB) string {
		p, err := db.Patients.Create(ctx, &equitrial.Patient{GivenName: "Clock", FamilyName: "Skew", BirthDate: "1970-01-01", Sex: "female",
			Consent: equitrial.Consent{Contact: true, Date: "2026-01-01", Version: "v1", Channel: "web"}, Org: "site-a", Source: "nurse"}, store.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	create(ahead)
	if err := c.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	id := create(right)
	if err := c.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if n := src.reads(); n != 2 || src.calls[1][0] != id {
		t.Fatalf("reads %v: the mark stamped now, after one stamped an hour ahead, was not read", src.calls)
	}
}
