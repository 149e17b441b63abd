package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"equitrial"
	"equitrial/store"
	"equitrial/store/storetest"
)

// Two registrations of one NHS number in one organisation: the database refuses
// the second, however close together they come (the claim is a unique _id, not a
// query then a write); another organisation may hold the same number; a
// withdrawal gives the number back.
func TestNHSNumberClaimedOncePerOrganisation(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	db.Patients.SetKeyring(storetest.TestKeyring(t, "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="))
	patient := func(org string) *equitrial.Patient {
		return &equitrial.Patient{GivenName: "Claim", FamilyName: "Test", BirthDate: "1970-01-01", Sex: "female", NHSNumber: "943 476 5919",
			Email: "claim@example.org", Consent: equitrial.Consent{Contact: true, Date: "2026-01-01", Version: "v1", Channel: "web"},
			Org: org, Source: "nurse"}
	}
	var ok, conflicts atomic.Int32
	var wg sync.WaitGroup
	var first atomic.Value
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := db.Patients.Create(ctx, patient("org-a"), store.CreateOptions{})
			switch {
			case err == nil:
				ok.Add(1)
				first.Store(p.ID)
			case equitrial.Is(equitrial.KindConflict, err):
				conflicts.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || conflicts.Load() != 7 {
		t.Fatalf("8 simultaneous registrations: %d stored, %d refused; want 1 and 7", ok.Load(), conflicts.Load())
	}
	if _, err := db.Patients.Create(ctx, patient("org-b"), store.CreateOptions{}); err != nil {
		t.Errorf("another organisation's record with the same number: %v", err)
	}
	if p, err := db.Patients.ByNHSNumber(ctx, "org-a", "9434765919"); err != nil || p.ID != first.Load() {
		t.Errorf("ByNHSNumber(org-a) = %v, %v; want %v", p, err, first.Load())
	}
	if _, err := db.Patients.WithdrawConsent(ctx, first.Load().(string)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Patients.ByNHSNumber(ctx, "org-a", "9434765919"); !equitrial.Is(equitrial.KindNotFound, err) {
		t.Errorf("after withdrawal, ByNHSNumber(org-a): %v; want not found", err)
	}
	if _, err := db.Patients.Create(ctx, patient("org-a"), store.CreateOptions{}); err != nil {
		t.Errorf("registering again after a withdrawal: %v", err)
	}
}
