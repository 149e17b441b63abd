package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"equitrial"
)

// Read maps a FHIR R4 Bundle (JSON) to patient profiles. It reads the whole Bundle
// before saying anything, so that one answer names every bad entry; any issue is
// a KindInvalid error listing them all, and then nothing may be stored.
//
// The Bundle must be a transaction or a collection. Patient, Condition,
// Observation and List entries are read; any other resource (Organization,
// Practitioner, MedicationStatement, …) is noted as not used. Every Condition,
// Observation and List must refer to a Patient of the same Bundle (by fullUrl, by
// "Patient/id", or by NHS number identifier).
func Read(data []byte) (*Import, error) {
	// The Bundle's own fields are read first and its entries one at a time, so
	// that one malformed entry is reported as that entry, not as the Bundle.
	var shell struct {
		ResourceType string            `json:"resourceType"`
		Type         *string           `json:"type"`
		Entry        []json.RawMessage `json:"entry"`
	}
	data, err := unescaped(data)
	if err == nil {
		err = json.Unmarshal(data, &shell)
	}
	if err != nil {
		field := "body"
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			field = typ.Field
		}
		return nil, equitrial.Invalid("the body is not a FHIR Bundle in JSON", equitrial.FieldError{Field: field, Detail: decodeDetail(err)})
	}
	var is issues
	if shell.ResourceType != "Bundle" {
		is.add(bundleRef, "resourceType", fmt.Sprintf("must be Bundle (got %q): send patients as a transaction or collection Bundle", shell.ResourceType))
		return nil, is.err()
	}
	imp := &Import{}
	switch {
	case shell.Type == nil:
		is.add(bundleRef, "type", "is required: transaction or collection")
	case *shell.Type == fm.BundleTypeTransaction.Code() || *shell.Type == fm.BundleTypeCollection.Code():
		imp.Type = *shell.Type
	default:
		is.add(bundleRef, "type", fmt.Sprintf("must be transaction or collection (got %q)", *shell.Type))
	}
	if len(shell.Entry) == 0 {
		is.add(bundleRef, "entry", "is empty: send at least one Patient")
	}
	r := newReader(imp, &is)
	for i, raw := range shell.Entry {
		r.entry(i, raw)
	}
	r.resolve()
	if len(imp.Profiles) == 0 && len(is) == 0 {
		is.add(bundleRef, "entry", "holds no Patient: conditions and observations are recorded on the Patients of the same Bundle")
	}
	if err := is.err(); err != nil {
		return nil, err
	}
	return imp, nil
}

// entry reads one entry: its envelope (fullUrl, request) and then its resource by type.
func (r *reader) entry(i int, raw json.RawMessage) {
	ref := Ref{Index: i}
	var e fm.BundleEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		r.issues.add(ref, "", "is not a Bundle entry: "+decodeDetail(err))
		return
	}
	if e.FullUrl != nil {
		ref.FullURL = *e.FullUrl
	}
	if len(bytes.TrimSpace(e.Resource)) == 0 || bytes.Equal(bytes.TrimSpace(e.Resource), []byte("null")) {
		r.issues.add(ref, "resource", "is required: every entry carries its resource")
		return
	}
	resource := e.Resource
	var head struct {
		ResourceType string  `json:"resourceType"`
		ID           *string `json:"id"`
	}
	if err := json.Unmarshal(resource, &head); err != nil {
		r.issues.add(ref, "resource", "is not a FHIR resource: "+decodeDetail(err))
		return
	}
	ref.Type = head.ResourceType
	// A transaction asks for each entry to be created or updated; equitrial does
	// either, by NHS number, whichever the request says. Deletions are refused:
	// taking a patient out is withdrawing consent, which has its own route. (The
	// method is read as text: the model reads a missing one as GET.)
	var envelope struct {
		Request *struct {
			Method string `json:"method"`
		} `json:"request"`
	}
	json.Unmarshal(raw, &envelope)
	if rq := envelope.Request; rq != nil && rq.Method != "POST" && rq.Method != "PUT" {
		r.issues.add(ref, "request.method", fmt.Sprintf("must be POST or PUT (got %q): equitrial creates or updates patients; to remove one, withdraw their consent", rq.Method))
		return
	}
	switch head.ResourceType {
	case "Patient":
		r.patient(ref, head.ID, resource)
	case "Condition":
		r.condition(ref, head.ID, resource)
	case "Observation":
		r.observation(ref, resource)
	case "List":
		r.list(ref, resource)
	case "":
		r.issues.add(ref, "resource.resourceType", "is required")
	default:
		r.note(ref, head.ResourceType+" resources are not used by equitrial")
	}
}

// unescaped writes the Bundle again with its strings unescaped: the model's code
// types (QuantityComparator, AdministrativeGender, HTTPVerb, …) compare the raw
// JSON text, so a valid "\u003e" would not be read as ">". Numbers are kept
// exactly as sent.
func unescaped(raw json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(b.Bytes()), nil
}

// decodeDetail says what encoding/json (or a FHIR code's decoder) refused, naming
// the field when it can.
func decodeDetail(err error) string {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if typ.Field != "" {
			return fmt.Sprintf("%s has the wrong type (%s, where FHIR R4 has %s)", typ.Field, typ.Value, typ.Type)
		}
		return fmt.Sprintf("has the wrong type (%s)", typ.Value)
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("is not valid JSON (at byte %d: %s)", syn.Offset, syn.Error())
	}
	return "is not valid FHIR R4: " + err.Error()
}
