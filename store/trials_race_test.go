package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"equitrial"
	"equitrial/store"
	"equitrial/store/storetest"
)

func versionOf(id, lastUpdate string) *equitrial.Trial {
	raw := fmt.Sprintf(`{"protocolSection":{"identificationModule":{"nctId":%q},"statusModule":{"lastUpdatePostDateStruct":{"date":%q}}}}`, id, lastUpdate)
	return &equitrial.Trial{NCTID: id, BriefTitle: "version of " + lastUpdate, LastUpdate: lastUpdate, Raw: []byte(raw)}
}

// sharedDB connects twice to one fresh database, as two replicas of the service do.
func sharedDB(t *testing.T) (*store.DB, *store.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := storetest.UniqueName("test")
	a, err := store.Connect(ctx, storetest.URI(t), name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Connect(ctx, storetest.URI(t), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		a.Drop(ctx)
		a.Close(ctx)
		b.Close(ctx)
	})
	return a, b
}

// Issue 10, item 13: an import that read the stored version before another
// replica wrote a newer one must not replace it with its older one. The first
// import is held between its read and its write while the other writes.
func TestTrialsUpsertOlderLosesToConcurrentNewer(t *testing.T) {
	ctx := context.Background()
	a, b := sharedDB(t)
	const id = "NCT00001300"
	if _, err := a.Trials.Upsert(ctx, []*equitrial.Trial{versionOf(id, "2024-01-01"), versionOf("NCT00001301", "2024-01-01")}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, stored, older, newer string
	}{
		{"replace", id, "2024-03-01", "2024-06-01"},
		{"insert", "NCT00001302", "2024-03-01", "2024-06-01"}, // both find nothing stored
	} {
		t.Run(c.name, func(t *testing.T) {
			read, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			store.SetTrialsBeforeWrite(a.Trials, func() {
				once.Do(func() { close(read); <-release })
			})
			defer store.SetTrialsBeforeWrite(a.Trials, nil)
			type result struct {
				out []store.Outcome
				err error
			}
			done := make(chan result, 1)
			go func() {
				out, err := a.Trials.Upsert(ctx, []*equitrial.Trial{versionOf(c.stored, c.older), versionOf("NCT00001301", "2024-02-01")})
				done <- result{out, err}
			}()
			select {
			case <-read:
			case <-time.After(10 * time.Second):
				t.Fatal("the first import never reached its write")
			}
			if out, err := b.Trials.Upsert(ctx, []*equitrial.Trial{versionOf(c.stored, c.newer)}); err != nil || len(out) != 1 || out[0] == store.Unchanged {
				t.Fatalf("newer version from the other replica: %v, %v", out, err)
			}
			close(release)
			var r result
			select {
			case r = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the first import did not finish")
			}
			if r.err != nil {
				t.Fatal(r.err)
			}
			if r.out[0] != store.Unchanged {
				t.Errorf("older version: outcome %v, want unchanged (the store has a newer one)", r.out[0])
			}
			got, err := a.Trials.Get(ctx, c.stored)
			if err != nil {
				t.Fatal(err)
			}
			if got.LastUpdate != c.newer {
				t.Fatalf("stored version %s; want %s", got.LastUpdate, c.newer)
			}
			if got, _ := a.Trials.Get(ctx, "NCT00001301"); got.LastUpdate != "2024-02-01" {
				t.Fatalf("the other record of the batch: %s, want 2024-02-01", got.LastUpdate)
			}
		})
	}
}

// Issue 10, item 13: imports of shuffled versions of the same records race
// through one repository, round after round; afterwards every record holds its
// newest version.
func TestTrialsUpsertConcurrentRounds(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	dates := []string{"2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01", "2024-06-01"}
	rng := rand.New(rand.NewPCG(13, 10))
	for round := 0; round < 15; round++ {
		order := rng.Perm(len(dates))
		var wg sync.WaitGroup
		errs := make(chan error, len(order))
		for _, k := range order {
			wg.Add(1)
			go func(date string) {
				defer wg.Done()
				var batch []*equitrial.Trial
				for j := range 3 {
					batch = append(batch, versionOf(fmt.Sprintf("NCT%08d", 1400+round*10+j), date))
				}
				if _, err := db.Trials.Upsert(ctx, batch); err != nil {
					errs <- err
				}
			}(dates[k])
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for j := range 3 {
			id := fmt.Sprintf("NCT%08d", 1400+round*10+j)
			got, err := db.Trials.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got.LastUpdate != dates[len(dates)-1] {
				t.Fatalf("round %d: %s holds %s; want the newest version %s", round, id, got.LastUpdate, dates[len(dates)-1])
			}
		}
	}
}
