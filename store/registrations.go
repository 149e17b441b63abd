package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// RegistrationNotice is a message waiting to be sent about a self-registration
// that named an NHS number already registered in the organisation. The service
// answers such a registration exactly as a new one (so the answer reveals nothing
// about whether the number is registered) and creates no second record; instead it
// records a notice here for the existing record's own contact route (its email, or
// else its phone), or for the organisation's staff when it has neither. Nothing the
// second registration typed is kept: it may not come from the patient.
type RegistrationNotice struct {
	ID        bson.ObjectID `json:"id" bson:"_id"`
	At        time.Time     `json:"at" bson:"at"`
	Kind      string        `json:"kind" bson:"kind"`           // NoticeRegisteredAgain
	PatientID string        `json:"patientId" bson:"patientId"` // the existing record
	Org       string        `json:"org" bson:"org"`
	Route     string        `json:"route" bson:"route"`   // email, phone or organisation
	Status    string        `json:"status" bson:"status"` // pending until a sender delivers it
}

// NoticeRegisteredAgain is a registration with an NHS number already registered.
const NoticeRegisteredAgain = "registered-again"

// RegistrationNotices is the queue of such notices.
type RegistrationNotices struct {
	c *mongo.Collection
}

// RegistrationNotices returns the queue of notices about repeated registrations.
func (d *DB) RegistrationNotices() *RegistrationNotices {
	return &RegistrationNotices{c: d.db.Collection("registration_notices")}
}

// Record queues a pending notice.
func (r *RegistrationNotices) Record(ctx context.Context, n RegistrationNotice) error {
	n.ID = bson.NewObjectID()
	if n.At.IsZero() {
		n.At = time.Now().UTC().Truncate(time.Millisecond)
	}
	if n.Status == "" {
		n.Status = "pending"
	}
	_, err := r.c.InsertOne(ctx, n)
	return err
}

// Pending lists the pending notices of an organisation ("" for all), oldest first.
func (r *RegistrationNotices) Pending(ctx context.Context, org string) ([]RegistrationNotice, error) {
	filter := bson.M{"status": "pending"}
	if org != "" {
		filter["org"] = org
	}
	cur, err := r.c.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := []RegistrationNotice{}
	return out, cur.All(ctx, &out)
}
