package app

import (
	"context"
	"testing"
	"time"

	"equitrial"
	"equitrial/auth"
	"equitrial/store"
	"equitrial/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const testKeys = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// The nightly purge withdraws records untouched for longer than the retention
// period (erasing their identifiers, keeping strata) and removes ended sessions,
// and leaves everything current alone.
func TestPurge(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	db.Patients.SetKeyring(storetest.TestKeyring(t, testKeys))
	now := time.Date(2026, 11, 21, 2, 15, 0, 0, time.UTC)
	create := func(at time.Time, name string) string {
		db.Patients.SetClock(func() time.Time { return at })
		p, err := db.Patients.Create(ctx, &equitrial.Patient{GivenName: name, FamilyName: "Purge", BirthDate: "1960-01-01", Sex: "female",
			Email: name + "@example.org", Consent: equitrial.Consent{Contact: true, Date: at.Format(time.DateOnly), Version: "v1", Channel: "web"},
			Org: "site-a", Source: "nurse"}, store.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	old := create(now.AddDate(-4, 0, 0), "Old")
	recent := create(now.AddDate(0, -2, 0), "Recent")
	db.Patients.SetClock(func() time.Time { return now })

	svc := auth.New(db)
	svc.Now = func() time.Time { return now.Add(-13 * time.Hour) }
	if _, pw, err := svc.CreateUser(ctx, "n@example.nhs.uk", "nurse", "site-a"); err != nil {
		t.Fatal(err)
	} else if _, _, err := svc.Login(ctx, "n@example.nhs.uk", pw); err != nil {
		t.Fatal(err)
	}

	p := &Purge{DB: db, Auth: svc, Retention: 3 * 365 * 24 * time.Hour, Now: func() time.Time { return now }}
	detail, err := p.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(detail)
	gone, err := db.Patients.Get(ctx, old)
	if err != nil || gone.Withdrawn == nil || gone.GivenName != "" || gone.Email != "" || gone.Strata == nil {
		t.Fatalf("record past retention: %+v, %v; want withdrawn, identifiers erased, strata kept", gone, err)
	}
	kept, err := db.Patients.Get(ctx, recent)
	if err != nil || kept.Withdrawn != nil || kept.GivenName != "Recent" {
		t.Fatalf("current record: %+v, %v; want it untouched", kept, err)
	}
	if n, _ := db.Sessions.Purge(ctx, svc.IdleTimeout, now); n != 0 {
		t.Fatalf("%d ended sessions were left for a second purge", n)
	}
	if again, _ := p.Run(ctx); again == detail {
		t.Fatalf("a second purge did the same work again: %s", again)
	}
}
