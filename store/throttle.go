package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Throttle keeps failure counts for password checks (sign-in, and the current
// password on a password change), so that every replica applies the same back-off.
// Keys are opaque to the store: the auth package hashes what they name (an email
// address, a client address, an account), so neither is kept in the clear.
type Throttle struct {
	c *mongo.Collection
	// locks make a count's increment exact between replicas on FerretDB, whose
	// $inc is a read then a write: two failures at once could count as one.
	locks *Locks
}

// ThrottleEntry is one key's state: how many failures since the count last
// restarted, when the last one was, and when the next attempt may be made.
type ThrottleEntry struct {
	Key      string    `bson:"_id"`
	Failures int       `bson:"failures"`
	Last     time.Time `bson:"last"`
	Until    time.Time `bson:"until"`
}

func (t *Throttle) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, t.c, mongo.IndexModel{Keys: bson.D{{Key: "last", Value: 1}}})
}

// Get returns the entries that exist among keys.
func (t *Throttle) Get(ctx context.Context, keys []string) ([]ThrottleEntry, error) {
	cur, err := t.c.Find(ctx, bson.M{"_id": bson.M{"$in": keys}})
	if err != nil {
		return nil, err
	}
	var out []ThrottleEntry
	err = cur.All(ctx, &out)
	return out, err
}

// Fail counts one failure against key at now and sets when the next attempt may be
// made to now plus delay(failures). A count whose last failure is older than window
// restarts from zero first. It returns the new count.
func (t *Throttle) Fail(ctx context.Context, key string, now time.Time, window time.Duration, delay func(int) time.Duration) (int, error) {
	if t.locks != nil && updatesReadThenWrite(ctx, t.c) {
		release, err := t.locks.Lock(ctx, "throttle/"+key)
		if err != nil {
			return 0, err
		}
		defer release()
	}
	if _, err := t.c.UpdateOne(ctx, bson.M{"_id": key, "last": bson.M{"$lt": now.Add(-window)}},
		bson.M{"$set": bson.M{"failures": 0}}); err != nil {
		return 0, err
	}
	var e ThrottleEntry
	err := t.c.FindOneAndUpdate(ctx, bson.M{"_id": key},
		bson.M{"$inc": bson.M{"failures": 1}, "$set": bson.M{"last": now}, "$max": bson.M{"until": now}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&e)
	if err != nil {
		return 0, err
	}
	if d := delay(e.Failures); d > 0 {
		// $max: of two concurrent failures, the longer wait stands.
		_, err = t.c.UpdateOne(ctx, bson.M{"_id": key}, bson.M{"$max": bson.M{"until": now.Add(d)}})
	}
	return e.Failures, err
}

// Clear forgets keys (after a successful check).
func (t *Throttle) Clear(ctx context.Context, keys ...string) error {
	_, err := t.c.DeleteMany(ctx, bson.M{"_id": bson.M{"$in": keys}})
	return err
}

// Purge removes entries whose last failure is before cutoff and whose wait is over.
func (t *Throttle) Purge(ctx context.Context, cutoff, now time.Time) (int64, error) {
	res, err := t.c.DeleteMany(ctx, bson.M{"last": bson.M{"$lt": cutoff}, "until": bson.M{"$lt": now}})
	if err != nil {
		return 0, err
	}
	return res.DeletedCount, nil
}
