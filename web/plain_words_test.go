package web

import "testing"

func TestLanguageText(t *testing.T) {
	for tag, want := range map[string]string{"en": "English", "pl": "Polish", "bfi": "British Sign Language", "yue": "Cantonese",
		"pa": "Punjabi", "": "", "xx-notatag!": "xx-notatag!"} {
		if got := languageText(tag); got != want {
			t.Errorf("languageText(%q) = %q, want %q", tag, got, want)
		}
	}
	for tag, want := range map[string]string{"en": "English", "pl": "Polish", "ja": "ja", "bfi": "British Sign Language"} {
		if got := languageForForm(tag); got != want {
			t.Errorf("languageForForm(%q) = %q, want %q", tag, got, want)
		}
	}
}

func TestPlainConditions(t *testing.T) {
	p := patientView{Conditions: []conditionView{{Text: "type 2 diabetes", System: "icd10", Code: "E11"}, {System: "icd10", Code: "I10"},
		{Text: "myocardial infarction", Status: "absent"}}}
	got := p.PlainConditions()
	if len(got) != 2 || got[0] != "Type 2 diabetes" || got[1] != "ICD10 I10" {
		t.Errorf("PlainConditions = %q", got)
	}
}
