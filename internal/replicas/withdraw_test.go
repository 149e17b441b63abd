package replicas_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"equitrial"
	"equitrial/store"
)

// diabetesStudy is a recruiting study whose inclusion criteria require type 2
// diabetes: trial → patients looks among patients recorded with it.
const diabetesStudy = `{"protocolSection":{
 "identificationModule":{"nctId":"NCT09900001","briefTitle":"Timing of metformin in type 2 diabetes"},
 "statusModule":{"overallStatus":"RECRUITING","lastUpdatePostDateStruct":{"date":"2026-01-05"}},
 "conditionsModule":{"conditions":["Type 2 Diabetes Mellitus"]},
 "eligibilityModule":{"sex":"ALL","minimumAge":"18 Years","eligibilityCriteria":"Inclusion Criteria:\n\n* Type 2 diabetes mellitus\n* Aged 18 years or over\n\nExclusion Criteria:\n\n* Type 1 diabetes mellitus"},
 "contactsLocationsModule":{"locations":[{"facility":"Leeds General Infirmary","city":"Leeds","country":"United Kingdom"}]}}}`

// A patient created on one replica becomes a candidate for trial → patients on
// the other; once withdrawn on the first, they are never a candidate on the
// other after the delay — not on later reads, and not after the other reloads
// its patient index from the store (the re-match job).
func TestPatientWithdrawnOnOneReplicaIsNeverACandidateOnTheOther(t *testing.T) {
	c := newCluster(t)
	a := c.start("a", t.TempDir(), nil)
	b := c.start("b", t.TempDir(), nil)
	a.must(http.MethodPost, "/api/v1/trials/import", []byte(diabetesStudy), http.StatusOK, nil)

	var ids []string
	for i := range 3 {
		body, _ := json.Marshal(map[string]any{"givenName": "Test", "familyName": fmt.Sprint("Patient", i), "birthDate": "1961-04-02",
			"sex": "male", "conditions": []map[string]string{{"system": "icd10", "code": "E11.9"}},
			"consent": map[string]any{"contact": true, "date": "2026-01-10", "version": "v1", "channel": "in-person"}})
		var p equitrial.Patient
		a.must(http.MethodPost, "/api/v1/patients?org=site-a", body, http.StatusCreated, &p)
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	if got := a.candidates(t); !slices.Equal(got, ids) {
		t.Fatalf("candidates on A, where the patients were created: %v, want %v", got, ids)
	}
	took := eventually(t, "replica B lists the patients created on A", func() bool { return slices.Equal(b.candidates(t), ids) })
	t.Logf("replica B listed the patients created on A after %s", took.Round(10e6))

	withdrawn := ids[1]
	a.must(http.MethodDelete, "/api/v1/patients/"+withdrawn, nil, http.StatusOK, nil)
	if slices.Contains(a.candidates(t), withdrawn) {
		t.Fatal("the replica that withdrew the patient still lists them")
	}
	took = eventually(t, "the withdrawn patient leaves replica B's candidates", func() bool { return !slices.Contains(b.candidates(t), withdrawn) })
	t.Logf("the patient withdrawn on A left replica B's candidates after %s", took.Round(10e6))

	// Never again: a few more intervals, then a reload of B's patient index.
	for end := time.Now().Add(5 * interval); time.Now().Before(end); time.Sleep(interval / 2) {
		if slices.Contains(b.candidates(t), withdrawn) {
			t.Fatal("the withdrawn patient came back among replica B's candidates")
		}
	}
	var run struct {
		RunID string `json:"runId"`
	}
	b.must(http.MethodPost, "/api/v1/jobs/rematch/run", nil, http.StatusAccepted, &run)
	eventually(t, "the re-match job on B finishes", func() bool {
		var r store.JobRun
		code, _ := b.call(t.Context(), http.MethodGet, "/api/v1/jobs/rematch/runs/"+run.RunID, nil, &r)
		return code == http.StatusOK && r.Outcome == store.RunSucceeded
	})
	got := b.candidates(t)
	if slices.Contains(got, withdrawn) || len(got) != 2 {
		t.Fatalf("after B reloaded its patient index: candidates %v, want the two not withdrawn", got)
	}
}

// candidates lists the patient ids trial → patients gives for diabetesStudy.
func (r *replica) candidates(t *testing.T) []string {
	t.Helper()
	var res struct {
		Patients []struct {
			PatientID string `json:"patientId"`
		} `json:"patients"`
	}
	// Before the replica has the trial, 404: no candidates yet.
	if code, err := r.call(t.Context(), http.MethodGet, "/api/v1/trials/NCT09900001/candidates?size=100", nil, &res); code != http.StatusOK {
		if code != http.StatusNotFound {
			t.Fatalf("replica %s: candidates: %d, %v", r.name, code, err)
		}
		return nil
	}
	var ids []string
	for _, p := range res.Patients {
		ids = append(ids, p.PatientID)
	}
	slices.Sort(ids)
	return ids
}
