package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
	"equitrial/patients"
)

// CreateMany stores many new patients at once, each exactly as Create would
// (validated, strata derived, identifiers sealed, NHS number claimed, subscribers
// told), but with one unordered insert per call instead of a round trip per
// record: loading a million patients one InsertOne at a time takes the embedded
// store most of an hour. Nothing is stored unless every record is valid; an NHS
// number already registered in the organisation is a KindConflict error, and the
// numbers this call claimed are given back (a failed insert may still have stored
// part of the batch, as an unordered insert does). It returns the stored records,
// in order.
func (s *Patients) CreateMany(ctx context.Context, ps []*equitrial.Patient) ([]*equitrial.Patient, error) {
	keys, err := s.keyring()
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	ref := s.ref.Load()
	recs := make([]*equitrial.Patient, len(ps))
	docs := make([]any, len(ps))
	for i, p := range ps {
		rec := *p
		rec.ID, rec.Strata, rec.Withdrawn = "", nil, nil
		if err := s.checker.Prepare(&rec); err != nil {
			return nil, fmt.Errorf("patient %d: %w", i, err)
		}
		rec.ID, rec.CreatedAt, rec.UpdatedAt = newPatientID(), now, now
		rec.Strata = patients.DeriveStrata(&rec, ref, now)
		doc, err := toDoc(keys, &rec)
		if err != nil {
			return nil, err
		}
		recs[i], docs[i] = &rec, doc
	}
	var claimed []*patientDoc
	release := func() {
		for _, d := range claimed {
			s.releaseNHSNumber(context.WithoutCancel(ctx), d.Org, d.NHSLookup, d.ID)
		}
	}
	for _, d := range docs {
		doc := d.(*patientDoc)
		if doc.NHSLookup == "" {
			continue
		}
		if err := s.claimNHSNumber(ctx, doc.Org, doc.NHSLookup, doc.ID); err != nil {
			release()
			return nil, err
		}
		claimed = append(claimed, doc)
	}
	if len(docs) > 0 {
		// other replicas learn of the new records from the change log (changes.go)
		ids := make([]string, len(recs))
		for i, rec := range recs {
			ids[i] = rec.ID
		}
		if err := s.changes.mark(ctx, ChangePatients, OpWrite, now, ids...); err != nil {
			release()
			return nil, fmt.Errorf("store: create patients: %w", err)
		}
		if _, err := s.c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil {
			release()
			return nil, fmt.Errorf("store: create patients: %w", err)
		}
	}
	for _, rec := range recs {
		s.notify(PatientChange{Kind: PatientCreated, ID: rec.ID, Org: rec.Org, Patient: matchView(rec), UpdatedAt: rec.UpdatedAt})
	}
	return recs, nil
}
