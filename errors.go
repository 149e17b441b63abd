// Package equitrial holds the domain types shared by every part of the service and
// the error type that carries a kind from where a problem is found to where the API
// turns it into a status code. Subpackages are adapters (store, matcher, api, web)
// or pure domain logic (eligibility, equity); they meet through these types.
package equitrial

import (
	"errors"
	"fmt"
	"strings"
)

// Kind says what sort of failure an error is, so that one place (the API) can map it
// to a status code without knowing where the error came from.
type Kind uint8

const (
	KindOther        Kind = iota // an unexpected failure: a bug or an outage
	KindInvalid                  // the caller sent something we cannot accept
	KindNotFound                 // the thing asked for does not exist
	KindForbidden                // the caller is known but may not do this
	KindUnauthorized             // the caller is not known
	KindConflict                 // the request clashes with the current state
	KindUnavailable              // a dependency is not ready; try again later
	KindTooLarge                 // the request body is bigger than we accept
	KindTooMany                  // the caller is being rate limited
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not found"
	case KindForbidden:
		return "forbidden"
	case KindUnauthorized:
		return "unauthorized"
	case KindConflict:
		return "conflict"
	case KindUnavailable:
		return "unavailable"
	case KindTooLarge:
		return "too large"
	case KindTooMany:
		return "too many requests"
	}
	return "internal error"
}

// FieldError names one input field (or query parameter) that failed and why, in
// words a person can act on.
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// Error is the error type used across equitrial.
type Error struct {
	Kind   Kind
	Op     string       // what was being done, e.g. "import ctgov"
	Detail string       // a sentence for the person who sent the request
	Fields []FieldError // the fields at fault, for KindInvalid
	Err    error        // the underlying cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Detail != "" {
		b.WriteString(e.Detail)
	} else {
		b.WriteString(e.Kind.String())
	}
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Field + ": " + f.Detail)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted detail.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// Invalid returns a KindInvalid error naming the fields at fault.
func Invalid(detail string, fields ...FieldError) error {
	return &Error{Kind: KindInvalid, Detail: detail, Fields: fields}
}

// KindOf reports the kind of the first *Error in err's chain, or KindOther.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		if e.Kind == KindOther && e.Err != nil {
			return KindOf(e.Err)
		}
		return e.Kind
	}
	return KindOther
}

// Is reports whether err is of the given kind.
func Is(kind Kind, err error) bool { return err != nil && KindOf(err) == kind }
