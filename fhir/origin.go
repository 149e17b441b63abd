package fhir

import (
	"strconv"
	"strings"

	"equitrial"
)

// Origin records which entry of the Bundle each part of a merged profile came
// from, so that a field the patient validator refuses ("conditions[3].code") is
// reported on the entry that sent it ("entry[7].resource.code.coding[0].code").
type Origin struct {
	patient      Ref
	fields       map[string]string
	conditions   []*ConditionEntry   // nil where the item was already stored
	observations []*ObservationEntry // likewise
}

// Issue places one refused field of the merged profile on its entry.
func (o Origin) Issue(fe equitrial.FieldError) Issue {
	head, rest, _ := strings.Cut(fe.Field, ".")
	name, idx := head, -1
	if open := strings.IndexByte(head, '['); open > 0 && strings.HasSuffix(head, "]") {
		name = head[:open]
		if n, err := strconv.Atoi(head[open+1 : len(head)-1]); err == nil {
			idx = n
		}
	}
	switch name {
	case "conditions":
		if idx >= 0 && idx < len(o.conditions) && o.conditions[idx] != nil {
			ce := o.conditions[idx]
			field := "resource"
			switch rest {
			case "code":
				field = ce.codeField + ".code"
			case "system":
				field = ce.codeField + ".system"
			case "text":
				field = "resource.code.text"
			case "status":
				field = "resource.verificationStatus"
			}
			return Issue{Ref: ce.Ref, Field: field, Detail: fe.Detail}
		}
	case "observations":
		if idx >= 0 && idx < len(o.observations) && o.observations[idx] != nil {
			oe := o.observations[idx]
			field := oe.Path
			switch rest {
			case "analyte":
				field = oe.codeField
			case "value":
				field = oe.valueField + ".value"
			case "unit":
				field = oe.valueField + ".code"
			case "date":
				field = oe.dateField
			}
			return Issue{Ref: oe.Ref, Field: field, Detail: fe.Detail}
		}
	default:
		if path, ok := o.fields[name]; ok && rest == "" {
			return Issue{Ref: o.patient, Field: path, Detail: fe.Detail}
		}
	}
	// Something already stored (or set by the service) that no longer passes: say
	// so on the Patient, in the profile's own terms.
	return Issue{Ref: o.patient, Field: "resource", Detail: "the patient profile this Bundle makes has " + fe.Field + ", which " + fe.Detail}
}
