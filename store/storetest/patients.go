package storetest

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"equitrial"
	"equitrial/internal/seal"
	"equitrial/refdata"
	"equitrial/store"
)

// TestKeyring returns a keyring with fixed keys for tests: spec is
// "id:base64key[,id:base64key…]", the first being current.
func TestKeyring(tb testing.TB, spec string) *seal.Keyring {
	tb.Helper()
	keys, current, err := seal.ParseKeys(spec)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := seal.NewKeyring(keys, current, []byte(strings.Repeat("lookup-key-for-tests-", 2)))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// testKey makes a key spec from a short id, deterministic so tests can reopen data.
func testKey(id string) string {
	return id + ":" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat(id, 32)[:32]))
}

// samplePatient is a full profile whose identifiers are distinctive strings, so a
// search of the raw documents for them cannot match anything else.
func samplePatient(org string) *equitrial.Patient {
	yes, no := true, false
	return &equitrial.Patient{
		GivenName: "Zephyrine", FamilyName: "Quillingham", BirthDate: "1961-07-14", NHSNumber: "943 476 5919",
		Email: "zephyrine.quillingham@example.org", Phone: "07700 900461", Postcode: "ls1 3ex",
		Sex: "female", EthnicCategory: "N", Conditions: []equitrial.Condition{{System: "icd10", Code: "e119"}, {Text: "hypertension"}},
		Medicines:    []string{"metformin 500 mg"},
		Observations: []equitrial.Observation{{Analyte: "hba1c", Value: 58, Unit: "mmol/mol", Date: "2025-01-10"}},
		Pregnant:     &no, SMI: &no, Language: "English", InterpreterNeeded: &no, AccessibilityNeeds: []string{"step-free access"},
		Consent: equitrial.Consent{Contact: yes, Date: "2025-01-10", Version: "v2", Channel: "paper"},
		Source:  "nurse", Org: org,
	}
}

// identifierStrings are the forms an identifier of samplePatient could be stored in.
var identifierStrings = []string{"Zephyrine", "Quillingham", "1961-07-14", "9434765919", "943 476 5919",
	"zephyrine.quillingham@example.org", "+447700900461", "07700 900461", "LS1 3EX", "ls1 3ex"}

// rawContains reports which of the strings occur anywhere in the raw stored patient
// documents, read with the driver and rendered as extended JSON.
func rawContains(t *testing.T, db *store.DB, strs []string) []string {
	t.Helper()
	cur, err := db.Collection("patients").Find(context.Background(), bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.Raw
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, d := range docs {
		text := d.String()
		for _, s := range strs {
			if strings.Contains(strings.ToLower(text), strings.ToLower(s)) {
				found = append(found, s)
			}
		}
	}
	return found
}

func testPatientsLifecycle(t *testing.T, db *store.DB) {
	ctx := context.Background()
	db.Patients.SetKeyring(TestKeyring(t, testKey("k1")))
	var changes []store.PatientChange
	db.Patients.Subscribe(func(c store.PatientChange) { changes = append(changes, c) })

	if _, err := db.Patients.Create(ctx, samplePatient("org-a"), store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	created, err := db.Patients.Create(ctx, func() *equitrial.Patient { p := samplePatient("org-b"); return p }(), store.CreateOptions{AccessTokenHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	if created.Postcode != "LS1 3EX" || created.NHSNumber != "9434765919" || created.Phone != "+447700900461" ||
		created.Conditions[0].Code != "E11.9" || created.Conditions[1].Code != "I10" || created.Language != "en" {
		t.Fatalf("not normalised on create: %+v", created)
	}
	if s := created.Strata; s == nil || s.EthnicGroup != equitrial.EthnicGroupBlack || s.SMI != "no" || s.Sex != "female" ||
		s.AgeBand == "" || s.IMDNote == "" || s.IMDDecile != 0 {
		t.Fatalf("strata without reference data = %+v; want derived groups and IMD unknown with a note", created.Strata)
	}
	if len(changes) != 2 || changes[1].Kind != store.PatientCreated || changes[1].Patient == nil ||
		changes[1].Patient.GivenName != "" || changes[1].Patient.NHSNumber != "" || changes[1].Patient.BirthDate == "" {
		t.Fatalf("change feed after create = %+v; want created events without names or NHS number", changes)
	}
	if _, err := db.Patients.Create(ctx, samplePatient("org-a"), store.CreateOptions{}); !equitrial.Is(equitrial.KindConflict, err) {
		t.Fatalf("second patient with the same NHS number in one org: %v, want conflict", err)
	}

	got, err := db.Patients.Get(ctx, created.ID)
	if err != nil || got.GivenName != "Zephyrine" || got.Email != "zephyrine.quillingham@example.org" || got.BirthDate != "1961-07-14" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if _, err := db.Patients.Get(ctx, "pt_missing"); !equitrial.Is(equitrial.KindNotFound, err) {
		t.Fatalf("Get of a missing patient: %v", err)
	}
	byNHS, err := db.Patients.ByNHSNumber(ctx, "org-b", "943-476-5919")
	if err != nil || byNHS.ID != created.ID {
		t.Fatalf("ByNHSNumber = %+v, %v", byNHS, err)
	}
	page, err := db.Patients.List(ctx, store.PatientQuery{Org: "org-b"})
	if err != nil || page.Total != 1 || page.Patients[0].ID != created.ID {
		t.Fatalf("List org-b = %+v, %v", page, err)
	}

	got.FamilyName, got.Conditions = "Quillingham-Smith", append(got.Conditions, equitrial.Condition{System: "icd10", Code: "F20.0"})
	updated, err := db.Patients.Update(ctx, got)
	if err != nil || updated.FamilyName != "Quillingham-Smith" || updated.Strata.SMI != "yes" || updated.Org != "org-b" {
		t.Fatalf("Update = %+v, %v; want the new name and SMI re-derived from F20.0", updated, err)
	}
	if _, err := db.Patients.Update(ctx, got); !equitrial.Is(equitrial.KindConflict, err) {
		t.Fatalf("update from a stale read: %v, want conflict", err)
	}
	bad := *updated
	bad.Postcode, bad.Observations = "not a postcode", []equitrial.Observation{{Analyte: "hba1c", Value: 58, Unit: "%", Date: "2025-01-10"}}
	if _, err := db.Patients.Update(ctx, &bad); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Fatalf("invalid update: %v", err)
	}
	if again, _ := db.Patients.Get(ctx, created.ID); again.Postcode != "LS1 3EX" {
		t.Fatalf("a failed update changed the record: %+v", again)
	}

	changes = nil
	w, err := db.Patients.WithdrawConsent(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if w.GivenName != "" || w.NHSNumber != "" || w.Email != "" || w.BirthDate != "" || w.Postcode != "" || len(w.Conditions) != 0 ||
		w.Consent.Contact || w.Withdrawn == nil || w.Strata == nil || w.Strata.SMI != "yes" {
		t.Fatalf("after withdrawal = %+v; want identifiers and profile erased, strata kept", w)
	}
	if len(changes) != 1 || changes[0].Kind != store.PatientWithdrawn || changes[0].Patient != nil {
		t.Fatalf("change feed after withdrawal = %+v", changes)
	}
	if _, err := db.Patients.ByNHSNumber(ctx, "", "9434765919"); err != nil {
		t.Fatalf("the org-a patient should still be found by NHS number: %v", err)
	}
	if p, err := db.Patients.ByNHSNumber(ctx, "org-b", "9434765919"); err == nil {
		t.Fatalf("withdrawn patient still found by NHS number: %+v", p)
	}
	if _, err := db.Patients.WithdrawConsent(ctx, created.ID); err != nil {
		t.Fatalf("withdrawing twice: %v", err)
	}
	if _, err := db.Patients.Update(ctx, w); !equitrial.Is(equitrial.KindConflict, err) {
		t.Fatalf("update after withdrawal: %v, want conflict", err)
	}
	strata, err := db.Patients.EquityStrata(ctx, []string{created.ID, "pt_missing"})
	if err != nil || len(strata) != 1 || strata[created.ID].SMI != "yes" || strata[created.ID].EthnicGroup != "Black" {
		t.Fatalf("EquityStrata = %+v, %v; want the withdrawn patient's strata", strata, err)
	}
	var each []string
	if err := db.Patients.Each(ctx, func(p *equitrial.Patient) error {
		if p.GivenName != "" || p.NHSNumber != "" || p.Email != "" || p.Phone != "" {
			t.Errorf("Each gave identifiers: %+v", p)
		}
		each = append(each, p.ID)
		return nil
	}); err != nil || len(each) != 1 || each[0] == created.ID {
		t.Fatalf("Each = %v, %v; want only the consented org-a patient", each, err)
	}

	changes = nil
	if err := db.Patients.Delete(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Patients.Delete(ctx, created.ID); !equitrial.Is(equitrial.KindNotFound, err) {
		t.Fatalf("deleting twice: %v", err)
	}
	if len(changes) != 1 || changes[0].Kind != store.PatientDeleted {
		t.Fatalf("change feed after delete = %+v", changes)
	}
	if n, _ := db.Patients.Count(ctx, ""); n != 1 {
		t.Fatalf("Count = %d, want 1", n)
	}
}

func testPatientsNothingStoredOnFailure(t *testing.T, db *store.DB) {
	ctx := context.Background()
	db.Patients.SetKeyring(TestKeyring(t, testKey("k1")))
	p := samplePatient("org-a")
	p.NHSNumber, p.Postcode, p.BirthDate = "9434765918", "XX1", "2999-01-01"
	_, err := db.Patients.Create(ctx, p, store.CreateOptions{})
	var e *equitrial.Error
	if !equitrial.Is(equitrial.KindInvalid, err) || !asError(err, &e) || len(e.Fields) != 3 {
		t.Fatalf("Create invalid = %v; want three fields named", err)
	}
	if n, _ := db.Patients.Count(ctx, ""); n != 0 {
		t.Fatalf("%d patients stored after a failed create", n)
	}
	fresh := store.Patients{}
	if _, err := fresh.Get(ctx, "x"); !equitrial.Is(equitrial.KindUnavailable, err) {
		t.Fatalf("a repository without keys: %v, want unavailable", err)
	}
}

func testPatientsNoPlaintextIdentifiers(t *testing.T, db *store.DB) {
	ctx := context.Background()
	db.Patients.SetKeyring(TestKeyring(t, testKey("k1")))
	p, err := db.Patients.Create(ctx, samplePatient("org-a"), store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if found := rawContains(t, db, identifierStrings); len(found) > 0 {
		t.Fatalf("stored documents contain identifiers in plain text: %v", found)
	}
	if found := rawContains(t, db, []string{"E11.9", "metformin"}); len(found) != 2 {
		t.Fatalf("clinical fields should be stored in the clear for matching; found only %v", found)
	}
	p.GivenName = "Ophelienne"
	if _, err := db.Patients.Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	if found := rawContains(t, db, append(identifierStrings, "Ophelienne")); len(found) > 0 {
		t.Fatalf("after update, stored documents contain identifiers in plain text: %v", found)
	}
}

func testPatientsReseal(t *testing.T, db *store.DB) {
	ctx := context.Background()
	db.Patients.SetKeyring(TestKeyring(t, testKey("k1")))
	var ids []string
	for _, org := range []string{"org-a", "org-b", "org-c"} {
		p, err := db.Patients.Create(ctx, samplePatient(org), store.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	if _, err := db.Patients.WithdrawConsent(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	db.Patients.SetKeyring(TestKeyring(t, testKey("k2")+","+testKey("k1")))
	n, err := db.Patients.Reseal(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Reseal = %d, %v; want the 2 records with identifiers", n, err)
	}
	if n, err := db.Patients.Reseal(ctx); err != nil || n != 0 {
		t.Fatalf("second Reseal = %d, %v; want 0", n, err)
	}
	db.Patients.SetKeyring(TestKeyring(t, testKey("k2"))) // k1 retired
	for _, id := range ids[:2] {
		p, err := db.Patients.Get(ctx, id)
		if err != nil || p.FamilyName != "Quillingham" {
			t.Fatalf("after rotation Get(%s) = %+v, %v", id, p, err)
		}
	}
	if found := rawContains(t, db, identifierStrings); len(found) > 0 {
		t.Fatalf("after re-sealing, identifiers in plain text: %v", found)
	}
}

func testRefDataRoundTrip(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if dir, imd, m, err := db.RefData.Load(ctx); err != nil || dir != nil || imd != nil || m != nil {
		t.Fatalf("Load with nothing stored = %v %v %v %v; want all nil", dir, imd, m, err)
	}
	b := refdata.NewDirectoryBuilder(0)
	for _, row := range [][2]string{{"LS1 3EX", "E01033010"}, {"SW1A 1AA", "E01004736"}, {"CF10 1EP", "W01001939"}} {
		if err := b.Add(row[0], row[1], refdata.NationUnknown, &refdata.Point{Lat: 53.8, Lon: -1.55}); err != nil {
			t.Fatal(err)
		}
	}
	dir, _ := b.Build()
	dir.Label = "test-directory"
	imd, _, err := refdata.LoadIMD(strings.NewReader("lsoa_code,IMD_decile\nE01033010,2\nE01004736,9\n"), "IMD2019", refdata.IMDOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 2; round++ {
		m, err := db.RefData.Save(ctx, dir, imd, store.RefManifest{Edition: "IMD2019", Directory: dir.Label, Counts: map[string]int{"postcodes": dir.Len()}})
		if err != nil {
			t.Fatal(err)
		}
		d2, i2, m2, err := db.RefData.Load(ctx)
		if err != nil || m2.Generation != m.Generation || d2.Len() != 3 || i2.Len() != 2 || m2.Counts["postcodes"] != 3 {
			t.Fatalf("round %d: Load = %v, %v, %+v, %v", round, d2, i2, m2, err)
		}
		ref, err := refdata.NewReference(d2, i2)
		if err != nil {
			t.Fatal(err)
		}
		if r := ref.Lookup("ls13ex"); !r.Found || r.IMDDecile != 2 || r.LSOA != "E01033010" || !r.HasLocation {
			t.Fatalf("round %d: lookup after reload = %+v", round, r)
		}
		n, _ := db.Collection("refdata_chunks").CountDocuments(ctx, bson.M{})
		if n != 2 {
			t.Fatalf("round %d: %d chunks stored; want one per blob, old generations removed", round, n)
		}
	}
}

func asError(err error, e **equitrial.Error) bool {
	x, ok := err.(*equitrial.Error)
	if ok {
		*e = x
	}
	return ok
}
