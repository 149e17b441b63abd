package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"equitrial"
	"equitrial/eligibility"
	"equitrial/matcher"
	"equitrial/store"
)

// answerTrial is a ClinicalTrials.gov API v2 record of a recruiting trial with
// the given criteria and a site in Leeds.
func answerTrial(nctID, title, criteria string) json.RawMessage {
	rec := map[string]any{"protocolSection": map[string]any{
		"identificationModule": map[string]any{"nctId": nctID, "briefTitle": title},
		"statusModule":         map[string]any{"overallStatus": "RECRUITING", "lastUpdateSubmitDate": "2026-01-05"},
		"conditionsModule":     map[string]any{"conditions": []string{"Chronic Kidney Disease"}},
		"eligibilityModule": map[string]any{"eligibilityCriteria": criteria, "sex": "ALL", "minimumAge": "18 Years",
			"healthyVolunteers": false},
		"contactsLocationsModule": map[string]any{"locations": []map[string]any{{"facility": "Leeds General Infirmary",
			"city": "Leeds", "country": "United Kingdom", "geoPoint": map[string]any{"lat": 53.8, "lon": -1.55}}}},
	}}
	b, _ := json.Marshal(rec)
	return b
}

const (
	trialEGFR      = "NCT09900001" // asks lab:egfr only
	trialEGFRPreg  = "NCT09900002" // asks lab:egfr and pregnant
	trialCapacity  = "NCT09900003" // asks capacity and topic:other-trial
	egfrUnit       = "mL/min/1.73m2"
	egfrCriteria   = "Inclusion Criteria:\n\n* Adults aged 18 years or older\n* eGFR of 30 mL/min/1.73m2 or more\n\nExclusion Criteria:\n\n* Myocardial infarction within the last 6 months"
	pregCriteria   = "Inclusion Criteria:\n\n* Adults aged 18 years or older\n* Estimated glomerular filtration rate (eGFR) >= 45 mL/min/1.73 m2\n\nExclusion Criteria:\n\n* Currently pregnant"
	capacityCrit   = "Inclusion Criteria:\n\n* Aged 18 or over\n* Able to give informed consent\n\nExclusion Criteria:\n\n* Participation in another clinical trial"
	answersRoute   = "/api/v1/patients/%s/answers"
	answerAuditKey = "answer"
)

// fullMatch is a match as the API answers it, with the questions' keys.
type fullMatch struct {
	NCTID     string                 `json:"nctId"`
	Status    string                 `json:"status"`
	Questions []string               `json:"questions"`
	Asks      []eligibility.Question `json:"asks"`
	RestsOn   *eligibility.Basis     `json:"restsOn"`
}

func (s *matchService) fullMatchFor(token, patientID, nctID string) *fullMatch {
	s.t.Helper()
	var res struct {
		Results []json.RawMessage `json:"results"`
	}
	path := "/api/v1/patients/" + patientID + "/matches?include=ineligible&radius_km=0&size=100"
	if code := s.send("GET", path, token, "", &res); code != http.StatusOK {
		s.t.Fatalf("GET %s: %d", path, code)
	}
	for _, raw := range res.Results {
		var m fullMatch
		if err := json.Unmarshal(raw, &m); err != nil {
			s.t.Fatal(err)
		}
		if m.NCTID != nctID {
			continue
		}
		if !strings.Contains(string(raw), `"asks":[`) {
			s.t.Errorf("%s: asks is not a list in %s", nctID, raw)
		}
		return &m
	}
	s.t.Fatalf("%s is not among the patient's matches", nctID)
	return nil
}

func askKeys(m *fullMatch) []string {
	var out []string
	for _, q := range m.Asks {
		out = append(out, q.Key)
	}
	return out
}

// putAnswers sends answers and decodes the answer (the record's answers, or a problem).
func (s *matchService) putAnswers(token, patientID, body string, out any) int {
	s.t.Helper()
	return s.send("PUT", fmt.Sprintf(answersRoute, patientID), token, body, out)
}

type answersResponse struct {
	Answers []equitrial.Answer `json:"answers"`
}

func TestAnswersChangeVerdicts(t *testing.T) {
	s := newMatchService(t)
	body, _ := json.Marshal([]json.RawMessage{
		answerTrial(trialEGFR, "Kidney function and heart health", egfrCriteria),
		answerTrial(trialEGFRPreg, "Kidney function in women", pregCriteria),
		answerTrial(trialCapacity, "A study needing consent", capacityCrit),
	})
	if code := s.do("POST", "/api/v1/trials/import", adminToken, body, nil); code != http.StatusOK {
		t.Fatalf("import: %d", code)
	}
	nurse, nurseB, sponsor := s.token("nurse", "org-a"), s.token("nurse", "org-b"), s.token("sponsor", "org-a")
	id := s.createPatient(nurse, basePatient("1970-05-05", "female"))

	// Before: both kidney trials ask for the eGFR; the verdict rests on what is met.
	a := s.fullMatchFor(nurse, id, trialEGFR)
	if a.Status != "potentially_eligible" || !slices.Contains(askKeys(a), "lab:egfr") || len(a.Questions) != len(a.Asks) {
		t.Fatalf("%s before any answer: %+v", trialEGFR, a)
	}
	var egfrQ eligibility.Question
	for _, q := range a.Asks {
		if q.Key == "lab:egfr" {
			egfrQ = q
		}
	}
	if egfrQ.Kind != eligibility.KindNumber || egfrQ.Unit == "" || egfrQ.Clinical == "" {
		t.Errorf("the eGFR question lacks its kind, unit or wording: %+v", egfrQ)
	}
	if a.RestsOn == nil {
		t.Errorf("%s: no restsOn for a potentially eligible verdict", trialEGFR)
	}
	b := s.fullMatchFor(nurse, id, trialEGFRPreg)
	if !slices.Contains(askKeys(b), "lab:egfr") || !slices.Contains(askKeys(b), "pregnant") {
		t.Fatalf("%s before any answer asks %v, want lab:egfr and pregnant", trialEGFRPreg, askKeys(b))
	}

	// The nurse answers the eGFR once: the first trial becomes eligible, the second
	// no longer asks for it, in the very next request.
	var got answersResponse
	code := s.putAnswers(nurse, id, `{"answers":[{"key":"lab:egfr","value":"52","unit":"`+egfrQ.Unit+`","date":"2025-11-20"}]}`, &got)
	if code != http.StatusOK || len(got.Answers) != 1 {
		t.Fatalf("nurse answering the eGFR: %d %+v", code, got)
	}
	ans := got.Answers[0]
	if ans.Key != "lab:egfr" || ans.Value != "52" || ans.Role != "nurse" || ans.By == "" || ans.At.IsZero() || ans.Date != "2025-11-20" {
		t.Errorf("stored answer %+v: want key, value, date, role nurse, by and at set", ans)
	}
	if strings.Contains(strings.ToLower(ans.By), "test") {
		t.Errorf("by %q carries the token's name, want its id", ans.By)
	}
	if a = s.fullMatchFor(nurse, id, trialEGFR); a.Status != "eligible" || len(a.Asks) != 0 {
		t.Fatalf("%s after eGFR 52: %+v, want eligible with nothing to ask", trialEGFR, a)
	}
	if a.RestsOn == nil || a.RestsOn.Met == 0 {
		t.Errorf("%s eligible without saying what it rests on: %+v", trialEGFR, a.RestsOn)
	}
	if b = s.fullMatchFor(nurse, id, trialEGFRPreg); slices.Contains(askKeys(b), "lab:egfr") || !slices.Contains(askKeys(b), "pregnant") {
		t.Fatalf("%s after the eGFR answer asks %v: one answer must serve both trials", trialEGFRPreg, askKeys(b))
	}

	// A new value replaces the old one (one answer per key) and can rule the trial out.
	code = s.putAnswers(nurse, id, `{"answers":[{"key":"lab:egfr","value":"20","unit":"`+egfrQ.Unit+`"}]}`, &got)
	if code != http.StatusOK || len(got.Answers) != 1 || got.Answers[0].Value != "20" {
		t.Fatalf("replacing the eGFR: %d %+v", code, got)
	}
	if a = s.fullMatchFor(nurse, id, trialEGFR); a.Status != "ineligible" {
		t.Fatalf("%s after eGFR 20: %s, want ineligible", trialEGFR, a.Status)
	}
	// An empty value removes the answer: the question comes back.
	if code = s.putAnswers(nurse, id, `{"answers":[{"key":"lab:egfr","value":""}]}`, &got); code != http.StatusOK || len(got.Answers) != 0 || got.Answers == nil {
		t.Fatalf("removing the eGFR answer: %d %+v (want an empty list)", code, got)
	}
	if a = s.fullMatchFor(nurse, id, trialEGFR); a.Status != "potentially_eligible" || !slices.Contains(askKeys(a), "lab:egfr") {
		t.Fatalf("%s after removing the answer: %+v", trialEGFR, a)
	}

	// Every bad entry is named at once, and nothing is written.
	var prob problem
	bad := `{"answers":[
		{"key":"capacity","value":"yes"},
		{"key":"lab:egfr","value":"lots","unit":"` + egfrQ.Unit + `"},
		{"key":"pregnant","value":"maybe"},
		{"key":"smi","value":"no","date":"2999-01-01"},
		{"key":"how-tall","value":"yes"},
		{"key":"lab:egfr","value":"40","unit":"furlongs"},
		{"key":"lab:egfr","value":"900","unit":"` + egfrUnit + `"},
		{"key":"smi","value":"no","date":"20-11-2025"}]}`
	if code = s.putAnswers(nurse, id, bad, &prob); code != http.StatusBadRequest {
		t.Fatalf("bad answers: %d, want 400", code)
	}
	fields := problemFields(prob)
	for _, f := range []string{"answers[1].value", "answers[2].value", "answers[3].date", "answers[4].key", "answers[5].key", "answers[6].key", "answers[7].key"} {
		if !fields[f] {
			t.Errorf("bad answers: %s not named; errors %+v", f, prob.Errors)
		}
	}
	if fields["answers[0].key"] || fields["answers[0].value"] {
		t.Errorf("a good answer was named as bad: %+v", prob.Errors)
	}
	// Units and plausibility, each on its own (no duplicate keys to hide them).
	prob = problem{}
	if code = s.putAnswers(nurse, id, `{"answers":[{"key":"lab:egfr","value":"40","unit":"furlongs"},{"key":"lab:hba1c","value":"900","unit":"mmol/mol"},{"key":"pregnant","value":"no","unit":"kg"}]}`, &prob); code != http.StatusBadRequest {
		t.Fatalf("bad units: %d", code)
	}
	if fields = problemFields(prob); !fields["answers[0].unit"] || !fields["answers[1].value"] || !fields["answers[2].unit"] {
		t.Errorf("bad units and implausible value not all named: %+v", prob.Errors)
	}
	if p, _ := s.db.Patients.Get(context.Background(), id); len(p.Answers) != 0 {
		t.Fatalf("a refused request wrote answers: %+v", p.Answers)
	}
	// The service sets who answered: a body naming by, role or at is refused.
	if code = s.putAnswers(nurse, id, `{"answers":[{"key":"capacity","value":"yes","by":"someone-else"}]}`, nil); code != http.StatusBadRequest {
		t.Errorf("an answer naming its own author: %d, want 400", code)
	}
	if code = s.putAnswers(nurse, id, `{}`, nil); code != http.StatusBadRequest {
		t.Errorf("no answers: %d, want 400", code)
	}

	// Scoping as the other patient routes: another site's nurse does not learn the
	// record exists, sponsors never reach patient records, anonymous callers sign in.
	if code = s.putAnswers(nurseB, id, `{"answers":[{"key":"capacity","value":"yes"}]}`, nil); code != http.StatusNotFound {
		t.Errorf("nurse of another organisation: %d, want 404", code)
	}
	if code = s.putAnswers(sponsor, id, `{"answers":[{"key":"capacity","value":"yes"}]}`, nil); code != http.StatusForbidden {
		t.Errorf("sponsor: %d, want 403", code)
	}
	if code = s.putAnswers("", id, `{"answers":[{"key":"capacity","value":"yes"}]}`, nil); code != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", code)
	}
	if p, _ := s.db.Patients.Get(context.Background(), id); len(p.Answers) != 0 {
		t.Fatalf("a refused caller wrote answers: %+v", p.Answers)
	}

	// Answers go through their own route only: POST and PATCH of the profile refuse them.
	prob = problem{}
	if code = s.send("PATCH", "/api/v1/patients/"+id, nurse, `{"answers":[{"key":"capacity","value":"yes"}]}`, &prob); code != http.StatusBadRequest || !problemFields(prob)["answers"] {
		t.Errorf("PATCH with answers: %d %+v, want 400 naming answers", code, prob)
	}
	withAnswers := basePatient("1980-01-01", "male")
	withAnswers["answers"] = []map[string]any{{"key": "capacity", "value": "yes"}}
	raw, _ := json.Marshal(withAnswers)
	if code = s.send("POST", "/api/v1/patients", nurse, string(raw), nil); code != http.StatusBadRequest {
		t.Errorf("POST with answers: %d, want 400", code)
	}
	// PATCH keeps the answers it cannot set; condition status and conditionsComplete are writable.
	s.putAnswers(nurse, id, `{"answers":[{"key":"capacity","value":"yes"}]}`, nil)
	var patched equitrial.Patient
	if code = s.send("PATCH", "/api/v1/patients/"+id, nurse, `{"conditionsComplete":true,"conditions":[{"system":"icd10","code":"I21","status":"absent"}]}`, &patched); code != http.StatusOK {
		t.Fatalf("PATCH conditionsComplete and an absent condition: %d", code)
	}
	if !patched.ConditionsComplete || len(patched.Answers) != 1 || patched.Conditions[0].Status != "absent" {
		t.Errorf("after PATCH: complete %v, answers %+v, conditions %+v", patched.ConditionsComplete, patched.Answers, patched.Conditions)
	}
	prob = problem{}
	if code = s.send("PATCH", "/api/v1/patients/"+id, nurse, `{"conditions":[{"system":"icd10","code":"I21","status":"perhaps"}]}`, &prob); code != http.StatusBadRequest || !problemFields(prob)["conditions[0].status"] {
		t.Errorf("a condition status of perhaps: %d %+v", code, prob.Errors)
	}

	// Trial → patients carries the questions too.
	var cands matcher.TrialCandidates
	if code = s.send("GET", "/api/v1/trials/"+trialEGFRPreg+"/candidates?size=100", nurse, "", &cands); code != http.StatusOK {
		t.Fatalf("candidates: %d", code)
	}
	found := false
	for _, pc := range cands.Patients {
		if pc.PatientID == id {
			found = true
			if pc.Asks == nil || len(pc.Asks) != len(pc.Questions) {
				t.Errorf("candidate asks %+v for questions %v", pc.Asks, pc.Questions)
			}
		}
	}
	if !found {
		t.Errorf("the patient is not a candidate for %s", trialEGFRPreg)
	}

	entries, err := s.db.Audit.Find(context.Background(), store.AuditQuery{SubjectID: id})
	if err != nil {
		t.Fatal(err)
	}
	var ok, refused int
	for _, e := range entries {
		if e.Action == answerAuditKey {
			if e.Status == http.StatusOK {
				ok++
			} else {
				refused++
			}
		}
	}
	if ok < 4 || refused < 2 {
		t.Errorf("audit: %d answer writes and %d refused, want at least 4 and 2", ok, refused)
	}
}

// A patient answers their own questions through their private link, but not lab
// values, capacity or a trial's own criteria.
func TestPatientAnswersOwnQuestions(t *testing.T) {
	s := newMatchService(t)
	body, _ := json.Marshal([]json.RawMessage{
		answerTrial(trialEGFRPreg, "Kidney function in women", pregCriteria),
		answerTrial(trialCapacity, "A study needing consent", capacityCrit),
	})
	if code := s.do("POST", "/api/v1/trials/import", adminToken, body, nil); code != http.StatusOK {
		t.Fatalf("import: %d", code)
	}
	reg := basePatient("1988-02-02", "female")
	reg["email"] = "self@example.org"
	raw, _ := json.Marshal(reg)
	var registered struct {
		Patient     equitrial.Patient `json:"patient"`
		AccessToken string            `json:"accessToken"`
	}
	s.db.Orgs.Put(context.Background(), &store.Org{ID: "org-a", Name: "Org A", Kind: "site", SelfRegistration: true}) // ?org= needs a site taking registrations
	if code := s.send("POST", "/api/v1/register?org=org-a", "", string(raw), &registered); code != http.StatusCreated {
		t.Fatalf("register: %d", code)
	}
	me, id := registered.AccessToken, registered.Patient.ID
	other := s.createPatient(s.token("nurse", "org-a"), basePatient("1960-01-01", "female"))

	for _, tc := range []struct{ name, body, key string }{
		{"lab value", `{"answers":[{"key":"lab:egfr","value":"50","unit":"mL/min/1.73m2"}]}`, "lab:egfr"},
		{"capacity", `{"answers":[{"key":"capacity","value":"yes"}]}`, "capacity"},
		{"criterion", `{"answers":[{"key":"criterion:NCT09900003:1","value":"yes"}]}`, "criterion:NCT09900003:1"},
		{"mixed", `{"answers":[{"key":"pregnant","value":"no"},{"key":"lab:egfr","value":"50","unit":"mL/min/1.73m2"}]}`, "lab:egfr"},
	} {
		var prob problem
		if code := s.putAnswers(me, id, tc.body, &prob); code != http.StatusForbidden {
			t.Errorf("patient answering a %s: %d, want 403", tc.name, code)
			continue
		}
		if !strings.Contains(prob.Detail, tc.key) {
			t.Errorf("patient answering a %s: the problem does not name %s: %+v", tc.name, tc.key, prob)
		}
	}
	if p, _ := s.db.Patients.Get(context.Background(), id); len(p.Answers) != 0 {
		t.Fatalf("a refused patient request wrote answers: %+v", p.Answers)
	}

	b := s.fullMatchFor(me, id, trialEGFRPreg)
	if !slices.Contains(askKeys(b), "pregnant") {
		t.Fatalf("%s asks %v, want pregnant", trialEGFRPreg, askKeys(b))
	}
	var got answersResponse
	if code := s.putAnswers(me, id, `{"answers":[{"key":"pregnant","value":"No"},{"key":"topic:other-trial","value":"no"}]}`, &got); code != http.StatusOK {
		t.Fatalf("patient answering pregnant: %d", code)
	}
	if len(got.Answers) != 2 || got.Answers[0].Value != "no" || got.Answers[0].Role != "patient" || got.Answers[0].By != "patient:"+id {
		t.Errorf("patient's answers stored as %+v", got.Answers)
	}
	if b = s.fullMatchFor(me, id, trialEGFRPreg); slices.Contains(askKeys(b), "pregnant") {
		t.Errorf("%s still asks whether she is pregnant after she answered: %v", trialEGFRPreg, askKeys(b))
	}
	if c := s.fullMatchFor(me, id, trialCapacity); slices.Contains(askKeys(c), "topic:other-trial") {
		t.Errorf("%s asks %v after the patient answered about other trials", trialCapacity, askKeys(c))
	}
	// A patient's own matches ask only what a patient may answer, in their words:
	// capacity is for staff, and nurses still see it.
	if c := s.fullMatchFor(me, id, trialCapacity); slices.Contains(askKeys(c), "capacity") {
		t.Errorf("the patient is asked about their own capacity: %v", askKeys(c))
	}
	for _, nct := range []string{trialCapacity, trialEGFRPreg} {
		for _, q := range s.fullMatchFor(me, id, nct).Asks {
			if q.Patient == "" || strings.HasPrefix(q.Key, "lab:") || strings.HasPrefix(q.Key, "criterion:") {
				t.Errorf("%s: the patient is asked %+v", nct, q)
			}
		}
	}
	if c := s.fullMatchFor(s.token("admin", ""), id, trialCapacity); !slices.Contains(askKeys(c), "capacity") {
		t.Errorf("staff are not asked about capacity: %v", askKeys(c))
	}
	// Their link speaks for their own record only.
	if code := s.putAnswers(me, other, `{"answers":[{"key":"pregnant","value":"no"}]}`, nil); code != http.StatusNotFound {
		t.Errorf("patient answering for someone else: %d, want 404", code)
	}
}
