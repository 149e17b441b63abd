package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"equitrial"
)

// Session is a signed-in staff member's server-side session. Its id is the SHA-256
// of the cookie value: a stolen database copy does not yield usable cookies.
type Session struct {
	ID         string    `bson:"_id"`
	UserID     string    `bson:"userId"`
	Role       string    `bson:"role"`
	Org        string    `bson:"org"`
	PatientID  string    `bson:"patientId,omitempty"` // a patient signed in through NHS login
	MustChange bool      `bson:"mustChange"`
	CreatedAt  time.Time `bson:"createdAt"`
	LastSeenAt time.Time `bson:"lastSeenAt"`
	ExpiresAt  time.Time `bson:"expiresAt"` // the absolute limit
}

// Sessions is the repository of sessions. Expired sessions are refused on read and
// removed by the purge job (no TTL index: FerretDB does not support them).
type Sessions struct {
	c *mongo.Collection
}

func (s *Sessions) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, s.c,
		mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "expiresAt", Value: 1}}},
	)
}

// Create stores a session.
func (s *Sessions) Create(ctx context.Context, sess *Session) error {
	_, err := s.c.InsertOne(ctx, sess)
	return err
}

// Use returns the live session with this id and marks it seen now. A session idle
// for longer than idle, or past its absolute expiry, is deleted and not found.
func (s *Sessions) Use(ctx context.Context, id string, idle time.Duration, now time.Time) (*Session, error) {
	var sess Session
	err := s.c.FindOne(ctx, bson.M{"_id": id}).Decode(&sess)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, equitrial.Errorf(equitrial.KindUnauthorized, "your session has ended: sign in again")
	}
	if err != nil {
		return nil, err
	}
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > idle {
		s.c.DeleteOne(ctx, bson.M{"_id": id})
		return nil, equitrial.Errorf(equitrial.KindUnauthorized, "your session has timed out: sign in again")
	}
	// Record activity at most once a minute, so busy pages do not write on every request.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		s.c.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"lastSeenAt": now}})
	}
	return &sess, nil
}

// Delete ends one session.
func (s *Sessions) Delete(ctx context.Context, id string) error {
	_, err := s.c.DeleteOne(ctx, bson.M{"_id": id})
	return err
}

// DeleteForUser ends every session of a user ("sign out everywhere").
func (s *Sessions) DeleteForUser(ctx context.Context, userID string) (int64, error) {
	res, err := s.c.DeleteMany(ctx, bson.M{"userId": userID})
	if err != nil {
		return 0, err
	}
	return res.DeletedCount, nil
}

// Purge removes sessions past their absolute expiry or idle for longer than idle.
func (s *Sessions) Purge(ctx context.Context, idle time.Duration, now time.Time) (int64, error) {
	res, err := s.c.DeleteMany(ctx, bson.M{"$or": []bson.M{
		{"expiresAt": bson.M{"$lt": now}},
		{"lastSeenAt": bson.M{"$lt": now.Add(-idle)}},
	}})
	if err != nil {
		return 0, err
	}
	return res.DeletedCount, nil
}
