package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// AuditEntry records that someone read or changed patient data. The log is
// append-only: this repository has no way to change or delete an entry.
type AuditEntry struct {
	ID        bson.ObjectID `json:"id" bson:"_id,omitempty"`
	At        time.Time     `json:"at" bson:"at"`
	ActorRole string        `json:"actorRole" bson:"actorRole"`
	ActorID   string        `json:"actorId,omitempty" bson:"actorId,omitempty"`
	ActorOrg  string        `json:"actorOrg,omitempty" bson:"actorOrg,omitempty"`
	Action    string        `json:"action" bson:"action"`   // read, list, create, update, delete, withdraw-consent, match
	Subject   string        `json:"subject" bson:"subject"` // what kind of record: patient, patients
	SubjectID string        `json:"subjectId,omitempty" bson:"subjectId,omitempty"`
	Count     int           `json:"count,omitempty" bson:"count,omitempty"` // records disclosed by a list
	Method    string        `json:"method" bson:"method"`
	Route     string        `json:"route" bson:"route"` // the route pattern, never the raw path
	RequestID string        `json:"requestId" bson:"requestId"`
	Status    int           `json:"status" bson:"status"`
}

// Audit is the audit log.
type Audit struct {
	c *mongo.Collection
}

func (a *Audit) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, a.c,
		mongo.IndexModel{Keys: bson.D{{Key: "subjectId", Value: 1}, {Key: "at", Value: -1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "actorId", Value: 1}, {Key: "at", Value: -1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "at", Value: -1}}},
	)
}

// Append adds an entry.
func (a *Audit) Append(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	e.ID = bson.NilObjectID
	_, err := a.c.InsertOne(ctx, e)
	return err
}

// AuditQuery selects entries; zero fields do not filter.
type AuditQuery struct {
	SubjectID string
	ActorID   string
	From, To  time.Time
	Limit     int
}

// Find returns matching entries, newest first.
func (a *Audit) Find(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	filter := auditFilter(q)
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	cur, err := a.c.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "at", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	out := []AuditEntry{}
	return out, cur.All(ctx, &out)
}
