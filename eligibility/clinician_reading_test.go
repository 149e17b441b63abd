package eligibility

import (
	"math"
	"strings"
	"testing"

	"equitrial"
)

// Readings a clinician would give that the parser once got wrong. Every
// criterion here is invented, in the style of real ones.

// one parses a text that should hold exactly one criterion.
func crOne(t *testing.T, text string) Criterion {
	t.Helper()
	cs := ParseText(text)
	if len(cs) != 1 {
		var got []string
		for _, c := range cs {
			got = append(got, c.Text)
		}
		t.Fatalf("%q: want one criterion, got %d: %q", text, len(cs), got)
	}
	return cs[0]
}

func crNear(a *float64, b float64) bool { return a != nil && math.Abs(*a-b) < 1e-9 }

// Time windows and durations are not ages: only an age is an age.
func TestDurationsAreNotAges(t *testing.T) {
	for _, text := range []string{
		"Exclusion Criteria:\n- Investigational agent stopped at least 14 days before randomisation",
		"Exclusion Criteria:\n- Myocardial infarction or unstable angina within 6 months of screening",
		"Inclusion Criteria:\n- Knee pain with a symptom duration of more than 18 months despite conservative management",
		"Inclusion Criteria:\n- Stable dosage of inhaled corticosteroid for at least 2 years",
		"Inclusion Criteria:\n- Shoulder stiffness lasting 3 months or longer",
		"Inclusion Criteria:\n- Antiretroviral regimen unchanged during the 12 months prior to enrolment, at a stable dosage",
		"Exclusion Criteria:\n- Live vaccine received less than 28 days before the first dose of study agent",
	} {
		c := crOne(t, text)
		if c.AgeMin != nil || c.AgeMax != nil || c.Type == TypeAge {
			t.Errorf("%q: read as an age (min %v max %v, type %s)", c.Text, deref(c.AgeMin), deref(c.AgeMax), c.Type)
		}
	}
}

func TestAgesAreStillAges(t *testing.T) {
	tests := []struct {
		text     string
		min, max *float64
	}{
		{"Inclusion Criteria:\n- Aged 18 to 80 years", fp(18), fp(80)},
		{"Inclusion Criteria:\n- Participants >= 18 years at the time of consent", fp(18), nil},
		{"Inclusion Criteria:\n- 65 years of age or older", fp(65), nil},
		{"Inclusion Criteria:\n- Adults 18 years old or over, with symptoms for at least 2 years", fp(18), nil},
		{"Exclusion Criteria:\n- Age under 16 years", fp(16), nil},
		{"Inclusion Criteria:\n- Infants aged 6 weeks to 12 months at enrolment", fp(6 * 7 / 365.25), fp(1)},
		{"Exclusion Criteria:\n- Younger than 6 months of age", fp(0.5), nil},
	}
	for _, tc := range tests {
		c := crOne(t, tc.text)
		if !crEqAge(c.AgeMin, tc.min) || !crEqAge(c.AgeMax, tc.max) {
			t.Errorf("%q: age %v-%v, want %v-%v", c.Text, deref(c.AgeMin), deref(c.AgeMax), deref(tc.min), deref(tc.max))
		}
	}
}

func crEqAge(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return crNear(a, *b)
}

// Contraception and pregnancy-test rules speak to some participants; they do
// not restrict the trial to one sex.
func TestContraceptionIsNotASexRestriction(t *testing.T) {
	for _, line := range []string{
		"Female patients must use effective contraception throughout the study",
		"Women of childbearing potential must have a negative pregnancy test at screening",
		"Male participants must agree to use condoms during treatment",
		"Male participants with a partner of childbearing potential agree to barrier methods",
		"Female participants: not breastfeeding",
	} {
		tr := &equitrial.Trial{NCTID: "NCT0", Sex: "ALL", EligibilityText: "Inclusion Criteria:\n- Adults with moderate asthma\n- " + line}
		c := Parse(tr)
		if c.Sex != "ALL" {
			t.Errorf("%q: trial sex %s, want ALL", line, c.Sex)
		}
		for _, cr := range c.Criteria {
			if cr.Sex != "" || cr.Type == TypeSex {
				t.Errorf("%q: criterion %q is a sex criterion", line, cr.Text)
			}
		}
	}
	for _, tc := range []struct{ line, sex string }{
		{"Women aged 40-75 years", "FEMALE"},
		{"Male participants only", "MALE"},
	} {
		c := Parse(&equitrial.Trial{NCTID: "NCT0", Sex: "ALL", EligibilityText: "Inclusion Criteria:\n- " + tc.line + "\n- Able to attend clinic"})
		if c.Sex != tc.sex {
			t.Errorf("%q: trial sex %s, want %s", tc.line, c.Sex, tc.sex)
		}
	}
}

// A criterion that ends in "or", "and/or" or a comma goes on in the next line.
func TestDanglingConjunctionJoinsLines(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Inclusion Criteria:\n\n  -  Prior myocardial infarction or\n\n  -  Prior ischaemic stroke\n\n  -  Able to walk 50 metres",
			[]string{"i:Prior myocardial infarction or Prior ischaemic stroke", "i:Able to walk 50 metres"}},
		{"Exclusion Criteria:\n* Active hepatitis B and/or\n* hepatitis C infection\n* Pregnancy",
			[]string{"e:Active hepatitis B and/or hepatitis C infection", "e:Pregnancy"}},
		{"Inclusion Criteria:\n1. Type 2 diabetes treated with metformin,\n2. sulfonylurea or insulin\n3. BMI 25-40 kg/m2",
			[]string{"i:Type 2 diabetes treated with metformin, sulfonylurea or insulin", "i:BMI 25-40 kg/m2"}},
		// a heading still opens its section
		{"Inclusion Criteria:\n- Adults with COPD or\nExclusion Criteria:\n- Pregnancy",
			[]string{"i:Adults with COPD or", "e:Pregnancy"}},
	}
	for _, tc := range tests {
		var got []string
		for _, c := range ParseText(tc.text) {
			got = append(got, string(c.Section)[:1]+":"+c.Text)
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

// Ages under a year keep their value in years; the labelled shape still rounds down.
func TestSubYearAges(t *testing.T) {
	tests := []struct {
		min, max   string
		lo, hi     float64
		factsLo    int
		factsHi    int
		text       string
		wantTextLo *float64
	}{
		{"28 Days", "1 Year", 28 / 365.25, 1, 0, 1, "", nil},
		{"6 Weeks", "6 Months", 42 / 365.25, 0.5, 0, 0, "", nil},
		{"6 Months", "17 Years", 0.5, 17, 0, 17, "", nil},
		{"", "", 0, 0, 0, 0, "Inclusion Criteria:\n- Infants aged 6 weeks to 12 months", fp(42 / 365.25)},
	}
	for _, tc := range tests {
		tr := &equitrial.Trial{NCTID: "NCT0", Sex: "ALL", MinimumAge: tc.min, MaximumAge: tc.max, EligibilityText: tc.text}
		c := Parse(tr)
		if tc.wantTextLo != nil {
			if !crNear(c.MinAge, *tc.wantTextLo) || !crNear(c.MaxAge, 1) {
				t.Errorf("%q: ages %v-%v", tc.text, deref(c.MinAge), deref(c.MaxAge))
			}
			continue
		}
		if !crNear(c.MinAge, tc.lo) || !crNear(c.MaxAge, tc.hi) {
			t.Errorf("%s-%s: ages %v-%v, want %v-%v", tc.min, tc.max, deref(c.MinAge), deref(c.MaxAge), tc.lo, tc.hi)
		}
		f := FactsOf(c)
		if f.Age.Min == nil || *f.Age.Min != tc.factsLo || f.Age.Max == nil || *f.Age.Max != tc.factsHi {
			t.Errorf("%s-%s: facts age %v-%v, want %d-%d", tc.min, tc.max, f.Age.Min, f.Age.Max, tc.factsLo, tc.factsHi)
		}
	}
	// A baby of three months is inside 28 days to 1 year.
	k := Compile(Parse(&equitrial.Trial{NCTID: "NCT0", Sex: "ALL", MinimumAge: "28 Days", MaximumAge: "1 Year"}))
	if got := Evaluate(k, &Profile{AgeYears: fp(0.25)}, day("2026-01-01")).Status; got != Eligible {
		t.Errorf("three-month-old: %s, want eligible", got)
	}
}

// Numbers as a clinician reads them.
func TestNumbersAsWritten(t *testing.T) {
	// deviations from a mean, z-scores and centiles are not values of the analyte
	for _, text := range []string{
		"Body weight more than 2 standard deviations below the mean for age",
		"Haemoglobin more than 2 SD below the age-adjusted reference mean",
		"BMI z-score > 2",
		"BMI at or above the 95th percentile for age and sex",
	} {
		c := crOne(t, "Inclusion Criteria:\n- "+text)
		if len(c.Labs) > 0 || c.AgeMin != nil || c.AgeMax != nil {
			t.Errorf("%q: labs %s, age %v-%v", text, fmtThresholds(c.Labs), deref(c.AgeMin), deref(c.AgeMax))
		}
	}
	// FEV1/FVC is a ratio, not a percentage of FEV1
	for _, tc := range []struct {
		text string
		high float64
		unit string
	}{
		{"Post-bronchodilator FEV1/FVC < 0.70", 0.7, "ratio"},
		{"FEV1/FVC ratio below 70%", 70, "%"},
	} {
		c := crOne(t, "Inclusion Criteria:\n- "+tc.text)
		if len(c.Labs) != 1 || c.Labs[0].Analyte != "fev1_fvc" || !crNear(c.Labs[0].High, tc.high) || c.Labs[0].Unit != tc.unit || !c.Labs[0].HighStrict {
			t.Errorf("%q: %s", tc.text, fmtThresholds(c.Labs))
		}
	}
	if v, ok := ConvertUnit("fev1_fvc", 70, "%", "ratio"); !ok || math.Abs(v-0.7) > 1e-9 {
		t.Errorf("FEV1/FVC 70%% = %v ratio (ok %v)", v, ok)
	}
}

func TestStrictComparators(t *testing.T) {
	tests := []struct {
		text                 string
		low, high            *float64
		lowStrict, highStrct bool
	}{
		{"Inclusion Criteria:\n- eGFR > 30 mL/min/1.73m2", fp(30), nil, true, false},
		{"Inclusion Criteria:\n- eGFR at least 30 mL/min/1.73m2", fp(30), nil, false, false},
		{"Inclusion Criteria:\n- eGFR greater than or equal to 30 mL/min/1.73m2", fp(30), nil, false, false},
		{"Exclusion Criteria:\n- eGFR < 30 mL/min/1.73m2", nil, fp(30), false, true},
		{"Exclusion Criteria:\n- Haemoglobin less than 9 g/dL", nil, fp(9), false, true},
		{"Inclusion Criteria:\n- Platelet count at most 450 x 10^9/L", nil, fp(450), false, false},
		{"Exclusion Criteria:\n- ALT more than 3 x ULN", fp(3), nil, true, false},
		{"Inclusion Criteria:\n- HbA1c 7.0-10.0%", fp(7), fp(10), false, false},
		{"Inclusion Criteria:\n- eGFR >= 30 and < 60 mL/min/1.73m2", fp(30), fp(60), false, true},
		{"Inclusion Criteria:\n- Systolic blood pressure above 100 mmHg", fp(100), nil, true, false},
		{"Exclusion Criteria:\n- Blood pressure > 160/100 mmHg", fp(160), nil, true, false},
	}
	for _, tc := range tests {
		c := crOne(t, tc.text)
		if len(c.Labs) == 0 {
			t.Errorf("%q: no threshold", c.Text)
			continue
		}
		l := c.Labs[0]
		if !eqp(l.Low, tc.low) || !eqp(l.High, tc.high) || l.LowStrict != tc.lowStrict || l.HighStrict != tc.highStrct {
			t.Errorf("%q: low %v (strict %v) high %v (strict %v)", c.Text, deref(l.Low), l.LowStrict, deref(l.High), l.HighStrict)
		}
	}
}

func TestFirstMeasurement(t *testing.T) {
	tests := []struct{ text, timing string }{
		{"Inclusion Criteria:\n- Initial haemoglobin below 7 g/dL", "first"},
		{"Inclusion Criteria:\n- Platelet count at presentation < 50 x 10^9/L", "first"},
		{"Inclusion Criteria:\n- Serum creatinine on admission > 2 mg/dL", "first"},
		{"Inclusion Criteria:\n- Baseline haemoglobin below 10 g/dL", ""},
		{"Inclusion Criteria:\n- Screening eGFR >= 45 mL/min/1.73m2", ""},
	}
	for _, tc := range tests {
		c := crOne(t, tc.text)
		if len(c.Labs) != 1 || c.Labs[0].Timing != tc.timing {
			t.Errorf("%q: %+v, want timing %q", c.Text, c.Labs, tc.timing)
		}
	}
}

// The age word right before the number wins over a duration word further back;
// an age at an event is not the patient's age.
func TestAgeWordNextToNumber(t *testing.T) {
	c := crOne(t, "Inclusion Criteria:\n- History of asthma for which the patient is aged over 18 years")
	if !crEqAge(c.AgeMin, fp(18)) || c.AgeMax != nil {
		t.Errorf("%q: age %v-%v, want 18-", c.Text, deref(c.AgeMin), deref(c.AgeMax))
	}
	c = crOne(t, "Exclusion Criteria:\n- Diabetes diagnosed at age < 30 years")
	if c.AgeMin != nil || c.AgeMax != nil {
		t.Errorf("%q: age %v-%v, want none", c.Text, deref(c.AgeMin), deref(c.AgeMax))
	}
}

// "Female patients have an adequate birth-control method" is a rule for women
// who join, whatever its hyphen, not a women-only trial.
func TestBirthControlHyphenIsNotASexRestriction(t *testing.T) {
	c := Parse(&equitrial.Trial{NCTID: "NCT90000010", Sex: "ALL",
		EligibilityText: "Inclusion Criteria:\n* adult with suspected tonsillitis\n* female patients have adequate birth-control method\n"})
	if c.Sex != "ALL" {
		t.Errorf("sex %s, want ALL", c.Sex)
	}
}
