package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"equitrial"
)

const (
	maxJSONBody  = 1 << 20 // 1 MB: far more than any profile, target set or event batch
	maxJSONDepth = 32
)

// decodeJSON reads a write request's body into v strictly: one JSON value of at most
// maxJSONBody bytes, valid UTF-8, no deeper than maxJSONDepth, no field v does not
// have, and no key starting with "$" (a MongoDB operator smuggled into a document).
// Each failure is a KindInvalid (or KindTooLarge) error that says exactly what is wrong.
func decodeJSON(c *gin.Context, v any) error {
	if ct := c.ContentType(); ct != "" && ct != "application/json" && !strings.HasSuffix(ct, "+json") {
		return equitrial.Errorf(equitrial.KindInvalid, "send JSON with Content-Type: application/json (got %s)", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return equitrial.Errorf(equitrial.KindTooLarge, "the request body is larger than %d KB", maxJSONBody>>10)
	}
	if err != nil {
		return equitrial.Errorf(equitrial.KindInvalid, "could not read the request body")
	}
	return DecodeStrict(body, v)
}

// DecodeStrict applies decodeJSON's rules to a body already read. It is exported for
// the fuzz tests and for decoders of other inputs (forms posted as JSON).
func DecodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return equitrial.Errorf(equitrial.KindInvalid, "the request body is empty: send a JSON object")
	}
	if !utf8.Valid(body) {
		return equitrial.Errorf(equitrial.KindInvalid, "the request body is not valid UTF-8")
	}
	doc, err := checkShape(body)
	if err != nil {
		return err
	}
	if err := checkKeyCase(doc, reflect.TypeOf(v), ""); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return equitrial.Errorf(equitrial.KindInvalid, "%s", describeDecodeError(err))
	}
	if dec.More() {
		return equitrial.Errorf(equitrial.KindInvalid, "the request body has more than one JSON value")
	}
	return nil
}

// checkShape decodes the body generically once, before the typed decode, to bound
// nesting and to refuse operator keys anywhere, including inside fields that are
// decoded as maps or raw JSON.
func checkShape(body []byte) (any, error) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, equitrial.Errorf(equitrial.KindInvalid, "%s", describeDecodeError(err))
	}
	return doc, walkShape(doc, 1)
}

// RefuseMiscasedKeys refuses a JSON body with an object key that differs only in
// case from a field of v's type ("Org" for "org"): encoding/json would match it
// case-insensitively, so a key another check was looking for could slip past it
// under a different spelling. Bodies decoded as raw JSON and applied later (a merge
// patch) check with the type they will end up in.
func RefuseMiscasedKeys(body []byte, v any) error {
	doc, err := checkShape(body)
	if err != nil {
		return err
	}
	return checkKeyCase(doc, reflect.TypeOf(v), "")
}

var (
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// checkKeyCase walks a generically decoded document alongside the Go type it is
// about to be decoded into, refusing any key that is not a field's exact JSON name
// but matches one case-insensitively. Unknown keys are left to
// DisallowUnknownFields; types that decode themselves are not looked into.
func checkKeyCase(doc any, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t == rawMessageType || t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	switch x := doc.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Struct:
			fields := jsonFields(t)
			for k, e := range x {
				ft, ok := fields.exact[k]
				if !ok {
					if want, near := fields.folded[strings.ToLower(k)]; near {
						return equitrial.Invalid("", equitrial.FieldError{Field: join(path, k),
							Detail: fmt.Sprintf("unknown field: field names are case-sensitive (did you mean %q?)", want)})
					}
					continue
				}
				if err := checkKeyCase(e, ft, join(path, k)); err != nil {
					return err
				}
			}
		case reflect.Map:
			for k, e := range x {
				if err := checkKeyCase(e, t.Elem(), join(path, k)); err != nil {
					return err
				}
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, e := range x {
				if err := checkKeyCase(e, t.Elem(), path+"["+itoa(i)+"]"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldSet is a struct type's JSON field names: exactly, and folded to lower case.
type fieldSet struct {
	exact  map[string]reflect.Type
	folded map[string]string
}

var fieldSets sync.Map // reflect.Type → fieldSet

// jsonFields lists the JSON names encoding/json decodes into a struct type: tagged
// or exported field names, with untagged embedded structs' fields promoted.
func jsonFields(t reflect.Type) fieldSet {
	if fs, ok := fieldSets.Load(t); ok {
		return fs.(fieldSet)
	}
	fs := fieldSet{exact: map[string]reflect.Type{}, folded: map[string]string{}}
	var walk func(reflect.Type, int)
	walk = func(t reflect.Type, depth int) {
		if depth > 8 {
			return
		}
		var embedded []reflect.Type // after this level's own fields, which shadow theirs
		defer func() {
			for _, e := range embedded {
				walk(e, depth+1)
			}
		}()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			ft := f.Type
			if f.Anonymous && name == "" {
				for ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					embedded = append(embedded, ft)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := fs.exact[name]; !dup {
				fs.exact[name] = f.Type
				fs.folded[strings.ToLower(name)] = name
			}
		}
	}
	walk(t, 0)
	fieldSets.Store(t, fs)
	return fs
}

func walkShape(v any, depth int) error {
	if depth > maxJSONDepth {
		return equitrial.Errorf(equitrial.KindInvalid, "the JSON is nested more than %d levels deep", maxJSONDepth)
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if strings.HasPrefix(k, "$") || strings.ContainsRune(k, 0) {
				return equitrial.Invalid("", equitrial.FieldError{Field: k, Detail: "field names may not start with $ or contain NUL"})
			}
			if err := walkShape(e, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := walkShape(e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func describeDecodeError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("the request body is not valid JSON (at byte %d): %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the body"
		}
		return fmt.Sprintf("%s must be %s, not %s", field, jsonTypeName(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the request body is not valid JSON: it ends too soon"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "the request body is not valid JSON: " + err.Error()
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "struct", "map", "ptr":
		return "an object"
	}
	return "a number"
}
