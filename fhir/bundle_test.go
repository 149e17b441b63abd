package fhir

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"equitrial"
)

// readFile reads a test Bundle.
func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustRead(t *testing.T, data []byte) *Import {
	t.Helper()
	imp, err := Read(data)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return imp
}

func noteAbout(imp *Import, entry int, fragment string) bool {
	for _, n := range imp.Notes {
		if n.Index == entry && strings.Contains(n.Detail, fragment) {
			return true
		}
	}
	return false
}

// A GP practice's transaction Bundle: one patient with a problem list, a refuted
// diagnosis, results in LOINC and SNOMED CT with UCUM units, and resources
// equitrial has no use for.
func TestReadGPRecord(t *testing.T) {
	imp := mustRead(t, readFile(t, "gp-record.json"))
	if imp.Type != "transaction" || len(imp.Profiles) != 1 {
		t.Fatalf("type %q, %d profiles", imp.Type, len(imp.Profiles))
	}
	p := imp.Profiles[0]
	pt := p.Patient
	if p.NHSNumber != "9990000018" || p.Index != 0 || !strings.HasPrefix(p.FullURL, "urn:uuid:") {
		t.Errorf("NHS number %q, ref %+v", p.NHSNumber, p.Ref)
	}
	// the official name, not the old one; the home address, not the ended one; the
	// mobile number first
	if pt.GivenName != "Amara Chidinma" || pt.FamilyName != "Okonkwo-Reid" || pt.BirthDate != "1968-07-14" || pt.Sex != "female" ||
		pt.Postcode != "ls1 3ex" || pt.EthnicCategory != "N" || pt.Phone != "07700 900461" || pt.Email != "amara.or@example.org" ||
		pt.Language != "en" || pt.InterpreterNeeded == nil || *pt.InterpreterNeeded {
		t.Errorf("demographics %+v", pt)
	}
	if pt.Consent.Contact {
		t.Error("consent to contact was taken from a Bundle")
	}
	got := map[string]string{}
	for _, c := range p.Conditions {
		got[c.Condition.System+":"+c.Condition.Code] = c.Condition.Status
	}
	want := map[string]string{"snomed:38341003": "", "snomed:44054006": "", "snomed:84757009": equitrial.ConditionAbsent}
	if len(got) != len(want) {
		t.Errorf("conditions %v", got)
	}
	for k, v := range want {
		if s, ok := got[k]; !ok || s != v {
			t.Errorf("condition %s: status %q (present %v), want %q", k, s, ok, v)
		}
	}
	if p.Complete == nil || p.Complete.Index != 5 {
		t.Errorf("the problem list did not mark the conditions complete: %+v; notes %+v", p.Complete, imp.Notes)
	}
	obs := map[string]equitrial.Observation{}
	for _, o := range p.Observations {
		obs[o.Observation.Analyte] = o.Observation
	}
	for analyte, w := range map[string]equitrial.Observation{
		"hba1c": {Value: 58, Unit: "mmol/mol", Date: "2026-09-14"},
		"egfr":  {Value: 72, Unit: "mL/min/1.73m2", Date: "2026-09-14"},
		// 00:30 BST on 2 October is still 1 October in UTC: the UK day is kept
		"sbp": {Value: 138, Unit: "mmHg", Date: "2026-10-02"},
		"dbp": {Value: 84, Unit: "mmHg", Date: "2026-10-02"},
	} {
		o := obs[analyte]
		if o.Value != w.Value || o.Unit != w.Unit || o.Date != w.Date {
			t.Errorf("%s: %+v, want %+v", analyte, o, w)
		}
	}
	if len(obs) != 4 {
		t.Errorf("observations %+v", obs)
	}
	for _, n := range []struct {
		entry    int
		fragment string
	}{{1, "Organization resources are not used"}, {9, "not a measurement equitrial uses"}, {10, "MedicationStatement resources are not used"}} {
		if !noteAbout(imp, n.entry, n.fragment) {
			t.Errorf("no note on entry[%d] saying %q: %+v", n.entry, n.fragment, imp.Notes)
		}
	}
}

// A hospital's collection Bundle: relative and absolute references, ICD-10 (UK
// edition) preferred to SNOMED CT, and results that are not exact or not final
// noted rather than stored.
func TestReadHospitalResults(t *testing.T) {
	imp := mustRead(t, readFile(t, "hospital-results.json"))
	if imp.Type != "collection" || len(imp.Profiles) != 1 {
		t.Fatalf("type %q, %d profiles", imp.Type, len(imp.Profiles))
	}
	p := imp.Profiles[0]
	if p.NHSNumber != "9990000026" || p.Patient.EthnicCategory != "A" || p.Complete != nil {
		t.Errorf("profile %+v", p)
	}
	var conds []string
	for _, c := range p.Conditions {
		conds = append(conds, c.Condition.System+":"+c.Condition.Code+":"+c.Condition.Status)
	}
	if !slices.Equal(conds, []string{"icd10:I10:", "icd10:E11.9:absent"}) {
		t.Errorf("conditions %v", conds)
	}
	var obs []string
	for _, o := range p.Observations {
		b, _ := json.Marshal(o.Observation)
		obs = append(obs, string(b))
	}
	if !slices.Equal(obs, []string{
		`{"analyte":"creatinine","value":98,"unit":"umol/L","date":"2026-11-27"}`,
		`{"analyte":"potassium","value":4.6,"unit":"mmol/L","date":"2026-11-27"}`,
	}) {
		t.Errorf("observations %v", obs)
	}
	if !noteAbout(imp, 4, "not exact") || !noteAbout(imp, 5, "preliminary") {
		t.Errorf("notes %+v", imp.Notes)
	}
}

// edit decodes a test Bundle, lets fn change it, and encodes it again.
func edit(t *testing.T, name string, fn func(b map[string]any)) []byte {
	t.Helper()
	var b map[string]any
	if err := json.Unmarshal(readFile(t, name), &b); err != nil {
		t.Fatal(err)
	}
	fn(b)
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func entry(b map[string]any, i int) map[string]any { return b["entry"].([]any)[i].(map[string]any) }

func resource(b map[string]any, i int) map[string]any {
	return entry(b, i)["resource"].(map[string]any)
}

func fieldsOf(err error) map[string]string {
	out := map[string]string{}
	if e, ok := err.(*equitrial.Error); ok {
		for _, f := range e.Fields {
			out[f.Field] = f.Detail
		}
	}
	return out
}

// Each bad entry is named by its position and field, its detail starts with its
// type and fullUrl, and every one is reported at once.
func TestReadRejections(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(b map[string]any)
		field string // the field named
		says  string // in its detail
	}{
		{"a wrong check digit", func(b map[string]any) {
			resource(b, 0)["identifier"].([]any)[0].(map[string]any)["value"] = "9990000019"
		}, "entry[0].resource.identifier[0].value", "modulus 11"},
		{"no NHS number", func(b map[string]any) { delete(resource(b, 0), "identifier") }, "entry[0].resource.identifier", "NHS number"},
		{"a batch", func(b map[string]any) { b["type"] = "batch" }, "type", "transaction or collection"},
		{"not a Bundle", func(b map[string]any) { b["resourceType"] = "Patient" }, "resourceType", "must be Bundle"},
		{"a deletion", func(b map[string]any) {
			entry(b, 2)["request"] = map[string]any{"method": "DELETE", "url": "Condition/1"}
		}, "entry[2].request.method", "withdraw their consent"},
		{"a subject not in the Bundle", func(b map[string]any) {
			resource(b, 3)["subject"] = map[string]any{"reference": "Patient/somewhere-else"}
		}, "entry[3].resource.subject.reference", "refers to no Patient"},
		{"a subject's NHS number not in the Bundle", func(b map[string]any) {
			resource(b, 4)["subject"] = map[string]any{"identifier": map[string]any{"system": SystemNHSNumber, "value": "9990000026"}}
		}, "entry[4].resource.subject.identifier", "no Patient of this Bundle"},
		{"a bad SNOMED CT id", func(b map[string]any) {
			resource(b, 2)["code"] = map[string]any{"coding": []any{map[string]any{"system": SystemSNOMED, "code": "38341004"}}}
		}, "entry[2].resource.code.coding[0].code", "SNOMED CT"},
		{"no code at all", func(b map[string]any) { delete(resource(b, 3), "code") }, "entry[3].resource.code", "ICD-10"},
		{"an unknown verification status", func(b map[string]any) {
			resource(b, 4)["verificationStatus"] = map[string]any{"coding": []any{map[string]any{"system": SystemConditionVerification, "code": "doubtful"}}}
		}, "entry[4].resource.verificationStatus", "doubtful"},
		{"a result with no date", func(b map[string]any) { delete(resource(b, 6), "effectiveDateTime") }, "entry[6].resource.effectiveDateTime", "when they were measured"},
		{"a result dated to the month", func(b map[string]any) { resource(b, 7)["effectiveDateTime"] = "2026-09" }, "entry[7].resource.effectiveDateTime", "at least the day"},
		{"a result with no status", func(b map[string]any) { delete(resource(b, 7), "status") }, "entry[7].resource.status", "required"},
		{"a result with no value", func(b map[string]any) { delete(resource(b, 7), "valueQuantity") }, "entry[7].resource.valueQuantity", "required"},
		{"Wales' ethnic category codes", func(b map[string]any) {
			resource(b, 0)["extension"].([]any)[0].(map[string]any)["valueCodeableConcept"] = map[string]any{
				"coding": []any{map[string]any{"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryWales", "code": "B"}}}
		}, "entry[0].resource.extension[0].valueCodeableConcept", "UKCore-EthnicCategoryEngland"},
		{"an ethnic category that is not one", func(b map[string]any) {
			resource(b, 0)["extension"].([]any)[0].(map[string]any)["valueCodeableConcept"] = map[string]any{
				"coding": []any{map[string]any{"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland", "code": "Q"}}}
		}, "entry[0].resource.extension[0].valueCodeableConcept", "not an NHS Data Dictionary ethnic category"},
		{"a birth year only", func(b map[string]any) { resource(b, 0)["birthDate"] = "1968" }, "entry[0].resource.birthDate", "whole date"},
		{"a patient who has died", func(b map[string]any) { resource(b, 0)["deceasedDateTime"] = "2026-11-01" }, "entry[0].resource.deceasedDateTime", "living"},
		{"a gender FHIR does not have", func(b map[string]any) { resource(b, 0)["gender"] = "M" }, "entry[0].resource", "AdministrativeGender"},
		{"a birth date of the wrong type", func(b map[string]any) { resource(b, 0)["birthDate"] = 19680714 }, "entry[0].resource", "birthDate has the wrong type"},
		{"a modifier extension", func(b map[string]any) {
			resource(b, 3)["modifierExtension"] = []any{map[string]any{"url": "https://example.org/negated", "valueBoolean": true}}
		}, "entry[3].resource.modifierExtension", "not understood"},
		{"a problem list naming a Condition not sent", func(b map[string]any) {
			resource(b, 5)["entry"] = append(resource(b, 5)["entry"].([]any), map[string]any{"item": map[string]any{"reference": "urn:uuid:not-sent"}})
		}, "entry[5].resource.entry[2].item", "sent with it"},
		{"an entry without a resource", func(b map[string]any) { delete(entry(b, 1), "resource") }, "entry[1].resource", "required"},
		{"the same patient twice", func(b map[string]any) {
			dup := map[string]any{}
			raw, _ := json.Marshal(entry(b, 0))
			json.Unmarshal(raw, &dup)
			dup["fullUrl"] = "urn:uuid:another"
			delete(dup["resource"].(map[string]any), "id")
			b["entry"] = append(b["entry"].([]any), dup)
		}, "entry[11].resource.identifier[0].value", "also the NHS number of entry[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(edit(t, "gp-record.json", tc.edit))
			if !equitrial.Is(equitrial.KindInvalid, err) {
				t.Fatalf("got %v, want a KindInvalid error", err)
			}
			fields := fieldsOf(err)
			detail, ok := fields[tc.field]
			if !ok || !strings.Contains(detail, tc.says) {
				t.Fatalf("want %s saying %q; got %v", tc.field, tc.says, fields)
			}
		})
	}

	// Several bad entries: all named, each with its fullUrl.
	_, err := Read(edit(t, "gp-record.json", func(b map[string]any) {
		resource(b, 2)["code"] = map[string]any{"coding": []any{map[string]any{"system": SystemICD10, "code": "E1"}}}
		delete(resource(b, 6), "effectiveDateTime")
	}))
	fields := fieldsOf(err)
	if len(fields) != 2 || !strings.HasPrefix(fields["entry[2].resource.code.coding[0].code"], "Condition urn:uuid:0b7f6a8e-4c1d-4a5e-9f3b-7d2c1e9a0002: ") ||
		!strings.HasPrefix(fields["entry[6].resource.effectiveDateTime"], "Observation urn:uuid:0b7f6a8e-4c1d-4a5e-9f3b-7d2c1e9a0006: ") {
		t.Errorf("two bad entries: %v", fields)
	}

	// Not JSON, and no Patient at all.
	if _, err := Read([]byte(`{"resourceType":`)); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Errorf("truncated JSON: %v", err)
	}
	_, err = Read([]byte(`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Organization"}}]}`))
	if _, ok := fieldsOf(err)["entry"]; !ok {
		t.Errorf("a Bundle without patients: %v", err)
	}
}

// A problem list marks conditions complete only when equitrial can read every one
// of them, and only when it says it is whole.
func TestProblemListRule(t *testing.T) {
	complete := func(data []byte) (*Import, bool) {
		imp := mustRead(t, data)
		return imp, imp.Profiles[0].Complete != nil
	}
	// A SNOMED CT concept the vocabulary does not map: asking stays safer.
	imp, ok := complete(edit(t, "gp-record.json", func(b map[string]any) {
		resource(b, 2)["code"] = map[string]any{"coding": []any{map[string]any{"system": SystemSNOMED, "code": "239872002", "display": "Osteoarthritis of hip"}}}
	}))
	if ok || !noteAbout(imp, 5, "SNOMED CT 239872002") {
		t.Errorf("an unreadable code: complete %v, notes %+v", ok, imp.Notes)
	}
	// An ICD-10 coding beside it makes it readable.
	if _, ok := complete(edit(t, "gp-record.json", func(b map[string]any) {
		resource(b, 2)["code"] = map[string]any{"coding": []any{
			map[string]any{"system": SystemSNOMED, "code": "239872002"},
			map[string]any{"system": SystemICD10UK, "code": "M16.9"}}}
	})); !ok {
		t.Error("an ICD-10 coding did not make the condition readable")
	}
	// A provisional diagnosis is neither present nor absent.
	imp, ok = complete(edit(t, "gp-record.json", func(b map[string]any) {
		resource(b, 3)["verificationStatus"] = map[string]any{"coding": []any{map[string]any{"system": SystemConditionVerification, "code": "provisional"}}}
	}))
	if ok || !noteAbout(imp, 5, "entry[3] is not confirmed") || !imp.Profiles[0].Conditions[1].Unconfirmed {
		t.Errorf("a provisional diagnosis: complete %v, notes %+v", ok, imp.Notes)
	}
	// GP Connect's warning that confidential items were withheld.
	imp, ok = complete(edit(t, "gp-record.json", func(b map[string]any) {
		resource(b, 5)["extension"] = []any{map[string]any{"url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-ListWarningCode", "valueCode": "confidential-items"}}
	}))
	if ok || !noteAbout(imp, 5, "confidential-items") {
		t.Errorf("a withheld item: complete %v, notes %+v", ok, imp.Notes)
	}
	// A list of changes, and a list that is not a problem list.
	if _, ok := complete(edit(t, "gp-record.json", func(b map[string]any) { resource(b, 5)["mode"] = "changes" })); ok {
		t.Error("a list of changes marked conditions complete")
	}
	imp, ok = complete(edit(t, "gp-record.json", func(b map[string]any) {
		resource(b, 5)["code"] = map[string]any{"coding": []any{map[string]any{"system": SystemSNOMED, "code": "933361000000108"}}}
	}))
	if ok || !noteAbout(imp, 5, "not a problem list") {
		t.Errorf("a medications list: complete %v, notes %+v", ok, imp.Notes)
	}
	// An empty problem list: no problems known, or not said.
	empty := func(reason string) []byte {
		return edit(t, "gp-record.json", func(b map[string]any) {
			l := resource(b, 5)
			delete(l, "entry")
			if reason != "" {
				l["emptyReason"] = map[string]any{"coding": []any{map[string]any{"system": SystemListEmptyReason, "code": reason}}}
			}
			b["entry"] = slices.Delete(b["entry"].([]any), 2, 5) // no Conditions
		})
	}
	if _, ok := complete(empty("nilknown")); !ok {
		t.Error("an empty list with nothing known did not mark conditions complete")
	}
	if _, ok := complete(empty("withheld")); ok {
		t.Error("a withheld list marked conditions complete")
	}
}

// JSON may escape any character of a string; codes so written are read as codes.
func TestReadEscapedCodes(t *testing.T) {
	data := strings.Replace(string(readFile(t, "hospital-results.json")), `"comparator": ">"`, `"comparator": "\u003e"`, 1)
	data = strings.Replace(data, `"gender": "male"`, `"gender": "\u006dale"`, 1)
	imp := mustRead(t, []byte(data))
	if imp.Profiles[0].Patient.Sex != "male" || !noteAbout(imp, 4, "not exact") {
		t.Errorf("escaped codes: %+v, notes %+v", imp.Profiles[0].Patient, imp.Notes)
	}
}
