package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Changes is the change log replicas converge from: one small, insert-only mark
// per write (per batch, for trials) to the records that replicas keep in memory,
// naming the records and the updatedAt the write gives them. Each replica polls
// it with a watermark of its own (jobs.Converger) and re-reads the records named.
//
// Why a log, rather than polling trials and patients by updatedAt: FerretDB's
// SQLite and PostgreSQL backends answer every filter but a plain `_id` equality
// by reading and decoding the whole collection in Go (no range filter is pushed
// down), so a poll of `trials` by updatedAt would read every stored study on
// every tick (13 s at 10,000 studies on the embedded database; see
// deploy/SCALING.md). The log holds only the last Retention of marks, so reading
// all of it is cheap even there, and the records it names are then read by
// `_id`. On MongoDB the `at` index serves the poll directly. A deletion leaves a
// mark too: the record is gone, the mark says so.
//
// A mark is written before the write it announces (a write that then fails leaves
// a mark that names a record still at its old version, which pollers re-check
// until it resolves or expires), so a replica that dies between the two loses
// nothing. Marks are never updated (FerretDB runs an update as a read then a
// write), and old ones are deleted by Prune (there are no TTL indexes on FerretDB).
type Changes struct {
	c      *mongo.Collection
	origin string
}

// Kinds of record a mark names.
const (
	ChangeTrials   = "trials"
	ChangePatients = "patients"
)

// Operations a mark announces.
const (
	// OpWrite: the records are being written with updatedAt = At; a reader that
	// finds an older version must look again later.
	OpWrite = "write"
	// OpDelete: the records are being deleted.
	OpDelete = "delete"
	// OpRefresh: the records were changed without a new updatedAt (strata derived
	// again); the mark is written after the write, so any read now sees it.
	OpRefresh = "refresh"
)

// Retention is how long marks are kept: far longer than a replica's poll
// interval, so that a replica that falls behind by less than this catches up from
// the log; one that falls further behind reloads everything from the store.
const Retention = 15 * time.Minute

// Change is one mark.
type Change struct {
	ID     bson.ObjectID `bson:"_id"`
	Kind   string        `bson:"kind"`
	Op     string        `bson:"op"`
	IDs    []string      `bson:"ids"`
	At     time.Time     `bson:"at"`     // the updatedAt written (OpWrite), or when (others)
	Origin string        `bson:"origin"` // the connection (process) that wrote it
}

func newChanges(c *mongo.Collection) *Changes {
	b := make([]byte, 8)
	rand.Read(b)
	return &Changes{c: c, origin: hex.EncodeToString(b)}
}

func (s *Changes) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, s.c, mongo.IndexModel{Keys: bson.D{{Key: "at", Value: 1}}})
}

// Origin names this connection in the marks it writes, so a replica can tell its
// own writes (already applied in memory as they happened) from other replicas'.
func (s *Changes) Origin() string { return s.origin }

// mark records that ids of kind are being (or were) written. A nil log, as in
// repositories made for tests, records nothing.
func (s *Changes) mark(ctx context.Context, kind, op string, at time.Time, ids ...string) error {
	if s == nil || len(ids) == 0 {
		return nil
	}
	_, err := s.c.InsertOne(ctx, Change{ID: bson.NewObjectID(), Kind: kind, Op: op, IDs: ids, At: ms(at), Origin: s.origin})
	return err
}

// Since returns the marks at or after t, oldest first.
func (s *Changes) Since(ctx context.Context, t time.Time) ([]Change, error) {
	cur, err := s.c.Find(ctx, bson.M{"at": bson.M{"$gte": ms(t)}}, options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := []Change{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].At = out[i].At.UTC()
	}
	return out, nil
}

// Prune deletes marks older than before. Every replica may call it: deleting is
// idempotent.
func (s *Changes) Prune(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.c.DeleteMany(ctx, bson.M{"at": bson.M{"$lt": ms(before)}})
	if err != nil {
		return 0, err
	}
	return res.DeletedCount, nil
}
