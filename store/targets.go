package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// PutMany sets the targets of many trials (trial id → targets) at once, after
// validating all of them (nothing is written if any is invalid; the error names
// the trial). Every document is first offered to one unordered bulk insert per
// thousand; those refused as duplicates (trials that already have targets) are
// then replaced by `_id`. No filter but `_id` equality is sent (FerretDB's SQLite
// backend reads the whole collection for any other), so setting targets for new
// trials costs one insert per thousand, whatever is stored.
func (s *Targets) PutMany(ctx context.Context, targets map[string]equity.Targets, by string) error {
	ids := make([]string, 0, len(targets))
	for id, t := range targets {
		if err := t.Validate(); err != nil {
			return fmt.Errorf("targets of %s: %w", id, err)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	now := time.Now().UTC().Truncate(time.Millisecond)
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(start+1000, len(ids))]
		var inserts []any
		var replaces []mongo.WriteModel
		for _, id := range chunk {
			t := targets[id]
			inserts = append(inserts, targetsDoc{Trial: id, Total: t.Total, EndDate: t.EndDate, Source: t.Source, Sources: t.Sources,
				Shares: t.Shares, Region: t.Region, UpdatedAt: now, UpdatedBy: by})
		}
		if len(inserts) > 0 {
			if _, err := s.c.InsertMany(ctx, inserts, options.InsertMany().SetOrdered(false)); err != nil {
				// Trials that already have targets: replace those.
				var bwe mongo.BulkWriteException
				if !errors.As(err, &bwe) || !trialDuplicatesOnly(err) {
					return err
				}
				for _, we := range bwe.WriteErrors {
					d := inserts[we.Index].(targetsDoc)
					replaces = append(replaces, mongo.NewReplaceOneModel().SetFilter(bson.M{"_id": d.Trial}).SetReplacement(d).SetUpsert(true))
				}
			}
		}
		if len(replaces) > 0 {
			if _, err := bulkWrite(ctx, s.c, replaces); err != nil {
				return err
			}
		}
	}
	return nil
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
