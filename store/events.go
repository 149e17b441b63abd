package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
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
//
// Readers read the loose events first and the segments after, in _id order, and a
// compaction writes its segment before it deletes what it packed (loose events or
// smaller segments, which it merges so that trickle traffic does not leave one
// segment per pass). So every event is seen by a reader running during a compaction:
// either as loose (read before it is deleted) or in the new segment (written before
// the deletion, so present when the later segment read starts), never neither.
//
// Every event records who appended it and for which organisation (AppendWith). An
// append may carry an idempotency key: a retry with the same key gets the first
// answer and stores nothing twice (see AppendWith).
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
	Orgs  []string      `bson:"o,omitempty"` // the organisations whose events it holds
	Data  string        `bson:"d"`           // JSON array of packedEvent
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
	By      string     `json:"by,omitempty"`
	Org     string     `json:"o,omitempty"`
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
	By         string        `bson:"by,omitempty"` // the account or token that recorded it
	Org        string        `bson:"o,omitempty"`  // the organisation it recorded it for
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

func toEventDoc(e *equity.Event, id bson.ObjectID, now time.Time, who Attribution) eventDoc {
	d := eventDoc{ID: id, Trial: e.TrialID, Stage: string(e.Stage), At: e.At.UTC().Truncate(time.Millisecond),
		Site: e.Site, Patient: e.PatientID, RowKey: e.RowKey, Reasons: e.Reasons, RecordedAt: now, By: who.By, Org: who.Org}
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
		Strata: d.Strata, RowKey: d.RowKey, Reasons: d.Reasons, By: d.By, Org: d.Org}
}

func (p *packedEvent) event(trial string) equity.Event {
	d := eventDoc{Trial: trial, Stage: p.Stage, At: time.UnixMilli(p.At), Site: p.Site, Patient: p.Patient,
		Strata: p.Strata, RowKey: p.RowKey, Reasons: p.Reasons}
	e := d.event()
	e.ID = p.ID
	return e
}

// Append stores events and returns their ids, in the order given, with no
// attribution and no idempotency key (the CLI's demo and benchmark data). Callers
// validate first (equity.Event.Validate); the store checks nothing about their
// content. With no transactions a failure part-way can leave some stored; the API
// validates every event before calling, so that needs a database outage.
func (s *Events) Append(ctx context.Context, events []equity.Event) ([]string, error) {
	ids := newEventIDs(len(events))
	if err := s.appendIDs(ctx, events, ids, Attribution{}); err != nil {
		return nil, err
	}
	return hexIDs(ids), nil
}

// appendIDs stores events under the ids given (one each, in append order). Storing
// the same events under the same ids again is harmless: readers drop repeated ids.
func (s *Events) appendIDs(ctx context.Context, events []equity.Event, ids []bson.ObjectID, who Attribution) error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	docs := make([]eventDoc, len(events))
	perTrial := map[string][]int{}
	for i := range events {
		docs[i] = toEventDoc(&events[i], ids[i], now, who)
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
		ss, err := newSegments(trial, packed, bson.NilObjectID)
		if err != nil {
			return err
		}
		segs = append(segs, ss...)
	}
	if err := s.insertSegments(ctx, segs); err != nil {
		return err
	}
	for start := 0; start < len(loose); start += appendBatch {
		end := min(start+appendBatch, len(loose))
		if _, err := s.c.InsertMany(ctx, loose[start:end], options.InsertMany().SetOrdered(false)); err != nil && !onlyDuplicates(err) {
			return err
		}
	}
	return nil
}

// onlyDuplicates reports whether every failure of an unordered insert was a
// duplicate id: the document was stored by an earlier attempt of the same append.
func onlyDuplicates(err error) bool {
	var be mongo.BulkWriteException
	if errors.As(err, &be) {
		if be.WriteConcernError != nil || len(be.WriteErrors) == 0 {
			return false
		}
		for _, e := range be.WriteErrors {
			if e.Code != 11000 {
				return false
			}
		}
		return true
	}
	return isDuplicate(err)
}

// newEventIDs returns n new ObjectIDs in increasing order: their order is the
// events' append order (Fold's tiebreak).
func newEventIDs(n int) []bson.ObjectID {
	ids := make([]bson.ObjectID, n)
	for i := range ids {
		ids[i] = bson.NewObjectID()
	}
	return ids
}

func hexIDs(ids []bson.ObjectID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.Hex()
	}
	return out
}

// newSegments packs a trial's events into segments of at most segmentMax. Their
// ids are greater than after (a merge passes the greatest id it replaces), so a
// reader reading segments in id order cannot have passed the new segment's place
// while a segment it replaces, still ahead of it, is deleted.
func newSegments(trial string, packed []packedEvent, after bson.ObjectID) ([]segmentDoc, error) {
	var out []segmentDoc
	for start := 0; start < len(packed); start += segmentMax {
		part := packed[start:min(start+segmentMax, len(packed))]
		data, err := json.Marshal(part)
		if err != nil {
			return nil, err
		}
		orgs := map[string]bool{}
		for i := range part {
			if part[i].Org != "" {
				orgs[part[i].Org] = true
			}
		}
		out = append(out, segmentDoc{ID: idAfter(after), Trial: trial, N: len(part), Orgs: slices.Sorted(maps.Keys(orgs)), Data: string(data)})
	}
	return out, nil
}

// idAfter returns a new ObjectID greater than after.
func idAfter(after bson.ObjectID) bson.ObjectID {
	id := bson.NewObjectID()
	if bytes.Compare(id[:], after[:]) > 0 {
		return id
	}
	// Another process made after within this second with a greater random part:
	// take the next second.
	ts := binary.BigEndian.Uint32(after[:4]) + 1
	binary.BigEndian.PutUint32(id[:4], ts)
	return id
}

func (s *Events) insertSegments(ctx context.Context, segs []segmentDoc) error {
	const batch = 500
	for start := 0; start < len(segs); start += batch {
		end := min(start+batch, len(segs))
		docs := make([]any, 0, end-start)
		for i := start; i < end; i++ {
			docs = append(docs, segs[i])
		}
		if _, err := s.segments.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil && !onlyDuplicates(err) {
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

// Count returns how many events are stored for a trial ("" for all trials), each
// once however many copies a retry or an interrupted compaction left.
func (s *Events) Count(ctx context.Context, trialID string) (int64, error) {
	filter := bson.M{}
	if trialID != "" {
		filter["t"] = trialID
	}
	seen := map[string]struct{}{}
	err := s.scan(ctx, filter, func(e equity.Event) { seen[e.ID] = struct{}{} })
	return int64(len(seen)), err
}

// scan reads the loose events matching filter, then the segments, in id order.
// The order matters while a compaction runs (see Events): an event deleted from
// the loose events after this read them was in a segment written before, which
// the segment read, starting later, finds. Segments first would miss it.
func (s *Events) scan(ctx context.Context, filter bson.M, fn func(equity.Event)) error {
	lc, err := s.c.Find(ctx, filter, options.Find().SetBatchSize(5000).SetProjection(bson.M{"rec": 0, "by": 0, "o": 0}))
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
	if err := lc.Err(); err != nil {
		return err
	}
	cur, err := s.segments.Find(ctx, filter, options.Find().SetBatchSize(1000).SetSort(bson.D{{Key: "_id", Value: 1}}))
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
	return cur.Err()
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

// mergeBelow is the size under which a segment is merged with the trial's other
// small segments and new loose events at the next compaction: trickle traffic
// (loose events packed every pass) then keeps one growing segment per trial, not
// one more document per pass.
const mergeBelow = 5000

// Compact packs loose events into one segment per trial, merged with the trial's
// segments smaller than mergeBelow, and then deletes what it packed, so that later
// passes read few documents. It is safe to run while events are appended (only the
// documents packed are deleted, by id) and while they are read (see Events). It
// returns how many loose events it packed. Idempotency keys past their window are
// dropped on the way.
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
	if err := cur.Err(); err != nil {
		return 0, err
	}
	small, err := s.smallSegments(ctx)
	if err != nil {
		return 0, err
	}
	var segs []segmentDoc
	var merged []bson.ObjectID
	for _, trial := range slices.Sorted(maps.Keys(small)) {
		// A lone small segment with nothing new to join it stays as it is.
		if len(small[trial]) < 2 && len(perTrial[trial]) == 0 {
			delete(small, trial)
		}
	}
	trials := map[string]bool{}
	for t := range perTrial {
		trials[t] = true
	}
	for t := range small {
		trials[t] = true
	}
	for _, trial := range slices.Sorted(maps.Keys(trials)) {
		events := perTrial[trial]
		after := bson.NilObjectID
		for _, seg := range small[trial] {
			var packed []packedEvent
			if err := json.Unmarshal([]byte(seg.Data), &packed); err != nil {
				return 0, fmt.Errorf("events segment %s: %w", seg.ID.Hex(), err)
			}
			events = append(events, packed...)
			merged = append(merged, seg.ID)
			if bytes.Compare(seg.ID[:], after[:]) > 0 {
				after = seg.ID
			}
		}
		ss, err := newSegments(trial, uniquePacked(events), after)
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
	for start := 0; start < len(merged); start += chunk {
		if _, err := s.segments.DeleteMany(ctx, bson.M{"_id": bson.M{"$in": merged[start:min(start+chunk, len(merged))]}}); err != nil {
			return 0, err
		}
	}
	if _, err := s.keys().DeleteMany(ctx, bson.M{"at": bson.M{"$lt": time.Now().Add(-IdempotencyWindow)}}); err != nil {
		return 0, err
	}
	return len(ids), nil
}

// smallSegments returns the segments smaller than mergeBelow, by trial.
func (s *Events) smallSegments(ctx context.Context) (map[string][]segmentDoc, error) {
	cur, err := s.segments.Find(ctx, bson.M{"n": bson.M{"$lt": mergeBelow}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var all []segmentDoc
	if err := cur.All(ctx, &all); err != nil {
		return nil, err
	}
	out := map[string][]segmentDoc{}
	for _, seg := range all {
		out[seg.Trial] = append(out[seg.Trial], seg)
	}
	return out, nil
}

// uniquePacked drops repeated event ids (a retried append, an interrupted
// compaction) and puts the events in append (id) order.
func uniquePacked(evs []packedEvent) []packedEvent {
	slices.SortStableFunc(evs, func(a, b packedEvent) int { return strings.Compare(a.ID, b.ID) })
	return slices.CompactFunc(evs, func(a, b packedEvent) bool { return a.ID == b.ID })
}

// Attribution is who appends events: the account or API token, and the
// organisation it acts for ("" for an administrator).
type Attribution struct {
	By  string
	Org string
}

// IdempotencyWindow is how long an append's idempotency key is remembered.
const IdempotencyWindow = 24 * time.Hour

// AppendOptions are how AppendWith stores a batch of events.
type AppendOptions struct {
	Attribution
	// Key, when set, makes the append idempotent: appending again with the same Key
	// (within IdempotencyWindow, for the same By and Org) stores nothing more and
	// gives the first append's ids. Fingerprint identifies what was sent: the same
	// Key with another Fingerprint is a KindConflict.
	Key         string
	Fingerprint string
}

// AppendResult is what AppendWith did.
type AppendResult struct {
	IDs      []string
	Replayed bool // the key was seen before: these are the first append's ids
}

// appendKeyDoc remembers one idempotent append: its events' ids, as runs of
// consecutive ObjectIDs (an upload of 400,000 rows is a few runs, not 400,000 ids).
type appendKeyDoc struct {
	ID          string    `bson:"_id"` // sha256 of org, by and key
	Fingerprint string    `bson:"fp"`
	Runs        []idRun   `bson:"ids"`
	N           int       `bson:"n"`
	Done        bool      `bson:"done"` // every event is stored
	At          time.Time `bson:"at"`
}

type idRun struct {
	Start bson.ObjectID `bson:"s"`
	N     int           `bson:"n"`
}

func (s *Events) keys() *mongo.Collection {
	return s.c.Database().Collection("equity_event_keys")
}

// AppendWith stores events attributed to opt.By and opt.Org.
//
// With opt.Key set, the ids are chosen first and remembered under the key before
// any event is written; the events are then written under those ids, and the key
// marked done. A retry with the same key finds it: done, it answers with the same
// ids and writes nothing; not done (the first attempt failed part-way, or is still
// running), it writes the events again under the same ids, which readers (and
// compaction) drop as repeats. So no interleaving of retries counts an event twice.
func (s *Events) AppendWith(ctx context.Context, events []equity.Event, opt AppendOptions) (AppendResult, error) {
	if opt.Key == "" {
		ids := newEventIDs(len(events))
		if err := s.appendIDs(ctx, events, ids, opt.Attribution); err != nil {
			return AppendResult{}, err
		}
		return AppendResult{IDs: hexIDs(ids)}, nil
	}
	sum := sha256.Sum256([]byte(opt.Org + "\x00" + opt.By + "\x00" + opt.Key))
	keyID := hex.EncodeToString(sum[:])
	keys := s.keys()
	for attempt := 0; ; attempt++ {
		var doc appendKeyDoc
		err := keys.FindOne(ctx, bson.M{"_id": keyID}).Decode(&doc)
		switch {
		case err == nil && time.Since(doc.At) < IdempotencyWindow:
			if doc.Fingerprint != opt.Fingerprint || doc.N != len(events) {
				return AppendResult{}, equitrial.Errorf(equitrial.KindConflict,
					"this Idempotency-Key was used in the last %s for a different request: use a new key for new events", IdempotencyWindow)
			}
			ids := expandRuns(doc.Runs)
			if !doc.Done {
				if err := s.appendIDs(ctx, events, ids, opt.Attribution); err != nil {
					return AppendResult{}, err
				}
				if _, err := keys.UpdateOne(ctx, bson.M{"_id": keyID}, bson.M{"$set": bson.M{"done": true}}); err != nil {
					return AppendResult{}, err
				}
			}
			return AppendResult{IDs: hexIDs(ids), Replayed: true}, nil
		case err == nil:
			// Expired: forget it, unless another request replaced it meanwhile.
			if _, err := keys.DeleteOne(ctx, bson.M{"_id": keyID, "at": doc.At}); err != nil {
				return AppendResult{}, err
			}
		case !errors.Is(err, mongo.ErrNoDocuments):
			return AppendResult{}, err
		}
		ids := newEventIDs(len(events))
		doc = appendKeyDoc{ID: keyID, Fingerprint: opt.Fingerprint, Runs: compressRuns(ids), N: len(events),
			At: time.Now().UTC().Truncate(time.Millisecond)}
		if _, err := keys.InsertOne(ctx, doc); err != nil {
			if isDuplicate(err) && attempt == 0 {
				continue // a concurrent retry claimed the key first: answer as it does
			}
			return AppendResult{}, err
		}
		if err := s.appendIDs(ctx, events, ids, opt.Attribution); err != nil {
			return AppendResult{}, err
		}
		if _, err := keys.UpdateOne(ctx, bson.M{"_id": keyID}, bson.M{"$set": bson.M{"done": true}}); err != nil {
			return AppendResult{}, err
		}
		return AppendResult{IDs: hexIDs(ids)}, nil
	}
}

// compressRuns writes ids as runs of ObjectIDs that differ only by a counter one
// greater each time (how bson.NewObjectID makes them in one process).
func compressRuns(ids []bson.ObjectID) []idRun {
	var runs []idRun
	for _, id := range ids {
		if n := len(runs); n > 0 && nextID(runs[n-1].Start, runs[n-1].N) == id {
			runs[n-1].N++
			continue
		}
		runs = append(runs, idRun{Start: id, N: 1})
	}
	return runs
}

func expandRuns(runs []idRun) []bson.ObjectID {
	var ids []bson.ObjectID
	for _, r := range runs {
		for k := 0; k < r.N; k++ {
			ids = append(ids, nextID(r.Start, k))
		}
	}
	return ids
}

// nextID is start with k added to its 3-byte counter (wrapping, as the driver's).
func nextID(start bson.ObjectID, k int) bson.ObjectID {
	c := uint32(start[9])<<16 | uint32(start[10])<<8 | uint32(start[11])
	c = (c + uint32(k)) & 0xffffff
	id := start
	id[9], id[10], id[11] = byte(c>>16), byte(c>>8), byte(c)
	return id
}
