package synth

import (
	"reflect"
	"testing"
	"time"

	"equitrial"
	"equitrial/eligibility"
	"equitrial/internal/testdata"
	"equitrial/patients"
)

func TestSyntheticPatientsAreValidAndDeterministic(t *testing.T) {
	opt := PatientOptions{Identifiers: true}
	a, b := Patients(2000, 7, opt), Patients(2000, 7, opt)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different patients")
	}
	if reflect.DeepEqual(a[:50], Patients(50, 8, opt)) {
		t.Fatal("different seeds gave the same patients")
	}
	checker := patients.NewChecker(func() time.Time { return time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC) })
	for i, p := range a {
		if err := checker.Prepare(p); err != nil {
			t.Fatalf("patient %d is not valid: %v\n%+v", i, err, p)
		}
		if !equitrial.ValidNHSNumber(p.NHSNumber) || p.NHSNumber[:3] != "999" {
			t.Fatalf("patient %d: NHS number %q is not a valid test-range number", i, p.NHSNumber)
		}
	}
}

func TestSyntheticConditionsAreInTheVocabulary(t *testing.T) {
	for _, c := range chronics {
		if eligibility.NameForICD10(c.code) == "" {
			t.Errorf("%s (%s) is not in the eligibility vocabulary", c.code, c.text)
		}
		if codes := eligibility.LookupCondition(c.text); len(codes) == 0 || codes[0].ICD10 != c.code {
			t.Errorf("the text %q maps to %v, not %s", c.text, codes, c.code)
		}
	}
	for _, code := range []string{"F20", "F31"} {
		if eligibility.NameForICD10(code) == "" || !equitrial.SMIFromICD10(code) {
			t.Errorf("SMI code %s is not in the vocabulary or not SMI", code)
		}
	}
}

// The joint distributions the demo and benchmarks rely on, measured on the shared
// postcode sample: SMI near 1% and higher in deprived areas; minority groups more
// common in deprived areas and in London; conditions rising with age.
func TestSyntheticDistributions(t *testing.T) {
	ref, _ := testdata.SharedReference(t, "imd_uk_lsoa_deciles.csv", "UK-IMD-mixed")
	g := NewPatientGenerator(42, PatientOptions{Reference: ref})
	const n = 40000
	var smi, smiDep, smiAff, depN, affN, minDep, minAff int
	var londonMinority, londonN, youngDM, youngN, oldDM, oldN int
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for range n {
		p := g.Next()
		st := patients.DeriveStrata(p, ref, now)
		if st.IMDDecile == 0 {
			t.Fatalf("a patient was placed at %s, which has no decile: %s", p.Postcode, st.IMDNote)
		}
		isSMI := patients.AnySMIDiagnosis(p.Conditions)
		minority := st.EthnicGroup.Known() && st.EthnicGroup != equitrial.EthnicGroupWhite
		if isSMI {
			smi++
		}
		switch {
		case st.IMDDecile <= 2:
			depN++
			if isSMI {
				smiDep++
			}
			if minority {
				minDep++
			}
		case st.IMDDecile >= 9:
			affN++
			if isSMI {
				smiAff++
			}
			if minority {
				minAff++
			}
		}
		if regionOf(p.Postcode) == "London" {
			londonN++
			if minority {
				londonMinority++
			}
		}
		age, _ := patients.AgeOn(p.BirthDate, now)
		dm := hasCondition(p, "E11") || len(p.Conditions) > 0 && p.Conditions[0].Text == "type 2 diabetes"
		if age < 35 {
			youngN++
			if dm {
				youngDM++
			}
		} else if age >= 65 {
			oldN++
			if dm {
				oldDM++
			}
		}
	}
	rate := func(a, b int) float64 { return float64(a) / float64(b) }
	if r := rate(smi, n); r < 0.008 || r > 0.015 {
		t.Errorf("SMI in %.2f%% of patients, want about 1%%", 100*r)
	}
	if rate(smiDep, depN) < 2*rate(smiAff, affN) {
		t.Errorf("SMI %.2f%% in deciles 1–2 vs %.2f%% in 9–10; want clearly higher in deprived areas", 100*rate(smiDep, depN), 100*rate(smiAff, affN))
	}
	if rate(minDep, depN) < 1.5*rate(minAff, affN) {
		t.Errorf("minority groups %.1f%% in deciles 1–2 vs %.1f%% in 9–10", 100*rate(minDep, depN), 100*rate(minAff, affN))
	}
	if londonN > 200 && rate(londonMinority, londonN) < 0.3 {
		t.Errorf("only %.1f%% of London patients are in minority groups", 100*rate(londonMinority, londonN))
	}
	if rate(oldDM, oldN) < 4*rate(youngDM, youngN) {
		t.Errorf("type 2 diabetes %.1f%% at 65+ vs %.1f%% under 35; want strongly rising with age", 100*rate(oldDM, oldN), 100*rate(youngDM, youngN))
	}
}

func BenchmarkSyntheticPatients(b *testing.B) {
	g := NewPatientGenerator(1, PatientOptions{})
	b.ReportAllocs()
	for b.Loop() {
		g.Next()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "patients/s")
}
