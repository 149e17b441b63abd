package store_test

import (
	"context"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
	"equitrial/ctgov"
	"equitrial/store"
	"equitrial/store/storetest"
	"equitrial/synth"
)

// wireCounter counts, from the driver's command monitor, the commands sent and
// the documents returned, and keeps every filter sent to the trials collection.
type wireCounter struct {
	mu       sync.Mutex
	commands int
	docs     int
	filters  []bson.Raw
}

func (w *wireCounter) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) {
			switch e.CommandName {
			case "find", "update", "delete", "insert", "aggregate", "count", "findAndModify":
			default:
				return
			}
			w.mu.Lock()
			defer w.mu.Unlock()
			w.commands++
			if coll, ok := e.Command.Lookup(e.CommandName).StringValueOK(); !ok || coll != "trials" {
				return
			}
			if f, ok := e.Command.Lookup("filter").DocumentOK(); ok {
				w.filters = append(w.filters, bson.Raw(f))
			}
			// update and delete statements carry their filters in q
			for _, list := range []string{"updates", "deletes"} {
				if arr, ok := e.Command.Lookup(list).ArrayOK(); ok {
					vals, _ := arr.Values()
					for _, v := range vals {
						if d, ok := v.DocumentOK(); ok {
							if q, ok := d.Lookup("q").DocumentOK(); ok {
								w.filters = append(w.filters, bson.Raw(q))
							}
						}
					}
				}
			}
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			n := 0
			for _, batch := range []string{"firstBatch", "nextBatch"} {
				if arr, ok := e.Reply.Lookup("cursor", batch).ArrayOK(); ok {
					vals, _ := arr.Values()
					n += len(vals)
				}
			}
			w.mu.Lock()
			w.docs += n
			w.mu.Unlock()
		},
	}
}

func (w *wireCounter) take() (commands, docs int, filters []bson.Raw) {
	w.mu.Lock()
	defer w.mu.Unlock()
	commands, docs, filters = w.commands, w.docs, w.filters
	w.commands, w.docs, w.filters = 0, 0, nil
	return
}

func studies(t testing.TB, from, to int) []*equitrial.Trial {
	t.Helper()
	var out []*equitrial.Trial
	for i := from; i < to; i++ {
		tr, err := ctgov.Decode(synth.Study(i, 11))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tr)
	}
	return out
}

// Issue 11: an import's work per study does not grow with what is already
// stored. A batch of new studies costs as many commands and returned documents
// into a store of 2,250 studies as into an empty one, and on FerretDB (whose
// SQLite backend answers any filter but a plain `_id` equality by reading the
// whole collection) every filter sent on trials is a plain `_id` equality.
func TestTrialsImportWorkPerStudyDoesNotGrow(t *testing.T) {
	ctx := context.Background()
	w := &wireCounter{}
	client, err := mongo.Connect(options.Client().ApplyURI(storetest.URI(t)).SetMonitor(w.monitor()))
	if err != nil {
		t.Fatal(err)
	}
	name := storetest.UniqueName("scale")
	sdb, err := store.Connect(ctx, storetest.URI(t), name) // creates the collections and their indexes
	if err != nil {
		t.Fatal(err)
	}
	db := client.Database(name)
	t.Cleanup(func() {
		db.Drop(context.Background())
		client.Disconnect(context.Background())
		sdb.Close(context.Background())
	})
	var info bson.M
	if err := db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		t.Fatal(err)
	}
	_, ferret := info["ferretdbVersion"]
	trials := store.NewTrialsOn(db.Collection("trials"))
	const batch = 250
	upsert := func(ts []*equitrial.Trial, want store.Outcome) (commands, docs float64) {
		t.Helper()
		w.take()
		for start := 0; start < len(ts); start += batch {
			out, err := trials.Upsert(ctx, ts[start:min(start+batch, len(ts))])
			if err != nil {
				t.Fatal(err)
			}
			for k, o := range out {
				if o != want {
					t.Fatalf("study %d: %v, want %v", start+k, o, want)
				}
			}
		}
		c, d, filters := w.take()
		if ferret {
			for _, f := range filters {
				elems, _ := f.Elements()
				if len(elems) != 1 || elems[0].Key() != "_id" || elems[0].Value().Type != bson.TypeString {
					t.Errorf("filter %s on trials: FerretDB reads the whole collection for it", f)
				}
			}
		}
		return float64(c) / float64(len(ts)), float64(d) / float64(len(ts))
	}
	firstC, firstD := upsert(studies(t, 0, batch), store.Imported)
	upsert(studies(t, batch, 6*batch), store.Imported)
	laterC, laterD := upsert(studies(t, 6*batch, 7*batch), store.Imported)
	t.Logf("new studies, per study: %.3f commands, %.3f documents returned into an empty store; %.3f, %.3f into %d", firstC, firstD, laterC, laterD, 6*batch)
	if laterC > firstC*1.1+0.01 || laterD > firstD*1.1+0.01 {
		t.Errorf("work per new study grew with the store: %.3f commands and %.3f documents per study into an empty store, %.3f and %.3f into %d studies",
			firstC, firstD, laterC, laterD, 6*batch)
	}
	againFirstC, againFirstD := upsert(studies(t, 0, batch), store.Unchanged)
	againLaterC, againLaterD := upsert(studies(t, 6*batch, 7*batch), store.Unchanged)
	if againLaterC > againFirstC*1.1+0.01 || againLaterD > againFirstD*1.1+0.01 || againFirstD > 1.01 {
		t.Errorf("re-import: %.3f commands, %.3f documents per study for the first studies, %.3f and %.3f for the last", againFirstC, againFirstD, againLaterC, againLaterD)
	}
}
