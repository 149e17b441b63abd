package store

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
)

// matchProjection leaves out what matching never needs (names, NHS number,
// contact details, lookup hashes): they are not even read from the database.
var matchProjection = bson.M{"sealed.givenName": 0, "sealed.familyName": 0, "sealed.nhsNumber": 0,
	"sealed.email": 0, "sealed.phone": 0, "nhsLookup": 0, "accessTokenHash": 0}

// ForMatching returns the stored records of ids as matching reads them (as Each
// yields them, but withdrawn and unconsented records included, so the caller can
// take them out), keyed by id; ids not stored are absent. Replicas use it to
// re-read the patients the change log names. On FerretDB each is an `_id` lookup,
// several at a time (any other filter reads every record there); on MongoDB one
// `_id $in` per thousand.
func (s *Patients) ForMatching(ctx context.Context, ids []string) (map[string]*equitrial.Patient, error) {
	keys, err := s.keyring()
	if err != nil {
		return nil, err
	}
	out := make(map[string]*equitrial.Patient, len(ids))
	var mu sync.Mutex
	add := func(doc *patientDoc) error {
		p, err := fromDoc(keys, doc)
		if err != nil {
			return err
		}
		mu.Lock()
		out[p.ID] = p
		mu.Unlock()
		return nil
	}
	if onFerretDB(ctx, s.c) {
		err := findEachByID(ctx, s.c, ids, matchProjection, func(raw bson.Raw) error {
			var doc patientDoc
			if err := bson.Unmarshal(raw, &doc); err != nil {
				return err
			}
			return add(&doc)
		})
		return out, err
	}
	for start := 0; start < len(ids); start += 1000 {
		cur, err := s.c.Find(ctx, bson.M{"_id": bson.M{"$in": ids[start:min(start+1000, len(ids))]}},
			options.Find().SetProjection(matchProjection))
		if err != nil {
			return nil, err
		}
		var docs []patientDoc
		if err := cur.All(ctx, &docs); err != nil {
			return nil, err
		}
		for i := range docs {
			if err := add(&docs[i]); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
