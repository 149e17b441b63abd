package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"equitrial"
)

// Locks are named locks shared by every process using the store, for the writes
// that FerretDB cannot make atomic: it runs every update as a read then a write of
// the whole document, so two replicas updating one record at once can each write
// back what the other erased (an update racing a consent withdrawal would restore
// the identifiers the withdrawal removed). MongoDB's conditional updates are
// atomic and need no lock; callers take one only on FerretDB (updatesReadThenWrite).
//
// A lock is one document whose `_id` is the lock's name: taking it is an insert,
// which the unique `_id` makes atomic on MongoDB, SQLite and PostgreSQL alike (no
// transactions); releasing it deletes it. A lock carries an expiry, so a process
// that dies holding one blocks the record for at most lockTTL: the next writer
// breaks an expired lock, and of several that try, the one that first inserts a
// claim naming that lock's token does (the others wait for the new holder). As with
// the job leases, a holder stalled for longer than lockTTL may find its lock broken;
// record writes hold one for milliseconds. There is no TTL index: expired locks and
// claims left by dead processes are removed by Prune (the nightly purge).
type Locks struct {
	c *mongo.Collection
}

type lockDoc struct {
	ID        string    `bson:"_id"`
	Token     string    `bson:"token"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

const (
	lockTTL = 30 * time.Second
	// lockWait bounds how long a writer waits for a busy record before giving up.
	lockWait = 10 * time.Second
)

func (l *Locks) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, l.c, mongo.IndexModel{Keys: bson.D{{Key: "expiresAt", Value: 1}}})
}

// Lock takes the lock called name, waiting (up to lockWait) while another process
// holds it, and returns its release.
func (l *Locks) Lock(ctx context.Context, name string) (func(), error) {
	b := make([]byte, 12)
	rand.Read(b)
	token := hex.EncodeToString(b)
	deadline := time.Now().Add(lockWait)
	pause := 2 * time.Millisecond
	for {
		now := time.Now()
		_, err := l.c.InsertOne(ctx, lockDoc{ID: name, Token: token, ExpiresAt: ms(now.Add(lockTTL))})
		if err == nil {
			return func() { l.release(name, token) }, nil
		}
		if !isDuplicate(err) {
			return nil, err
		}
		var held lockDoc
		err = l.c.FindOne(ctx, bson.M{"_id": name}).Decode(&held)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			continue // released meanwhile: try again at once
		case err != nil:
			return nil, err
		case held.ExpiresAt.Before(now):
			if err := l.breakExpired(ctx, held); err != nil {
				return nil, err
			}
			continue
		}
		if now.After(deadline) {
			return nil, equitrial.Errorf(equitrial.KindUnavailable, "the record is being changed elsewhere; try again")
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// breakExpired removes an expired lock, if this process is the first to claim it.
func (l *Locks) breakExpired(ctx context.Context, held lockDoc) error {
	_, err := l.c.InsertOne(ctx, lockDoc{ID: held.ID + "!" + held.Token, Token: "claim", ExpiresAt: held.ExpiresAt})
	if isDuplicate(err) {
		return nil // another process is breaking it
	}
	if err != nil {
		return err
	}
	_, err = l.c.DeleteOne(ctx, bson.M{"_id": held.ID, "token": held.Token})
	return err
}

// release deletes the lock if it is still this holder's. It runs even when the
// caller's context has ended, so that a cancelled request does not leave the
// record locked until the lock expires.
func (l *Locks) release(name, token string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l.c.DeleteOne(ctx, bson.M{"_id": name, "token": token})
}

// Prune removes locks and claims that expired before cutoff (left by processes
// that died holding them).
func (l *Locks) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := l.c.DeleteMany(ctx, bson.M{"expiresAt": bson.M{"$lt": ms(cutoff)}})
	if err != nil {
		return 0, err
	}
	return res.DeletedCount, nil
}

// updatesReadThenWrite reports whether c's server runs an update as a read then a
// write (FerretDB), so that writes whose correctness rests on a conditional
// update must hold a shared lock. The servers that push down only `_id`
// equalities are exactly those.
func updatesReadThenWrite(ctx context.Context, c *mongo.Collection) bool {
	return onFerretDB(ctx, c)
}
