package fhir

import (
	"fmt"
	"strconv"

	"equitrial"
)

// Ref names one entry of a Bundle the way an integration team finds it in what
// they sent: its position, its fullUrl and its resource type.
type Ref struct {
	Index   int    `json:"entry"` // -1: the Bundle itself
	FullURL string `json:"fullUrl,omitempty"`
	Type    string `json:"resourceType,omitempty"`
}

// bundleRef stands for the Bundle itself, for problems that are no one entry's.
var bundleRef = Ref{Index: -1, Type: "Bundle"}

// path is the JSON path of field within the entry ("entry[3].resource.code").
func (r Ref) path(field string) string {
	if r.Index < 0 {
		return field
	}
	p := "entry[" + strconv.Itoa(r.Index) + "]"
	if field != "" {
		p += "." + field
	}
	return p
}

// label is how a message names the entry: "Condition urn:uuid:…", so that the
// entry can be found by fullUrl when positions have moved.
func (r Ref) label() string {
	l := r.Type
	if l == "" {
		l = "entry"
	}
	if r.FullURL != "" {
		l += " " + r.FullURL
	}
	return l
}

// Issue is one thing wrong with one entry (or the Bundle), which stops the whole
// Bundle from being stored.
type Issue struct {
	Ref
	Field  string // within the entry: "resource.identifier[0].value"
	Detail string
}

// FieldError is the issue as the API reports it: the field is the JSON path from
// the Bundle ("entry[3].resource.code"), the detail starts with the entry's type
// and fullUrl.
func (i Issue) FieldError() equitrial.FieldError {
	return equitrial.FieldError{Field: i.Ref.path(i.Field), Detail: i.Ref.label() + ": " + i.Detail}
}

// issues gathers every problem of a Bundle, so that one answer names them all.
type issues []Issue

func (is *issues) add(r Ref, field, detail string) {
	*is = append(*is, Issue{Ref: r, Field: field, Detail: detail})
}

// err is nil when nothing is wrong, else one KindInvalid error naming every issue.
func (is issues) err() error {
	if len(is) == 0 {
		return nil
	}
	fields := make([]equitrial.FieldError, len(is))
	for i, x := range is {
		fields[i] = x.FieldError()
	}
	return equitrial.Invalid(fmt.Sprintf("the Bundle has %d problem(s) to correct; nothing was stored", len(is)), fields...)
}

// Note says why an entry, or part of one, was read but not used. Notes never stop
// a Bundle: a GP record carries much equitrial has no use for.
type Note struct {
	Ref
	Detail string `json:"detail"`
}
