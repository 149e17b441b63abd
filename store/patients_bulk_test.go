package store_test

import (
	"context"
	"testing"

	"equitrial"
	"equitrial/store"
	"equitrial/store/storetest"
)

// CreateMany stores records as Create does (sealed, strata derived, subscribers
// told), refuses an NHS number already registered without storing anything, and
// gives back the numbers it claimed.
func TestPatientsCreateMany(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	db.Patients.SetKeyring(storetest.TestKeyring(t, "k1:"+"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="))
	var told int
	db.Patients.Subscribe(func(store.PatientChange) { told++ })
	mk := func(nhs string) *equitrial.Patient {
		return &equitrial.Patient{Org: "org-a", Source: "nurse", BirthDate: "1970-01-01", Sex: "female", NHSNumber: nhs,
			GivenName: "Ada", Postcode: "LS1 3EX", Consent: equitrial.Consent{Contact: true, Date: "2025-01-01", Version: "v1", Channel: "web"}}
	}
	recs, err := db.Patients.CreateMany(ctx, []*equitrial.Patient{mk("9434765919"), mk(""), mk("")})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0].ID == "" || recs[0].ID == recs[1].ID || recs[0].Strata == nil || told != 3 {
		t.Fatalf("records %+v, subscribers told %d times", recs, told)
	}
	got, err := db.Patients.Get(ctx, recs[0].ID)
	if err != nil || got.GivenName != "Ada" || got.NHSNumber != "9434765919" {
		t.Fatalf("stored %+v, %v", got, err)
	}
	// The second batch repeats the first one's number: nothing of it is stored,
	// and its own new number is free again afterwards.
	if _, err := db.Patients.CreateMany(ctx, []*equitrial.Patient{mk("4010232137"), mk("9434765919")}); err == nil {
		t.Fatal("a registered NHS number was accepted")
	}
	if n, _ := db.Patients.Count(ctx, "org-a"); n != 3 {
		t.Fatalf("%d records after the refused batch, want 3", n)
	}
	if _, err := db.Patients.Create(ctx, mk("4010232137"), store.CreateOptions{}); err != nil {
		t.Fatalf("the refused batch kept its claim: %v", err)
	}
}
