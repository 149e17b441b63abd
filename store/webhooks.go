package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/url"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
)

// Webhooks holds each sponsor organisation's webhook (where alerts are POSTed and
// the secret they are signed with) and the record of every delivery.
type Webhooks struct {
	c          *mongo.Collection
	deliveries *mongo.Collection
}

// Webhook is one organisation's endpoint. The secret is never served back by the API.
type Webhook struct {
	Org       string    `json:"org" bson:"_id"`
	URL       string    `json:"url" bson:"url"`
	Secret    string    `json:"-" bson:"secret"`
	UpdatedAt time.Time `json:"updatedAt" bson:"updatedAt"`
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // every attempt failed
)

// Delivery is one event POSTed (or to be POSTed) to one webhook.
type Delivery struct {
	ID          string     `json:"id" bson:"-"`
	Org         string     `json:"org" bson:"org"`
	Event       string     `json:"event" bson:"event"` // alert.opened, alert.resolved
	TrialID     string     `json:"nctId" bson:"trial"`
	AlertID     string     `json:"alertId,omitempty" bson:"alertId,omitempty"`
	Payload     string     `json:"payload" bson:"payload"` // the exact JSON body signed and sent
	Status      string     `json:"status" bson:"status"`
	Attempts    []Attempt  `json:"attempts" bson:"attempts"`
	CreatedAt   time.Time  `json:"createdAt" bson:"createdAt"`
	DeliveredAt *time.Time `json:"deliveredAt,omitempty" bson:"deliveredAt,omitempty"`
	// ClaimedUntil is when a sender's claim on a pending delivery lapses; until then
	// no other sender (another replica) takes it.
	ClaimedUntil *time.Time `json:"-" bson:"claimedUntil,omitempty"`
}

// deliveryID is the id of the delivery of an alert's event to an organisation: the
// same every time it is queued, so queueing again (after a pass that stopped
// between queueing and recording it) adds nothing.
func deliveryID(d Delivery) bson.ObjectID {
	if d.AlertID == "" {
		return bson.NewObjectID()
	}
	sum := sha256.Sum256([]byte(d.Org + "\x00" + d.AlertID + "\x00" + d.Event))
	var id bson.ObjectID
	copy(id[:], sum[:])
	return id
}

// Attempt is one POST of a delivery.
type Attempt struct {
	At         time.Time `json:"at" bson:"at"`
	StatusCode int       `json:"statusCode,omitempty" bson:"statusCode,omitempty"`
	Error      string    `json:"error,omitempty" bson:"error,omitempty"`
	DurationMs int64     `json:"durationMs" bson:"durationMs"`
}

type deliveryDoc struct {
	ID       bson.ObjectID `bson:"_id"`
	Delivery `bson:",inline"`
}

func (s *Webhooks) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, s.deliveries,
		mongo.IndexModel{Keys: bson.D{{Key: "status", Value: 1}, {Key: "createdAt", Value: 1}}},
	)
}

// ValidateURL accepts absolute http(s) URLs only.
func ValidateURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return equitrial.Invalid("the webhook URL is not valid",
			equitrial.FieldError{Field: "url", Detail: "must be an absolute http(s) URL without credentials"})
	}
	return nil
}

// Put sets an organisation's webhook.
func (s *Webhooks) Put(ctx context.Context, w Webhook) error {
	if err := ValidateURL(w.URL); err != nil {
		return err
	}
	if len(w.Secret) < 16 {
		return equitrial.Invalid("the webhook secret is too short",
			equitrial.FieldError{Field: "secret", Detail: "must be at least 16 characters"})
	}
	w.UpdatedAt = ms(time.Now())
	_, err := s.c.ReplaceOne(ctx, bson.M{"_id": w.Org}, w, options.Replace().SetUpsert(true))
	return err
}

// Get returns an organisation's webhook; ok is false when it has none.
func (s *Webhooks) Get(ctx context.Context, org string) (w Webhook, ok bool, err error) {
	err = s.c.FindOne(ctx, bson.M{"_id": org}).Decode(&w)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Webhook{}, false, nil
	}
	return w, err == nil, err
}

// Delete removes an organisation's webhook.
func (s *Webhooks) Delete(ctx context.Context, org string) error {
	_, err := s.c.DeleteOne(ctx, bson.M{"_id": org})
	return err
}

// Queue records deliveries to be made (the outbox) and returns those newly queued,
// with their ids. A delivery of an alert's event to an organisation that is already
// queued is not queued again.
func (s *Webhooks) Queue(ctx context.Context, ds []Delivery) ([]Delivery, error) {
	if len(ds) == 0 {
		return nil, nil
	}
	now := ms(time.Now())
	docs := make([]any, len(ds))
	out := make([]Delivery, len(ds))
	for i, d := range ds {
		id := deliveryID(d)
		d.Status, d.Attempts, d.CreatedAt, d.DeliveredAt, d.ClaimedUntil = DeliveryPending, []Attempt{}, now, nil, nil
		docs[i] = deliveryDoc{ID: id, Delivery: d}
		d.ID = id.Hex()
		out[i] = d
	}
	_, err := s.deliveries.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return out, nil
	}
	var bw mongo.BulkWriteException
	if !errors.As(err, &bw) || bw.WriteConcernError != nil {
		return nil, err
	}
	dup := map[int]bool{}
	for _, we := range bw.WriteErrors {
		if we.Code != 11000 {
			return nil, err
		}
		dup[we.Index] = true
	}
	kept := out[:0]
	for i := range out {
		if !dup[i] {
			kept = append(kept, out[i])
		}
	}
	return kept, nil
}

// Claim takes up to limit pending deliveries, oldest first, that no other sender
// holds, and holds them for lease: a replica's background sender and another's
// never send the same delivery at once. RecordAttempt releases the claim.
func (s *Webhooks) Claim(ctx context.Context, limit int, lease time.Duration) ([]Delivery, error) {
	now := ms(time.Now())
	free := bson.M{"status": DeliveryPending, "$or": bson.A{
		bson.M{"claimedUntil": bson.M{"$exists": false}}, bson.M{"claimedUntil": bson.M{"$lt": now}}}}
	cands, err := s.findDeliveries(ctx, free, options.Find().
		SetSort(bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(max(limit, 1))))
	if err != nil {
		return nil, err
	}
	until := now.Add(lease)
	var out []Delivery
	for _, d := range cands {
		oid, _ := bson.ObjectIDFromHex(d.ID)
		filter := bson.M{"_id": oid, "status": DeliveryPending}
		if d.ClaimedUntil == nil {
			filter["claimedUntil"] = bson.M{"$exists": false}
		} else {
			filter["claimedUntil"] = ms(*d.ClaimedUntil)
		}
		res, err := s.deliveries.UpdateOne(ctx, filter, bson.M{"$set": bson.M{"claimedUntil": until}})
		if err != nil {
			return out, err
		}
		if res.ModifiedCount == 1 {
			d.ClaimedUntil = &until
			out = append(out, d)
		}
	}
	return out, nil
}

// RecordAttempt appends an attempt to a delivery and sets its status.
func (s *Webhooks) RecordAttempt(ctx context.Context, id string, a Attempt, status string) error {
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		return equitrial.Errorf(equitrial.KindNotFound, "no delivery with id %s", id)
	}
	a.At = ms(a.At)
	set := bson.M{"status": status}
	if status == DeliveryDelivered {
		set["deliveredAt"] = a.At
	}
	update := bson.M{"$push": bson.M{"attempts": a}, "$set": set}
	if status != DeliveryPending {
		update["$unset"] = bson.M{"claimedUntil": ""}
	}
	_, err = s.deliveries.UpdateOne(ctx, bson.M{"_id": oid}, update)
	return err
}

// Pending returns deliveries not yet delivered nor given up on, oldest first.
func (s *Webhooks) Pending(ctx context.Context, limit int) ([]Delivery, error) {
	return s.findDeliveries(ctx, bson.M{"status": DeliveryPending}, options.Find().
		SetSort(bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(max(limit, 1))))
}

// Deliveries returns an organisation's latest deliveries, newest first.
func (s *Webhooks) Deliveries(ctx context.Context, org string, limit int) ([]Delivery, error) {
	return s.findDeliveries(ctx, bson.M{"org": org}, options.Find().
		SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(max(limit, 1))))
}

func (s *Webhooks) findDeliveries(ctx context.Context, filter bson.M, opts *options.FindOptionsBuilder) ([]Delivery, error) {
	cur, err := s.deliveries.Find(ctx, filter, opts)
	if err != nil {
		return nil, err
	}
	var docs []deliveryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]Delivery, len(docs))
	for i := range docs {
		out[i] = docs[i].Delivery
		out[i].ID = docs[i].ID.Hex()
		if out[i].Attempts == nil {
			out[i].Attempts = []Attempt{}
		}
	}
	return out, nil
}
