package fhir

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"equitrial"
	"equitrial/equity"
)

func TestResearchStudy(t *testing.T) {
	tr := &equitrial.Trial{NCTID: "NCT09910001", BriefTitle: "Kidneys and sugar", OfficialTitle: "A long official title",
		OverallStatus: "RECRUITING", Phases: []string{"PHASE2", "PHASE3"}, StudyType: "INTERVENTIONAL",
		Conditions: []string{"Type 2 Diabetes", " "}, Keywords: []string{"eGFR"}, LeadSponsor: "Leeds Teaching Hospitals (invented)",
		Interventions: []equitrial.Intervention{{Type: "DRUG", Name: "Dapagliflozin"}},
		Locations: []equitrial.Location{
			{Facility: "Leeds General Infirmary", City: "Leeds", Postcode: "LS1 3EX", Country: "United Kingdom"},
			{Facility: "St James's", City: "Leeds", Country: "United Kingdom"},
		},
		StartDate: "2026-01", CompletionDate: "2028-06-30", BriefSummary: "Does it help?"}
	raw, err := json.Marshal(ResearchStudy(tr))
	if err != nil {
		t.Fatal(err)
	}
	var back fm.ResearchStudy
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for _, want := range []string{`"resourceType":"ResearchStudy"`, `"id":"NCT09910001"`, `"status":"active"`,
		`"system":"https://clinicaltrials.gov","value":"NCT09910001"`, `"code":"phase-2-phase-3"`,
		`"display":"Leeds General Infirmary, Leeds, LS1 3EX"`, `"start":"2026-01"`, `"url":"https://clinicaltrials.gov/study/NCT09910001"`} {
		if !strings.Contains(s, want) {
			t.Errorf("no %s in %s", want, s)
		}
	}
	if len(back.Condition) != 1 || len(back.Location) != 1 || *back.Title != "Kidneys and sugar" || len(back.Focus) != 1 {
		t.Errorf("study %s", s)
	}
	for status, want := range map[string]string{"NOT_YET_RECRUITING": "approved", "COMPLETED": "completed", "UNKNOWN": "closed-to-accrual",
		"ACTIVE_NOT_RECRUITING": "closed-to-accrual", "WITHDRAWN": "withdrawn", "SUSPENDED": "temporarily-closed-to-accrual"} {
		if got := studyStatus(status).Code(); got != want {
			t.Errorf("%s: %s, want %s", status, got, want)
		}
	}
}

func TestResearchSubjects(t *testing.T) {
	at := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	ps := []equity.Participant{
		{Key: "p:pt_abcdefghijklmnopqrst", PatientID: "pt_abcdefghijklmnopqrst", Site: "site-a", Stage: equity.StageEnrolled, Enrolled: true, EnrolledAt: at},
		{Key: "r:site-a/row-7", Site: "site-a", Stage: equity.StageScreenFailed},
		{Key: "p:pt_bbbbbbbbbbbbbbbbbbbb", PatientID: "pt_bbbbbbbbbbbbbbbbbbbb", Site: "site-a", Stage: equity.StageDeclined},
	}
	b, err := ResearchSubjects("NCT09910001", ps, at)
	if err != nil {
		t.Fatal(err)
	}
	if b.Type != fm.BundleTypeSearchset || *b.Total != 3 || len(b.Entry) != 3 {
		t.Fatalf("bundle %+v", b)
	}
	ids := map[string]bool{}
	var subjects []fm.ResearchSubject
	for _, e := range b.Entry {
		var rs fm.ResearchSubject
		if err := json.Unmarshal(e.Resource, &rs); err != nil || !strings.Contains(string(e.Resource), `"resourceType":"ResearchSubject"`) {
			t.Fatalf("%s: %v", e.Resource, err)
		}
		ids[*rs.Id] = true
		subjects = append(subjects, rs)
	}
	if len(ids) != 3 {
		t.Errorf("ids not distinct: %v", ids)
	}
	first := subjects[0]
	if first.Status != fm.ResearchSubjectStatusOnStudy || *first.Individual.Reference != "Patient/pt-abcdefghijklmnopqrst" ||
		*first.Study.Reference != "ResearchStudy/NCT09910001" || first.Period == nil || *first.Period.Start != "2026-11-03T10:00:00Z" {
		t.Errorf("enrolled: %+v", first)
	}
	if subjects[1].Status != fm.ResearchSubjectStatusIneligible || subjects[1].Individual.Reference != nil || subjects[1].Individual.Display == nil {
		t.Errorf("anonymous screen failure: %+v", subjects[1])
	}
	if subjects[2].Status != fm.ResearchSubjectStatusNotRegistered || subjects[2].Period != nil {
		t.Errorf("declined: %+v", subjects[2])
	}
	// stable: the same participant always has the same id, whatever the order
	again, _ := ResearchSubjects("NCT09910001", ps[1:], at)
	var rs fm.ResearchSubject
	json.Unmarshal(again.Entry[0].Resource, &rs)
	if *rs.Id != *subjects[1].Id {
		t.Errorf("id moved: %s, %s", *rs.Id, *subjects[1].Id)
	}
}

// The code table is data: every row names a real analyte, once.
func TestObservationCodesTable(t *testing.T) {
	if n := len(observationCodes()); n < 60 {
		t.Errorf("%d codes", n)
	}
	for _, bad := range []string{"loinc\t1-1", "icd\t1-1\thba1c", "loinc\t1-1\tunobtainium", "loinc\t1-1\thba1c\nloinc\t1-1\thba1c"} {
		if _, err := parseObservationCodes(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}
