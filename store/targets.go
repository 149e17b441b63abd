package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial/equity"
)

// Targets holds each trial's recruitment targets, one document per trial.
type Targets struct {
	c *mongo.Collection
}

type targetsDoc struct {
	Trial     string                        `bson:"_id"`
	Total     int                           `bson:"total"`
	EndDate   string                        `bson:"endDate,omitempty"`
	Source    string                        `bson:"source,omitempty"`
	Sources   map[string]string             `bson:"sources,omitempty"`
	Shares    map[string]map[string]float64 `bson:"shares,omitempty"`
	Region    string                        `bson:"region,omitempty"`
	UpdatedAt time.Time                     `bson:"updatedAt"`
	UpdatedBy string                        `bson:"updatedBy,omitempty"`
}

func (d *targetsDoc) targets() equity.Targets {
	return equity.Targets{Total: d.Total, EndDate: d.EndDate, Source: d.Source, Sources: d.Sources, Shares: d.Shares, Region: d.Region}
}

// Get returns a trial's targets; found is false when none are set.
func (s *Targets) Get(ctx context.Context, trialID string) (t equity.Targets, found bool, err error) {
	var d targetsDoc
	err = s.c.FindOne(ctx, bson.M{"_id": trialID}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return equity.Targets{}, false, nil
	}
	if err != nil {
		return equity.Targets{}, false, err
	}
	return d.targets(), true, nil
}

// Put replaces a trial's targets after validating them (a KindInvalid error names
// every field at fault).
func (s *Targets) Put(ctx context.Context, trialID string, t equity.Targets, by string) error {
	if err := t.Validate(); err != nil {
		return err
	}
	d := targetsDoc{Trial: trialID, Total: t.Total, EndDate: t.EndDate, Source: t.Source, Sources: t.Sources,
		Shares: t.Shares, Region: t.Region, UpdatedAt: time.Now().UTC().Truncate(time.Millisecond), UpdatedBy: by}
	_, err := s.c.ReplaceOne(ctx, bson.M{"_id": trialID}, d, options.Replace().SetUpsert(true))
	return err
}

// All returns every trial's targets, for the monitor pass.
func (s *Targets) All(ctx context.Context) (map[string]equity.Targets, error) {
	cur, err := s.c.Find(ctx, bson.M{}, options.Find().SetBatchSize(5000))
	if err != nil {
		return nil, err
	}
	var docs []targetsDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make(map[string]equity.Targets, len(docs))
	for i := range docs {
		out[docs[i].Trial] = docs[i].targets()
	}
	return out, nil
}
