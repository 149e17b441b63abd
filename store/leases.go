package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Leases let one replica at a time run each job.
//
// A lease is a numbered term: taking the lease inserts the job's next term, whose
// _id ("job#000000000042") is unique, holding the holder and an expiry. The insert
// is the atomic step: of any number of replicas that find the current term expired
// and try to insert the next, exactly one succeeds and the rest get a duplicate-key
// error. A find-and-update guarded by the expiry would be the usual way, but
// FerretDB v1.24's SQLite backend runs findAndModify as a read then a write, so two
// replicas can both "win" an expired lease; a unique key is enforced atomically by
// MongoDB and by SQLite alike.
//
// There is no TTL index (FerretDB has none, and expiry must be exact): an expired
// term stays until the next is taken; old terms are pruned as new ones are taken.
// Expiry is judged by the replicas' clocks, which must be synchronised (NTP) to well
// within a lease's time to live. As with any lease, a holder that fails to renew in
// time may find that another has taken over; Renew then reports the loss, and the
// scheduler cancels the run.
type Leases struct {
	c *mongo.Collection
}

// Lease is a job's current term.
type Lease struct {
	Job        string    `json:"job" bson:"job"`
	Term       int64     `json:"term" bson:"term"`
	Holder     string    `json:"holder" bson:"holder"`
	AcquiredAt time.Time `json:"acquiredAt" bson:"acquiredAt"`
	ExpiresAt  time.Time `json:"expiresAt" bson:"expiresAt"`
}

type leaseDoc struct {
	ID    string `bson:"_id"`
	Lease `bson:",inline"`
}

// keepTerms is how many past terms are kept: a replica whose read of the current
// term is this many terms stale could otherwise re-insert a pruned one.
const keepTerms = 100

func termID(job string, term int64) string { return fmt.Sprintf("%s#%012d", job, term) }

func (s *Leases) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, s.c,
		mongo.IndexModel{Keys: bson.D{{Key: "job", Value: 1}, {Key: "term", Value: -1}}},
	)
}

// current returns a job's latest term; ok is false when it has never been taken.
func (s *Leases) current(ctx context.Context, job string) (l Lease, ok bool, err error) {
	var d leaseDoc
	err = s.c.FindOne(ctx, bson.M{"job": job}, options.FindOne().SetSort(bson.D{{Key: "term", Value: -1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Lease{}, false, nil
	}
	if err != nil {
		return Lease{}, false, err
	}
	d.Lease.AcquiredAt, d.Lease.ExpiresAt = d.AcquiredAt.UTC(), d.ExpiresAt.UTC()
	return d.Lease, true, nil
}

// Acquire takes the lease on job for holder until now+ttl when it is free, expired
// or already held by holder. It reports whether holder now holds it.
func (s *Leases) Acquire(ctx context.Context, job, holder string, ttl time.Duration) (bool, error) {
	cur, ok, err := s.current(ctx, job)
	if err != nil {
		return false, err
	}
	now := ms(time.Now())
	if ok && cur.ExpiresAt.After(now) {
		if cur.Holder != holder {
			return false, nil
		}
		return s.Renew(ctx, job, holder, ttl)
	}
	next := cur.Term + 1
	_, err = s.c.InsertOne(ctx, leaseDoc{ID: termID(job, next), Lease: Lease{Job: job, Term: next, Holder: holder,
		AcquiredAt: now, ExpiresAt: now.Add(ttl)}})
	if isDuplicate(err) {
		return false, nil // another replica took this term first
	}
	if err != nil {
		return false, err
	}
	if next > keepTerms {
		s.c.DeleteMany(ctx, bson.M{"job": job, "term": bson.M{"$lte": next - keepTerms}})
	}
	return true, nil
}

// Renew extends holder's lease to now+ttl; false when holder no longer holds it
// (it expired and another replica took it, or it was released).
func (s *Leases) Renew(ctx context.Context, job, holder string, ttl time.Duration) (bool, error) {
	cur, ok, err := s.current(ctx, job)
	if err != nil || !ok || cur.Holder != holder || !cur.ExpiresAt.After(time.Now()) {
		return false, err
	}
	if _, err := s.c.UpdateOne(ctx, bson.M{"_id": termID(job, cur.Term)},
		bson.M{"$set": bson.M{"expiresAt": ms(time.Now()).Add(ttl)}}); err != nil {
		return false, err
	}
	// A later term taken meanwhile means the lease had run out before the update.
	after, _, err := s.current(ctx, job)
	if err != nil {
		return false, err
	}
	return after.Term == cur.Term, nil
}

// Release gives up holder's lease at once, so the next replica need not wait for
// it to expire. Releasing a lease one does not hold does nothing.
func (s *Leases) Release(ctx context.Context, job, holder string) error {
	cur, ok, err := s.current(ctx, job)
	if err != nil || !ok || cur.Holder != holder {
		return err
	}
	_, err = s.c.UpdateOne(ctx, bson.M{"_id": termID(job, cur.Term), "holder": holder},
		bson.M{"$set": bson.M{"expiresAt": time.Unix(0, 0).UTC()}})
	return err
}

// Get returns a job's current lease; ok is false when it has never been taken.
func (s *Leases) Get(ctx context.Context, job string) (l Lease, ok bool, err error) {
	return s.current(ctx, job)
}
