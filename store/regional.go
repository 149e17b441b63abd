package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// RegionalShares keeps the regional table of ethnic-group shares loaded as
// reference data (`equitrial refdata load --ethnicity`): one document per region.
type RegionalShares struct {
	c *mongo.Collection
}

type regionDoc struct {
	Region   string             `bson:"_id"`
	Shares   map[string]float64 `bson:"shares"`
	Source   string             `bson:"source"`
	LoadedAt time.Time          `bson:"loadedAt"`
}

// Replace stores table in place of the one held; source names the file or release.
// Regions missing from the new table are removed after it is written.
func (r *RegionalShares) Replace(ctx context.Context, table map[string]map[string]float64, source string) error {
	now := ms(time.Now())
	var keep []string
	for region, shares := range table {
		keep = append(keep, region)
		if _, err := r.c.ReplaceOne(ctx, bson.M{"_id": region}, regionDoc{Region: region, Shares: shares, Source: source, LoadedAt: now},
			options.Replace().SetUpsert(true)); err != nil {
			return err
		}
	}
	_, err := r.c.DeleteMany(ctx, bson.M{"_id": bson.M{"$nin": keep}})
	return err
}

// Table returns the regional table (empty when none is loaded).
func (r *RegionalShares) Table(ctx context.Context) (map[string]map[string]float64, error) {
	cur, err := r.c.Find(ctx, bson.M{})
	if err != nil {
		return nil, err
	}
	var docs []regionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make(map[string]map[string]float64, len(docs))
	for _, d := range docs {
		out[d.Region] = d.Shares
	}
	return out, nil
}
