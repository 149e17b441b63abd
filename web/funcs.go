package web

import (
	"html"
	"html/template"
	"strings"
)

var funcs = template.FuncMap{
	"humanise":    humanise,
	"join":        strings.Join,
	"mark":        mark,
	"lines":       lines,
	"errorFor":    errorFor,
	"msg":         func(id, m string) errMsg { return errMsg{ID: id, Msg: m} },
	"field":       newTextField,
	"yesno":       newYesNo,
	"ask":         ask,
	"ifNot":       func(b bool, s string) string { return map[bool]string{false: s}[b] },
	"roleName":    roleName,
	"statusClass": statusClass,
	"statusName":  statusName,
	"groupName":   groupName,
	"dimName":     dimName,
	"pct":         pct,
	"num":         num,
	"count":       countText,
	"ratio":       ratio,
	"deref":       deref,
	"list":        list,
	"miles":       miles,
	"groups":      func(dim string) []string { return knownGroups[dim] },
}

type errMsg struct{ ID, Msg string }

// textField is one labelled input; see the text-field template.
type textField struct {
	ID, Label, Hint, Value, Err, Class, Type, Auto, Mode string
}

func newTextField(id, label, hint, value, err, class, typ, auto, mode string) textField {
	return textField{id, label, hint, value, err, class, typ, auto, mode}
}

type yesNoField struct {
	ID, Legend, Value, Err string
	NotSure                bool
}

func newYesNo(id, legend, value, err string, notSure bool) yesNoField {
	return yesNoField{id, legend, value, err, notSure}
}

// ask picks the wording for the person filling in a form: the patient themselves,
// or a nurse for them.
func ask(staff bool, self, forStaff string) string {
	if staff {
		return forStaff
	}
	return self
}

func roleName(role string) string {
	switch role {
	case "nurse":
		return "Research nurse"
	case "sponsor":
		return "Trial sponsor"
	case "admin":
		return "Administrator"
	}
	return role
}

// lines splits text into its non-blank lines, to show registry text as paragraphs.
func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// humanise turns registry codes such as NOT_YET_RECRUITING into "Not yet recruiting".
func humanise(code string) string {
	if code == "" {
		return ""
	}
	if code == "NA" {
		return "Not applicable"
	}
	s := strings.ToLower(strings.ReplaceAll(code, "_", " "))
	s = strings.Replace(s, "phase", "phase ", 1)
	s = strings.Join(strings.Fields(s), " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// mark shows a search highlight. The index escapes the original text and wraps each
// match in <mark>; this undoes its escaping, escapes everything again and lets only
// <mark> through, so a stored record can never inject other markup.
func mark(fragment string) template.HTML {
	esc := template.HTMLEscapeString(html.UnescapeString(fragment))
	esc = strings.ReplaceAll(esc, "&lt;mark&gt;", "<mark>")
	esc = strings.ReplaceAll(esc, "&lt;/mark&gt;", "</mark>")
	return template.HTML(esc)
}
