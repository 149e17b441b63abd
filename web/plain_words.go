package web

import (
	"strings"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"equitrial/patients"
)

// What a person registered, read back to them (and to the nurse) in plain words:
// the language's name, not its code ("English", not "en"), and conditions as they
// were written, with a capital letter and without the classification's code.

// languageNames are names display does not give as people in the NHS say them.
var languageNames = map[string]string{"bfi": "British Sign Language", "syl": "Sylheti", "prs": "Dari"}

// languageText is the English name of a stored language tag: "pl" → "Polish",
// "en-GB" → "English (United Kingdom)"; the tag itself when it has no name.
func languageText(tag string) string {
	tag = strings.TrimSpace(tag)
	if tag == "" {
		return ""
	}
	if n, ok := languageNames[strings.ToLower(tag)]; ok {
		return n
	}
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	if n := display.English.Tags().Name(t); n != "" {
		return n
	}
	return tag
}

// LanguageText is the patient's language by name.
func (p *patientView) LanguageText() string { return languageText(p.Language) }

// languageForForm is the language as the edit form shows it: its name when the
// name reads back as the same tag (the API takes names), else the tag, so that
// saving an untouched form never changes it.
func languageForForm(tag string) string {
	name := languageText(tag)
	if back, ok := patients.NormaliseLanguage(name); ok && strings.EqualFold(back, tag) {
		return name
	}
	return tag
}

// PlainConditions are the conditions the patient has, as written, each starting
// with a capital letter: "Type 2 diabetes".
func (p *patientView) PlainConditions() []string {
	var out []string
	for _, c := range p.Conditions {
		if c.Status == "absent" {
			continue
		}
		s := strings.TrimSpace(c.Text)
		if s == "" {
			s = c.Label()
		}
		r := []rune(s)
		r[0] = unicode.ToUpper(r[0])
		out = append(out, string(r))
	}
	return out
}
