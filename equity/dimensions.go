package equity

import "strings"

// Dimension names, as used in JSON (strata keys, target shares, dashboard keys).
const (
	DimEthnicGroup = "ethnicGroup"
	DimIMDQuintile = "imdQuintile"
	DimSMI         = "smi"
	DimSex         = "sex"
	DimAgeBand     = "ageBand"
)

// Dimensions lists every monitored dimension in dashboard order.
var Dimensions = []string{DimEthnicGroup, DimIMDQuintile, DimSMI, DimSex, DimAgeBand}

// The five ethnic groups of the 2021 England & Wales census high-level classification.
const (
	EthnicAsian = "Asian"
	EthnicBlack = "Black"
	EthnicMixed = "Mixed"
	EthnicWhite = "White"
	EthnicOther = "Other"
)

// Missing values are kept in two kinds because they mean different things for data
// quality: "not stated" is a person who chose not to say (NHS ethnic category Z),
// "not known" is a value nobody recorded (99). Completeness reports them apart.
const (
	GroupNotStated = "not_stated"
	GroupNotKnown  = "not_known"
)

// SMI groups.
const (
	SMIYes = "yes"
	SMINo  = "no"
)

// Sex groups.
const (
	SexFemale = "female"
	SexMale   = "male"
)

// Age bands, chosen so that the 18–34 and 65+ groups that trials most often
// under-recruit are visible on their own.
const (
	Age0to17   = "0-17"
	Age18to34  = "18-34"
	Age35to49  = "35-49"
	Age50to64  = "50-64"
	Age65to74  = "65-74"
	Age75plus  = "75+"
	ageBandMax = 6
)

// IMD quintile groups are "1" (most deprived) … "5" (least deprived), strings
// because they are JSON object keys.
var imdGroups = []string{"1", "2", "3", "4", "5"}

var dimensionGroups = map[string][]string{
	DimEthnicGroup: {EthnicAsian, EthnicBlack, EthnicMixed, EthnicWhite, EthnicOther},
	DimIMDQuintile: imdGroups,
	DimSMI:         {SMIYes, SMINo},
	DimSex:         {SexFemale, SexMale},
	DimAgeBand:     {Age0to17, Age18to34, Age35to49, Age50to64, Age65to74, Age75plus},
}

// Groups returns the known groups of a dimension, without the two missing-value
// groups; nil for an unknown dimension.
func Groups(dim string) []string { return dimensionGroups[dim] }

// IsDimension reports whether dim is a monitored dimension.
func IsDimension(dim string) bool { _, ok := dimensionGroups[dim]; return ok }

// IsGroup reports whether g is a known group of dim (missing-value groups excluded).
func IsGroup(dim, g string) bool { return groupIndex(dim, g) >= 0 && !isMissing(g) }

func isMissing(g string) bool { return g == GroupNotStated || g == GroupNotKnown }

// AgeBand gives the band for an age in whole years; GroupNotKnown for a negative age.
func AgeBand(age int) string {
	switch {
	case age < 0:
		return GroupNotKnown
	case age <= 17:
		return Age0to17
	case age <= 34:
		return Age18to34
	case age <= 49:
		return Age35to49
	case age <= 64:
		return Age50to64
	case age <= 74:
		return Age65to74
	}
	return Age75plus
}

// NormalizeGroup reads a group value as people write it (CSV uploads, forms):
// case-insensitive, with the usual spellings of the missing values ("not stated",
// "Z", "prefer not to say"; "", "unknown", "not known", "99"). It returns the
// canonical group and whether the value was recognised.
func NormalizeGroup(dim, raw string) (string, bool) {
	s := strings.TrimSpace(raw)
	switch strings.ToLower(separators.Replace(s)) {
	case "notstated", "not stated", "z", "prefer not to say", "declined to say":
		return GroupNotStated, true
	case "", "notknown", "not known", "unknown", "99", "x":
		return GroupNotKnown, true
	case "0":
		if dim == DimIMDQuintile { // 0 is how strata rows say "no quintile"
			return GroupNotKnown, true
		}
	}
	switch dim {
	case DimSMI:
		switch strings.ToLower(s) {
		case "yes", "y", "true", "1":
			return SMIYes, true
		case "no", "n", "false":
			return SMINo, true
		}
		return "", false
	case DimSex:
		switch strings.ToLower(s) {
		case "female", "f":
			return SexFemale, true
		case "male", "m":
			return SexMale, true
		}
		return "", false
	}
	for _, g := range dimensionGroups[dim] {
		if strings.EqualFold(g, s) {
			return g, true
		}
	}
	return "", false
}

var separators = strings.NewReplacer("_", " ", "-", " ")

// Index layout used by the counting code: a dimension's known groups, then
// notStated, then notKnown. Fixed-size arrays keep a monitor pass over a million
// events free of per-group maps.
const maxGroups = ageBandMax + 2

func dimIndex(dim string) int {
	switch dim {
	case DimEthnicGroup:
		return 0
	case DimIMDQuintile:
		return 1
	case DimSMI:
		return 2
	case DimSex:
		return 3
	case DimAgeBand:
		return 4
	}
	return -1
}

// groupIndex gives g's slot within dim, or -1.
func groupIndex(dim, g string) int {
	gs := dimensionGroups[dim]
	switch g {
	case GroupNotStated:
		return len(gs)
	case GroupNotKnown:
		return len(gs) + 1
	}
	for i, x := range gs {
		if x == g {
			return i
		}
	}
	return -1
}

// groupAt is the inverse of groupIndex.
func groupAt(dim string, i int) string {
	gs := dimensionGroups[dim]
	switch {
	case i < len(gs):
		return gs[i]
	case i == len(gs):
		return GroupNotStated
	}
	return GroupNotKnown
}

// slots is the number of slots dim uses (known groups plus the two missing ones).
func slots(dim string) int { return len(dimensionGroups[dim]) + 2 }
