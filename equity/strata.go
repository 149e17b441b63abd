package equity

import (
	"strconv"

	"equitrial"
)

// Strata are the monitored characteristics of one participant. Participants
// recruited outside equitrial are known only by these; equitrial patients have
// them looked up from their record.
//
// Empty values mean "not known". IMDQuintile 0 means not known (the index cannot be
// "not stated": it is derived from a postcode, not asked).
type Strata struct {
	IMDQuintile int    `json:"imdQuintile,omitempty"` // 1 (most deprived) … 5; 0 = not known
	EthnicGroup string `json:"ethnicGroup,omitempty"` // Asian|Black|Mixed|White|Other|notStated|notKnown
	SMI         string `json:"smi,omitempty"`         // yes|no|notStated|notKnown
	Sex         string `json:"sex,omitempty"`         // female|male|notStated|notKnown
	AgeBand     string `json:"ageBand,omitempty"`     // see AgeBand; notStated|notKnown
}

// Group gives the participant's group in a dimension, GroupNotStated or GroupNotKnown
// when missing. Values that Validate would reject count as not known.
func (s Strata) Group(dim string) string {
	var v string
	switch dim {
	case DimIMDQuintile:
		if s.IMDQuintile < 1 || s.IMDQuintile > 5 {
			return GroupNotKnown
		}
		return imdGroups[s.IMDQuintile-1]
	case DimEthnicGroup:
		v = s.EthnicGroup
	case DimSMI:
		v = s.SMI
	case DimSex:
		v = s.Sex
	case DimAgeBand:
		v = s.AgeBand
	}
	if groupIndex(dim, v) < 0 { // "", "unknown" and anything unrecognised
		return GroupNotKnown
	}
	return v
}

// Validate reports every stratum value that is not a known group or missing value.
func (s Strata) Validate() error {
	var fields []equitrial.FieldError
	if s.IMDQuintile < 0 || s.IMDQuintile > 5 {
		fields = append(fields, equitrial.FieldError{Field: "strata.imdQuintile",
			Detail: "must be 1 (most deprived) to 5, or 0/absent when not known; got " + strconv.Itoa(s.IMDQuintile)})
	}
	check := func(dim, v string) {
		if v == "" || v == "unknown" || groupIndex(dim, v) >= 0 {
			return
		}
		fields = append(fields, equitrial.FieldError{Field: "strata." + dim,
			Detail: strconv.Quote(v) + " is not one of " + listGroups(dim)})
	}
	check(DimEthnicGroup, s.EthnicGroup)
	check(DimSMI, s.SMI)
	check(DimSex, s.Sex)
	check(DimAgeBand, s.AgeBand)
	if len(fields) > 0 {
		return equitrial.Invalid("strata are not valid", fields...)
	}
	return nil
}

func listGroups(dim string) string {
	out := ""
	for _, g := range dimensionGroups[dim] {
		out += g + ", "
	}
	return out + GroupNotStated + ", " + GroupNotKnown
}
