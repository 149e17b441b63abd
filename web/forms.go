package web

import (
	"strings"
	"unicode"
)

// fieldMsg says where an API field's error shows on a form and in what words.
type fieldMsg struct {
	ID  string // the form element's id (the error summary links to it)
	Msg string // the message; empty: Subject followed by the API's own detail
	// Subject starts the message built from the API's detail ("Your new password"
	// + "must be at least 12 characters").
	Subject string
}

// mapErrors turns the API's field errors into the form's: each API field path
// ("conditions[2].text", "consent.contact") is looked up whole, then by its
// leading name, so one form field carries the errors of every part of it. Each form
// field shows one message, the first. Errors for fields the form does not have are
// still shown, in the summary, so nothing the API said is lost.
func mapErrors(p problem, table map[string]fieldMsg) []fieldError {
	var out []fieldError
	seen := map[string]bool{}
	for _, e := range p.Errors {
		fm, ok := lookupField(table, e.Field)
		if !ok {
			fm = fieldMsg{ID: "", Subject: humanField(e.Field)}
		}
		msg := fm.Msg
		if msg == "" {
			subject := fm.Subject
			if subject == "" {
				subject = humanField(e.Field)
			}
			msg = sentence(subject + " " + e.Detail)
		}
		key := fm.ID
		if key == "" {
			key = "?" + e.Field
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		href := "#maincontent"
		if fm.ID != "" {
			href = "#" + fm.ID
		}
		out = append(out, fieldError{Field: fm.ID, Detail: msg, Href: href})
	}
	if len(out) == 0 {
		detail := p.Detail
		if detail == "" {
			detail = "Something is not right. Check your answers and try again"
		}
		out = append(out, fieldError{Detail: sentence(detail), Href: "#maincontent"})
	}
	return out
}

func lookupField(table map[string]fieldMsg, path string) (fieldMsg, bool) {
	if fm, ok := table[path]; ok {
		return fm, true
	}
	head := path
	if i := strings.IndexAny(path, ".["); i >= 0 {
		head = path[:i]
	}
	fm, ok := table[head]
	return fm, ok
}

// humanField turns "consent.contact" or "conditions[0].text" into words.
func humanField(path string) string {
	var b strings.Builder
	for _, r := range path {
		switch {
		case r == '.' || r == '[' || r == ']' || r == '_':
			b.WriteByte(' ')
		case unicode.IsUpper(r):
			b.WriteByte(' ')
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// sentence capitalises the first letter and drops a trailing full stop, as NHS
// error messages are written.
func sentence(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// errorFor is the message for form field id, or "".
func errorFor(errs []fieldError, id string) string {
	for _, e := range errs {
		if e.Field == id {
			return e.Detail
		}
	}
	return ""
}
