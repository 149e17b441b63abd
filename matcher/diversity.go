package matcher

import (
	"math"
	"strconv"
	"strings"

	"equitrial/equity"
)

// Flag is one open under-representation alert of a trial: a group recruited below
// its target share. PPR, when known (> 0), is the participation-to-prevalence
// ratio behind it.
type Flag struct {
	Dimension string  `json:"dimension"`
	Group     string  `json:"group"`
	Status    string  `json:"status"` // under or at_risk
	PPR       float64 `json:"ppr,omitempty"`
}

// raises reports whether the flag is about under-representation, the only kind
// outreach should act on (over-representation never raises alerts, but a caller
// may pass any open status).
func (f Flag) raises() bool {
	return f.Status == equity.StatusUnder || f.Status == equity.StatusAtRisk
}

// Reason words the flag for a nurse: "Black participants are under-represented in
// this trial (PPR 0.41)".
func (f Flag) Reason() string {
	verb := "are under-represented in this trial"
	if f.Status == equity.StatusAtRisk {
		verb = "are at risk of being under-represented in this trial"
	}
	s := groupPhrase(f.Dimension, f.Group) + " " + verb
	if f.PPR > 0 && !math.IsInf(f.PPR, 0) {
		s += " (PPR " + strconv.FormatFloat(f.PPR, 'f', 2, 64) + ")"
	}
	return s
}

func groupPhrase(dim, group string) string {
	switch dim {
	case equity.DimEthnicGroup:
		return group + " participants"
	case equity.DimIMDQuintile:
		switch group {
		case "1":
			return "Participants from the most deprived areas (IMD quintile 1)"
		case "5":
			return "Participants from the least deprived areas (IMD quintile 5)"
		}
		return "Participants from IMD quintile " + group + " areas"
	case equity.DimSMI:
		if group == equity.SMIYes {
			return "People with serious mental illness"
		}
		return "People without serious mental illness"
	case equity.DimSex:
		switch group {
		case equity.SexFemale:
			return "Women"
		case equity.SexMale:
			return "Men"
		}
	case equity.DimAgeBand:
		return "Participants aged " + group
	}
	return "Participants in " + dim + " group " + group
}

// priority is how a patient ranks for a trial's outreach: the flags whose group
// they are in, most severe first.
func priority(s equity.Strata, flags []Flag) (hits int, reasons []string) {
	for _, f := range flags {
		if f.raises() && s.Group(f.Dimension) == f.Group {
			hits++
			reasons = append(reasons, f.Reason())
		}
	}
	return hits, reasons
}

// ParseGroup reads a stratum filter "dimension:group" ("ethnicGroup:Black",
// "imdQuintile:1", "smi:yes"); false when the dimension or group is not one
// equitrial monitors.
func ParseGroup(s string) (equity.GroupKey, bool) {
	dim, group, ok := strings.Cut(s, ":")
	if !ok {
		return equity.GroupKey{}, false
	}
	for _, d := range StratumDimensions {
		if strings.EqualFold(d, dim) {
			for _, g := range groupsOf(d) {
				if strings.EqualFold(g, group) {
					return equity.GroupKey{Dimension: d, Group: g}, true
				}
			}
		}
	}
	return equity.GroupKey{}, false
}

// groupsOf lists a dimension's groups, missing-value groups included.
func groupsOf(dim string) []string {
	var out []string
	switch dim {
	case equity.DimEthnicGroup:
		out = []string{equity.EthnicAsian, equity.EthnicBlack, equity.EthnicMixed, equity.EthnicWhite, equity.EthnicOther}
	case equity.DimIMDQuintile:
		out = []string{"1", "2", "3", "4", "5"}
	case equity.DimSMI:
		out = []string{equity.SMIYes, equity.SMINo}
	case equity.DimSex:
		out = []string{equity.SexFemale, equity.SexMale}
	case equity.DimAgeBand:
		out = []string{equity.Age0to17, equity.Age18to34, equity.Age35to49, equity.Age50to64, equity.Age65to74, equity.Age75plus}
	}
	return append(out, equity.GroupNotStated, equity.GroupNotKnown)
}
