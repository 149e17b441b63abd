package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"equitrial"
	"equitrial/store"
)

// The FHIR routes' rows of the authorisation matrix (authz_matrix_test.go), kept
// with the routes' own tests.
func init() {
	expected["POST /api/v1/fhir"] = sites
	expected["GET /api/v1/fhir/ResearchStudy/:nctId"] = public
	expected["GET /api/v1/fhir/ResearchSubject"] = sites // sponsors: 403, individual records would give exact counts
}

const (
	fhirTrial    = "NCT09910001"
	fhirCriteria = "Inclusion Criteria:\n\n* Documented type 2 diabetes\n\nExclusion Criteria:\n\n* History of epilepsy"
	amaraNHS     = "9990000018" // gp-record.json
	bartNHS      = "9990000026" // hospital-results.json
)

// bundle reads one of fhir/testdata's Bundles (invented patients, valid NHS numbers),
// optionally changed by edit.
func bundle(t *testing.T, name string, edit func(b map[string]any)) []byte {
	t.Helper()
	data, err := os.ReadFile("../fhir/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if edit == nil {
		return data
	}
	var b map[string]any
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	edit(b)
	out, _ := json.Marshal(b)
	return out
}

func fhirEntry(b map[string]any, i int) map[string]any {
	return b["entry"].([]any)[i].(map[string]any)["resource"].(map[string]any)
}

type fhirResult struct {
	BundleType string `json:"bundleType"`
	Created    int    `json:"created"`
	Updated    int    `json:"updated"`
	Unchanged  int    `json:"unchanged"`
	Patients   []struct {
		Entry              int    `json:"entry"`
		FullURL            string `json:"fullUrl"`
		ID                 string `json:"id"`
		Action             string `json:"action"`
		Conditions         int    `json:"conditions"`
		Observations       int    `json:"observations"`
		ConditionsComplete bool   `json:"conditionsComplete"`
	} `json:"patients"`
	Notes []struct {
		Entry  int    `json:"entry"`
		Detail string `json:"detail"`
	} `json:"notes"`
}

// sendFHIR sends a request with a FHIR body (as an EPR's integration engine would)
// and decodes the answer into out; it returns the status and Content-Type.
func (s *matchService) sendFHIR(method, path, token string, body []byte, out any) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			s.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return res.StatusCode, res.Header.Get("Content-Type")
}

func (s *matchService) importFHIRTrial() {
	s.t.Helper()
	body, _ := json.Marshal([]json.RawMessage{answerTrial(fhirTrial, "Sugar, kidneys and seizures", fhirCriteria)})
	if code := s.do("POST", "/api/v1/trials/import", adminToken, body, nil); code != http.StatusOK {
		s.t.Fatalf("import: %d", code)
	}
}

// consentedPatient is a patient a nurse registered with consent to contact, as
// before the EPR sends their record.
func (s *matchService) consentedPatient(nurse, nhs, birthDate, sex string) string {
	p := basePatient(birthDate, sex)
	p["nhsNumber"] = nhs
	return s.createPatient(nurse, p)
}

func conditionStatus(p *equitrial.Patient, code string) (string, bool) {
	for _, c := range p.Conditions {
		if c.Code == code {
			return c.Status, true
		}
	}
	return "", false
}

// A GP record and a hospital's results reach the patients the nurse registered
// (found by NHS number, not duplicated), a refuted diagnosis is recorded absent,
// and matching uses it at once; the same Bundle again changes nothing.
func TestFHIRImportUpdatesPatientsAndMatching(t *testing.T) {
	s := newMatchService(t)
	s.importFHIRTrial()
	nurse := s.token("nurse", "org-a")
	amara := s.consentedPatient(nurse, amaraNHS, "1968-07-14", "female")
	bart := s.consentedPatient(nurse, bartNHS, "1955-02-27", "male")
	before := s.count()

	// Before: nothing is known of either diagnosis, so both are asked about.
	m := s.fullMatchFor(nurse, amara, fhirTrial)
	if m.Status != "potentially_eligible" || !slices.Contains(askKeys(m), "diagnosis:E11") {
		t.Fatalf("before the GP record: %s, asks %v", m.Status, askKeys(m))
	}

	// The GP record: diabetes, hypertension, epilepsy refuted, a problem list, results.
	var res fhirResult
	if code, _ := s.sendFHIR("POST", "/api/v1/fhir", nurse, bundle(t, "gp-record.json", nil), &res); code != http.StatusOK {
		t.Fatalf("GP record: %d %+v", code, res)
	}
	if res.BundleType != "transaction" || res.Updated != 1 || len(res.Patients) != 1 || res.Patients[0].ID != amara ||
		!res.Patients[0].ConditionsComplete || res.Patients[0].Conditions != 3 || res.Patients[0].Observations != 4 {
		t.Fatalf("GP record: %+v", res)
	}
	var notes []int
	for _, n := range res.Notes {
		notes = append(notes, n.Entry)
	}
	if !slices.Equal(notes, []int{1, 9, 10}) {
		t.Errorf("notes on entries %v, want the Organization, smoking status and medication", notes)
	}
	p, err := s.db.Patients.Get(context.Background(), amara)
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := conditionStatus(p, "84757009"); !ok || st != equitrial.ConditionAbsent {
		t.Errorf("the refuted epilepsy: %q (recorded %v)", st, ok)
	}
	if st, _ := conditionStatus(p, "44054006"); st != "" || !p.ConditionsComplete {
		t.Errorf("diabetes %q, complete %v", st, p.ConditionsComplete)
	}
	// Demographics from the record; consent as the nurse recorded it; strata derived
	// from the postcode as for any write (LS1 3EX is in IMD decile 3 here).
	if p.GivenName != "Amara Chidinma" || p.EthnicCategory != "N" || !p.Consent.Contact || p.Source != "nurse" ||
		p.Strata == nil || p.Strata.IMDDecile != 3 || p.Strata.LSOA != "E01033010" || p.Strata.EthnicGroup != equitrial.EthnicGroupBlack {
		t.Errorf("after the GP record: %+v strata %+v", p, p.Strata)
	}
	// Matching: diabetes recorded, epilepsy ruled out: nothing left to ask or confirm.
	m = s.fullMatchFor(nurse, amara, fhirTrial)
	if m.Status != "eligible" || len(m.Asks) != 0 || m.RestsOn == nil || len(m.RestsOn.Confirm) != 0 {
		t.Errorf("after the GP record: %s, asks %v, rests on %+v", m.Status, askKeys(m), m.RestsOn)
	}

	// The hospital refutes Bartholomew's diabetes: he is now ineligible, on that fact.
	if m := s.fullMatchFor(nurse, bart, fhirTrial); m.Status != "potentially_eligible" {
		t.Fatalf("before the hospital's results: %s", m.Status)
	}
	res = fhirResult{}
	if code, _ := s.sendFHIR("POST", "/api/v1/fhir", nurse, bundle(t, "hospital-results.json", nil), &res); code != http.StatusOK || res.Updated != 1 || res.Patients[0].ID != bart {
		t.Fatalf("hospital results: %d %+v", code, res)
	}
	var mr *matchResult
	if mr = s.matchFor(nurse, bart, fhirTrial); mr == nil || mr.Status != "ineligible" || !hasCriterion(mr, "not_met", "") {
		t.Fatalf("after the refuted diabetes: %+v", mr)
	}
	for _, c := range mr.Criteria {
		if strings.HasPrefix(c.Text, "Documented type 2 diabetes") && string(c.Result) != "not_met" {
			t.Errorf("the diabetes criterion: %s (%s)", c.Result, c.Reason)
		}
	}

	// The same Bundle again: found, unchanged, never a second record.
	res = fhirResult{}
	if code, _ := s.sendFHIR("POST", "/api/v1/fhir", nurse, bundle(t, "gp-record.json", nil), &res); code != http.StatusOK || res.Unchanged != 1 || res.Patients[0].ID != amara {
		t.Fatalf("the GP record again: %d %+v", code, res)
	}
	// A later result updates the same record.
	later := bundle(t, "gp-record.json", func(b map[string]any) {
		o := fhirEntry(b, 6)
		o["effectiveDateTime"] = "2026-11-25"
		o["valueQuantity"].(map[string]any)["value"] = 61
	})
	res = fhirResult{}
	if code, _ := s.sendFHIR("POST", "/api/v1/fhir", nurse, later, &res); code != http.StatusOK || res.Updated != 1 || res.Patients[0].ID != amara || res.Patients[0].Observations != 5 {
		t.Fatalf("a later HbA1c: %d %+v", code, res)
	}
	if n := s.count(); n != before {
		t.Errorf("%d patient records after the imports, want %d", n, before)
	}

	// Every write is audited on the record, with the route.
	entries, err := s.db.Audit.Find(context.Background(), store.AuditQuery{SubjectID: amara})
	if err != nil {
		t.Fatal(err)
	}
	var updates, reads int
	for _, e := range entries {
		if e.Route != "/api/v1/fhir" {
			continue
		}
		switch e.Action {
		case "update":
			updates++
		case "read":
			reads++
		}
	}
	if updates != 2 || reads != 1 {
		t.Errorf("audit: %d updates and %d reads through /api/v1/fhir, want 2 and 1", updates, reads)
	}
}

// A patient new to the organisation is created from a Bundle: imported, without
// consent to contact (an EPR does not hold it), strata derived.
func TestFHIRImportCreatesPatients(t *testing.T) {
	s := newMatchService(t)
	nurse := s.token("nurse", "org-a")
	var res fhirResult
	if code, _ := s.sendFHIR("POST", "/api/v1/fhir", nurse, bundle(t, "hospital-results.json", nil), &res); code != http.StatusOK || res.Created != 1 {
		t.Fatalf("a new patient: %d %+v", code, res)
	}
	p, err := s.db.Patients.ByNHSNumber(context.Background(), "org-a", bartNHS)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != res.Patients[0].ID || p.Org != "org-a" || p.Source != "imported" || p.Consent.Contact || p.Postcode != "SW1A 1AA" ||
		p.Strata == nil || p.Strata.IMDDecile != 9 || p.FamilyName != "Ashworth-Pike" {
		t.Errorf("created %+v strata %+v", p, p.Strata)
	}
	// Another organisation's nurse sending the same patient makes their own record.
	other := s.token("nurse", "org-b")
	res = fhirResult{}
	if code, _ := s.sendFHIR("POST", "/api/v1/fhir", other, bundle(t, "hospital-results.json", nil), &res); code != http.StatusOK || res.Created != 1 || res.Patients[0].ID == p.ID {
		t.Errorf("another organisation: %d %+v", code, res)
	}
	// An admin names the organisation.
	admin := s.token("admin", "")
	prob := problem{}
	if code, _ := s.sendFHIR("POST", "/api/v1/fhir", admin, bundle(t, "gp-record.json", nil), &prob); code != http.StatusBadRequest || !problemFields(prob)["org"] {
		t.Errorf("an admin without ?org=: %d %+v", code, prob)
	}
	res = fhirResult{}
	if code, _ := s.sendFHIR("POST", "/api/v1/fhir?org=org-a", admin, bundle(t, "gp-record.json", nil), &res); code != http.StatusOK || res.Created != 1 {
		t.Errorf("an admin with ?org=org-a: %d %+v", code, res)
	}
}

// A Bundle with one bad entry stores nothing, and the answer names that entry by
// position, field and fullUrl; so does a field refused only once merged with the
// stored record.
func TestFHIRBadEntryStoresNothing(t *testing.T) {
	s := newMatchService(t)
	nurse := s.token("nurse", "org-a")
	// Both test Bundles in one transaction: two new patients, and one bad code.
	both := bundle(t, "gp-record.json", func(b map[string]any) {
		var h map[string]any
		json.Unmarshal(bundle(t, "hospital-results.json", nil), &h)
		b["entry"] = append(b["entry"].([]any), h["entry"].([]any)...)
		fhirEntry(b, 12)["code"] = map[string]any{"coding": []any{map[string]any{"system": "http://hl7.org/fhir/sid/icd-10-uk", "code": "I1"}}}
	})
	before := s.count()
	var prob problem
	code, ct := s.sendFHIR("POST", "/api/v1/fhir", nurse, both, &prob)
	if code != http.StatusBadRequest || ct != "application/problem+json" {
		t.Fatalf("one bad entry: %d %s", code, ct)
	}
	if len(prob.Errors) != 1 || prob.Errors[0].Field != "entry[12].resource.code.coding[0].code" ||
		!strings.HasPrefix(prob.Errors[0].Detail, "Condition https://pas.example-trust.nhs.uk/fhir/Condition/hosp-77-c1: ") ||
		!strings.Contains(prob.Detail, "nothing was stored") {
		t.Errorf("one bad entry: %+v", prob)
	}
	if n := s.count(); n != before {
		t.Errorf("%d records after a refused Bundle, want %d", n, before)
	}

	// Refused by the profile's own rules: a postcode, and an eGFR in a unit it never has.
	prob = problem{}
	bad := bundle(t, "gp-record.json", func(b map[string]any) {
		fhirEntry(b, 0)["address"].([]any)[1].(map[string]any)["postalCode"] = "LS99 ZZZ9"
		fhirEntry(b, 7)["valueQuantity"] = map[string]any{"value": 72, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"}
	})
	if code, _ = s.sendFHIR("POST", "/api/v1/fhir", nurse, bad, &prob); code != http.StatusBadRequest {
		t.Fatalf("a bad postcode and unit: %d", code)
	}
	fields := problemFields(prob)
	if !fields["entry[0].resource.address[1].postalCode"] || !fields["entry[7].resource.valueQuantity.code"] || len(prob.Errors) != 2 {
		t.Errorf("a bad postcode and unit: %+v", prob.Errors)
	}
	if n := s.count(); n != before {
		t.Errorf("%d records after a refused Bundle, want %d", n, before)
	}
	// The refusal is audited.
	entries, _ := s.db.Audit.Find(context.Background(), store.AuditQuery{})
	refused := 0
	for _, e := range entries {
		if e.Action == "import-fhir" && e.Status == http.StatusBadRequest {
			refused++
		}
	}
	if refused != 2 {
		t.Errorf("%d refused imports audited, want 2", refused)
	}
}

// Requests refused before any Bundle is read.
func TestFHIRImportRefusals(t *testing.T) {
	s := newMatchService(t)
	nurse, sponsor := s.token("nurse", "org-a"), s.token("sponsor", "org-a")
	gp := bundle(t, "gp-record.json", nil)
	for _, tc := range []struct {
		name, path, token string
		body              []byte
		want              int
		field             string
	}{
		{"a sponsor", "/api/v1/fhir", sponsor, gp, http.StatusForbidden, ""},
		{"nobody", "/api/v1/fhir", "", gp, http.StatusUnauthorized, ""},
		{"an unknown parameter", "/api/v1/fhir?conditionsComplete=true", nurse, gp, http.StatusBadRequest, "conditionsComplete"},
		{"not JSON", "/api/v1/fhir", nurse, []byte("<Bundle xmlns=\"http://hl7.org/fhir\"/>"), http.StatusBadRequest, ""},
		{"a deletion", "/api/v1/fhir", nurse, bundle(t, "gp-record.json", func(b map[string]any) {
			b["entry"].([]any)[3].(map[string]any)["request"] = map[string]any{"method": "DELETE", "url": "Condition/x"}
		}), http.StatusBadRequest, "entry[3].request.method"},
		{"a batch", "/api/v1/fhir", nurse, bundle(t, "gp-record.json", func(b map[string]any) { b["type"] = "batch" }), http.StatusBadRequest, "type"},
	} {
		var prob problem
		if code, _ := s.sendFHIR("POST", tc.path, tc.token, tc.body, &prob); code != tc.want || tc.field != "" && !problemFields(prob)[tc.field] {
			t.Errorf("%s: %d %+v, want %d naming %q", tc.name, code, prob, tc.want, tc.field)
		}
	}
	// XML is not taken.
	req, _ := http.NewRequest("POST", s.url+"/api/v1/fhir", bytes.NewReader(gp))
	req.Header.Set("Content-Type", "application/fhir+xml")
	req.Header.Set("Authorization", "Bearer "+nurse)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("application/fhir+xml: %d", res.StatusCode)
	}
	if s.count() != 0 {
		t.Errorf("refused requests stored %d records", s.count())
	}
}

// A trial is exported as a ResearchStudy to anyone, and its participants as
// ResearchSubjects to the staff who may see them.
func TestFHIRResearchStudyAndSubjects(t *testing.T) {
	s := newMatchService(t)
	s.importFHIRTrial()
	nurseA, nurseB, sponsor, admin := s.token("nurse", "org-a"), s.token("nurse", "org-b"), s.token("sponsor", "org-a"), s.token("admin", "")

	var study map[string]any
	code, ct := s.sendFHIR("GET", "/api/v1/fhir/ResearchStudy/"+fhirTrial, "", nil, &study)
	if code != http.StatusOK || !strings.HasPrefix(ct, "application/fhir+json") || study["resourceType"] != "ResearchStudy" ||
		study["id"] != fhirTrial || study["status"] != "active" {
		t.Fatalf("ResearchStudy: %d %s %v", code, ct, study)
	}
	var prob problem
	if code, _ = s.sendFHIR("GET", "/api/v1/fhir/ResearchStudy/NCT09999999", "", nil, &prob); code != http.StatusNotFound {
		t.Errorf("an unknown trial: %d", code)
	}
	if code, _ = s.sendFHIR("GET", "/api/v1/fhir/ResearchStudy/nct1", "", nil, &prob); code != http.StatusBadRequest {
		t.Errorf("not an NCT number: %d", code)
	}

	// Enrolment: site A's patient, and someone site B recruited outside equitrial.
	patient := s.consentedPatient(nurseA, amaraNHS, "1968-07-14", "female")
	if code := s.send("POST", "/api/v1/trials/"+fhirTrial+"/events", nurseA,
		`{"patientId":"`+patient+`","stage":"enrolled","at":"2026-11-03T10:00:00Z","site":"org-a"}`, nil); code != http.StatusCreated {
		t.Fatalf("site A's event: %d", code)
	}
	if code := s.send("POST", "/api/v1/trials/"+fhirTrial+"/events", nurseB,
		`{"stage":"screen_failed","at":"2026-11-04","site":"org-b","reasons":["age"],"strata":{"ethnicGroup":"Asian","imdQuintile":1,"sex":"male","smi":"no","ageBand":"50-64"}}`, nil); code != http.StatusCreated {
		t.Fatalf("site B's event: %d", code)
	}
	subjects := func(token string) (int, []map[string]any) {
		var b struct {
			ResourceType string `json:"resourceType"`
			Type         string `json:"type"`
			Total        int    `json:"total"`
			Entry        []struct {
				Resource map[string]any `json:"resource"`
			} `json:"entry"`
		}
		code, _ := s.sendFHIR("GET", "/api/v1/fhir/ResearchSubject?study="+fhirTrial, token, nil, &b)
		var out []map[string]any
		for _, e := range b.Entry {
			out = append(out, e.Resource)
		}
		if code == http.StatusOK && (b.ResourceType != "Bundle" || b.Type != "searchset" || b.Total != len(out)) {
			t.Errorf("not a searchset Bundle: %+v", b)
		}
		return code, out
	}
	code, all := subjects(admin)
	if code != http.StatusOK || len(all) != 2 {
		t.Fatalf("admin: %d, %d subjects", code, len(all))
	}
	code, own := subjects(nurseA)
	if code != http.StatusOK || len(own) != 1 || own[0]["status"] != "on-study" ||
		own[0]["individual"].(map[string]any)["reference"] != "Patient/"+strings.ReplaceAll(patient, "_", "-") {
		t.Errorf("site A's nurse: %d %v", code, own)
	}
	code, theirs := subjects(nurseB)
	if code != http.StatusOK || len(theirs) != 1 || theirs[0]["status"] != "ineligible" || theirs[0]["individual"].(map[string]any)["reference"] != nil {
		t.Errorf("site B's nurse: %d %v", code, theirs)
	}
	if code, _ := subjects(sponsor); code != http.StatusForbidden {
		t.Errorf("the sponsor: %d, want 403", code)
	}
	for path, want := range map[string]int{
		"/api/v1/fhir/ResearchSubject":                                   http.StatusBadRequest,
		"/api/v1/fhir/ResearchSubject?study=ResearchStudy/" + fhirTrial:  http.StatusOK,
		"/api/v1/fhir/ResearchSubject?study=NCT09999999":                 http.StatusNotFound,
		"/api/v1/fhir/ResearchSubject?study=" + fhirTrial + "&status=on": http.StatusBadRequest,
	} {
		if code, _ := s.sendFHIR("GET", path, admin, nil, nil); code != want {
			t.Errorf("%s: %d, want %d", path, code, want)
		}
	}
	// Reading who is enrolled is a read of the patient.
	entries, _ := s.db.Audit.Find(context.Background(), store.AuditQuery{SubjectID: patient})
	reads := 0
	for _, e := range entries {
		if e.Action == "read-enrolment" {
			reads++
		}
	}
	if reads != 3 { // admin, site A's nurse, admin again (ResearchStudy/ form)
		t.Errorf("%d enrolment reads audited for the patient, want 3", reads)
	}
}
