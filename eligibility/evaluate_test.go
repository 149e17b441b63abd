package eligibility

import (
	"strings"
	"testing"
	"time"

	"equitrial"
)

var asOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t
}

func bp(b bool) *bool { return &b }

const sampleText = `Inclusion Criteria:
* Type 2 diabetes
* HbA1c 7.0-10.5%
* Serum creatinine no more than 1.5 mg/dL
Exclusion Criteria:
* eGFR < 30 mL/min/1.73m2
* Pregnant or breastfeeding
* History of schizophrenia
* Any condition that, in the opinion of the investigator, would interfere`

func sampleTrial() *Compiled {
	return Compile(Parse(&equitrial.Trial{NCTID: "NCT00000001", EligibilityText: sampleText, MinimumAge: "18 Years", MaximumAge: "75 Years", Sex: "ALL"}))
}

func find(r Result, prefix string) CriterionResult {
	for _, c := range r.Criteria {
		if strings.HasPrefix(c.Text, prefix) {
			return c
		}
	}
	return CriterionResult{}
}

func TestEvaluate(t *testing.T) {
	c := sampleTrial()
	good := &Profile{AgeYears: fp(54), Sex: "FEMALE", ICD10: []string{"E11.9"},
		Observations: []Observation{
			{Analyte: "hba1c", Value: 8.1, Unit: "%", Date: day("2026-10-02")},
			{Analyte: "hba1c", Value: 11.5, Unit: "%", Date: day("2025-01-01")}, // older: ignored
			{Analyte: "creatinine", Value: 90, Unit: "µmol/L", Date: day("2026-10-02")},
			{Analyte: "egfr", Value: 70, Unit: "mL/min/1.73m2", Date: day("2026-10-02")},
		},
		Pregnant: bp(false), Breastfeeding: bp(false)}
	r := Evaluate(c, good, asOf)
	tests := []struct {
		prefix string
		want   Outcome
		reason string
	}{
		{"Age", Met, "age 54"},
		{"Type 2 diabetes", Met, "E11"},
		{"HbA1c", Met, "HbA1c 8.1% on 2026-10-02 is within 7–10.5%"},
		{"Serum creatinine", Met, "(1.018 mg/dL)"},
		{"eGFR", Met, "exclusion does not apply"},
		{"Pregnant", Met, "not pregnant"},
		{"History of schizophrenia", Met, "no diagnosis of schizophrenia (F20) is recorded"},
		{"Any condition", Unknown, "person"},
	}
	for _, tc := range tests {
		got := find(r, tc.prefix)
		if got.Result != tc.want || !strings.Contains(got.Reason, tc.reason) {
			t.Errorf("%s: %s (%q), want %s containing %q", tc.prefix, got.Result, got.Reason, tc.want, tc.reason)
		}
	}
	if r.Status != PotentiallyEligible {
		t.Errorf("status %s, want potentially_eligible (one criterion needs a person)", r.Status)
	}
	if EvaluateSummary(c, good, asOf) != r.Status {
		t.Error("EvaluateSummary disagrees with Evaluate")
	}

	// unknowns become questions, structured ones first
	sparse := &Profile{AgeYears: fp(40), ICD10: []string{"E11"}}
	r = Evaluate(c, sparse, asOf)
	if r.Status != PotentiallyEligible {
		t.Fatalf("status %s", r.Status)
	}
	if len(r.Questions) < 3 || r.Questions[0] != "Latest HbA1c (%)?" || !strings.HasPrefix(r.Questions[len(r.Questions)-1], "Does this exclusion apply?") {
		t.Errorf("questions %q", r.Questions)
	}
	if len(r.Asks) != len(r.Questions) || r.Asks[0].Key != "lab:hba1c" || r.Asks[0].Kind != KindNumber {
		t.Errorf("asks %+v", r.Asks)
	}
	if q := find(r, "Pregnant").Ask; q == nil || q.Key != "pregnant" || q.Patient != "Are you pregnant, or could you be pregnant?" {
		t.Errorf("pregnancy question %+v", q)
	}
	// a patient is never shown a criterion's own wording
	for _, a := range r.Asks {
		if strings.HasPrefix(a.Key, "criterion:") && a.Patient != "" {
			t.Errorf("criterion question %q has patient wording %q", a.Key, a.Patient)
		}
	}

	// violations
	bad := []struct {
		name   string
		p      *Profile
		prefix string
	}{
		{"too old", &Profile{AgeYears: fp(80), ICD10: []string{"E11"}}, "Age"},
		{"HbA1c in mmol/mol too high", &Profile{AgeYears: fp(50), ICD10: []string{"E11"}, Observations: []Observation{{Analyte: "HbA1c", Value: 97, Unit: "mmol/mol", Date: day("2026-09-01")}}}, "HbA1c"},
		{"low eGFR excludes", &Profile{AgeYears: fp(50), ICD10: []string{"E11"}, Observations: []Observation{{Analyte: "egfr", Value: 25, Unit: "mL/min/1.73m2", Date: day("2026-09-01")}}}, "eGFR"},
		{"creatinine in umol/L too high", &Profile{AgeYears: fp(50), ICD10: []string{"E11"}, Observations: []Observation{{Analyte: "creatinine", Value: 150, Unit: "umol/L", Date: day("2026-09-01")}}}, "Serum creatinine"},
		{"pregnant", &Profile{AgeYears: fp(30), ICD10: []string{"E11"}, Pregnant: bp(true)}, "Pregnant"},
		{"schizophrenia by free text", &Profile{AgeYears: fp(30), ICD10: []string{"E11"}, ConditionText: []string{"paranoid schizophrenia"}}, "History of schizophrenia"},
		{"no diabetes, complete record", &Profile{AgeYears: fp(30), SNOMED: []string{"195967001"}, ConditionsComplete: true}, "Type 2 diabetes"},
		{"diabetes confirmed absent", &Profile{AgeYears: fp(30), AbsentICD10: []string{"E11"}}, "Type 2 diabetes"},
	}
	for _, tc := range bad {
		r := Evaluate(c, tc.p, asOf)
		if r.Status != Ineligible || find(r, tc.prefix).Result != NotMet {
			t.Errorf("%s: status %s, %q → %s (%s)", tc.name, r.Status, tc.prefix, find(r, tc.prefix).Result, find(r, tc.prefix).Reason)
		}
	}
}

func TestEvaluateEligibleAndULN(t *testing.T) {
	c := Compile(Parse(&equitrial.Trial{NCTID: "NCT00000002", MinimumAge: "18 Years",
		EligibilityText: "Inclusion Criteria:\n- ALT <= 2.5 x ULN\n- Glucose below 11 mmol/L\n- Able to read and understand English\nExclusion Criteria:\n- Pregnancy"}))
	p := &Profile{BirthDate: day("1980-05-05"), Sex: "FEMALE", Pregnant: bp(false), Languages: []string{"English"},
		Observations: []Observation{
			{Analyte: "alt", Value: 60, Unit: "U/L", ULN: 40, Date: day("2026-10-01")},
			{Analyte: "glucose", Value: 150, Unit: "mg/dL", Date: day("2026-10-01")},
		}}
	r := Evaluate(c, p, asOf)
	if r.Status != Eligible {
		t.Fatalf("status %s: %+v", r.Status, r.Criteria)
	}
	p.Observations[1].Value = 250 // 13.9 mmol/L
	if r := Evaluate(c, p, asOf); r.Status != Ineligible {
		t.Errorf("glucose 250 mg/dL should fail < 11 mmol/L, got %s", r.Status)
	}
}
