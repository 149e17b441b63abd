package store

import (
	"context"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
)

// StoredTrial is a trial as stored, without its raw record, and the time it was
// last written.
type StoredTrial struct {
	Trial     *equitrial.Trial
	UpdatedAt time.Time
}

var withoutRaw = bson.M{"raw": 0, "hash": 0}

// ByIDs returns those of ids that are stored, without their raw records, in no
// particular order. Replicas use it to re-read the trials the change log names.
// On FerretDB each is an `_id` lookup, several at a time (any other filter reads
// every stored study there); on MongoDB one `_id $in` per thousand.
func (s *Trials) ByIDs(ctx context.Context, ids []string) ([]StoredTrial, error) {
	var out []StoredTrial
	var mu sync.Mutex
	add := func(doc *trialDoc) {
		t := doc.Trial
		mu.Lock()
		out = append(out, StoredTrial{Trial: &t, UpdatedAt: doc.UpdatedAt.UTC()})
		mu.Unlock()
	}
	if onFerretDB(ctx, s.c) {
		err := findEachByID(ctx, s.c, ids, withoutRaw, func(raw bson.Raw) error {
			var doc trialDoc
			if err := bson.Unmarshal(raw, &doc); err != nil {
				return err
			}
			add(&doc)
			return nil
		})
		return out, err
	}
	for start := 0; start < len(ids); start += 1000 {
		cur, err := s.c.Find(ctx, bson.M{"_id": bson.M{"$in": ids[start:min(start+1000, len(ids))]}},
			options.Find().SetProjection(withoutRaw))
		if err != nil {
			return nil, err
		}
		var docs []trialDoc
		if err := cur.All(ctx, &docs); err != nil {
			return nil, err
		}
		for i := range docs {
			add(&docs[i])
		}
	}
	return out, nil
}
