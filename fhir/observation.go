package fhir

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// observation reads an Observation: each measurement whose LOINC or SNOMED CT code
// names an analyte the eligibility engine knows (observations.tsv), its value and
// UCUM unit, and the day it was measured. A panel (blood pressure) gives one
// measurement per known component. Results that are not final, that are not exact
// ("<5", ">90": a threshold could not be judged on them without guessing), or
// whose code equitrial does not use are noted and skipped, never refused.
func (r *reader) observation(ref Ref, raw json.RawMessage) {
	var res fm.Observation
	if err := json.Unmarshal(raw, &res); err != nil {
		r.issues.add(ref, "resource", decodeDetail(err))
		return
	}
	var hasStatus struct {
		Status *string `json:"status"`
	}
	json.Unmarshal(raw, &hasStatus) // the model reads a missing status as "registered"
	bad := func(field, detail string) { r.issues.add(ref, field, detail) }
	if len(res.ModifierExtension) > 0 {
		bad("resource.modifierExtension", modifierDetail(res.ModifierExtension))
		return
	}
	retract := false
	switch {
	case hasStatus.Status == nil:
		bad("resource.status", "is required: final, amended or corrected results are recorded")
		return
	case res.Status == fm.ObservationStatusFinal || res.Status == fm.ObservationStatusAmended || res.Status == fm.ObservationStatusCorrected:
	case res.Status == fm.ObservationStatusEnteredInError:
		retract = true
	default:
		r.note(ref, "a result with status "+res.Status.Code()+" is not recorded: only final, amended and corrected results are")
		return
	}
	var parts []measurement
	if a, k := analyteFor(codings(res.Code.Coding)); a != "" {
		parts = append(parts, measurement{path: "resource", analyte: a, codeField: fmt.Sprintf("resource.code.coding[%d]", k),
			quantity: res.ValueQuantity, integer: res.ValueInteger, absent: res.DataAbsentReason != nil})
	}
	for j, comp := range res.Component {
		if a, k := analyteFor(codings(comp.Code.Coding)); a != "" {
			path := fmt.Sprintf("resource.component[%d]", j)
			parts = append(parts, measurement{path: path, analyte: a, codeField: fmt.Sprintf("%s.code.coding[%d]", path, k),
				quantity: comp.ValueQuantity, integer: comp.ValueInteger, absent: comp.DataAbsentReason != nil})
		}
	}
	if len(parts) == 0 {
		r.note(ref, "its code is not a measurement equitrial uses (fhir/observations.tsv lists those it reads)")
		return
	}
	date, dateField, detail := effectiveDate(&res)
	if detail != "" {
		bad(dateField, detail)
		return
	}
	var entries []ObservationEntry
	for _, m := range parts {
		oe, skip := m.entry(ref, date, dateField, bad)
		if skip != "" {
			r.note(ref, skip)
			continue
		}
		oe.Retract = retract
		entries = append(entries, oe)
	}
	if len(entries) > 0 {
		r.observations = append(r.observations, pendingObservation{ref: ref, entries: entries, subject: res.Subject})
	}
}

// measurement is one value of an Observation (itself, or a component).
type measurement struct {
	path, analyte, codeField string
	quantity                 *fm.Quantity
	integer                  *int
	absent                   bool
}

// entry turns a measurement into what the profile records, or says why it is
// skipped.
func (m measurement) entry(ref Ref, date, dateField string, bad func(string, string)) (ObservationEntry, string) {
	oe := ObservationEntry{Ref: ref, Path: m.path, codeField: m.codeField, valueField: m.path + ".valueQuantity", dateField: dateField}
	oe.Observation.Analyte, oe.Observation.Date = m.analyte, date
	switch {
	case m.quantity != nil:
		q := m.quantity
		if q.Comparator != nil {
			return oe, fmt.Sprintf("%sa value %s%s is not exact, so it is not recorded (matching asks instead)", m.where(), q.Comparator.Code(), numberText(q.Value))
		}
		if q.Value == nil {
			bad(m.path+".valueQuantity.value", "is required")
			return oe, ""
		}
		v, err := q.Value.Float64()
		if err != nil {
			bad(m.path+".valueQuantity.value", "is not a number")
			return oe, ""
		}
		ucum := ""
		if q.System == nil || *q.System == SystemUCUM {
			ucum = strings.TrimSpace(deref(q.Code))
		}
		oe.Observation.Value = v
		oe.Observation.Unit = unitFor(m.analyte, ucum, strings.TrimSpace(deref(q.Unit)))
	case m.integer != nil:
		oe.valueField = m.path + ".valueInteger"
		oe.Observation.Value = float64(*m.integer)
		oe.Observation.Unit = unitFor(m.analyte, "", "")
	case m.absent:
		return oe, m.where() + "no value (dataAbsentReason), so nothing is recorded"
	default:
		bad(m.path+".valueQuantity", "is required: the measured value with its UCUM unit")
	}
	return oe, ""
}

// where names a component in a note ("resource.component[1]: "); the resource
// itself needs no name.
func (m measurement) where() string {
	if m.path == "resource" {
		return ""
	}
	return m.path + ": "
}

func numberText(n *json.Number) string {
	if n == nil {
		return ""
	}
	return n.String()
}

func codings(cs []fm.Coding) []codingView {
	out := make([]codingView, 0, len(cs))
	for _, c := range cs {
		out = append(out, codingView{system: deref(c.System), code: strings.TrimSpace(deref(c.Code))})
	}
	return out
}

// effectiveDate is the day the measurement was taken, in the UK (where a result
// taken at 00:30 BST on the 2nd was taken on the 2nd, though it is still the 1st
// in UTC): from effectiveDateTime, effectivePeriod.start or effectiveInstant.
func effectiveDate(o *fm.Observation) (date, field, detail string) {
	var s string
	switch {
	case o.EffectiveDateTime != nil:
		s, field = *o.EffectiveDateTime, "resource.effectiveDateTime"
	case o.EffectivePeriod != nil && o.EffectivePeriod.Start != nil:
		s, field = *o.EffectivePeriod.Start, "resource.effectivePeriod.start"
	case o.EffectiveInstant != nil:
		s, field = *o.EffectiveInstant, "resource.effectiveInstant"
	default:
		return "", "resource.effectiveDateTime", "is required: criteria compare results by when they were measured"
	}
	d, ok := fhirDay(s)
	if !ok {
		return "", field, fmt.Sprintf("%q is not a FHIR date and time with at least the day (YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)", s)
	}
	return d, field, ""
}

// fhirDay reads a FHIR date or dateTime to the day, in UK time when it has a time.
func fhirDay(s string) (string, bool) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format(time.DateOnly), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			if loc := london(); loc != nil {
				t = t.In(loc)
			}
			return t.Format(time.DateOnly), true
		}
	}
	return "", false
}

// london is the UK's time zone, loaded once; nil without zone data (then UTC).
var london = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return nil
	}
	return loc
})
