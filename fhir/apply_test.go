package fhir

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"equitrial"
	"equitrial/patients"
)

// memStore is a Store in memory that validates as the real one does, for the
// import's own rules; the API tests run the real repository.
type memStore struct {
	byNHS  map[string]*equitrial.Patient
	writes int
	now    time.Time
}

func newMemStore() *memStore {
	return &memStore{byNHS: map[string]*equitrial.Patient{}, now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
}

func (m *memStore) ByNHSNumber(_ context.Context, n string) (*equitrial.Patient, error) {
	if p, ok := m.byNHS[n]; ok {
		c := clonePatient(p)
		return &c, nil
	}
	return nil, equitrial.Errorf(equitrial.KindNotFound, "no patient with that NHS number")
}

func (m *memStore) put(p *equitrial.Patient) (*equitrial.Patient, error) {
	rec := clonePatient(p)
	if err := patients.Default().Prepare(&rec); err != nil {
		return nil, err
	}
	m.now = m.now.Add(time.Minute)
	rec.UpdatedAt = m.now
	m.byNHS[rec.NHSNumber] = &rec
	m.writes++
	out := clonePatient(&rec)
	return &out, nil
}

func (m *memStore) Create(_ context.Context, p *equitrial.Patient) (*equitrial.Patient, error) {
	p.ID = fmt.Sprintf("pt_%020d", len(m.byNHS)+1)
	return m.put(p)
}

func (m *memStore) Update(_ context.Context, p *equitrial.Patient) (*equitrial.Patient, error) {
	if cur := m.byNHS[p.NHSNumber]; cur == nil || !cur.UpdatedAt.Equal(p.UpdatedAt) {
		return nil, equitrial.Errorf(equitrial.KindConflict, "changed meanwhile")
	}
	return m.put(p)
}

func importInto(t *testing.T, st *memStore, data []byte) ([]Written, error) {
	t.Helper()
	imp, err := Read(data)
	if err != nil {
		return nil, err
	}
	changes, err := Plan(context.Background(), st, imp, "site-a", patients.Default())
	if err != nil {
		return nil, err
	}
	return Write(context.Background(), st, changes)
}

// A new patient is created, imported and without consent to contact; the same
// Bundle again changes nothing; a later Bundle updates the same record.
func TestImportCreatesThenUpdates(t *testing.T) {
	st := newMemStore()
	w, err := importInto(t, st, readFile(t, "gp-record.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != 1 || w[0].Action != "created" || w[0].Conditions != 3 || w[0].Observations != 4 || !w[0].ConditionsComplete {
		t.Fatalf("written %+v", w)
	}
	p := st.byNHS["9990000018"]
	if p.Org != "site-a" || p.Source != patients.SourceImported || p.Consent.Contact || p.Postcode != "LS1 3EX" || p.Phone != "+447700900461" {
		t.Errorf("stored %+v", p)
	}
	id := w[0].ID

	w, err = importInto(t, st, readFile(t, "gp-record.json"))
	if err != nil || len(w) != 1 || w[0].Action != "unchanged" || w[0].ID != id || st.writes != 1 {
		t.Fatalf("the same Bundle again: %+v, %v, %d writes", w, err, st.writes)
	}

	later := edit(t, "gp-record.json", func(b map[string]any) {
		o := resource(b, 6)
		o["effectiveDateTime"] = "2026-11-25"
		o["valueQuantity"].(map[string]any)["value"] = 61
	})
	w, err = importInto(t, st, later)
	if err != nil || len(w) != 1 || w[0].Action != "updated" || w[0].ID != id || w[0].Observations != 5 {
		t.Fatalf("a later result: %+v, %v", w, err)
	}
	if len(st.byNHS) != 1 {
		t.Errorf("%d records for one patient", len(st.byNHS))
	}
}

// A field the patient validator refuses is reported on the entry that sent it,
// and nothing is written.
func TestPlanNamesTheEntry(t *testing.T) {
	st := newMemStore()
	bad := edit(t, "gp-record.json", func(b map[string]any) {
		resource(b, 0)["address"].([]any)[1].(map[string]any)["postalCode"] = "NOT A POSTCODE"
		resource(b, 7)["valueQuantity"] = map[string]any{"value": 72, "system": SystemUCUM, "code": "[furlong]"}
		resource(b, 6)["valueQuantity"].(map[string]any)["value"] = 900
		resource(b, 6)["effectiveDateTime"] = "2999-01-01"
	})
	_, err := importInto(t, st, bad)
	fields := fieldsOf(err)
	for field, says := range map[string]string{
		"entry[0].resource.address[1].postalCode": "UK postcode",
		"entry[7].resource.valueQuantity.code":    "not a unit",
		"entry[6].resource.valueQuantity.value":   "plausible",
		"entry[6].resource.effectiveDateTime":     "future",
	} {
		if !strings.Contains(fields[field], says) {
			t.Errorf("%s: %q, want it to say %q (all: %v)", field, fields[field], says, fields)
		}
	}
	if st.writes != 0 {
		t.Errorf("%d writes for a refused Bundle", st.writes)
	}
}

// Merging keeps what the Bundle does not speak of, replaces what it does, and
// marks conditions complete only with a problem list.
func TestMerge(t *testing.T) {
	yes := true
	cur := &equitrial.Patient{ID: "pt_x", NHSNumber: "9990000018", GivenName: "Amara", Phone: "+447700900999",
		Conditions: []equitrial.Condition{
			{System: "icd10", Code: "I21", Status: "absent"},       // a nurse recorded: no heart attack
			{System: "snomed", Code: "84757009", Text: "Epilepsy"}, // the Bundle refutes it
			{System: "icd10", Code: "F20", Text: "Schizophrenia"},  // not in the Bundle
		},
		Observations: []equitrial.Observation{{Analyte: "hba1c", Value: 50, Unit: "mmol/mol", Date: "2026-09-14"}, {Analyte: "weight", Value: 80, Unit: "kg", Date: "2025-01-01"}},
		Consent:      equitrial.Consent{Contact: true, Date: "2026-01-01", Version: "v2", Channel: "in-person"},
		Pregnant:     &yes, Source: patients.SourceNurse, Org: "site-a",
	}
	before := clonePatient(cur)
	p := mustRead(t, readFile(t, "gp-record.json")).Profiles[0]

	partial := *p
	partial.Complete = nil
	next, _ := Merge(cur, &partial)
	if !reflect.DeepEqual(*cur, before) {
		t.Fatal("Merge changed the stored record")
	}
	codes := func(ps *equitrial.Patient) []string {
		var out []string
		for _, c := range ps.Conditions {
			out = append(out, c.Code+c.Status)
		}
		return out
	}
	if got := strings.Join(codes(next), ","); got != "I21absent,F20,38341003,44054006,84757009absent" {
		t.Errorf("partial merge: conditions %s", got)
	}
	if next.ConditionsComplete || next.GivenName != "Amara Chidinma" || next.Phone != "07700 900461" || !next.Consent.Contact ||
		next.Pregnant != &yes || next.Source != patients.SourceNurse || next.ID != "pt_x" {
		t.Errorf("partial merge: %+v", next)
	}
	if len(next.Observations) != 5 || next.Observations[0].Analyte != "weight" {
		t.Errorf("the stored HbA1c of the same day was not replaced: %+v", next.Observations)
	}

	next, _ = Merge(cur, p)
	if got := strings.Join(codes(next), ","); !next.ConditionsComplete || got != "38341003,44054006,84757009absent" {
		t.Errorf("complete merge: %v, conditions %s", next.ConditionsComplete, got)
	}
	again, _ := Merge(next, p)
	if !reflect.DeepEqual(again, next) {
		t.Errorf("merging the same Bundle twice differs:\n%+v\n%+v", again, next)
	}

	// entered in error takes a stored condition out
	retract := *p
	retract.Complete = nil
	retract.Conditions = []ConditionEntry{{Condition: equitrial.Condition{System: "icd10", Code: "F20"}, Retract: true}}
	retract.Observations = nil
	next, _ = Merge(cur, &retract)
	if got := strings.Join(codes(next), ","); got != "I21absent,84757009" {
		t.Errorf("entered in error: %s", got)
	}
}
