package patients

import (
	"sort"
	"strings"
	"testing"
	"time"

	"equitrial"
	"equitrial/eligibility"
)

var fixedNow = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

func valid() *equitrial.Patient {
	no := false
	return &equitrial.Patient{
		GivenName: "Ada", FamilyName: "Lovelace", BirthDate: "1980-12-10", NHSNumber: "9434765919",
		Email: "ada@example.org", Phone: "07700 900123", Postcode: "sw1a1aa", Sex: "female",
		EthnicCategory: "a", Census2021Ethnicity: "English, Welsh, Scottish, Northern Irish or British",
		Conditions:   []equitrial.Condition{{System: "icd10", Code: "e11.9"}, {System: "snomed", Code: "44054006"}, {Text: "COPD"}},
		Observations: []equitrial.Observation{{Analyte: "HbA1c", Value: 7.1, Unit: "%", Date: "2026-01-05"}},
		Pregnant:     &no, Language: "Welsh",
		Consent: equitrial.Consent{Contact: true, Date: "2026-01-05", Version: "v1", Channel: "Web"},
	}
}

func fieldNames(err error) []string {
	e, ok := err.(*equitrial.Error)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	sort.Strings(out)
	return out
}

func TestValidProfileNormalises(t *testing.T) {
	p := valid()
	if err := NewChecker(func() time.Time { return fixedNow }).Prepare(p); err != nil {
		t.Fatal(err)
	}
	if p.Postcode != "SW1A 1AA" || p.Phone != "+447700900123" || p.EthnicCategory != "A" || p.Census2021Ethnicity != "white_british" ||
		p.Conditions[0].Code != "E11.9" || p.Conditions[2].Code != "J44" || p.Conditions[2].System != "icd10" ||
		p.Conditions[1].Text == "" || p.Observations[0].Analyte != "hba1c" || p.Language != "cy" || p.Consent.Channel != "web" {
		t.Fatalf("normalised = %+v", p)
	}
}

// Each case breaks some fields of a valid profile; the error must name exactly those.
func TestValidationNamesEveryFailingField(t *testing.T) {
	checker := NewChecker(func() time.Time { return fixedNow })
	cases := []struct {
		name  string
		edit  func(p *equitrial.Patient)
		wants []string
	}{
		{"nothing wrong", func(p *equitrial.Patient) {}, nil},
		{"NHS number check digit", func(p *equitrial.Patient) { p.NHSNumber = "9434765918" }, []string{"nhsNumber"}},
		{"NHS number repeated digit", func(p *equitrial.Patient) { p.NHSNumber = "4444444444" }, []string{"nhsNumber"}},
		{"postcode", func(p *equitrial.Patient) { p.Postcode = "QQ1 1II" }, []string{"postcode"}},
		{"birth date in the future", func(p *equitrial.Patient) { p.BirthDate = "2026-03-16" }, []string{"birthDate"}},
		{"birth date format", func(p *equitrial.Patient) { p.BirthDate = "10/12/1980" }, []string{"birthDate"}},
		{"birth date too early", func(p *equitrial.Patient) { p.BirthDate = "1890-01-01" }, []string{"birthDate"}},
		{"sex", func(p *equitrial.Patient) { p.Sex = "F" }, []string{"sex"}},
		{"ethnic codes", func(p *equitrial.Patient) { p.EthnicCategory, p.Census2021Ethnicity = "I", "Other" }, []string{"census2021Ethnicity", "ethnicCategory"}},
		{"email and phone", func(p *equitrial.Patient) { p.Email, p.Phone = "ada@", "0123" }, []string{"email", "phone"}},
		{"condition codes", func(p *equitrial.Patient) {
			p.Conditions = []equitrial.Condition{{System: "icd10", Code: "E1"}, {System: "snomed", Code: "44054007"}, {System: "read", Code: "C10F."}, {}, {Code: "E11"}}
		}, []string{"conditions[0].code", "conditions[1].code", "conditions[2].system", "conditions[3].code"}},
		{"observations", func(p *equitrial.Patient) {
			p.Observations = []equitrial.Observation{
				{Analyte: "hba1c", Value: 58, Unit: "%", Date: "2026-01-01"},            // mmol/mol value given as %
				{Analyte: "hba1c", Value: 58, Unit: "mmol/mol", Date: "2026-01-01"},     // fine
				{Analyte: "egfr", Value: 45, Unit: "mmol/L", Date: "2026-01-01"},        // wrong unit
				{Analyte: "glucose", Value: 100, Unit: "mg/dL", Date: "2027-01-01"},     // future
				{Analyte: "kryptonite", Value: 1, Unit: "g", Date: "2026-01-01"},        // unknown
				{Analyte: "platelets", Value: 150000, Unit: "/mm3", Date: "2026-01-01"}, // fine after conversion
				{Analyte: "ecog", Value: 7, Unit: "score", Date: ""},                    // out of range, no date
			}
		}, []string{"observations[0].value", "observations[2].unit", "observations[3].date", "observations[4].analyte", "observations[6].date", "observations[6].value"}},
		{"consent incomplete", func(p *equitrial.Patient) { p.Consent = equitrial.Consent{Contact: true, Channel: "pigeon"} },
			[]string{"consent.channel", "consent.date", "consent.version"}},
		{"no consent needs no details", func(p *equitrial.Patient) { p.Consent = equitrial.Consent{} }, nil},
		{"language", func(p *equitrial.Patient) { p.Language = "Elvish" }, []string{"language"}},
		{"control characters", func(p *equitrial.Patient) { p.FamilyName = "Love\x00lace"; p.Medicines = []string{"ok", "bad\x07"} },
			[]string{"familyName", "medicines[1]"}},
		{"too long", func(p *equitrial.Patient) { p.GivenName = strings.Repeat("a", 101) }, []string{"givenName"}},
	}
	for _, c := range cases {
		p := valid()
		c.edit(p)
		err := checker.Prepare(p)
		got := fieldNames(err)
		sort.Strings(c.wants)
		if strings.Join(got, ",") != strings.Join(c.wants, ",") {
			t.Errorf("%s: fields %v, want %v (error: %v)", c.name, got, c.wants, err)
		}
		if err != nil && !equitrial.Is(equitrial.KindInvalid, err) {
			t.Errorf("%s: error kind %v, want invalid", c.name, equitrial.KindOf(err))
		}
		if e, ok := err.(*equitrial.Error); ok {
			for _, f := range e.Fields {
				if strings.HasPrefix(f.Detail, "is not valid (") {
					t.Errorf("%s: %s has no plain-English message: %q", c.name, f.Field, f.Detail)
				}
			}
		}
	}
}

func TestNHSNumbers(t *testing.T) {
	checker := NewChecker(func() time.Time { return fixedNow })
	for nhs, ok := range map[string]bool{
		"9434765919": true, "943 476 5919": true, "943-476-5919": true, "4010232137": true,
		"9434765918": false, "943476591": false, "94347659190": false, "1111111111": false, "abcdefghij": false,
		"6541003230": false, // check digit would be 10: never issued
	} {
		p := valid()
		p.NHSNumber = nhs
		err := checker.Prepare(p)
		if (err == nil) != ok {
			t.Errorf("NHS number %q: error %v, want valid=%v", nhs, err, ok)
		}
		if ok && len(p.NHSNumber) != 10 {
			t.Errorf("NHS number %q stored as %q, want ten digits", nhs, p.NHSNumber)
		}
	}
}

func TestPhoneNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"07700 900123": "+447700900123", "+44 (0)20 7946 0018": "+442079460018", "0044 7700 900123": "+447700900123",
		"(0113) 496 0000": "+441134960000", "+1 415 555 2671": "+14155552671", "+353 1 234 5678": "+35312345678",
		"7700 900123": "", "0770090012": "", "+44 0 7700 900123": "", "07700 9OO123": "", "+12": "",
	} {
		got, ok := NormalisePhone(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalisePhone(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestICD10AndSNOMED(t *testing.T) {
	for in, want := range map[string]string{"e119": "E11.9", "E11.9": "E11.9", " f20.0 ": "F20.0", "I10X": "I10", "G01*": "G01", "A17.0†": "A17.0", "E11": "E11",
		"E1": "", "11E": "", "E11.12345": "", "É11": ""} {
		got, ok := NormaliseICD10(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormaliseICD10(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	n := 0
	for _, c := range eligibility.Conditions() {
		if c.SNOMED != "" {
			n++
			if !ValidSNOMED(c.SNOMED) {
				t.Errorf("vocabulary SNOMED CT id %s (%s) fails the Verhoeff check", c.SNOMED, c.Name)
			}
		}
	}
	if n == 0 {
		t.Fatal("no SNOMED CT ids in the vocabulary to check")
	}
	for _, bad := range []string{"44054007", "012345", "12345", "4405400x"} {
		if ValidSNOMED(bad) {
			t.Errorf("ValidSNOMED(%q) = true", bad)
		}
	}
}

func TestLanguages(t *testing.T) {
	for in, want := range map[string]string{"pl": "pl", "EN-gb": "en-GB", "Polish": "pl", "british sign language": "bfi", " Urdu ": "ur", "xx": "", "Elvish": "", "en_GB": ""} {
		got, ok := NormaliseLanguage(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormaliseLanguage(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestFreeTextNamingSeveralConditions(t *testing.T) {
	p := &equitrial.Patient{Conditions: []equitrial.Condition{{Text: "type 2 diabetes and hypertension"}, {Text: "something unheard of"}}}
	Normalise(p)
	if len(p.Conditions) != 3 || p.Conditions[0].Code != "E11" || p.Conditions[1].Code != "" || p.Conditions[2].Code != "I10" {
		t.Fatalf("conditions = %+v; want E11 in place, the unknown text kept uncoded, I10 appended", p.Conditions)
	}
	if err := NewChecker(func() time.Time { return fixedNow }).Validate(p); err != nil {
		t.Fatal(err)
	}
}
