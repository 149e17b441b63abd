package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
	"equitrial/equity"
)

// Alerts holds equity alerts. At most one alert per trial, dimension and group is
// open: without partial indexes, the unique index is on openKey, which is
// "trial|dimension|group" while the alert is open and "resolved|<id>" after.
type Alerts struct {
	c *mongo.Collection
}

type alertDoc struct {
	ID             bson.ObjectID `bson:"_id"`
	Trial          string        `bson:"trial"`
	Dimension      string        `bson:"dim"`
	Group          string        `bson:"group"`
	Status         string        `bson:"status"`
	PreviousStatus string        `bson:"prevStatus,omitempty"`
	OpenedAt       time.Time     `bson:"openedAt"`
	UpdatedAt      time.Time     `bson:"updatedAt"`
	ResolvedAt     *time.Time    `bson:"resolvedAt,omitempty"`
	AcknowledgedAt *time.Time    `bson:"ackAt,omitempty"`
	AcknowledgedBy string        `bson:"ackBy,omitempty"`
	Open           bool          `bson:"open"`
	OpenKey        string        `bson:"openKey"`
	// Notify is the webhook event still to be queued for this alert (alert.opened,
	// alert.resolved), cleared once its deliveries are in the outbox: the alert and
	// the duty to tell sponsors of it are one write, so a monitor stopped between
	// the two leaves the duty behind for the next pass to carry out.
	Notify string `bson:"notify,omitempty"`
}

// Webhook events an alert gives rise to.
const (
	EventAlertOpened   = "alert.opened"
	EventAlertResolved = "alert.resolved"
)

// Notice is an alert whose webhook event has not been queued yet.
type Notice struct {
	Event string
	Alert equity.Alert
}

func openKey(trial, dim, group string) string { return trial + "|" + dim + "|" + group }

func (s *Alerts) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, s.c,
		mongo.IndexModel{Keys: bson.D{{Key: "openKey", Value: 1}}, Options: options.Index().SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "trial", Value: 1}, {Key: "openedAt", Value: -1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "open", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "notify", Value: 1}}},
	)
}

func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = ms(t)
	return &t
}

func toAlertDoc(a *equity.Alert, id bson.ObjectID) alertDoc {
	d := alertDoc{ID: id, Trial: a.TrialID, Dimension: a.Dimension, Group: a.Group, Status: a.Status,
		PreviousStatus: a.PreviousStatus, OpenedAt: ms(a.OpenedAt), UpdatedAt: ms(a.UpdatedAt),
		ResolvedAt: optTime(a.ResolvedAt), AcknowledgedAt: optTime(a.AcknowledgedAt), AcknowledgedBy: a.AcknowledgedBy,
		Open: a.IsOpen(), OpenKey: openKey(a.TrialID, a.Dimension, a.Group)}
	if !d.Open {
		d.OpenKey = "resolved|" + id.Hex()
	}
	return d
}

func (d *alertDoc) alert() equity.Alert {
	a := equity.Alert{ID: d.ID.Hex(), TrialID: d.Trial, Dimension: d.Dimension, Group: d.Group, Status: d.Status,
		PreviousStatus: d.PreviousStatus, OpenedAt: d.OpenedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), AcknowledgedBy: d.AcknowledgedBy}
	if d.ResolvedAt != nil {
		a.ResolvedAt = d.ResolvedAt.UTC()
	}
	if d.AcknowledgedAt != nil {
		a.AcknowledgedAt = d.AcknowledgedAt.UTC()
	}
	return a
}

// Open stores new open alerts and returns those actually opened, with their ids.
// An alert whose group already has an open alert is left out (the unique openKey
// refuses it), so concurrent monitors cannot open duplicates.
func (s *Alerts) Open(ctx context.Context, alerts []equity.Alert) ([]equity.Alert, error) {
	if len(alerts) == 0 {
		return nil, nil
	}
	docs := make([]any, len(alerts))
	out := make([]equity.Alert, len(alerts))
	for i := range alerts {
		id := bson.NewObjectID()
		a := alerts[i]
		a.ResolvedAt = time.Time{}
		d := toAlertDoc(&a, id)
		d.Notify = EventAlertOpened
		docs[i] = d
		out[i] = d.alert()
	}
	_, err := s.c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return out, nil
	}
	var bw mongo.BulkWriteException
	if !errors.As(err, &bw) || bw.WriteConcernError != nil {
		return nil, err
	}
	failed := make(map[int]bool, len(bw.WriteErrors))
	for _, we := range bw.WriteErrors {
		if we.Code != 11000 {
			return nil, err
		}
		failed[we.Index] = true
	}
	kept := out[:0]
	for i := range out {
		if !failed[i] {
			kept = append(kept, out[i])
		}
	}
	return kept, nil
}

// Update writes the status changes equity.PlanAlerts made to open alerts (its
// Update list): status and previous status, and for an escalation the removal of
// the acknowledgement. Other updates do not touch the acknowledgement, so one given
// by a user while the monitor was working is never lost.
func (s *Alerts) Update(ctx context.Context, alerts []equity.Alert) error {
	return s.write(ctx, alerts, func(a *equity.Alert) bson.M {
		set := bson.M{"status": a.Status, "prevStatus": a.PreviousStatus, "updatedAt": ms(a.UpdatedAt)}
		if a.Escalated {
			return bson.M{"$set": set, "$unset": bson.M{"ackAt": "", "ackBy": ""}}
		}
		return bson.M{"$set": set}
	})
}

// Resolve closes alerts (equity.PlanAlerts' Resolve list) and frees their openKey so
// the group can alert again. An acknowledgement made meanwhile is kept.
func (s *Alerts) Resolve(ctx context.Context, alerts []equity.Alert) error {
	return s.write(ctx, alerts, func(a *equity.Alert) bson.M {
		resolved := a.ResolvedAt
		if resolved.IsZero() {
			resolved = a.UpdatedAt
		}
		return bson.M{"$set": bson.M{"status": a.Status, "updatedAt": ms(a.UpdatedAt), "resolvedAt": ms(resolved),
			"open": false, "openKey": "resolved|" + a.ID, "notify": EventAlertResolved}}
	})
}

// Unnotified returns the alerts whose webhook event (opened or resolved) is not yet
// queued, oldest first: those the latest monitor writes left, and any that a
// stopped or failed pass left behind.
func (s *Alerts) Unnotified(ctx context.Context) ([]Notice, error) {
	cur, err := s.c.Find(ctx, bson.M{"notify": bson.M{"$in": bson.A{EventAlertOpened, EventAlertResolved}}},
		options.Find().SetSort(bson.D{{Key: "updatedAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(10000))
	if err != nil {
		return nil, err
	}
	var docs []alertDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]Notice, len(docs))
	for i := range docs {
		out[i] = Notice{Event: docs[i].Notify, Alert: docs[i].alert()}
	}
	return out, nil
}

// Notified records that notices' events are queued. An alert whose event changed
// since (resolved after its opening was read) keeps the newer duty.
func (s *Alerts) Notified(ctx context.Context, notices []Notice) error {
	if len(notices) == 0 {
		return nil
	}
	// On FerretDB a filter of more than `_id` reads the whole collection for
	// each statement; read the duties still pending once, and update by `_id`
	// those that still hold the event read (FerretDB's own conditional update
	// is a read and then a write too). MongoDB checks it in the update.
	ferret := onFerretDB(ctx, s.c)
	var pending map[bson.ObjectID]string
	if ferret {
		var err error
		if pending, err = s.pendingDuties(ctx); err != nil {
			return err
		}
	}
	writes := make([]mongo.WriteModel, 0, len(notices))
	for _, n := range notices {
		id, err := bson.ObjectIDFromHex(n.Alert.ID)
		if err != nil {
			return equitrial.Errorf(equitrial.KindInvalid, "alert id %q is not valid", n.Alert.ID)
		}
		filter := bson.M{"_id": id, "notify": n.Event}
		if ferret {
			if pending[id] != n.Event {
				continue // resolved (or notified) since: keeps its newer duty
			}
			filter = bson.M{"_id": id}
		}
		writes = append(writes, mongo.NewUpdateOneModel().SetFilter(filter).SetUpdate(bson.M{"$unset": bson.M{"notify": ""}}))
	}
	_, err := bulkWrite(ctx, s.c, writes)
	return err
}

// pendingDuties reads the notification duty of every alert that has one.
func (s *Alerts) pendingDuties(ctx context.Context) (map[bson.ObjectID]string, error) {
	cur, err := s.c.Find(ctx, bson.M{"notify": bson.M{"$in": bson.A{EventAlertOpened, EventAlertResolved}}},
		options.Find().SetProjection(bson.M{"notify": 1}))
	if err != nil {
		return nil, err
	}
	var docs []struct {
		ID     bson.ObjectID `bson:"_id"`
		Notify string        `bson:"notify"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make(map[bson.ObjectID]string, len(docs))
	for _, d := range docs {
		out[d.ID] = d.Notify
	}
	return out, nil
}

func (s *Alerts) write(ctx context.Context, alerts []equity.Alert, update func(*equity.Alert) bson.M) error {
	if len(alerts) == 0 {
		return nil
	}
	writes := make([]mongo.WriteModel, 0, len(alerts))
	for i := range alerts {
		id, err := bson.ObjectIDFromHex(alerts[i].ID)
		if err != nil {
			return equitrial.Errorf(equitrial.KindInvalid, "alert id %q is not valid", alerts[i].ID)
		}
		writes = append(writes, mongo.NewUpdateOneModel().SetFilter(bson.M{"_id": id}).SetUpdate(update(&alerts[i])))
	}
	_, err := bulkWrite(ctx, s.c, writes)
	return err
}

// Get returns one alert, or a not-found error.
func (s *Alerts) Get(ctx context.Context, id string) (equity.Alert, error) {
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		return equity.Alert{}, equitrial.Errorf(equitrial.KindNotFound, "no alert with id %s", id)
	}
	var d alertDoc
	err = s.c.FindOne(ctx, bson.M{"_id": oid}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return equity.Alert{}, equitrial.Errorf(equitrial.KindNotFound, "no alert with id %s", id)
	}
	if err != nil {
		return equity.Alert{}, err
	}
	return d.alert(), nil
}

// List returns a trial's alerts, newest first: only open ones unless all is true.
func (s *Alerts) List(ctx context.Context, trialID string, all bool) ([]equity.Alert, error) {
	filter := bson.M{"trial": trialID}
	if !all {
		filter["open"] = true
	}
	return s.find(ctx, filter, options.Find().SetSort(bson.D{{Key: "openedAt", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(1000))
}

// OpenByTrial returns every open alert grouped by trial, for the monitor pass.
func (s *Alerts) OpenByTrial(ctx context.Context) (map[string][]equity.Alert, error) {
	list, err := s.find(ctx, bson.M{"open": true}, options.Find().SetBatchSize(10000))
	if err != nil {
		return nil, err
	}
	out := map[string][]equity.Alert{}
	for _, a := range list {
		out[a.TrialID] = append(out[a.TrialID], a)
	}
	return out, nil
}

func (s *Alerts) find(ctx context.Context, filter bson.M, opts *options.FindOptionsBuilder) ([]equity.Alert, error) {
	cur, err := s.c.Find(ctx, filter, opts)
	if err != nil {
		return nil, err
	}
	var docs []alertDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]equity.Alert, len(docs))
	for i := range docs {
		out[i] = docs[i].alert()
	}
	return out, nil
}

// Acknowledge records that a user has seen an open alert and returns it. Again on
// an acknowledged alert changes nothing; on a resolved one it is a conflict.
func (s *Alerts) Acknowledge(ctx context.Context, id, by string, at time.Time) (equity.Alert, error) {
	a, err := s.Get(ctx, id)
	if err != nil {
		return a, err
	}
	already := !a.AcknowledgedAt.IsZero()
	if err := a.Acknowledge(by, at); err != nil || already {
		return a, err
	}
	oid, _ := bson.ObjectIDFromHex(a.ID)
	// Only while still open and unacknowledged: a monitor resolving or escalating it
	// meanwhile wins, and the caller sees the alert as it now is.
	res, err := s.c.UpdateOne(ctx, bson.M{"_id": oid, "open": true, "ackAt": bson.M{"$exists": false}},
		bson.M{"$set": bson.M{"ackAt": ms(at), "ackBy": by}})
	if err != nil {
		return a, err
	}
	if res.MatchedCount == 0 {
		now, err := s.Get(ctx, id)
		if err == nil && !now.IsOpen() {
			return now, equitrial.Errorf(equitrial.KindConflict, "the alert was resolved at %s", now.ResolvedAt.Format(time.RFC3339))
		}
		return now, err
	}
	return s.Get(ctx, id)
}
