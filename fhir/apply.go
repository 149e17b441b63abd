package fhir

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"equitrial"
	"equitrial/patients"
)

// Store is where an import finds and writes patients: the patient repository, for
// one organisation. The API and the CLI both hand it the same repository methods
// the patient routes use, so that every record written from a Bundle is validated,
// sealed, stratified (postcode → LSOA → deprivation), locked and announced to
// matching exactly as one written through the API.
type Store interface {
	// ByNHSNumber is the organisation's live patient with the number, or a
	// KindNotFound error.
	ByNHSNumber(ctx context.Context, nhsNumber string) (*equitrial.Patient, error)
	Create(ctx context.Context, p *equitrial.Patient) (*equitrial.Patient, error)
	// Update refuses (KindConflict) a record changed since p.UpdatedAt.
	Update(ctx context.Context, p *equitrial.Patient) (*equitrial.Patient, error)
}

// Change is one patient record a Bundle creates or updates.
type Change struct {
	Profile *Profile
	Current *equitrial.Patient // as stored when planned; nil for a new patient
	Next    *equitrial.Patient // normalised and valid
}

// Unchanged reports whether writing would change nothing (the Bundle was sent
// before), so that the record's updatedAt, and matching, are left alone.
func (c Change) Unchanged() bool {
	return c.Current != nil && reflect.DeepEqual(c.Current, c.Next)
}

// Plan is the whole import checked before anything is written: each Profile is
// merged with the organisation's stored patient of the same NHS number and the
// result validated by check, the validator the store applies. Every refused field
// is reported on the entry it came from, in one KindInvalid error; then nothing
// must be written.
func Plan(ctx context.Context, st Store, imp *Import, org string, check *patients.Checker) ([]Change, error) {
	var is issues
	changes := make([]Change, 0, len(imp.Profiles))
	for _, p := range imp.Profiles {
		cur, err := st.ByNHSNumber(ctx, p.NHSNumber)
		switch {
		case equitrial.Is(equitrial.KindNotFound, err):
			cur = nil
		case err != nil:
			return nil, err
		}
		next, origin := Merge(cur, p)
		if cur == nil {
			next.Org = org
		}
		if err := check.Prepare(next); err != nil {
			var e *equitrial.Error
			if !errors.As(err, &e) || e.Kind != equitrial.KindInvalid {
				return nil, err
			}
			for _, fe := range e.Fields {
				is = append(is, origin.Issue(fe))
			}
			continue
		}
		changes = append(changes, Change{Profile: p, Current: cur, Next: next})
	}
	if err := is.err(); err != nil {
		return nil, err
	}
	return changes, nil
}

// Written is what happened to one Patient of a Bundle.
type Written struct {
	Ref
	ID                 string `json:"id"`
	Action             string `json:"action"` // created, updated or unchanged
	Conditions         int    `json:"conditions"`
	Observations       int    `json:"observations"`
	ConditionsComplete bool   `json:"conditionsComplete"`
}

// Write stores the planned changes in order. A write that fails (another writer
// changed a record since Plan read it, or the store is down) stops the import;
// what was written before it stays written and is returned with the error. The
// same Bundle can then simply be sent again: records already written are unchanged.
func Write(ctx context.Context, st Store, changes []Change) ([]Written, error) {
	out := make([]Written, 0, len(changes))
	for i, ch := range changes {
		var rec *equitrial.Patient
		var err error
		w := Written{Ref: ch.Profile.Ref}
		switch {
		case ch.Current == nil:
			w.Action = "created"
			rec, err = st.Create(ctx, ch.Next)
		case ch.Unchanged():
			w.Action, rec = "unchanged", ch.Current
		default:
			w.Action = "updated"
			ch.Next.UpdatedAt = ch.Current.UpdatedAt // refuse to overwrite a change made since Plan read it
			rec, err = st.Update(ctx, ch.Next)
		}
		if err != nil {
			return out, &equitrial.Error{Kind: equitrial.KindOf(err), Op: "fhir import",
				Detail: fmt.Sprintf("%s: %s; %d of %d patients were written before it: send the whole Bundle again (patients already written are left unchanged)",
					ch.Profile.label(), detailOf(err), i, len(changes)),
				Err: err}
		}
		w.ID, w.Conditions, w.Observations, w.ConditionsComplete = rec.ID, len(rec.Conditions), len(rec.Observations), rec.ConditionsComplete
		out = append(out, w)
	}
	return out, nil
}

func detailOf(err error) string {
	var e *equitrial.Error
	if errors.As(err, &e) && e.Detail != "" {
		return e.Detail
	}
	return "the store refused the write"
}
