package web

import (
	"html"
	"html/template"
	"strings"
)

var funcs = template.FuncMap{
	"humanise": humanise,
	"join":     strings.Join,
	"mark":     mark,
	"lines":    lines,
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
