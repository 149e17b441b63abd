package eligibility

import (
	"strings"
	"testing"
)

func TestSplitCriteria(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // "i:" or "e:" + text
	}{
		{"headings with colons and dash bullets",
			"Inclusion Criteria:\n\n  -  Age 18 or over\n\n  -  HbA1c 7.0-10.5%, measured\n     within 3 months\n\nExclusion Criteria:\n\n  -  Pregnant\n",
			[]string{"i:Age 18 or over", "i:HbA1c 7.0-10.5%, measured within 3 months", "e:Pregnant"}},
		{"key criteria, numbered, no colon",
			"Key Inclusion Criteria\n1. Adults\n2. Asthma\nKey Exclusion Criteria\n1) Smokers",
			[]string{"i:Adults", "i:Asthma", "e:Smokers"}},
		{"no headings at all", "Adults with COPD\nNo cancer", []string{"i:Adults with COPD", "i:No cancer"}},
		{"nested bullets", "Inclusion Criteria:\n* Normal organ function:\n\n  * ANC >= 1500/mm3\n  * Platelets >= 100,000/mm3\n",
			[]string{"i:Normal organ function:", "i:ANC >= 1500/mm3", "i:Platelets >= 100,000/mm3"}},
		{"heading with text after colon", "Inclusion Criteria:Adults\n\nExclusion Criteria:\nSmokers",
			[]string{"i:Adults", "e:Smokers"}},
		{"non-inclusion is exclusion", "Inclusion criteria:\n- Adults\nNon-inclusion criteria:\n- Minors", []string{"i:Adults", "e:Minors"}},
		{"sub-headings are not criteria", "PATIENT CHARACTERISTICS:\nHepatic:\nBilirubin < 1.5 mg/dL", []string{"i:Bilirubin < 1.5 mg/dL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, c := range ParseText(tc.text) {
				got = append(got, string(c.Section)[:1]+":"+c.Text)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func fp(v float64) *float64 { return &v }

func TestThresholds(t *testing.T) {
	tests := []struct {
		text string
		want []Threshold
	}{
		{"HbA1c 7.0-10.5%", []Threshold{{Analyte: "hba1c", Low: fp(7), High: fp(10.5), Unit: "%"}}},
		{"HbA1c between 53 and 91 mmol/mol", []Threshold{{Analyte: "hba1c", Low: fp(53), High: fp(91), Unit: "mmol/mol"}}},
		{"eGFR < 30 mL/min/1.73m²", []Threshold{{Analyte: "egfr", Low: nil, High: fp(30), Unit: "mL/min/1.73m2"}}},
		{"SpO2 ≤ 94%", []Threshold{{Analyte: "spo2", Low: nil, High: fp(94), Unit: "%"}}},
		{"ALT ≥ 1.5 × ULN", []Threshold{{Analyte: "alt", Low: fp(1.5), High: nil, Unit: "xULN"}}},
		{"AST or ALT > 3X upper limit of normal", []Threshold{{Analyte: "ast", Low: fp(3), High: nil, Unit: "xULN"}, {Analyte: "alt", Low: fp(3), High: nil, Unit: "xULN"}}},
		{"Platelet count at least 100,000/mm^3", []Threshold{{Analyte: "platelets", Low: fp(100000), High: nil, Unit: "/mm3"}}},
		{"Creatinine no greater than 2.0 mg/dL", []Threshold{{Analyte: "creatinine", Low: nil, High: fp(2), Unit: "mg/dL"}}},
		{"Serum creatinine no more than 133 µmol/L", []Threshold{{Analyte: "creatinine", Low: nil, High: fp(133), Unit: "umol/L"}}},
		{"BMI greater than or equal to 30 kg/m2", []Threshold{{Analyte: "bmi", Low: fp(30), High: nil, Unit: "kg/m2"}}},
		{"ECOG performance status 0 or 1", []Threshold{{Analyte: "ecog", Low: fp(0), High: fp(1), Unit: "score"}}},
		{"Life expectancy < 2 years", []Threshold{{Analyte: "life_expectancy", Low: nil, High: fp(24), Unit: "months"}}},
		{"neutrophils <0.50x109/L", []Threshold{{Analyte: "anc", Low: nil, High: fp(0.5), Unit: "10^9/L"}}},
		{"(>3x ULN SGOT / SGPT)", []Threshold{{Analyte: "ast", Low: fp(3), High: nil, Unit: "xULN"}, {Analyte: "alt", Low: fp(3), High: nil, Unit: "xULN"}}},
		{"GOT or GPT levels three times above the normal upper limit", []Threshold{{Analyte: "ast", Low: fp(3), High: nil, Unit: "xULN"}, {Analyte: "alt", Low: fp(3), High: nil, Unit: "xULN"}}},
		{"Class III or IV heart failure (NYHA)", []Threshold{{Analyte: "nyha", Low: fp(3), High: fp(4), Unit: "class"}}},
		{"CD4% < 25%", nil},
		{"Weight stable within 5% for 3 months", nil},
		{"Fasting glucose of 126 mg/dL or more", []Threshold{{Analyte: "glucose", Low: fp(126), High: nil, Unit: "mg/dL"}}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			cs := ParseText(tc.text)
			if len(cs) != 1 {
				t.Fatalf("want one criterion, got %d", len(cs))
			}
			got := cs[0].Labs
			if len(got) != len(tc.want) {
				t.Fatalf("got %s, want %s", fmtThresholds(got), fmtThresholds(tc.want))
			}
			for i := range got {
				g, w := got[i], tc.want[i]
				if g.Analyte != w.Analyte || !eqp(g.Low, w.Low) || !eqp(g.High, w.High) || g.Unit != w.Unit {
					t.Errorf("got %s, want %s", fmtThresholds(got), fmtThresholds(tc.want))
				}
			}
		})
	}
}

func fmtThresholds(ts []Threshold) string {
	var s []string
	for _, t := range ts {
		s = append(s, DescribeThreshold(t)+" ["+t.Analyte+" "+t.Unit+"]")
	}
	return "[" + strings.Join(s, "; ") + "]"
}

func TestComparators(t *testing.T) {
	tests := []struct {
		in     string
		lo, hi *float64
	}{
		{">= 5", fp(5), nil}, {"≥5", fp(5), nil}, {"at least 5", fp(5), nil}, {"greater than or equal to 5", fp(5), nil},
		{"no less than 5", fp(5), nil}, {"> 5", fp(5), nil}, {"more than 5", fp(5), nil}, {"5 or more", fp(5), nil},
		{"<= 5", nil, fp(5)}, {"no more than 5", nil, fp(5)}, {"at most 5", nil, fp(5)}, {"</= 5", nil, fp(5)},
		{"less than 5", nil, fp(5)}, {"below 5", nil, fp(5)}, {"5 or less", nil, fp(5)},
		{"between 2 and 5", fp(2), fp(5)}, {"2-5", fp(2), fp(5)}, {"2 to 5", fp(2), fp(5)}, {"from 2 to 5", fp(2), fp(5)},
		{"< 100-200", nil, fp(200)}, {"1,500", nil, nil},
	}
	for _, tc := range tests {
		e, ok := exprAt(strings.ToLower(fold(tc.in)), 0, false, false)
		if tc.lo == nil && tc.hi == nil {
			if ok {
				t.Errorf("%q: want no condition, got %+v", tc.in, e)
			}
			continue
		}
		if !ok || !eqp(e.lo, tc.lo) || !eqp(e.hi, tc.hi) {
			t.Errorf("%q: got ok=%v lo=%v hi=%v", tc.in, ok, deref(e.lo), deref(e.hi))
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestUnits(t *testing.T) {
	tests := []struct {
		analyte  string
		v        float64
		from, to string
		want     float64
	}{
		{"hba1c", 53, "mmol/mol", "%", 7.0},
		{"hba1c", 7.0, "%", "mmol/mol", 53.0},
		{"creatinine", 88.42, "µmol/L", "mg/dL", 1.0},
		{"creatinine", 1.5, "mg/dl", "umol/L", 132.6},
		{"glucose", 7.0, "mmol/L", "mg/dL", 126.1},
		{"glucose", 180, "mg/dL", "mmol/L", 9.99},
		{"platelets", 100000, "/mm3", "10^9/L", 100},
		{"hemoglobin", 85, "g/L", "g/dL", 8.5},
		{"temperature", 100.4, "F", "C", 38},
	}
	for _, tc := range tests {
		got, ok := ConvertUnit(tc.analyte, tc.v, tc.from, tc.to)
		if !ok || abs(got-tc.want) > 0.02*abs(tc.want)+0.01 {
			t.Errorf("%s %v %s → %s: got %v (ok=%v), want %v", tc.analyte, tc.v, tc.from, tc.to, got, ok, tc.want)
		}
	}
	if _, ok := ConvertUnit("alt", 2, "xULN", "U/L"); ok {
		t.Error("xULN must not convert to U/L")
	}
	if u, ok := ValidUnit("creatinine", "µmol/l"); !ok || u != "umol/L" {
		t.Errorf("ValidUnit creatinine µmol/l = %q %v", u, ok)
	}
	if _, ok := ValidUnit("creatinine", "mmHg"); ok {
		t.Error("mmHg is not a creatinine unit")
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func TestNegationAndScope(t *testing.T) {
	tests := []codeCase{
		{"Inclusion Criteria:\n- Type 2 diabetes", "E11", ""},
		{"Inclusion Criteria:\n- No history of schizophrenia", "", "F20"},
		{"Inclusion Criteria:\n- Adults without COPD", "", "J44"},
		{"Inclusion Criteria:\n- HIV negative", "", "B20"},
		{"Exclusion Criteria:\n- History of stroke", "", "I64"},
		{"Exclusion Criteria:\n- Prior malignancy other than basal cell carcinoma", "", "C00"},
		{"Exclusion Criteria:\n- Any cancer except non-melanoma skin cancer", "", "C00"},
		{"Exclusion Criteria:\n- Autoimmune disease. Patients with vitiligo or psoriasis are permitted.", "", "M35"},
		{"Exclusion Criteria:\n- Family history of epilepsy", "", ""},
		{"Exclusion Criteria:\n- Allergy to penicillin", "", ""},
		{"Exclusion Criteria:\n- Serious mental illness", "", "F20"},
	}
	checkCodes(t, tests)
}

func TestFlags(t *testing.T) {
	tests := []flagCase{
		{"Exclusion Criteria:\n- Pregnant or breastfeeding women", "pregnancy,breastfeeding"},
		{"Inclusion Criteria:\n- Negative serum pregnancy test", "pregnancy"},
		{"Exclusion Criteria:\n- History of schizophrenia or bipolar disorder", "smi"},
		{"Exclusion Criteria:\n- Any psychiatric condition that would interfere with participation", "psychiatric"},
		{"Inclusion Criteria:\n- Able to read and understand English", "language"},
		{"Exclusion Criteria:\n- Unable to give informed consent", "consent"},
		{"Inclusion Criteria:\n- Written informed consent from a legal guardian", ""},
		{"Exclusion Criteria:\n- Unwilling to provide informed consent", ""},
	}
	checkFlags(t, tests)
}

func TestLookupCondition(t *testing.T) {
	tests := []struct{ text, want string }{
		{"Type II diabetes", "E11"}, {"type 2 diabetes mellitus", "E11"}, {"T2DM", "E11"},
		{"COPD", "J44"}, {"Chronic obstructive pulmonary disease", "J44"},
		{"schizo-affective disorder", "F25"}, {"Schizoaffective disorder", "F25"}, {"schizophrenia", "F20"},
		{"severe mental illness", "F20"}, {"bipolar affective disorder", "F31"}, {"psychoses", "F20"},
		{"haemophilia", "D66"}, {"hemophilia", "D66"}, {"oesophageal cancer", "C15"}, {"esophageal cancer", "C15"},
		{"Crohn's disease", "K50"}, {"tumours", "C00"[:0]}, {"breast cancers", "C50"}, {"COVID-19", "U07"},
		{"all of them", ""},
	}
	for _, tc := range tests {
		got := LookupCondition(tc.text)
		g := ""
		if len(got) > 0 {
			g = got[0].ICD10
		}
		if g != tc.want {
			t.Errorf("LookupCondition(%q) = %v, want %q", tc.text, got, tc.want)
		}
	}
	if len(Conditions()) < 300 {
		t.Errorf("vocabulary has %d conditions, want at least 300", len(Conditions()))
	}
	if c, ok := CodeForSNOMED("44054006"); !ok || c.ICD10 != "E11" {
		t.Errorf("SNOMED 44054006 = %v %v", c, ok)
	}
}

// codeCase is one criterion text and the ICD-10 categories (comma-separated, in
// order of appearance) it must require and exclude.
type codeCase struct {
	text          string
	require, excl string
}

// checkCodes parses each case's text and compares the coded diagnoses its criteria
// require and exclude.
func checkCodes(t *testing.T, tests []codeCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			var req, exc []string
			for _, c := range ParseText(tc.text) {
				for _, x := range c.RequireAny {
					req = append(req, x.ICD10)
				}
				for _, x := range c.ExcludeAny {
					exc = append(exc, x.ICD10)
				}
			}
			if strings.Join(req, ",") != tc.require || strings.Join(exc, ",") != tc.excl {
				t.Errorf("require %v exclude %v; want %q %q", req, exc, tc.require, tc.excl)
			}
		})
	}
}

// flagCase is one criterion text and the flags it must set, comma-separated in the
// order checkFlags lists them.
type flagCase struct {
	text string
	want string
}

// checkFlags compares the facts' flags of each case's text.
func checkFlags(t *testing.T, tests []flagCase) {
	t.Helper()
	for _, tc := range tests {
		f := FactsOf(&Criteria{Criteria: ParseText(tc.text)}).Flags
		var got []string
		for _, x := range []struct {
			on   bool
			name string
		}{{f.ExcludesPregnancy, "pregnancy"}, {f.ExcludesBreastfeeding, "breastfeeding"}, {f.ExcludesSMI, "smi"},
			{f.ExcludesAnyPsychiatric, "psychiatric"}, {f.RequiresLanguage, "language"}, {f.RequiresConsentCapacity, "consent"}} {
			if x.on {
				got = append(got, x.name)
			}
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%q: flags %v, want %q", tc.text, got, tc.want)
		}
	}
}
