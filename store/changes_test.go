package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"equitrial"
	"equitrial/store"
	"equitrial/store/storetest"
)

// Every write to a record that replicas keep in memory leaves a mark in the
// change log, with the updatedAt it writes, including withdrawals and deletions
// (a deleted record has no updatedAt left to poll by), and a trial import only
// for the records it wrote.
func TestChangeMarksOnEveryWritePath(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	db.Patients.SetKeyring(storetest.TestKeyring(t, "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="))
	since := time.Now().Add(-time.Second)
	marks := func() []string {
		t.Helper()
		cs, err := db.Changes.Since(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			if c.Origin != db.Changes.Origin() {
				t.Fatalf("mark %+v has another origin than %s", c, db.Changes.Origin())
			}
			out = append(out, fmt.Sprintf("%s %s %v", c.Kind, c.Op, c.IDs))
		}
		since = time.Now()
		return out
	}
	want := func(step string, wanted ...string) {
		t.Helper()
		time.Sleep(5 * time.Millisecond) // marks are stamped to the millisecond
		if got := marks(); !slices.Equal(got, wanted) {
			t.Fatalf("%s: marks %q, want %q", step, got, wanted)
		}
	}
	if _, err := db.Trials.Upsert(ctx, storeTrials("NCT00000001", "NCT00000002")); err != nil {
		t.Fatal(err)
	}
	want("import", "trials write [NCT00000001 NCT00000002]")
	if _, err := db.Trials.Upsert(ctx, storeTrials("NCT00000001")); err != nil {
		t.Fatal(err)
	}
	want("re-import of an unchanged record")

	p, err := db.Patients.Create(ctx, &equitrial.Patient{GivenName: "Mark", FamilyName: "Log", BirthDate: "1970-01-01", Sex: "male",
		Consent: equitrial.Consent{Contact: true, Date: "2026-01-01", Version: "v1", Channel: "web"}, Org: "site-a", Source: "nurse"}, store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want("create", "patients write ["+p.ID+"]")
	p.Phone, p.UpdatedAt = "07700 900123", time.Time{}
	if p, err = db.Patients.Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	want("update", "patients write ["+p.ID+"]")
	if _, err := db.Patients.SetAnswers(ctx, p.ID, []equitrial.Answer{{Key: "smi", Value: "no"}}, "u_1", "nurse"); err != nil {
		t.Fatal(err)
	}
	want("answers", "patients write ["+p.ID+"]")
	if _, err := db.Patients.WithdrawConsent(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	want("withdrawal", "patients write ["+p.ID+"]")
	if err := db.Patients.Delete(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	want("deletion", "patients delete ["+p.ID+"]")

	cs, err := db.Changes.Since(ctx, time.Now().Add(-time.Hour))
	if err != nil || len(cs) != 6 {
		t.Fatalf("Since an hour ago: %d marks, %v", len(cs), err)
	}
	if n, err := db.Changes.Prune(ctx, time.Now().Add(time.Second)); err != nil || n != 6 {
		t.Fatalf("Prune removed %d marks (%v), want 6", n, err)
	}
}

// A withdrawal stamps the record with a new updatedAt, so a replica polling by
// updatedAt sees it: the mark's version and the record's agree.
func TestChangeMarkCarriesTheVersionWritten(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	db.Patients.SetKeyring(storetest.TestKeyring(t, "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="))
	p, err := db.Patients.Create(ctx, &equitrial.Patient{GivenName: "Ver", FamilyName: "Sion", BirthDate: "1970-01-01", Sex: "female",
		Consent: equitrial.Consent{Contact: true, Date: "2026-01-01", Version: "v1", Channel: "web"}, Org: "site-a", Source: "nurse"}, store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := db.Patients.WithdrawConsent(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := db.Changes.Since(ctx, w.UpdatedAt)
	if err != nil || len(cs) != 1 || !cs[0].At.Equal(w.UpdatedAt) {
		t.Fatalf("marks since the withdrawal: %+v, %v; want one at %v", cs, err, w.UpdatedAt)
	}
	recs, err := db.Patients.ForMatching(ctx, []string{p.ID, "pt_absent"})
	if err != nil || len(recs) != 1 || recs[p.ID].Withdrawn == nil || !recs[p.ID].UpdatedAt.Equal(w.UpdatedAt) {
		t.Fatalf("ForMatching: %+v, %v", recs, err)
	}
}
