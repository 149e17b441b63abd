package catalog_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"equitrial"
	"equitrial/catalog"
	"equitrial/ctgov"
	"equitrial/matcher"
	"equitrial/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func version(id, lastUpdate string) *equitrial.Trial {
	raw := fmt.Sprintf(`{"protocolSection":{"identificationModule":{"nctId":%q},"statusModule":{"lastUpdatePostDateStruct":{"date":%q}}}}`, id, lastUpdate)
	return &equitrial.Trial{NCTID: id, BriefTitle: "version of " + lastUpdate, LastUpdate: lastUpdate, Raw: []byte(raw)}
}

func reader(trials ...*equitrial.Trial) catalog.Reader {
	return func(each func(ctgov.Record) error) error {
		for _, t := range trials {
			if err := each(ctgov.Record{Trial: t}); err != nil {
				return err
			}
		}
		return nil
	}
}

// Issue 10, item 13: concurrent imports of shuffled versions of the same trials
// leave the newest version in the store, and the index (and the matching cache)
// hold what the store holds, round after round.
func TestConcurrentImportsKeepNewest(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	ix, err := matcher.OpenMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var mu sync.Mutex
	cached := map[string]string{} // what Changed last heard, as matching's cache keeps it
	cat := &catalog.Catalog{Store: db.Trials, Index: ix, Changed: func(ts []*equitrial.Trial) {
		mu.Lock()
		defer mu.Unlock()
		for _, t := range ts {
			cached[t.NCTID] = t.LastUpdate
		}
	}}
	dates := []string{"2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01", "2024-06-01"}
	newest := dates[len(dates)-1]
	rng := rand.New(rand.NewPCG(13, 10))
	for round := range 12 {
		ids := []string{fmt.Sprintf("NCT%08d", 1300+2*round), fmt.Sprintf("NCT%08d", 1301+2*round)}
		var wg sync.WaitGroup
		errs := make(chan error, len(dates))
		for _, k := range rng.Perm(len(dates)) {
			wg.Add(1)
			go func(date string) {
				defer wg.Done()
				if _, err := cat.Import(ctx, reader(version(ids[0], date), version(ids[1], date)), nil); err != nil {
					errs <- err
				}
			}(dates[k])
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		res, err := ix.Search(ctx, matcher.Query{Size: 1000})
		if err != nil {
			t.Fatal(err)
		}
		indexed := map[string]string{}
		for _, h := range res.Hits {
			indexed[h.NCTID] = h.Title
		}
		for _, id := range ids {
			got, err := db.Trials.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got.LastUpdate != newest {
				t.Fatalf("round %d: the store holds %s of %s, want %s", round, got.LastUpdate, id, newest)
			}
			if indexed[id] != "version of "+newest {
				t.Fatalf("round %d: the index holds %q of %s, want the store's %s", round, indexed[id], id, newest)
			}
			mu.Lock()
			c := cached[id]
			mu.Unlock()
			if c != newest {
				t.Fatalf("round %d: matching heard last of %s of %s, want %s", round, c, id, newest)
			}
		}
	}
}

// Issue 10, item 13: an import held between its store write and its index write
// while a newer version is imported must not leave its older version in the index.
func TestImportIndexFollowsStoreOrder(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	ix, err := matcher.OpenMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	cat := &catalog.Catalog{Store: db.Trials, Index: ix}
	const id = "NCT00001399"
	if _, err := cat.Import(ctx, reader(version(id, "2024-01-01")), nil); err != nil {
		t.Fatal(err)
	}
	newerDone := make(chan error, 1)
	var first atomic.Bool
	catalog.SetAfterStore(cat, func() {
		if first.Swap(true) {
			return // the newer import
		}
		func() {
			// The older version is stored; a newer import starts now. Give it
			// time to finish (it cannot, if imports are ordered).
			go func() {
				_, err := cat.Import(ctx, reader(version(id, "2024-06-01")), nil)
				newerDone <- err
			}()
			select {
			case err := <-newerDone:
				newerDone <- err
			case <-time.After(300 * time.Millisecond):
			}
		}()
	})
	if _, err := cat.Import(ctx, reader(version(id, "2024-03-01")), nil); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-newerDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the newer import did not finish")
	}
	got, err := db.Trials.Get(ctx, id)
	if err != nil || got.LastUpdate != "2024-06-01" {
		t.Fatalf("store: %v, %v; want 2024-06-01", got, err)
	}
	res, err := ix.Search(ctx, matcher.Query{Size: 10})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].Title != "version of 2024-06-01" {
		t.Fatalf("index: %+v, %v; want the store's 2024-06-01 version", res, err)
	}
}
