package store_test

import (
	"context"
	"testing"
	"time"

	"equitrial"
	"equitrial/store"
	"equitrial/store/storetest"
)

// Issue 10, item 11: a record the retention scan found stale but that is updated
// before the purge withdraws it is active again, and the withdrawal must refuse
// it (the staleness condition is part of the write); a record still stale goes.
func TestWithdrawIfStaleRefusesRecordUpdatedSinceTheScan(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	db.Patients.SetKeyring(storetest.TestKeyring(t, "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="))
	var changes []store.PatientChange
	db.Patients.Subscribe(func(c store.PatientChange) { changes = append(changes, c) })
	now := time.Date(2026, 11, 21, 2, 15, 0, 0, time.UTC)
	created := now.AddDate(-4, 0, 0)
	db.Patients.SetClock(func() time.Time { return created })
	create := func(name string) *equitrial.Patient {
		p, err := db.Patients.Create(ctx, &equitrial.Patient{GivenName: name, FamilyName: "Retention", BirthDate: "1960-01-01", Sex: "female",
			Email: name + "@example.org", Consent: equitrial.Consent{Contact: true, Date: created.Format(time.DateOnly), Version: "v1", Channel: "web"},
			Org: "site-a", Source: "nurse"}, store.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	active, idle := create("Active"), create("Idle")
	db.Patients.SetClock(func() time.Time { return now })
	cutoff := now.AddDate(-3, 0, 0)

	stale, err := db.Patients.StaleIDs(ctx, cutoff, 10)
	if err != nil || len(stale) != 2 {
		t.Fatalf("scan: %v, %v; want both records", stale, err)
	}
	// Between the scan and the withdrawal, a nurse updates one record.
	active.Phone = "07700 900123"
	active.UpdatedAt = time.Time{}
	if _, err := db.Patients.Update(ctx, active); err != nil {
		t.Fatal(err)
	}
	changes = nil
	for _, id := range stale {
		ok, err := db.Patients.WithdrawIfStale(ctx, id, cutoff)
		if err != nil {
			t.Fatal(err)
		}
		if want := id == idle.ID; ok != want {
			t.Errorf("WithdrawIfStale(%s) = %v, want %v", id, ok, want)
		}
	}
	got, err := db.Patients.Get(ctx, active.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Withdrawn != nil || got.GivenName != "Active" || got.Phone != "+447700900123" || !got.Consent.Contact {
		t.Fatalf("record updated after the scan: withdrawn %v, name %q, phone %q, contact %v; want it untouched",
			got.Withdrawn, got.GivenName, got.Phone, got.Consent.Contact)
	}
	gone, err := db.Patients.Get(ctx, idle.ID)
	if err != nil || gone.Withdrawn == nil || gone.GivenName != "" || gone.Email != "" || gone.Strata == nil {
		t.Fatalf("stale record: %+v, %v; want withdrawn, identifiers erased, strata kept", gone, err)
	}
	if len(changes) != 1 || changes[0].Kind != store.PatientWithdrawn || changes[0].ID != idle.ID {
		t.Fatalf("changes told %+v; want one withdrawal, of the stale record", changes)
	}
	// Again: nothing left to do, and an unknown id is not an error.
	for _, id := range []string{idle.ID, "pt_doesnotexist"} {
		if ok, err := db.Patients.WithdrawIfStale(ctx, id, cutoff); ok || err != nil {
			t.Errorf("WithdrawIfStale(%s) again = %v, %v; want false, nil", id, ok, err)
		}
	}
}
