package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
)

// Trials is the repository of trial records, keyed by NCT id.
type Trials struct {
	c *mongo.Collection
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
// the order of trials. It writes in one bulk request.
func (s *Trials) Upsert(ctx context.Context, trials []*equitrial.Trial) ([]Outcome, error) {
	if len(trials) == 0 {
		return nil, nil
	}
	ids := make([]string, len(trials))
	for i, t := range trials {
		ids[i] = t.NCTID
	}
	type version struct {
		ID         string `bson:"_id"`
		LastUpdate string `bson:"lastUpdate"`
		Hash       string `bson:"hash"`
	}
	cur, err := s.c.Find(ctx, bson.M{"_id": bson.M{"$in": ids}},
		options.Find().SetProjection(bson.M{"lastUpdate": 1, "hash": 1}))
	if err != nil {
		return nil, err
	}
	var existing []version
	if err := cur.All(ctx, &existing); err != nil {
		return nil, err
	}
	stored := make(map[string]version, len(existing))
	for _, v := range existing {
		stored[v.ID] = v
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	outcomes := make([]Outcome, len(trials))
	var writes []mongo.WriteModel
	for i, t := range trials {
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
		writes = append(writes, mongo.NewReplaceOneModel().SetFilter(bson.M{"_id": t.NCTID}).
			SetReplacement(doc).SetUpsert(true))
		stored[t.NCTID] = version{ID: t.NCTID, LastUpdate: t.LastUpdate, Hash: hash}
	}
	if len(writes) > 0 {
		if _, err := s.c.BulkWrite(ctx, writes, options.BulkWrite().SetOrdered(true)); err != nil {
			return nil, err
		}
	}
	return outcomes, nil
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
