package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"equitrial"
	"equitrial/ctgov"
	"equitrial/eligibility"
	"equitrial/matcher"
	"equitrial/store"
	"equitrial/synth"
)

// matchService is the API with patients and matching wired as the server wires
// them: the compiled-criteria cache follows imports, the feature index follows
// the patients change feed.
type matchService struct {
	*patientService
	m *matcher.Matcher
}

func newMatchService(t *testing.T) *matchService {
	t.Helper()
	ms := &matchService{patientService: newPatientService(t, sampleReference(t))}
	ms.m = ms.app.Matcher
	return ms
}

type matchResult struct {
	NCTID     string                        `json:"nctId"`
	Status    string                        `json:"status"`
	Criteria  []eligibility.CriterionResult `json:"criteria"`
	Questions []string                      `json:"questions"`
}

func (s *matchService) createPatient(token string, p map[string]any) string {
	s.t.Helper()
	body, _ := json.Marshal(p)
	var out equitrial.Patient
	if code := s.doJSON("POST", "/api/v1/patients", token, body, &out); code != http.StatusCreated {
		s.t.Fatalf("create patient: %d", code)
	}
	return out.ID
}

// matchFor returns the patient's result for one trial, from every page.
func (s *matchService) matchFor(token, patientID, nctID string) *matchResult {
	s.t.Helper()
	for page := 1; page < 100; page++ {
		var res struct{ Results []matchResult }
		path := fmt.Sprintf("/api/v1/patients/%s/matches?include=ineligible&radius_km=0&size=100&page=%d", patientID, page)
		if code := s.send("GET", path, token, "", &res); code != http.StatusOK {
			s.t.Fatalf("GET %s: %d", path, code)
		}
		for i := range res.Results {
			if res.Results[i].NCTID == nctID {
				return &res.Results[i]
			}
		}
		if len(res.Results) < 100 {
			break
		}
	}
	return nil
}

func basePatient(birthDate, sex string) map[string]any {
	return map[string]any{"givenName": "Test", "familyName": "Patient", "birthDate": birthDate, "sex": sex,
		"postcode": "LS1 3EX", "language": "English",
		"consent": map[string]any{"contact": true, "date": "2026-01-10", "version": "v1", "channel": "in-person"}}
}

// The four concrete matches of the issue, through the API, against the real
// studies (and, for HbA1c, which no real study here thresholds, synthetic ones).
func TestMatchingThroughTheAPI(t *testing.T) {
	s := newMatchService(t)
	s.importShared()
	records := readShared(t)
	nurse := s.token("nurse", "org-a")

	// A 70-year-old and a recruiting trial whose structured maximum age is 65.
	var age65 *equitrial.Trial
	for _, r := range records {
		if c := eligibility.Parse(r.Trial); r.Trial.Recruiting() && c.MaxAge != nil && *c.MaxAge == 65 && r.Trial.MaxAgeYears != nil {
			age65 = r.Trial
			break
		}
	}
	if age65 == nil {
		t.Fatal("no recruiting study in ../shared/ctgov has a maximum age of 65")
	}
	old := s.createPatient(nurse, basePatient(time.Now().AddDate(-70, 0, -7).Format(time.DateOnly), "female"))
	m := s.matchFor(nurse, old, age65.NCTID)
	if m == nil || m.Status != "ineligible" {
		t.Fatalf("70-year-old and %s (max age 65): %+v", age65.NCTID, m)
	}
	if !hasCriterion(m, "not_met", "age 70 is not") {
		t.Errorf("70-year-old and %s: no unmet age criterion giving the age: %+v", age65.NCTID, m.Criteria)
	}

	// A pregnant patient and a recruiting study whose criteria exclude pregnancy.
	var pregnancy *equitrial.Trial
	for _, r := range records {
		c := eligibility.Parse(r.Trial)
		if !r.Trial.Recruiting() || c.Sex == "MALE" {
			continue
		}
		for _, cr := range c.Criteria {
			if cr.ExcludesPregnancy && cr.Section == eligibility.Exclusion {
				pregnancy = r.Trial
			}
		}
		if pregnancy != nil {
			break
		}
	}
	if pregnancy == nil {
		t.Fatal("no recruiting study in ../shared/ctgov excludes pregnancy")
	}
	preg := basePatient("1994-03-02", "female")
	preg["pregnant"] = true
	pregID := s.createPatient(nurse, preg)
	m = s.matchFor(nurse, pregID, pregnancy.NCTID)
	if m == nil || m.Status != "ineligible" || !hasCriterion(m, "not_met", "pregnant") {
		t.Fatalf("pregnant patient and %s: %+v", pregnancy.NCTID, m)
	}

	// Missing HbA1c: synthetic diabetes trials with an HbA1c inclusion range.
	var raws []json.RawMessage
	var hba1c *equitrial.Trial
	synth.Reader(synth.Trials(300, 21))(func(r ctgov.Record) error {
		if r.Err != nil || !r.Trial.Recruiting() || hba1c != nil {
			return nil
		}
		for _, cr := range eligibility.Parse(r.Trial).Criteria {
			for _, l := range cr.Labs {
				if l.Analyte == "hba1c" && cr.Section == eligibility.Inclusion {
					hba1c = r.Trial
				}
			}
		}
		return nil
	})
	if hba1c == nil {
		t.Fatal("no synthetic trial has an HbA1c inclusion range")
	}
	raws = append(raws, hba1c.Raw)
	body, _ := json.Marshal(raws)
	if code := s.do("POST", "/api/v1/trials/import", adminToken, body, nil); code != http.StatusOK {
		t.Fatalf("import synthetic trial: %d", code)
	}
	diabetic := basePatient("1970-04-04", "male")
	var conds []map[string]any
	for _, cr := range eligibility.Parse(hba1c).Criteria {
		if len(cr.RequireAny) > 0 {
			conds = append(conds, map[string]any{"system": "icd10", "code": cr.RequireAny[0].ICD10})
		}
	}
	diabetic["conditions"] = conds
	diabetic["smi"] = false
	diabeticID := s.createPatient(nurse, diabetic)
	m = s.matchFor(nurse, diabeticID, hba1c.NCTID)
	if m == nil || m.Status != "potentially_eligible" {
		t.Fatalf("diabetic without HbA1c and %s: %+v", hba1c.NCTID, m)
	}
	if !hasCriterion(m, "unknown", "HbA1c not known") || !containsText(m.Questions, "HbA1c") {
		t.Errorf("diabetic without HbA1c: no HbA1c question: %v / %+v", m.Questions, m.Criteria)
	}

	// Trial → patients lists them, for a nurse of their organisation only; withdrawing
	// consent removes them at once.
	if !s.isCandidate(nurse, hba1c.NCTID, diabeticID) {
		t.Fatal("the diabetic patient is not a candidate for the HbA1c trial")
	}
	if s.isCandidate(s.token("nurse", "org-b"), hba1c.NCTID, diabeticID) {
		t.Error("a nurse of another organisation sees the patient")
	}
	if code := s.send("GET", "/api/v1/trials/"+hba1c.NCTID+"/candidates", s.token("sponsor", "org-a"), "", nil); code != http.StatusForbidden {
		t.Errorf("sponsor candidates: %d, want 403", code)
	}
	// The re-match job records matches once, with when they were first seen.
	s.m.Seen = s.db.Matches
	before := time.Now().UTC().Add(-time.Second)
	first, err := s.m.Rematch(context.Background())
	if err != nil || first.NewMatches == 0 || first.NewMatches != first.Matches {
		t.Fatalf("first re-match: %+v, %v", first, err)
	}
	again, err := s.m.Rematch(context.Background())
	if err != nil || again.NewMatches != 0 || again.Matches != first.Matches {
		t.Fatalf("second re-match: %+v, %v (first %+v)", again, err, first)
	}
	var cands matcher.TrialCandidates
	s.send("GET", "/api/v1/trials/"+hba1c.NCTID+"/candidates?since="+before.Format(time.RFC3339), nurse, "", &cands)
	if len(cands.Patients) == 0 || cands.Patients[0].FirstSeenAt == nil || !cands.Patients[0].New {
		t.Errorf("candidates after re-match carry no first-seen time or new flag: %+v", cands.Patients)
	}
	s.send("GET", "/api/v1/trials/"+hba1c.NCTID+"/candidates?since="+time.Now().UTC().Add(time.Minute).Format(time.RFC3339), nurse, "", &cands)
	if len(cands.Patients) == 0 || cands.Patients[0].New {
		t.Errorf("a match seen before ?since= is marked new: %+v", cands.Patients)
	}

	if code := s.send("DELETE", "/api/v1/patients/"+diabeticID, nurse, "", nil); code != http.StatusOK {
		t.Fatalf("withdraw: %d", code)
	}
	if s.isCandidate(nurse, hba1c.NCTID, diabeticID) {
		t.Error("a patient who withdrew consent is still listed as a candidate")
	}
	entries, err := s.db.Audit.Find(context.Background(), store.AuditQuery{SubjectID: hba1c.NCTID})
	if err != nil || len(entries) == 0 {
		t.Errorf("candidate lists are not audited: %v", err)
	}
}

func (s *matchService) isCandidate(token, nctID, patientID string) bool {
	s.t.Helper()
	var res matcher.TrialCandidates
	if code := s.send("GET", "/api/v1/trials/"+nctID+"/candidates?size=100", token, "", &res); code != http.StatusOK {
		s.t.Fatalf("candidates: %d", code)
	}
	for _, p := range res.Patients {
		if p.PatientID == patientID {
			return true
		}
	}
	return false
}

func hasCriterion(m *matchResult, result, reason string) bool {
	for _, c := range m.Criteria {
		if string(c.Result) == result && strings.Contains(c.Reason, reason) {
			return true
		}
	}
	return false
}

func containsText(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}
