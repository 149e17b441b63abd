package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"equitrial"
	"equitrial/store"
	"equitrial/store/storetest"
)

// A withdrawal racing an update of the same record must win for good: once
// withdrawn, the record holds no identifiers, whichever write ran first. On the
// embedded FerretDB a conditional update is a read and a write of its own, so
// without the per-record lock an update can write the record back un-withdrawn.
func TestWithdrawalRacingAnUpdateStaysWithdrawn(t *testing.T) {
	db := storetest.NewDB(t)
	db.Patients.SetKeyring(storetest.TestKeyring(t, "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="))
	raceWithdrawalAndUpdate(t, db, db, 30)
}

// raceWithdrawalAndUpdate creates a patient through withdrawer, then withdraws
// it there while updater updates it at the same moment, rounds times, and fails
// if any record comes out holding identifiers or consent.
func raceWithdrawalAndUpdate(t *testing.T, withdrawer, updater *store.DB, rounds int) {
	t.Helper()
	ctx := context.Background()
	for round := 0; round < rounds; round++ {
		p, err := withdrawer.Patients.Create(ctx, &equitrial.Patient{GivenName: "Race", FamilyName: "Round", BirthDate: "1970-01-01", Sex: "male",
			Email: "race@example.org", Consent: equitrial.Consent{Contact: true, Date: "2026-01-01", Version: "v1", Channel: "web"},
			Org: "site-a", Source: "nurse"}, store.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			u := *p
			u.Phone, u.UpdatedAt = "07700 900456", time.Time{}
			updater.Patients.Update(ctx, &u) // may lose to the withdrawal: a conflict is fine
		}()
		go func() {
			defer wg.Done()
			if _, err := withdrawer.Patients.WithdrawConsent(ctx, p.ID); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
		got, err := withdrawer.Patients.Get(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Withdrawn == nil || got.GivenName != "" || got.Email != "" || got.Phone != "" || got.Consent.Contact {
			t.Fatalf("round %d: after a withdrawal raced an update the record is %+v", round, got)
		}
	}
}
