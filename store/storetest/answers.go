package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"equitrial"
	"equitrial/store"
)

// testPatientsAnswers: answers to matching questions, conditionsComplete and
// absent conditions survive the round trip (Create, Update, SetAnswers, Get,
// Each); answers replace by key, an empty value removes one; withdrawal erases
// them with the rest of the clinical profile.
func testPatientsAnswers(t *testing.T, db *store.DB) {
	ctx := context.Background()
	db.Patients.SetKeyring(TestKeyring(t, testKey("k1")))
	var changes []store.PatientChange
	db.Patients.Subscribe(func(c store.PatientChange) { changes = append(changes, c) })

	p := samplePatient("org-a")
	p.ConditionsComplete = true
	p.Conditions = append(p.Conditions, equitrial.Condition{System: "icd10", Code: "I21", Status: " Absent "})
	created, err := db.Patients.Create(ctx, p, store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Patients.Get(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ConditionsComplete {
		t.Error("conditionsComplete was not stored")
	}
	if i := slices.IndexFunc(got.Conditions, func(c equitrial.Condition) bool { return c.Code == "I21" }); i < 0 || got.Conditions[i].Status != equitrial.ConditionAbsent {
		t.Errorf("absent condition not stored as absent: %+v", got.Conditions)
	}
	bad := *got
	bad.Conditions = append(slices.Clone(got.Conditions), equitrial.Condition{System: "icd10", Code: "I10", Status: "maybe"})
	if _, err := db.Patients.Update(ctx, &bad); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Errorf("a condition status of %q was accepted: %v", "maybe", err)
	}

	edits := []equitrial.Answer{
		{Key: "lab:egfr", Value: "52", Unit: "mL/min/1.73m2", Date: "2025-11-20"},
		{Key: "diagnosis:I21,I22", Value: "no"},
		{Key: "capacity", Value: "yes"},
	}
	before := time.Now().UTC().Add(-time.Second)
	rec, err := db.Patients.SetAnswers(ctx, created.ID, edits, "tok_nurse1", "nurse")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Answers) != 3 || rec.Answers[0].By != "tok_nurse1" || rec.Answers[0].Role != "nurse" || rec.Answers[0].At.Before(before) {
		t.Fatalf("SetAnswers = %+v", rec.Answers)
	}
	if last := changes[len(changes)-1]; last.Kind != store.PatientUpdated || last.Patient == nil || len(last.Patient.Answers) != 3 {
		t.Errorf("subscribers were not told of the answers: %+v", last)
	}
	got, err = db.Patients.Get(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := rec.Answers
	if !slices.EqualFunc(got.Answers, want, func(a, b equitrial.Answer) bool {
		return a.Key == b.Key && a.Value == b.Value && a.Unit == b.Unit && a.Date == b.Date && a.By == b.By && a.Role == b.Role && a.At.Equal(b.At)
	}) {
		t.Fatalf("answers after Get = %+v, want %+v", got.Answers, want)
	}
	if got.Answers[0].At.Location() != time.UTC {
		t.Errorf("answer time not in UTC: %v", got.Answers[0].At)
	}

	// An answer about serious mental illness is a stratum too: the equity
	// monitor counts the patient in the SMI group at once.
	if got.Strata == nil || got.Strata.SMI == "yes" {
		t.Fatalf("strata before the SMI answer: %+v", got.Strata)
	}
	rec, err = db.Patients.SetAnswers(ctx, created.ID, []equitrial.Answer{{Key: "smi", Value: "yes"}}, "tok_nurse1", "nurse")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Strata == nil || rec.Strata.SMI != "yes" {
		t.Errorf("strata after answering smi yes: %+v", rec.Strata)
	}
	if got, _ := db.Patients.Get(ctx, created.ID); got.Strata == nil || got.Strata.SMI != "yes" {
		t.Errorf("stored strata after answering smi yes: %+v", got.Strata)
	}
	if rec, err = db.Patients.SetAnswers(ctx, created.ID, []equitrial.Answer{{Key: "smi", Value: ""}}, "tok_nurse1", "nurse"); err != nil || rec.Strata.SMI == "yes" {
		t.Errorf("strata after removing the smi answer: %+v %v", rec.Strata, err)
	}

	// Same key again replaces it in place; an empty value removes one.
	rec, err = db.Patients.SetAnswers(ctx, created.ID, []equitrial.Answer{{Key: "lab:egfr", Value: "25", Unit: "mL/min/1.73m2"}, {Key: "capacity", Value: ""}},
		"patient:"+created.ID, "patient")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Answers) != 2 || rec.Answers[0].Key != "lab:egfr" || rec.Answers[0].Value != "25" || rec.Answers[0].Role != "patient" ||
		rec.Answers[1].Key != "diagnosis:I21,I22" || rec.Answers[1].By != "tok_nurse1" {
		t.Fatalf("after replacing and removing: %+v", rec.Answers)
	}

	// A profile update keeps the answers (they are carried on the record read).
	got, _ = db.Patients.Get(ctx, created.ID)
	got.FamilyName = "Quillingham-Jones"
	upd, err := db.Patients.Update(ctx, got)
	if err != nil || len(upd.Answers) != 2 {
		t.Fatalf("Update lost the answers: %+v, %v", upd, err)
	}

	var seen *equitrial.Patient
	db.Patients.Each(ctx, func(p *equitrial.Patient) error {
		if p.ID == created.ID {
			seen = p
		}
		return nil
	})
	if seen == nil || len(seen.Answers) != 2 || !seen.ConditionsComplete {
		t.Fatalf("Each (what matching reads) lacks the answers: %+v", seen)
	}

	if _, err := db.Patients.SetAnswers(ctx, "pt_missing", edits, "x", "nurse"); !equitrial.Is(equitrial.KindNotFound, err) {
		t.Errorf("answers for a missing patient: %v", err)
	}
	if _, err := db.Patients.WithdrawConsent(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	w, _ := db.Patients.Get(ctx, created.ID)
	if len(w.Answers) != 0 || w.ConditionsComplete {
		t.Errorf("withdrawal kept answers or conditionsComplete: %+v", w)
	}
	if _, err := db.Patients.SetAnswers(ctx, created.ID, edits, "x", "nurse"); !equitrial.Is(equitrial.KindConflict, err) {
		t.Errorf("answers for a withdrawn patient: %v, want conflict", err)
	}
}
