package equitrial

import (
	"strings"
)

// Ethnicity is recorded two ways, and equitrial takes either or both:
//
//   - the NHS Data Dictionary "Ethnic Category" code (A–S, Z, 99), based on the 2001
//     census and still what NHS systems send;
//   - the answer to the 2021 census question for England and Wales (19 categories),
//     which is what population baselines for representativeness come from.
//
// Both map to the five high-level groups (Asian, Black, Mixed, White, Other) used by
// GOV.UK Ethnicity facts and figures. Two deliberate choices:
//
//   - Chinese is Asian in both, as in the 2011 and 2021 census groupings. The Data
//     Dictionary files code R under "Other Ethnic Groups", but comparing recruits with
//     census populations needs one definition, and a patient's group should not depend
//     on which question they answered. EthnicCategoryInfo.Heading keeps the Data
//     Dictionary's own heading.
//   - "Not stated" (Z: asked, and the person chose not to say) and "not known"
//     (99: not asked, or not recorded) stay distinct: the first is an answer to be
//     respected, the second a gap in the data to be fixed.

// EthnicGroup is one of the five high-level groups, or why there is none.
type EthnicGroup string

const (
	EthnicGroupAsian     EthnicGroup = "Asian"
	EthnicGroupBlack     EthnicGroup = "Black"
	EthnicGroupMixed     EthnicGroup = "Mixed"
	EthnicGroupWhite     EthnicGroup = "White"
	EthnicGroupOther     EthnicGroup = "Other"
	EthnicGroupNotStated EthnicGroup = "not_stated"
	EthnicGroupNotKnown  EthnicGroup = "not_known"
)

// EthnicGroups lists the five groups, then the two ways of having none, in the order
// reports show them.
var EthnicGroups = []EthnicGroup{
	EthnicGroupAsian, EthnicGroupBlack, EthnicGroupMixed, EthnicGroupWhite, EthnicGroupOther,
	EthnicGroupNotStated, EthnicGroupNotKnown,
}

// Known reports whether g is one of the five groups (not "not stated"/"not known").
func (g EthnicGroup) Known() bool {
	switch g {
	case EthnicGroupAsian, EthnicGroupBlack, EthnicGroupMixed, EthnicGroupWhite, EthnicGroupOther:
		return true
	}
	return false
}

// EthnicCategoryInfo describes one NHS Data Dictionary ethnic category code.
type EthnicCategoryInfo struct {
	Code        string      `json:"code"`
	Heading     string      `json:"heading"` // the Data Dictionary's group heading
	Description string      `json:"description"`
	Group       EthnicGroup `json:"group"`
}

// EthnicCategories is the NHS Data Dictionary Ethnic Category code list.
var EthnicCategories = []EthnicCategoryInfo{
	{"A", "White", "British", EthnicGroupWhite},
	{"B", "White", "Irish", EthnicGroupWhite},
	{"C", "White", "Any other White background", EthnicGroupWhite},
	{"D", "Mixed", "White and Black Caribbean", EthnicGroupMixed},
	{"E", "Mixed", "White and Black African", EthnicGroupMixed},
	{"F", "Mixed", "White and Asian", EthnicGroupMixed},
	{"G", "Mixed", "Any other mixed background", EthnicGroupMixed},
	{"H", "Asian or Asian British", "Indian", EthnicGroupAsian},
	{"J", "Asian or Asian British", "Pakistani", EthnicGroupAsian},
	{"K", "Asian or Asian British", "Bangladeshi", EthnicGroupAsian},
	{"L", "Asian or Asian British", "Any other Asian background", EthnicGroupAsian},
	{"M", "Black or Black British", "Caribbean", EthnicGroupBlack},
	{"N", "Black or Black British", "African", EthnicGroupBlack},
	{"P", "Black or Black British", "Any other Black background", EthnicGroupBlack},
	{"R", "Other Ethnic Groups", "Chinese", EthnicGroupAsian},
	{"S", "Other Ethnic Groups", "Any other ethnic group", EthnicGroupOther},
	{"Z", "Not stated", "Not stated", EthnicGroupNotStated},
	{"99", "Not known", "Not known", EthnicGroupNotKnown},
}

// Census2021Ethnicity describes one answer to the 2021 census ethnic group question
// for England and Wales.
type Census2021Ethnicity struct {
	ID          string      `json:"id"`          // stable identifier used in the API and store
	Heading     string      `json:"heading"`     // the question's group heading
	Description string      `json:"description"` // the tick-box wording
	Group       EthnicGroup `json:"group"`
	NHSCode     string      `json:"nhsCode"` // the nearest NHS Data Dictionary code
}

const (
	headingAsian = "Asian, Asian British or Asian Welsh"
	headingBlack = "Black, Black British, Black Welsh, Caribbean or African"
	headingMixed = "Mixed or Multiple ethnic groups"
	headingWhite = "White"
	headingOther = "Other ethnic group"
)

// Census2021Ethnicities lists the 19 categories in the census's own order. NHSCode is
// the best fit: Gypsy or Irish Traveller and Roma have no code of their own and fall
// under C; Arab falls under S.
var Census2021Ethnicities = []Census2021Ethnicity{
	{"asian_bangladeshi", headingAsian, "Bangladeshi", EthnicGroupAsian, "K"},
	{"asian_chinese", headingAsian, "Chinese", EthnicGroupAsian, "R"},
	{"asian_indian", headingAsian, "Indian", EthnicGroupAsian, "H"},
	{"asian_pakistani", headingAsian, "Pakistani", EthnicGroupAsian, "J"},
	{"asian_other", headingAsian, "Other Asian", EthnicGroupAsian, "L"},
	{"black_african", headingBlack, "African", EthnicGroupBlack, "N"},
	{"black_caribbean", headingBlack, "Caribbean", EthnicGroupBlack, "M"},
	{"black_other", headingBlack, "Other Black", EthnicGroupBlack, "P"},
	{"mixed_white_asian", headingMixed, "White and Asian", EthnicGroupMixed, "F"},
	{"mixed_white_black_african", headingMixed, "White and Black African", EthnicGroupMixed, "E"},
	{"mixed_white_black_caribbean", headingMixed, "White and Black Caribbean", EthnicGroupMixed, "D"},
	{"mixed_other", headingMixed, "Other Mixed or Multiple ethnic groups", EthnicGroupMixed, "G"},
	{"white_british", headingWhite, "English, Welsh, Scottish, Northern Irish or British", EthnicGroupWhite, "A"},
	{"white_irish", headingWhite, "Irish", EthnicGroupWhite, "B"},
	{"white_gypsy_irish_traveller", headingWhite, "Gypsy or Irish Traveller", EthnicGroupWhite, "C"},
	{"white_roma", headingWhite, "Roma", EthnicGroupWhite, "C"},
	{"white_other", headingWhite, "Other White", EthnicGroupWhite, "C"},
	{"other_arab", headingOther, "Arab", EthnicGroupOther, "S"},
	{"other_any", headingOther, "Any other ethnic group", EthnicGroupOther, "S"},
}

// NormaliseEthnicCategory returns the canonical NHS code for s (trimmed, upper case:
// " a " → "A"), or false when s is not a code in EthnicCategories.
func NormaliseEthnicCategory(s string) (string, bool) {
	info, ok := EthnicCategory(s)
	return info.Code, ok
}

// ValidEthnicCategory reports whether s is an NHS Data Dictionary ethnic category
// code, ignoring case and surrounding space.
func ValidEthnicCategory(s string) bool {
	_, ok := EthnicCategory(s)
	return ok
}

// EthnicCategory looks up an NHS ethnic category code, ignoring case and surrounding
// space.
func EthnicCategory(code string) (EthnicCategoryInfo, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	for _, c := range EthnicCategories {
		if c.Code == code {
			return c, true
		}
	}
	return EthnicCategoryInfo{}, false
}

// ParseCensus2021Ethnicity finds a census answer by its ID ("asian_indian") or by its
// tick-box wording, with or without the heading ("Indian", "Asian, Asian British or
// Asian Welsh: Indian"), ignoring case and spacing. Wording shared by two headings
// ("Irish" is only White; "Other" alone is ambiguous) must name the heading.
func ParseCensus2021Ethnicity(s string) (Census2021Ethnicity, bool) {
	key := foldEthnicityText(s)
	if key == "" {
		return Census2021Ethnicity{}, false
	}
	var match Census2021Ethnicity
	matches := 0
	for _, c := range Census2021Ethnicities {
		switch key {
		case c.ID:
			return c, true
		case foldEthnicityText(c.Heading + ": " + c.Description), foldEthnicityText(c.Heading + " - " + c.Description):
			return c, true
		case foldEthnicityText(c.Description):
			match = c
			matches++
		}
	}
	return match, matches == 1
}

func foldEthnicityText(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// EthnicitySource says which input a derived group came from.
type EthnicitySource string

const (
	EthnicitySourceCensus2021 EthnicitySource = "census2021"
	EthnicitySourceNHSCode    EthnicitySource = "nhs_code"
	EthnicitySourceNone       EthnicitySource = "none"
)

// EthnicityDerivation is the derived five-group ethnicity and how it was reached.
type EthnicityDerivation struct {
	Group  EthnicGroup     `json:"group"`
	Source EthnicitySource `json:"source"`
	// Conflict is true when both inputs name a group and the groups differ. The
	// census answer is used; the flag lets the record be checked with the patient.
	Conflict bool `json:"conflict,omitempty"`
}

// DeriveEthnicGroup derives the five-group ethnicity from an NHS ethnic category code
// and/or a 2021 census answer; either may be empty.
//
// When both are given the census answer wins, because it is the finer and more recent
// classification, the one population baselines use, and the person's own answer to
// that question; a disagreement between the two groups is flagged. A census answer
// also outranks Z (not stated) and 99 (not known). With neither given the group is
// "not known": nothing was recorded, which is not the same as declining to say.
//
// A code or answer that is not in the lists is a KindInvalid error naming the field
// ("ethnicCategory" or "ethnicityCensus2021").
func DeriveEthnicGroup(code, census string) (EthnicityDerivation, error) {
	var fields []FieldError
	var nhs *EthnicCategoryInfo
	if strings.TrimSpace(code) != "" {
		if info, ok := EthnicCategory(code); ok {
			nhs = &info
		} else {
			fields = append(fields, FieldError{Field: "ethnicCategory", Detail: "must be an NHS ethnic category code A–S, Z (not stated) or 99 (not known)"})
		}
	}
	var c *Census2021Ethnicity
	if strings.TrimSpace(census) != "" {
		if ans, ok := ParseCensus2021Ethnicity(census); ok {
			c = &ans
		} else {
			fields = append(fields, FieldError{Field: "ethnicityCensus2021", Detail: "must be one of the 19 categories of the 2021 census for England and Wales"})
		}
	}
	if len(fields) > 0 {
		return EthnicityDerivation{}, Invalid("ethnicity not recognised", fields...)
	}
	switch {
	case c != nil:
		d := EthnicityDerivation{Group: c.Group, Source: EthnicitySourceCensus2021}
		d.Conflict = nhs != nil && nhs.Group.Known() && nhs.Group != c.Group
		return d, nil
	case nhs != nil:
		return EthnicityDerivation{Group: nhs.Group, Source: EthnicitySourceNHSCode}, nil
	}
	return EthnicityDerivation{Group: EthnicGroupNotKnown, Source: EthnicitySourceNone}, nil
}
