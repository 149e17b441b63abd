package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
	"equitrial/equity"
)

// Dashboards keeps the equity dashboards of the latest monitor pass, one per trial,
// and each group's status on it, which the next pass compares against to plan
// alerts.
//
// Dashboards are written once and never updated: each pass inserts its own set
// (keyed "trial|pass"), then publishes it by pointing the current-pass document at
// it and deletes older sets. Replacing thousands of large documents in place is
// what FerretDB v1.24 does worst (a bulk replace of 200 dashboards did not finish
// in ten minutes), while inserts and one bulk delete are fast; reads look a trial's
// dashboard up by _id, the one filter FerretDB's SQLite backend pushes down.
type Dashboards struct {
	c    *mongo.Collection
	meta *mongo.Collection // {_id: "current", pass}
}

// The dashboard is stored as its JSON text: its statistics are often undefined
// (NaN, null in JSON), which the JSON form already round-trips exactly, and the API
// serves it as JSON anyway. Statuses are a separate small field so the monitor can
// read all of them without decoding every dashboard: they are the statuses alerts
// are judged on (equity.AlertStatuses, from the disclosure-controlled figures).
type dashboardDoc struct {
	ID         string    `bson:"_id"` // trial|pass
	Trial      string    `bson:"trial"`
	Pass       string    `bson:"pass"`
	ComputedAt time.Time `bson:"computedAt"`
	Statuses   string    `bson:"statuses"` // JSON {"dimension|group": status}: one value is far cheaper for FerretDB to read than a nested document
	JSON       string    `bson:"json"`
}

func statusKey(k equity.GroupKey) string { return k.Dimension + "|" + k.Group }

func parseStatusKey(s string) equity.GroupKey {
	dim, group, _ := strings.Cut(s, "|")
	return equity.GroupKey{Dimension: dim, Group: group}
}

// NewPass returns a fresh pass id for Put and Publish.
func (s *Dashboards) NewPass() string { return bson.NewObjectID().Hex() }

// Put stores dashboards computed in pass. They are not served until Publish.
func (s *Dashboards) Put(ctx context.Context, pass string, ds []*equity.Dashboard) error {
	if len(ds) == 0 {
		return nil
	}
	docs := make([]any, 0, len(ds))
	for _, d := range ds {
		doc, err := toDashboardDoc(d, pass)
		if err != nil {
			return err
		}
		docs = append(docs, doc)
	}
	_, err := s.c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	return err
}

func toDashboardDoc(d *equity.Dashboard, pass string) (dashboardDoc, error) {
	body, err := json.Marshal(d)
	if err != nil {
		return dashboardDoc{}, err
	}
	st := equity.AlertStatuses(*d)
	statuses := make(map[string]string, len(st))
	for k, v := range st {
		statuses[statusKey(k)] = v
	}
	stJSON, err := json.Marshal(statuses)
	if err != nil {
		return dashboardDoc{}, err
	}
	return dashboardDoc{ID: d.TrialID + "|" + pass, Trial: d.TrialID, Pass: pass,
		ComputedAt: ms(d.AsOf), Statuses: string(stJSON), JSON: string(body)}, nil
}

// Replace puts one trial's dashboard, computed between passes (its targets just
// changed), into the published pass, so it is served at once. If a pass is
// published meanwhile, the dashboard goes into that one too. With no published
// pass it stores nothing: the API then computes dashboards on demand.
func (s *Dashboards) Replace(ctx context.Context, d *equity.Dashboard) error {
	written := ""
	for range 3 {
		pass, err := s.current(ctx)
		if err != nil || pass == "" || pass == written {
			return err
		}
		doc, err := toDashboardDoc(d, pass)
		if err != nil {
			return err
		}
		if _, err := s.c.ReplaceOne(ctx, bson.M{"_id": doc.ID}, doc, options.Replace().SetUpsert(true)); err != nil {
			return err
		}
		written = pass
	}
	return nil
}

// StatusesOf returns one trial's group statuses from the latest published pass
// (none when it has no dashboard there).
func (s *Dashboards) StatusesOf(ctx context.Context, trialID string) (map[equity.GroupKey]string, error) {
	pass, err := s.current(ctx)
	if err != nil || pass == "" {
		return nil, err
	}
	var doc struct {
		Statuses string `bson:"statuses"`
	}
	err = s.c.FindOne(ctx, bson.M{"_id": trialID + "|" + pass}, options.FindOne().SetProjection(bson.M{"statuses": 1})).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseStatuses(doc.Statuses)
}

func parseStatuses(raw string) (map[equity.GroupKey]string, error) {
	var statuses map[string]string
	if err := json.Unmarshal([]byte(raw), &statuses); err != nil {
		return nil, err
	}
	m := make(map[equity.GroupKey]string, len(statuses))
	for k, v := range statuses {
		m[parseStatusKey(k)] = v
	}
	return m, nil
}

// Publish makes pass's dashboards the current ones and deletes every other pass's.
func (s *Dashboards) Publish(ctx context.Context, pass string) error {
	if _, err := s.meta.UpdateOne(ctx, bson.M{"_id": "current"}, bson.M{"$set": bson.M{"pass": pass}},
		options.UpdateOne().SetUpsert(true)); err != nil {
		return err
	}
	_, err := s.c.DeleteMany(ctx, bson.M{"pass": bson.M{"$ne": pass}})
	return err
}

func (s *Dashboards) current(ctx context.Context) (string, error) {
	var doc struct {
		Pass string `bson:"pass"`
	}
	err := s.meta.FindOne(ctx, bson.M{"_id": "current"}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	return doc.Pass, err
}

// Get returns a trial's dashboard from the latest published pass, or a not-found
// error when there is none.
func (s *Dashboards) Get(ctx context.Context, trialID string) (equity.Dashboard, error) {
	pass, err := s.current(ctx)
	if err != nil {
		return equity.Dashboard{}, err
	}
	var doc dashboardDoc
	if pass != "" {
		err = s.c.FindOne(ctx, bson.M{"_id": trialID + "|" + pass}).Decode(&doc)
	}
	if pass == "" || errors.Is(err, mongo.ErrNoDocuments) {
		return equity.Dashboard{}, equitrial.Errorf(equitrial.KindNotFound, "no equity dashboard has been computed for %s", trialID)
	}
	if err != nil {
		return equity.Dashboard{}, err
	}
	var d equity.Dashboard
	if err := json.Unmarshal([]byte(doc.JSON), &d); err != nil {
		return equity.Dashboard{}, err
	}
	return d, nil
}

// Statuses returns every trial's group statuses from the latest published pass.
func (s *Dashboards) Statuses(ctx context.Context) (map[string]map[equity.GroupKey]string, error) {
	out := map[string]map[equity.GroupKey]string{}
	pass, err := s.current(ctx)
	if err != nil || pass == "" {
		return out, err
	}
	cur, err := s.c.Find(ctx, bson.M{"pass": pass}, options.Find().SetProjection(bson.M{"trial": 1, "statuses": 1}).SetBatchSize(5000))
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc struct {
			Trial    string `bson:"trial"`
			Statuses string `bson:"statuses"`
		}
		if err := cur.Decode(&doc); err != nil {
			return nil, err
		}
		m, err := parseStatuses(doc.Statuses)
		if err != nil {
			return nil, err
		}
		out[doc.Trial] = m
	}
	return out, cur.Err()
}
