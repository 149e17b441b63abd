package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
)

// NHS-number claims: one small document per (organisation, NHS number) in use,
// keyed by _id, naming the record that holds it. A second registration of the
// same number in one organisation is then refused by the database itself (a
// duplicate _id, atomic on MongoDB and FerretDB alike) instead of by a query
// that, on the embedded store, reads every patient — which made registering
// grow with the number registered. The claim is taken before the record is
// written and given back if the write fails, moved when the number changes, and
// dropped when the record is withdrawn or deleted.

type nhsClaim struct {
	ID      string `bson:"_id"` // org + "\x00" + keyed hash of the number
	Patient string `bson:"patient"`
}

func claimID(org, lookup string) string { return org + "\x00" + lookup }

// claimNHSNumber claims lookup in org for patient id; a claim held by another
// live record is a KindConflict error.
func (s *Patients) claimNHSNumber(ctx context.Context, org, lookup, id string) error {
	if lookup == "" {
		return nil
	}
	_, err := s.claims.InsertOne(ctx, nhsClaim{ID: claimID(org, lookup), Patient: id})
	if err == nil || !mongo.IsDuplicateKeyError(err) {
		return err
	}
	var held nhsClaim
	if err := s.claims.FindOne(ctx, bson.M{"_id": claimID(org, lookup)}).Decode(&held); err != nil {
		return err
	}
	if held.Patient == id {
		return nil
	}
	return &equitrial.Error{Kind: equitrial.KindConflict, Detail: "a patient with this NHS number is already registered in your organisation (" + held.Patient + ")",
		Fields: []equitrial.FieldError{{Field: "nhsNumber", Detail: "is already registered"}}}
}

// releaseNHSNumber gives a claim back, if patient id holds it.
func (s *Patients) releaseNHSNumber(ctx context.Context, org, lookup, id string) error {
	if lookup == "" {
		return nil
	}
	_, err := s.claims.DeleteOne(ctx, bson.M{"_id": claimID(org, lookup), "patient": id})
	return err
}

// claimedBy returns the id of the record holding an NHS number in org, or "".
func (s *Patients) claimedBy(ctx context.Context, org, lookup string) (string, error) {
	var held nhsClaim
	err := s.claims.FindOne(ctx, bson.M{"_id": claimID(org, lookup)}).Decode(&held)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	return held.Patient, err
}

// backfillNHSClaims claims the numbers of live records stored before claims
// existed: once, when there are records with numbers and no claims at all.
func (s *Patients) backfillNHSClaims(ctx context.Context) error {
	if n, err := s.claims.EstimatedDocumentCount(ctx); err != nil || n > 0 {
		return err
	}
	cur, err := s.c.Find(ctx, bson.M{"nhsLookup": bson.M{"$exists": true}, "withdrawn": bson.M{"$exists": false}},
		options.Find().SetProjection(bson.M{"_id": 1, "org": 1, "nhsLookup": 1}))
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var raw struct {
			ID        string `bson:"_id"`
			Org       string `bson:"org"`
			NHSLookup string `bson:"nhsLookup"`
		}
		if err := cur.Decode(&raw); err != nil {
			return err
		}
		if err := s.claimNHSNumber(ctx, raw.Org, raw.NHSLookup, raw.ID); err != nil && !equitrial.Is(equitrial.KindConflict, err) {
			return fmt.Errorf("store: claiming stored NHS numbers: %w", err)
		}
	}
	return cur.Err()
}
