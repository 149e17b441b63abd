package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial/equity"
)

// Events is the recruitment log: append-only — it has no update or delete, and a
// correction is a new, later event (see equity.Fold).
//
// Events are kept in two forms. An event posted on its own is one small document
// ("loose"). Events for one trial that arrive together (a CSV upload, a bulk post),
// and loose events once the monitor has compacted them, are packed into a segment:
// one document per trial and batch whose events are a single JSON string. The
// monitor reads the whole log every pass, and FerretDB reads some 12,000 documents
// a second however small they are, so a million loose events would take the pass
// far over its budget; a segment of a hundred events costs about as much to read as
// one loose event. Every event keeps its own id in either form, and readers drop
// repeated ids, so compaction (write the segment, then delete the loose events)
// needs no transaction: a crash between the two leaves duplicates that are ignored.
type Events struct {
	c        *mongo.Collection
	segments *mongo.Collection
}

// segmentMin is the smallest group of one trial's events in one Append that is
// written as a segment; smaller groups are written loose.
const segmentMin = 20

// segmentMax bounds a segment (some 150 bytes an event: far below 16 MB).
const segmentMax = 20000

// segmentDoc is a packed run of one trial's events.
type segmentDoc struct {
	ID    bson.ObjectID `bson:"_id"`
	Trial string        `bson:"t"`
	N     int           `bson:"n"`
	Data  string        `bson:"d"` // JSON array of packedEvent
}

// packedEvent is an event inside a segment.
type packedEvent struct {
	ID      string     `json:"i"`
	Stage   string     `json:"s"`
	At      int64      `json:"a"` // Unix milliseconds
	Site    string     `json:"si"`
	Patient string     `json:"p,omitempty"`
	Strata  *strataDoc `json:"st,omitempty"`
	RowKey  string     `json:"rk,omitempty"`
	Reasons []string   `json:"r,omitempty"`
}

// eventDoc is an event as stored. Field names are short because the monitor reads
// every document on every pass; the ObjectID _id orders events appended at the same
// instant (Fold breaks ties by append order).
type eventDoc struct {
	ID         bson.ObjectID `bson:"_id"`
	Trial      string        `bson:"t"`
	Stage      string        `bson:"st"`
	At         time.Time     `bson:"at"`
	Site       string        `bson:"si"`
	Patient    string        `bson:"p,omitempty"`
	Strata     *strataDoc    `bson:"s,omitempty"`
	RowKey     string        `bson:"rk,omitempty"`
	Reasons    []string      `bson:"r,omitempty"`
	RecordedAt time.Time     `bson:"rec"`
}

type strataDoc struct {
	IMD int    `bson:"imd,omitempty" json:"imd,omitempty"`
	Eth string `bson:"eth,omitempty" json:"eth,omitempty"`
	SMI string `bson:"smi,omitempty" json:"smi,omitempty"`
	Sex string `bson:"sex,omitempty" json:"sex,omitempty"`
	Age string `bson:"age,omitempty" json:"age,omitempty"`
}

// appendBatch bounds one insert command: the driver splits by size anyway, but a
// bounded batch keeps one slow write from holding a huge request in memory.
const appendBatch = 5000

func (s *Events) ensureIndexes(ctx context.Context) error {
	if err := ensureIndexes(ctx, s.c,
		mongo.IndexModel{Keys: bson.D{{Key: "t", Value: 1}, {Key: "at", Value: 1}}},
	); err != nil {
		return err
	}
	return ensureIndexes(ctx, s.segments, mongo.IndexModel{Keys: bson.D{{Key: "t", Value: 1}}})
}

func toEventDoc(e *equity.Event, id bson.ObjectID, now time.Time) eventDoc {
	d := eventDoc{ID: id, Trial: e.TrialID, Stage: string(e.Stage), At: e.At.UTC().Truncate(time.Millisecond),
		Site: e.Site, Patient: e.PatientID, RowKey: e.RowKey, Reasons: e.Reasons, RecordedAt: now}
	if e.Strata != nil {
		st := e.Strata
		d.Strata = &strataDoc{IMD: st.IMDQuintile, Eth: st.EthnicGroup, SMI: st.SMI, Sex: st.Sex, Age: st.AgeBand}
	}
	return d
}

func (d *eventDoc) event() equity.Event {
	e := equity.Event{ID: d.ID.Hex(), TrialID: d.Trial, Stage: equity.Stage(d.Stage), At: d.At.UTC(), Site: d.Site,
		PatientID: d.Patient, RowKey: d.RowKey, Reasons: d.Reasons}
	if d.Strata != nil {
		e.Strata = &equity.Strata{IMDQuintile: d.Strata.IMD, EthnicGroup: d.Strata.Eth, SMI: d.Strata.SMI,
			Sex: d.Strata.Sex, AgeBand: d.Strata.Age}
	}
	return e
}

func (d *eventDoc) packed() packedEvent {
	return packedEvent{ID: d.ID.Hex(), Stage: d.Stage, At: d.At.UnixMilli(), Site: d.Site, Patient: d.Patient,
		Strata: d.Strata, RowKey: d.RowKey, Reasons: d.Reasons}
}

func (p *packedEvent) event(trial string) equity.Event {
	d := eventDoc{Trial: trial, Stage: p.Stage, At: time.UnixMilli(p.At), Site: p.Site, Patient: p.Patient,
		Strata: p.Strata, RowKey: p.RowKey, Reasons: p.Reasons}
	e := d.event()
	e.ID = p.ID
	return e
}

// Append stores events and returns their ids, in the order given. Callers validate
// first (equity.Event.Validate); the store checks nothing about their content. With
// no transactions a failure part-way can leave some stored; the API validates every
// event before calling, so that needs a database outage.
func (s *Events) Append(ctx context.Context, events []equity.Event) ([]string, error) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	ids := make([]string, len(events))
	docs := make([]eventDoc, len(events))
	perTrial := map[string][]int{}
	for i := range events {
		id := bson.NewObjectID()
		ids[i] = id.Hex()
		docs[i] = toEventDoc(&events[i], id, now)
		perTrial[docs[i].Trial] = append(perTrial[docs[i].Trial], i)
	}
	var loose []any
	var segs []segmentDoc
	for _, trial := range slices.Sorted(maps.Keys(perTrial)) {
		idx := perTrial[trial]
		if len(idx) < segmentMin {
			for _, i := range idx {
				loose = append(loose, docs[i])
			}
			continue
		}
		packed := make([]packedEvent, len(idx))
		for k, i := range idx {
			packed[k] = docs[i].packed()
		}
		ss, err := newSegments(trial, packed)
		if err != nil {
			return nil, err
		}
		segs = append(segs, ss...)
	}
	if err := s.insertSegments(ctx, segs); err != nil {
		return nil, err
	}
	for start := 0; start < len(loose); start += appendBatch {
		end := min(start+appendBatch, len(loose))
		if _, err := s.c.InsertMany(ctx, loose[start:end], options.InsertMany().SetOrdered(true)); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func newSegments(trial string, packed []packedEvent) ([]segmentDoc, error) {
	var out []segmentDoc
	for start := 0; start < len(packed); start += segmentMax {
		part := packed[start:min(start+segmentMax, len(packed))]
		data, err := json.Marshal(part)
		if err != nil {
			return nil, err
		}
		out = append(out, segmentDoc{ID: bson.NewObjectID(), Trial: trial, N: len(part), Data: string(data)})
	}
	return out, nil
}

func (s *Events) insertSegments(ctx context.Context, segs []segmentDoc) error {
	const batch = 500
	for start := 0; start < len(segs); start += batch {
		end := min(start+batch, len(segs))
		docs := make([]any, 0, end-start)
		for i := start; i < end; i++ {
			docs = append(docs, segs[i])
		}
		if _, err := s.segments.InsertMany(ctx, docs, options.InsertMany().SetOrdered(true)); err != nil {
			return err
		}
	}
	return nil
}

// List returns a trial's events in time order (append order among equal times).
func (s *Events) List(ctx context.Context, trialID string) ([]equity.Event, error) {
	var out []equity.Event
	err := s.scan(ctx, bson.M{"t": trialID}, func(e equity.Event) { out = append(out, e) })
	if err != nil {
		return nil, err
	}
	out = dedupe(out)
	slices.SortStableFunc(out, func(a, b equity.Event) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Count returns how many events are stored for a trial ("" for all trials).
func (s *Events) Count(ctx context.Context, trialID string) (int64, error) {
	filter := bson.M{}
	if trialID != "" {
		filter["t"] = trialID
	}
	n := int64(0)
	err := s.scan(ctx, filter, func(equity.Event) { n++ })
	return n, err
}

// scan reads the segments and loose events matching filter, segments first.
func (s *Events) scan(ctx context.Context, filter bson.M, fn func(equity.Event)) error {
	cur, err := s.segments.Find(ctx, filter, options.Find().SetBatchSize(1000))
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	var packed []packedEvent
	for cur.Next(ctx) {
		var seg segmentDoc
		if err := cur.Decode(&seg); err != nil {
			return err
		}
		packed = packed[:0]
		if err := json.Unmarshal([]byte(seg.Data), &packed); err != nil {
			return fmt.Errorf("events segment %s: %w", seg.ID.Hex(), err)
		}
		for i := range packed {
			fn(packed[i].event(seg.Trial))
		}
	}
	if err := cur.Err(); err != nil {
		return err
	}
	lc, err := s.c.Find(ctx, filter, options.Find().SetBatchSize(5000).SetProjection(bson.M{"rec": 0}))
	if err != nil {
		return err
	}
	defer lc.Close(ctx)
	for lc.Next(ctx) {
		var d eventDoc
		if err := lc.Decode(&d); err != nil {
			return err
		}
		fn(d.event())
	}
	return lc.Err()
}

// dedupe drops repeated event ids (left by a compaction interrupted between its
// write and its delete), keeping the first.
func dedupe(evs []equity.Event) []equity.Event {
	seen := make(map[string]struct{}, len(evs))
	out := evs[:0]
	for _, e := range evs {
		if _, dup := seen[e.ID]; dup {
			continue
		}
		seen[e.ID] = struct{}{}
		out = append(out, e)
	}
	return out
}

// EachTrial reads the whole log in one pass and calls fn once per trial, in trial
// id order, with that trial's events in append order. Grouping is done here, not by
// the server: one scan is far cheaper than a query per trial (10,000 round trips),
// and FerretDB sorts in memory anyway.
func (s *Events) EachTrial(ctx context.Context, fn func(trialID string, events []equity.Event) error) error {
	byTrial := map[string][]equity.Event{}
	intern := map[string]string{} // trial ids, sites and stages repeat: share their strings
	str := func(s string) string {
		if v, ok := intern[s]; ok {
			return v
		}
		intern[s] = s
		return s
	}
	err := s.scan(ctx, bson.M{}, func(e equity.Event) {
		e.TrialID, e.Site, e.Stage = str(e.TrialID), str(e.Site), equity.Stage(str(string(e.Stage)))
		byTrial[e.TrialID] = append(byTrial[e.TrialID], e)
	})
	if err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(byTrial)) {
		evs := byTrial[id]
		// Hex ObjectIDs sort as their bytes: creation second, then a counter.
		slices.SortStableFunc(evs, func(a, b equity.Event) int { return strings.Compare(a.ID, b.ID) })
		if err := fn(id, dedupe(evs)); err != nil {
			return err
		}
		delete(byTrial, id)
	}
	return nil
}

// Compact packs loose events into one segment per trial and deletes them, so that
// later passes read few documents. It is safe to run while events are appended:
// only the events packed are deleted, by id. It returns how many it packed.
func (s *Events) Compact(ctx context.Context) (int, error) {
	cur, err := s.c.Find(ctx, bson.M{}, options.Find().SetBatchSize(5000).SetProjection(bson.M{"rec": 0}))
	if err != nil {
		return 0, err
	}
	perTrial := map[string][]packedEvent{}
	var ids []bson.ObjectID
	for cur.Next(ctx) {
		var d eventDoc
		if err := cur.Decode(&d); err != nil {
			cur.Close(ctx)
			return 0, err
		}
		perTrial[d.Trial] = append(perTrial[d.Trial], d.packed())
		ids = append(ids, d.ID)
	}
	cur.Close(ctx)
	if err := cur.Err(); err != nil || len(ids) == 0 {
		return 0, err
	}
	var segs []segmentDoc
	for _, trial := range slices.Sorted(maps.Keys(perTrial)) {
		ss, err := newSegments(trial, perTrial[trial])
		if err != nil {
			return 0, err
		}
		segs = append(segs, ss...)
	}
	if err := s.insertSegments(ctx, segs); err != nil {
		return 0, err
	}
	const chunk = 1000
	for start := 0; start < len(ids); start += chunk {
		if _, err := s.c.DeleteMany(ctx, bson.M{"_id": bson.M{"$in": ids[start:min(start+chunk, len(ids))]}}); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
