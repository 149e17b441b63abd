package eligibility

import (
	"sort"
	"strings"
	"testing"
)

// Rules from the third review (testdata/heldout_review.md, 2026-11-21): a
// diagnosis named only to set a rule for the patients who have it, a finding read
// as another diagnosis, and case-control studies that enrol both results.

func TestConditionalDiagnoses(t *testing.T) {
	tests := []codeCase{
		// a subgroup picked out for a rule: the diagnosis is not required of everyone
		{"Inclusion Criteria:\n- Treat all; however, in adults over 50 with asthma or heart failure, review the dose", "", ""},
		{"Inclusion Criteria:\n- Dose is reduced among participants with chronic kidney disease", "", ""},
		// "for patients with X:" heads a cohort of a multi-cohort trial and is kept
		{"Inclusion Criteria:\n- For patients with asthma: FEV1 below 80% predicted", "J45", ""},
		// the subject of a rule about something else
		{"Inclusion Criteria:\n- Patients with epilepsy must be on a stable dose of medication", "", ""},
		{"Inclusion Criteria:\n- Subjects with asthma should have stopped inhaled steroids", "", ""},
		// ... unless the rule is the diagnosis itself
		{"Inclusion Criteria:\n- Patients with asthma must have a confirmed diagnosis by spirometry", "J45", ""},
		{"Inclusion Criteria:\n- Patients with asthma", "J45", ""},
		// a finding that the first diagnosis explains
		{"Inclusion Criteria:\n- Chest imaging showing influenza compatible pneumonia", "J11", ""},
		{"Inclusion Criteria:\n- Pneumonia on chest imaging", "J18", ""},
	}
	checkCodes(t, tests)
}

func TestComparisonCohorts(t *testing.T) {
	tests := []struct {
		text          string
		require, excl string
	}{
		// cases and controls: neither result is required of every patient
		{"Inclusion Criteria:\n- Influenza positive patients (case group)\n- Influenza negative patients (control group)", "", ""},
		{"Inclusion Criteria:\n- Samples positive for influenza\n- Samples negative for influenza will be selected as controls", "", ""},
		// a negative result that names no group is an alternative, not a cohort
		{"Inclusion Criteria:\n- Confirmed diagnosis of HIV\n- Partner HIV negative", "B20", ""},
		// a group word with no negative result changes nothing
		{"Inclusion Criteria:\n- Confirmed influenza (treatment group)", "J11", ""},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			f := FactsOf(&Criteria{Criteria: ParseText(tc.text)})
			sort.Strings(f.ConditionsRequired)
			sort.Strings(f.ConditionsExcluded)
			if strings.Join(f.ConditionsRequired, ",") != tc.require || strings.Join(f.ConditionsExcluded, ",") != tc.excl {
				t.Errorf("required %v excluded %v; want %q %q", f.ConditionsRequired, f.ConditionsExcluded, tc.require, tc.excl)
			}
		})
	}
}

func TestRangeFromTwoBounds(t *testing.T) {
	tests := []struct {
		text string
		want []Threshold
	}{
		{"eGFR >= 30 and < 60 mL/min/1.73m2", []Threshold{{Analyte: "egfr", Low: fp(30), High: fp(60), Unit: "mL/min/1.73m2"}}},
		{"Haemoglobin ≥ 8 g/dL and ≤ 11 g/dL", []Threshold{{Analyte: "hemoglobin", Low: fp(8), High: fp(11), Unit: "g/dL"}}},
		{"BMI ≥ 18.5 and < 25 kg/m²", []Threshold{{Analyte: "bmi", Low: fp(18.5), High: fp(25), Unit: "kg/m2"}}},
		// alternatives, not a range: both kept
		{"Fasting glucose ≥ 7.0 mmol/L or ≥ 126 mg/dL", []Threshold{{Analyte: "glucose", Low: fp(7), High: nil, Unit: "mmol/L"}}},
		// unusual phrasings already read as one bound
		{"Total bilirubin not exceeding 1.5 x ULN", []Threshold{{Analyte: "bilirubin", Low: nil, High: fp(1.5), Unit: "xULN"}}},
		{"Absolute neutrophil count ≥ 1.5 × 10^9/L", []Threshold{{Analyte: "anc", Low: fp(1.5), High: nil, Unit: "10^9/L"}}},
		{"HbA1c from 7 to 10 %", []Threshold{{Analyte: "hba1c", Low: fp(7), High: fp(10), Unit: "%"}}},
		{"Potassium 3.5 – 5.0 mEq/L", []Threshold{{Analyte: "potassium", Low: fp(3.5), High: fp(5), Unit: "mEq/L"}}},
		{"Serum creatinine within normal limits", nil},
	}
	for _, tc := range tests {
		cs := ParseText(tc.text)
		if len(cs) != 1 {
			t.Fatalf("%q: want one criterion, got %d", tc.text, len(cs))
		}
		got := cs[0].Labs
		ok := len(got) == len(tc.want)
		for i := 0; ok && i < len(got); i++ {
			g, w := got[i], tc.want[i]
			ok = g.Analyte == w.Analyte && eqp(g.Low, w.Low) && eqp(g.High, w.High) && g.Unit == w.Unit
		}
		if !ok {
			t.Errorf("%q: got %s, want %s", tc.text, fmtThresholds(got), fmtThresholds(tc.want))
		}
	}
}
