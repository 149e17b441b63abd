package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"equitrial"
)

// StaleIDs lists patients not withdrawn whose record has not changed since before:
// candidates for the retention purge, which withdraws them and erases identifiers.
func (s *Patients) StaleIDs(ctx context.Context, before time.Time, limit int) ([]string, error) {
	return s.ids(ctx, bson.M{"updatedAt": bson.M{"$lt": before}, "withdrawn": bson.M{"$exists": false}}, limit)
}

// WithdrawIfStale withdraws a patient exactly as WithdrawConsent does, but only if
// the record is still unchanged since before: the condition StaleIDs listed it by
// is part of the write's filter, so a record updated between the purge's scan and
// its withdrawal (or withdrawn or deleted meanwhile) is left alone. It reports
// whether it withdrew the record.
func (s *Patients) WithdrawIfStale(ctx context.Context, id string, before time.Time) (bool, error) {
	_, withdrawn, err := s.withdraw(ctx, id, bson.M{"updatedAt": bson.M{"$lt": before}})
	if equitrial.Is(equitrial.KindNotFound, err) {
		return false, nil
	}
	return withdrawn, err
}
