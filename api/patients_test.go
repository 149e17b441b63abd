package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"equitrial"
	"equitrial/api"
	"equitrial/internal/app"
	"equitrial/patients"
	"equitrial/refdata"
	"equitrial/store"
)

// patientService is the API with a patient repository whose audit log is in the
// same database, and the change feed recorded.
type patientService struct {
	*service

	mu      sync.Mutex
	changes []store.PatientChange
}

func newPatientService(t *testing.T, ref *refdata.Reference) *patientService {
	t.Helper()
	ps := &patientService{}
	ps.service = newServiceWith(t, func(cfg *app.Config) {
		cfg.DB.Patients.SetReference(ref)
		cfg.DB.Patients.Subscribe(func(c store.PatientChange) {
			ps.mu.Lock()
			defer ps.mu.Unlock()
			ps.changes = append(ps.changes, c)
		})
	})
	return ps
}

func (s *patientService) token(role, org string) string {
	s.t.Helper()
	tok, _, err := s.auth.CreateToken(context.Background(), role+" test", role, org, time.Hour)
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}

func (s *patientService) send(method, path, token, body string, out any) int {
	s.t.Helper()
	return s.doJSON(method, path, token, []byte(body), out)
}

// doJSON is do with Content-Type: application/json, as browsers and clients send it.
func (s *patientService) doJSON(method, path, token string, body []byte, out any) int {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(string(body)))
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

func (s *patientService) count() int64 {
	n, err := s.db.Patients.Count(context.Background(), "")
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

const nursePatient = `{
	"givenName": "Ifeoma", "familyName": "Adebayo-Whitcombe", "birthDate": "1972-03-09",
	"nhsNumber": "943 476 5919", "email": "ifeoma.aw@example.org", "phone": "07700 900982",
	"postcode": "ls1 3ex", "sex": "female", "ethnicCategory": "n", "census2021Ethnicity": "African",
	"conditions": [{"system": "icd10", "code": "e11.9"}, {"text": "schizophrenia"}],
	"observations": [{"analyte": "HbA1c", "value": 61, "unit": "mmol/mol", "date": "2025-02-01"}],
	"pregnant": false, "language": "Yoruba", "interpreterNeeded": true,
	"consent": {"contact": true, "date": "2025-02-01", "version": "v3", "channel": "in-person"}
}`

func problemFields(p problem) map[string]bool {
	out := map[string]bool{}
	for _, e := range p.Errors {
		out[e.Field] = true
	}
	return out
}

func TestPatientsThroughTheAPI(t *testing.T) {
	s := newPatientService(t, sampleReference(t))
	nurseA, nurseB, sponsor := s.token("nurse", "org-a"), s.token("nurse", "org-b"), s.token("sponsor", "org-a")

	var p equitrial.Patient
	if code := s.send("POST", "/api/v1/patients", nurseA, nursePatient, &p); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	if p.Org != "org-a" || p.Source != "nurse" || p.Postcode != "LS1 3EX" || p.NHSNumber != "9434765919" ||
		p.Phone != "+447700900982" || p.EthnicCategory != "N" || p.Census2021Ethnicity != "black_african" || p.Language != "yo" ||
		p.Conditions[0].Code != "E11.9" || p.Conditions[1].Code != "F20" {
		t.Fatalf("created record not normalised: %+v", p)
	}
	if st := p.Strata; st == nil || st.LSOA != "E01033010" || st.IMDDecile != 3 || st.IMDQuintile != 2 || st.IMDEdition != "IMD2019" ||
		st.Nation != "England" || st.EthnicGroup != "Black" || st.SMI != "yes" || st.AgeBand != "50-64" && st.AgeBand != "35-49" {
		t.Fatalf("strata = %+v", p.Strata)
	}

	// Every failing field is named, and nothing is stored.
	before := s.count()
	var prob problem
	bad := `{"givenName": "A", "birthDate": "2999-01-01", "nhsNumber": "9434765918", "postcode": "QQ1 1II", "sex": "f",
		"email": "not-an-email", "phone": "12345", "ethnicCategory": "Q", "census2021Ethnicity": "Martian",
		"conditions": [{"system": "icd10", "code": "E11.9"}, {"system": "icd10", "code": "11E"}, {"system": "snomed", "code": "44054007"}, {}],
		"observations": [{"analyte": "hba1c", "value": 58, "unit": "%", "date": "2025-01-01"}, {"analyte": "egfr", "value": 60, "unit": "mg/dL", "date": "2025-01-01"}, {"analyte": "unobtainium", "value": 1, "unit": "g", "date": "2025-01-01"}],
		"language": "Klingonese", "consent": {"contact": true}}`
	if code := s.send("POST", "/api/v1/patients", nurseA, bad, &prob); code != http.StatusBadRequest {
		t.Fatalf("invalid create: %d", code)
	}
	got := problemFields(prob)
	for _, f := range []string{"birthDate", "nhsNumber", "postcode", "sex", "email", "phone", "ethnicCategory", "census2021Ethnicity",
		"conditions[1].code", "conditions[2].code", "conditions[3].code", "observations[0].value", "observations[1].unit",
		"observations[2].analyte", "language", "consent.date", "consent.version", "consent.channel"} {
		if !got[f] {
			t.Errorf("the problem does not name %s; it names %v", f, prob.Errors)
		}
	}
	if got["conditions[0].code"] || got["givenName"] {
		t.Errorf("valid fields named as failing: %v", prob.Errors)
	}
	if s.count() != before {
		t.Fatal("a patient was stored although the request failed")
	}

	// Strict decoding: unknown fields, operator keys and read-only fields are refused.
	for name, body := range map[string]string{
		"unknown field": `{"givenName": "A", "favouriteColour": "blue"}`,
		"operator key":  `{"givenName": {"$gt": ""}}`,
		"nested op":     `{"consent": {"$set": {"contact": true}}}`,
		"read-only":     `{"givenName": "A", "strata": {"imdDecile": 1}}`,
		"org":           `{"givenName": "A", "org": "org-b"}`,
	} {
		if code := s.send("POST", "/api/v1/patients", nurseA, body, nil); code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, code)
		}
	}
	if s.count() != before {
		t.Fatal("a refused request stored a patient")
	}

	// Scoping: another organisation's nurse gets 404, a sponsor 403, anonymous 401.
	path := "/api/v1/patients/" + p.ID
	if code := s.send("GET", path, nurseB, "", nil); code != http.StatusNotFound {
		t.Fatalf("nurse of another org: %d, want 404", code)
	}
	if code := s.send("GET", path, sponsor, "", nil); code != http.StatusForbidden {
		t.Fatalf("sponsor: %d, want 403", code)
	}
	if code := s.send("GET", path, "", "", nil); code != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d, want 401", code)
	}
	var page store.PatientPage
	if code := s.send("GET", "/api/v1/patients", nurseB, "", &page); code != http.StatusOK || page.Total != 0 {
		t.Fatalf("org-b list: %d %+v", code, page)
	}
	if code := s.send("GET", "/api/v1/patients?consented=true", nurseA, "", &page); code != http.StatusOK || page.Total != 1 || page.Patients[0].GivenName != "Ifeoma" {
		t.Fatalf("org-a list: %d %+v", code, page)
	}

	// PATCH merges, re-validates and re-derives.
	var patched equitrial.Patient
	if code := s.send("PATCH", path, nurseA, `{"postcode": "SW1A 1AA", "consent": {"version": "v4"}, "conditions": null}`, &patched); code != http.StatusOK {
		t.Fatalf("patch: %d", code)
	}
	if patched.Postcode != "SW1A 1AA" || patched.Consent.Version != "v4" || patched.Consent.Channel != "in-person" || len(patched.Conditions) != 0 ||
		patched.GivenName != "Ifeoma" || patched.Strata.LSOA != "E01004736" || patched.Strata.IMDDecile != 9 || patched.Strata.SMI != "unknown" {
		t.Fatalf("patched = %+v strata %+v", patched, patched.Strata)
	}
	if code := s.send("PATCH", path, nurseA, `{"nhsNumber": "123"}`, &prob); code != http.StatusBadRequest || !problemFields(prob)["nhsNumber"] {
		t.Fatalf("invalid patch: %d %+v", code, prob)
	}
	if code := s.send("PATCH", path, nurseA, `{"strata": {"smi": "yes"}}`, &prob); code != http.StatusBadRequest || !problemFields(prob)["strata"] {
		t.Fatalf("patch of strata: %d %+v", code, prob)
	}

	// Audit: reads and writes recorded, without personal data.
	entries, err := s.db.Audit.Find(context.Background(), store.AuditQuery{SubjectID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range entries {
		actions[e.Action+" "+strconv.Itoa(e.Status)]++
		if e.Route != "/api/v1/patients/:id" && e.Route != "/api/v1/patients" {
			t.Errorf("audit route %q", e.Route)
		}
	}
	if actions["create 201"] != 1 || actions["read 404"] != 1 || actions["update 200"] != 1 {
		t.Fatalf("audit actions for the patient = %v", actions)
	}
	all, _ := s.db.Audit.Find(context.Background(), store.AuditQuery{})
	raw, _ := json.Marshal(all)
	for _, pii := range []string{"Ifeoma", "Adebayo", "9434765919", "ifeoma.aw", "LS1 3EX", "1972-03-09"} {
		if strings.Contains(string(raw), pii) {
			t.Fatalf("audit log contains personal data %q", pii)
		}
	}
}

func TestSelfRegistrationAndWithdrawal(t *testing.T) {
	s := newPatientService(t, sampleReference(t))
	var prob problem
	if code := s.send("POST", "/api/v1/register", "", `{"givenName": "Tomasz", "consent": {"contact": false}}`, &prob); code != http.StatusBadRequest ||
		!problemFields(prob)["consent.contact"] || !problemFields(prob)["email"] {
		t.Fatalf("registration without consent or contact: %d %+v", code, prob)
	}
	var reg struct {
		Patient     equitrial.Patient `json:"patient"`
		AccessToken string            `json:"accessToken"`
	}
	body := `{"givenName": "Tomasz", "familyName": "Wiśniewski-Oyelaran", "birthDate": "1990-11-30", "email": "t.wo@example.org",
		"postcode": "SW1A1AA", "sex": "male", "census2021Ethnicity": "white_other", "language": "pl",
		"conditions": [{"text": "type 2 diabetes"}], "consent": {"contact": true, "version": "web-2025-01"}}`
	if code := s.send("POST", "/api/v1/register", "", body, &reg); code != http.StatusCreated {
		t.Fatalf("register: %d", code)
	}
	id := reg.Patient.ID
	if !strings.HasPrefix(reg.AccessToken, "ptl_") || reg.Patient.Source != "self-registered" || reg.Patient.Consent.Channel != "web" ||
		reg.Patient.Consent.Date == "" || reg.Patient.Conditions[0].Code != "E11" {
		t.Fatalf("registration = %+v", reg)
	}
	other, _ := s.db.Patients.Create(context.Background(), &equitrial.Patient{GivenName: "Other", Org: "org-a", Source: "nurse"}, store.CreateOptions{})

	// The private link reaches the patient's own record and nothing else.
	link := reg.AccessToken
	var own equitrial.Patient
	if code := s.send("GET", "/api/v1/patients/"+id, link, "", &own); code != http.StatusOK || own.GivenName != "Tomasz" {
		t.Fatalf("own record by link: %d %+v", code, own)
	}
	if code := s.send("GET", "/api/v1/patients/"+other.ID, link, "", nil); code != http.StatusNotFound {
		t.Fatalf("another patient's record by link: %d, want 404", code)
	}
	if code := s.send("GET", "/api/v1/patients", link, "", nil); code != http.StatusForbidden {
		t.Fatalf("patient listing patients: %d, want 403", code)
	}

	// Withdrawal erases identifiers in the same request and tells the change feed.
	s.mu.Lock()
	s.changes = nil
	s.mu.Unlock()
	var gone equitrial.Patient
	if code := s.send("DELETE", "/api/v1/patients/"+id, link, "", &gone); code != http.StatusOK {
		t.Fatalf("withdraw: %d", code)
	}
	if gone.GivenName != "" || gone.Email != "" || gone.BirthDate != "" || gone.Postcode != "" || gone.Consent.Contact ||
		gone.Withdrawn == nil || gone.Strata == nil || gone.Strata.EthnicGroup != "White" || gone.Strata.IMDDecile != 9 {
		t.Fatalf("after withdrawal = %+v", gone)
	}
	s.mu.Lock()
	changes := s.changes
	s.mu.Unlock()
	if len(changes) != 1 || changes[0].Kind != store.PatientWithdrawn || changes[0].ID != id {
		t.Fatalf("change feed = %+v; want one withdrawal", changes)
	}
	doc, err := s.db.Collection("patients").FindOne(context.Background(), bson.M{"_id": id}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := doc.LookupErr("sealed"); err == nil {
		t.Fatalf("sealed identifiers still stored after withdrawal: %s", doc)
	}
	if code := s.send("GET", "/api/v1/patients/"+id, link, "", nil); code != http.StatusUnauthorized && code != http.StatusNotFound {
		t.Fatalf("the private link still works after withdrawal: %d", code)
	}
	entries, _ := s.db.Audit.Find(context.Background(), store.AuditQuery{SubjectID: id})
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Action] = true
	}
	if !seen["create"] || !seen["read"] || !seen["withdraw-consent"] {
		t.Fatalf("audit for the self-registered patient: %+v", entries)
	}
}

func TestPatchWithdrawingConsentErases(t *testing.T) {
	s := newPatientService(t, nil)
	admin := adminToken
	var p equitrial.Patient
	if code := s.send("POST", "/api/v1/patients?org=org-z", admin, nursePatient, &p); code != http.StatusCreated {
		t.Fatalf("admin create: %d", code)
	}
	if p.Strata.IMDNote == "" || p.Strata.IMDDecile != 0 {
		t.Fatalf("without reference data the strata should say IMD unknown: %+v", p.Strata)
	}
	var w equitrial.Patient
	if code := s.send("PATCH", "/api/v1/patients/"+p.ID, admin, `{"consent": {"contact": false}}`, &w); code != http.StatusOK {
		t.Fatalf("patch withdrawal: %d", code)
	}
	if w.Withdrawn == nil || w.GivenName != "" || w.NHSNumber != "" {
		t.Fatalf("a patch withdrawing consent did not erase: %+v", w)
	}
	if code := s.send("POST", "/api/v1/patients", admin, nursePatient, nil); code != http.StatusBadRequest {
		t.Fatalf("admin create without an org: %d, want 400", code)
	}
}

func TestSearchNearPostcode(t *testing.T) {
	s := newPatientService(t, sampleReference(t))
	s.importShared()
	var all, near searchResult
	if code := s.get("/api/v1/trials?near=53.8,-1.55&radius_km=50", &all); code != http.StatusOK {
		t.Fatalf("near lat,lon: %d", code)
	}
	if code := s.get("/api/v1/trials?near=ls13ex&radius_km=50", &near); code != http.StatusOK {
		t.Fatalf("near postcode: %d", code)
	}
	if near.Total != all.Total {
		t.Fatalf("near LS1 3EX found %d trials, near its coordinates %d", near.Total, all.Total)
	}
	for _, q := range []string{"ZZ99 9ZZ", "QQ1 1II", "CF10 1EP"} {
		var prob problem
		if code := s.get("/api/v1/trials?near="+strings.ReplaceAll(q, " ", "+"), &prob); code != http.StatusBadRequest || !problemFields(prob)["near"] {
			t.Errorf("near=%s: %d %+v; want 400 naming near", q, code, prob)
		}
	}
}

// sampleReference is a small directory with coordinates and an index, enough for
// API tests; the shared ONSPD sample has no coordinates.
func sampleReference(t *testing.T) *refdata.Reference {
	t.Helper()
	b := refdata.NewDirectoryBuilder(0)
	rows := []struct {
		pc, lsoa string
		loc      *refdata.Point
	}{
		{"LS1 3EX", "E01033010", &refdata.Point{Lat: 53.8021, Lon: -1.5519}},
		{"SW1A 1AA", "E01004736", &refdata.Point{Lat: 51.501, Lon: -0.1416}},
		{"CF10 1EP", "W01001939", nil},
	}
	for _, r := range rows {
		if err := b.Add(r.pc, r.lsoa, refdata.NationUnknown, r.loc); err != nil {
			t.Fatal(err)
		}
	}
	dir, _ := b.Build()
	imd, _, err := refdata.LoadIMD(strings.NewReader("lsoa_code,IMD_decile\nE01033010,3\nE01004736,9\n"), "IMD2019", refdata.IMDOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := refdata.NewReference(dir, imd)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// FuzzPatientDecode drives arbitrary bodies through the patient write path: strict
// decoding, then normalising and validating. Nothing may panic; a body that passes
// must normalise to a fixed point and survive a JSON round trip unchanged.
func FuzzPatientDecode(f *testing.F) {
	f.Add([]byte(nursePatient))
	f.Add([]byte(`{"conditions":[{"text":"COPD and type 2 diabetes"}],"observations":[{"analyte":"egfr","value":1e308,"unit":"mL/min/1.73m2","date":"2024-02-30"}]}`))
	f.Add([]byte(`{"postcode":"  sw1a-1aa ","phone":"+44 (0)20 7946 0018","language":"EN-gb","census2021Ethnicity":"Irish"}`))
	f.Add([]byte(`{"givenName":{"$gt":""}}`))
	f.Add([]byte(`{"consent":{"contact":true,"date":"2024-01-01","version":"1","channel":"web"},"smi":null}`))
	checker := patients.NewChecker(func() time.Time { return time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC) })
	f.Fuzz(func(t *testing.T, body []byte) {
		var p equitrial.Patient
		if err := api.DecodeStrict(body, &p); err != nil {
			if !equitrial.Is(equitrial.KindInvalid, err) {
				t.Fatalf("decode error of kind %v: %v", equitrial.KindOf(err), err)
			}
			return
		}
		if err := patients.CheckWritable(body); err != nil {
			return
		}
		err := checker.Prepare(&p)
		if err != nil {
			var e *equitrial.Error
			if !equitrial.Is(equitrial.KindInvalid, err) {
				t.Fatalf("validation error of kind %v: %v", equitrial.KindOf(err), err)
			}
			if ee, ok := err.(*equitrial.Error); ok {
				e = ee
			}
			if e == nil || len(e.Fields) == 0 {
				t.Fatalf("invalid without naming a field: %v", err)
			}
			return
		}
		once, _ := json.Marshal(p)
		var again equitrial.Patient
		if err := api.DecodeStrict(once, &again); err != nil {
			t.Fatalf("a valid profile does not decode again: %v\n%s", err, once)
		}
		if err := checker.Prepare(&again); err != nil {
			t.Fatalf("a valid, normalised profile fails validation the second time: %v\n%s", err, once)
		}
		twice, _ := json.Marshal(again)
		if string(once) != string(twice) {
			t.Fatalf("normalising is not idempotent:\n%s\n%s", once, twice)
		}
	})
}
