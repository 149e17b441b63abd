package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
)

// Trials is the repository of trial records, keyed by NCT id.
type Trials struct {
	c  *mongo.Collection
	mu sync.Mutex // serialises Upsert in this process
	// changes hears of each round of writes before it is made, so that other
	// replicas re-read the trials (changes.go); nil records nothing.
	changes *Changes
	// beforeWrite, when set (tests), runs in Upsert between reading the stored
	// versions and writing.
	beforeWrite func()
}

// Outcome is what an upsert did with one record.
type Outcome uint8

const (
	Imported  Outcome = iota + 1 // new to the store
	Updated                      // replaced an older or different version
	Unchanged                    // the store already had this version, or a newer one
)

func (o Outcome) String() string {
	return [...]string{"", "imported", "updated", "unchanged"}[o]
}

// trialDoc is a trial as stored: the normalised fields, the raw record as the exact
// text received (so no registry field is lost or reinterpreted), and a hash of it.
type trialDoc struct {
	equitrial.Trial `bson:",inline"`
	RawJSON         string    `bson:"raw"`
	Hash            string    `bson:"hash"`
	ImportedAt      time.Time `bson:"importedAt"`
	UpdatedAt       time.Time `bson:"updatedAt"`
}

func (s *Trials) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, s.c,
		mongo.IndexModel{Keys: bson.D{{Key: "updatedAt", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "overallStatus", Value: 1}}},
	)
}

// Upsert stores each trial unless the store already holds the same or a newer
// version: a record whose last-update date is newer, or whose content differs on the
// same date, replaces the stored one; an older one is left out. The outcomes are in
// the order of trials.
//
// The version check is part of each write: a new record is inserted (the unique id
// refuses a second insert), and a stored one is replaced only where it still has the
// content hash the decision was made on. A write that finds the record changed by
// another importer meanwhile is decided again against what is stored now, so of two
// concurrent imports the newer version always stays. On MongoDB the conditional
// replace is atomic; FerretDB's SQLite backend runs an update as a read then a
// write, so upserts in this process are also serialised (the embedded database
// serves one process only). Each round is one find, one insert of a change mark
// (the round's writes are announced in the change log before they are made, for
// the other replicas: changes.go) and one bulk write.
func (s *Trials) Upsert(ctx context.Context, trials []*equitrial.Trial) ([]Outcome, error) {
	if len(trials) == 0 {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	outcomes := make([]Outcome, len(trials))
	pending := make([]int, len(trials)) // indexes into trials still to decide
	for i := range trials {
		pending[i] = i
	}
	for conflicts := 0; len(pending) > 0; {
		// One record per id in a round: a second copy of an id in the batch is
		// decided against the first once that is written.
		var round, later []int
		inRound := make(map[string]bool, len(pending))
		for _, i := range pending {
			if inRound[trials[i].NCTID] {
				later = append(later, i)
				continue
			}
			inRound[trials[i].NCTID] = true
			round = append(round, i)
		}
		ids := make([]string, len(round))
		for k, i := range round {
			ids[k] = trials[i].NCTID
		}
		stored, err := s.versions(ctx, ids)
		if err != nil {
			return nil, err
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		var inserts []any
		var replaces []trialReplace
		var written []int
		hashes := map[string]string{}
		for _, i := range round {
			t := trials[i]
			hash := contentHash(t.Raw)
			old, ok := stored[t.NCTID]
			switch {
			case !ok:
				outcomes[i] = Imported
			case old.Hash == hash:
				outcomes[i] = Unchanged
			case t.LastUpdateTime().Before(equitrial.ParsePartialDate(old.LastUpdate)):
				outcomes[i] = Unchanged // the store has a newer version
			default:
				outcomes[i] = Updated
			}
			if outcomes[i] == Unchanged {
				continue
			}
			doc := trialDoc{Trial: *t, RawJSON: string(t.Raw), Hash: hash, ImportedAt: now, UpdatedAt: now}
			doc.Trial.Raw = nil
			if ok {
				replaces = append(replaces, trialReplace{id: t.NCTID, oldHash: old.Hash, doc: doc})
			} else {
				inserts = append(inserts, doc)
			}
			written = append(written, i)
			hashes[t.NCTID] = hash
		}
		if len(written) == 0 {
			pending = later
			continue
		}
		marked := make([]string, len(written))
		for k, i := range written {
			marked[k] = trials[i].NCTID
		}
		if err := s.changes.mark(ctx, ChangeTrials, OpWrite, now, marked...); err != nil {
			return nil, err
		}
		if s.beforeWrite != nil {
			s.beforeWrite()
		}
		lost, err := s.writeVersions(ctx, inserts, replaces, hashes)
		if err != nil {
			return nil, err
		}
		if len(lost) == 0 {
			pending = later
			continue
		}
		if conflicts++; conflicts > maxUpsertConflicts {
			return nil, equitrial.Errorf(equitrial.KindConflict, "trials %v are being changed by another import; try again", slices.Sorted(maps.Keys(lost)))
		}
		pending = later
		for _, i := range written {
			if lost[trials[i].NCTID] {
				pending = append(pending, i)
			}
		}
		slices.Sort(pending) // copies of an id keep their order
	}
	return outcomes, nil
}

// maxUpsertConflicts bounds the rounds an upsert retries writes that lost to
// another importer.
const maxUpsertConflicts = 10

type trialVersion struct {
	ID         string `bson:"_id"`
	LastUpdate string `bson:"lastUpdate"`
	Hash       string `bson:"hash"`
}

// trialReplace is a stored record to replace, and the hash it must still have.
type trialReplace struct {
	id, oldHash string
	doc         trialDoc
}

var versionProjection = bson.M{"lastUpdate": 1, "hash": 1}

// versions returns the stored last-update date and content hash of each of ids
// that is stored. On MongoDB that is one indexed `_id $in` query per thousand ids;
// FerretDB's SQLite backend answers every filter but a plain `_id` equality by
// reading the whole collection, so there it is one `_id` lookup per id, several
// at a time: the cost follows the batch, not what is already stored.
func (s *Trials) versions(ctx context.Context, ids []string) (map[string]trialVersion, error) {
	stored := make(map[string]trialVersion, len(ids))
	if onFerretDB(ctx, s.c) {
		var mu sync.Mutex
		err := findEachByID(ctx, s.c, ids, versionProjection, func(raw bson.Raw) error {
			var v trialVersion
			if err := bson.Unmarshal(raw, &v); err != nil {
				return err
			}
			mu.Lock()
			stored[v.ID] = v
			mu.Unlock()
			return nil
		})
		return stored, err
	}
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(start+1000, len(ids))]
		cur, err := s.c.Find(ctx, bson.M{"_id": bson.M{"$in": chunk}}, options.Find().SetProjection(versionProjection))
		if err != nil {
			return nil, err
		}
		var existing []trialVersion
		if err := cur.All(ctx, &existing); err != nil {
			return nil, err
		}
		for _, v := range existing {
			stored[v.ID] = v
		}
	}
	return stored, nil
}

// writeVersions inserts the new records in one unordered bulk insert and replaces
// the changed ones where they still hold the hash the decision was made on, and
// returns the ids whose write lost to another writer: an insert of an id stored
// meanwhile, or a replace of a record whose hash changed meanwhile. hashes holds
// the hash each id was written with.
//
// On MongoDB a replace is conditional on {_id, hash}, atomically. On FerretDB such
// a filter would read the whole collection for every record (and FerretDB runs
// any update as a read then a write anyway), so the hashes are read again by `_id`
// just before, and a record is replaced by `_id` only if its hash is unchanged.
func (s *Trials) writeVersions(ctx context.Context, inserts []any, replaces []trialReplace, hashes map[string]string) (map[string]bool, error) {
	applied := 0
	if len(inserts) > 0 {
		_, err := s.c.InsertMany(ctx, inserts, options.InsertMany().SetOrdered(false))
		if err != nil && !trialDuplicatesOnly(err) {
			return nil, err
		}
		applied += len(inserts)
		var bwe mongo.BulkWriteException
		if errors.As(err, &bwe) {
			applied -= len(bwe.WriteErrors)
		}
	}
	if len(replaces) > 0 {
		ferret := onFerretDB(ctx, s.c)
		var current map[string]trialVersion
		if ferret {
			ids := make([]string, len(replaces))
			for k, r := range replaces {
				ids[k] = r.id
			}
			var err error
			if current, err = s.versions(ctx, ids); err != nil {
				return nil, err
			}
		}
		var writes []mongo.WriteModel
		for _, r := range replaces {
			switch {
			case !ferret:
				writes = append(writes, mongo.NewReplaceOneModel().
					SetFilter(bson.M{"_id": r.id, "hash": r.oldHash}).SetReplacement(r.doc))
			case current[r.id].Hash == r.oldHash:
				writes = append(writes, mongo.NewReplaceOneModel().SetFilter(bson.M{"_id": r.id}).SetReplacement(r.doc))
			}
		}
		if len(writes) > 0 {
			matched, err := bulkWrite(ctx, s.c, writes)
			if err != nil {
				return nil, err
			}
			applied += int(matched)
		}
	}
	if applied == len(inserts)+len(replaces) {
		return nil, nil
	}
	// Some write did not apply: see which records do not hold what was written.
	ids := make([]string, 0, len(hashes))
	for id := range hashes {
		ids = append(ids, id)
	}
	stored, err := s.versions(ctx, ids)
	if err != nil {
		return nil, err
	}
	lost := map[string]bool{}
	for id, h := range hashes {
		if stored[id].Hash != h {
			lost[id] = true
		}
	}
	return lost, nil
}

// trialDuplicatesOnly reports whether a bulk write failed only by duplicate keys.
func trialDuplicatesOnly(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, e := range bwe.WriteErrors {
		if e.Code != 11000 {
			return false
		}
	}
	return true
}

// Stored returns which of ids the store holds now.
func (s *Trials) Stored(ctx context.Context, ids []string) (map[string]bool, error) {
	stored, err := s.versions(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(stored))
	for id := range stored {
		out[id] = true
	}
	return out, nil
}

func contentHash(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// Get returns one trial with its raw record, or a not-found error.
func (s *Trials) Get(ctx context.Context, nctID string) (*equitrial.Trial, error) {
	var doc trialDoc
	err := s.c.FindOne(ctx, bson.M{"_id": nctID}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, equitrial.Errorf(equitrial.KindNotFound, "no trial with id %s", nctID)
	}
	if err != nil {
		return nil, err
	}
	t := doc.Trial
	t.Raw = []byte(doc.RawJSON)
	return &t, nil
}

// Count returns how many trials are stored.
func (s *Trials) Count(ctx context.Context) (int64, error) {
	return s.c.CountDocuments(ctx, bson.M{})
}

// Each calls fn for every stored trial (without its raw record), in id order.
// updatedSince, when not zero, limits it to trials written at or after that time.
func (s *Trials) Each(ctx context.Context, updatedSince time.Time, fn func(*equitrial.Trial) error) error {
	filter := bson.M{}
	if !updatedSince.IsZero() {
		filter["updatedAt"] = bson.M{"$gte": updatedSince}
	}
	cur, err := s.c.Find(ctx, filter, options.Find().SetProjection(bson.M{"raw": 0, "hash": 0}).
		SetSort(bson.D{{Key: "_id", Value: 1}}).SetBatchSize(500))
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc trialDoc
		if err := cur.Decode(&doc); err != nil {
			return err
		}
		t := doc.Trial
		if err := fn(&t); err != nil {
			return err
		}
	}
	return cur.Err()
}
