package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
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
	if err := checkShape(body); err != nil {
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
func checkShape(body []byte) error {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return equitrial.Errorf(equitrial.KindInvalid, "%s", describeDecodeError(err))
	}
	return walkShape(doc, 1)
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
