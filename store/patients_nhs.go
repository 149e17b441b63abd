package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
)

// IDsByNHSNumber returns the ids of up to limit live records with an NHS number (any
// spelling), in any organisation, through the keyed hash. NHS login uses it to find
// a patient's record, and refuses a number that more than one record has rather
// than sign the person in to whichever came first.
func (s *Patients) IDsByNHSNumber(ctx context.Context, nhsNumber string, limit int) ([]string, error) {
	filter, err := s.nhsFilter(nhsNumber)
	if err != nil {
		return nil, err
	}
	return s.ids(ctx, filter, limit)
}

// nhsFilter finds records by the keyed hash of an NHS number (any spelling).
func (s *Patients) nhsFilter(nhsNumber string) (bson.M, error) {
	keys, err := s.keyring()
	if err != nil {
		return nil, err
	}
	n, ok := equitrial.NormaliseNHSNumber(nhsNumber)
	if !ok {
		return nil, equitrial.Invalid("", equitrial.FieldError{Field: "nhsNumber", Detail: "is not a valid NHS number"})
	}
	return bson.M{"nhsLookup": keys.Lookup("nhsNumber", n)}, nil
}

// ids lists the ids of up to limit records matching filter.
func (s *Patients) ids(ctx context.Context, filter bson.M, limit int) ([]string, error) {
	cur, err := s.c.Find(ctx, filter, options.Find().SetProjection(bson.M{"_id": 1}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}
