package equity

// ImpactPatient is one registered patient with the trial's condition: their strata
// and which of the trial's parsed criteria exclude them (Excluded[i] for criterion
// i; missing entries are false).
type ImpactPatient struct {
	Strata   Strata
	Excluded []bool
}

// ImpactRule says when a group is flagged: its exclusion rate is at least Ratio ×
// the overall rate and it has at least MinGroup patients. The zero value means the
// defaults, 1.5 and 10.
type ImpactRule struct {
	Ratio    float64 `json:"ratio"`
	MinGroup int     `json:"minGroup"`
}

func (r ImpactRule) withDefaults() ImpactRule {
	if r.Ratio <= 0 {
		r.Ratio = 1.5
	}
	if r.MinGroup <= 0 {
		r.MinGroup = 10
	}
	return r
}

// CriterionImpact is how one criterion excludes the patients with the trial's
// condition, overall and per group.
type CriterionImpact struct {
	Index     int                               `json:"index"`
	Criterion string                            `json:"criterion"`
	Patients  Count                             `json:"patients"`
	Excluded  Count                             `json:"excluded"`
	Rate      Float                             `json:"rate"` // excluded ÷ patients
	Groups    map[string]map[string]GroupImpact `json:"groups"`
	Flagged   []GroupKey                        `json:"flagged"` // groups the criterion falls hardest on
	Rule      ImpactRule                        `json:"rule"`
}

// GroupImpact is one group's share excluded by a criterion.
type GroupImpact struct {
	Patients  Count `json:"patients"`
	Excluded  Count `json:"excluded"`
	Rate      Float `json:"rate"`      // excluded ÷ patients in the group
	RateRatio Float `json:"rateRatio"` // the group's rate ÷ the overall rate
	Flagged   bool  `json:"flagged"`
}

// Impact works out, for each criterion, the share of patients it excludes overall
// and in each group, and flags groups it falls on disproportionately: the way a
// sponsor learns that "history of psychiatric illness" shuts out everyone with SMI.
// Missing-value groups (notStated, notKnown) are reported but never flagged: they
// are not a population a sponsor can recruit towards.
func Impact(criteria []string, patients []ImpactPatient, rule ImpactRule) []CriterionImpact {
	rule = rule.withDefaults()
	var groupN [len(dimOrder)][maxGroups]int
	for i := range patients {
		for d, dim := range dimOrder {
			groupN[d][groupIndex(dim, patients[i].Strata.Group(dim))]++
		}
	}
	out := make([]CriterionImpact, len(criteria))
	for c, text := range criteria {
		var ex [len(dimOrder)][maxGroups]int
		total := 0
		for i := range patients {
			p := &patients[i]
			if c >= len(p.Excluded) || !p.Excluded[c] {
				continue
			}
			total++
			for d, dim := range dimOrder {
				ex[d][groupIndex(dim, p.Strata.Group(dim))]++
			}
		}
		out[c] = impactFromCounts(c, text, len(patients), total, &groupN, &ex, rule)
	}
	return out
}

// impactFromCounts computes rates and flags from counts; -1 counts are withheld.
func impactFromCounts(index int, text string, n, excluded int, groupN, groupEx *[len(dimOrder)][maxGroups]int, rule ImpactRule) CriterionImpact {
	ci := CriterionImpact{Index: index, Criterion: text, Patients: Count(n), Excluded: Count(excluded),
		Rate: ratio(excluded, n), Groups: make(map[string]map[string]GroupImpact, len(dimOrder)),
		Flagged: []GroupKey{}, Rule: rule}
	for d, dim := range dimOrder {
		m := make(map[string]GroupImpact, slots(dim))
		for s := 0; s < slots(dim); s++ {
			gn, ge := groupN[d][s], groupEx[d][s]
			if gn == 0 {
				continue
			}
			gi := GroupImpact{Patients: Count(gn), Excluded: Count(ge), Rate: ratio(ge, gn), RateRatio: NaN}
			if gi.Rate.Defined() && ci.Rate.Defined() && ci.Rate > 0 {
				gi.RateRatio = gi.Rate / ci.Rate
			}
			g := groupAt(dim, s)
			if !isMissing(g) {
				gi.Flagged = always(candidates(ge), candidates(gn), candidates(excluded), candidates(n),
					func(ge, gn, e, n int) bool { return impactFlag(ge, gn, e, n, rule) })
			}
			if gi.Flagged {
				ci.Flagged = append(ci.Flagged, GroupKey{dim, g})
			}
			m[g] = gi
		}
		ci.Groups[dim] = m
	}
	return ci
}

// impactFlag is the flag rule on exact counts.
func impactFlag(groupEx, groupN, ex, n int, rule ImpactRule) bool {
	if groupN < rule.MinGroup || groupEx <= 0 || n <= 0 || groupEx > groupN || ex > n {
		return false
	}
	return float64(groupEx)/float64(groupN) >= rule.Ratio*float64(ex)/float64(n)
}

// candidates gives the values a count may have: itself, or 0…7 when withheld.
func candidates(c int) []int {
	if c >= 0 {
		return []int{c}
	}
	return []int{0, 1, 2, 3, 4, 5, 6, 7}
}

// always reports whether f holds for every combination of candidate values.
func always(as, bs, cs, ds []int, f func(a, b, c, d int) bool) bool {
	for _, a := range as {
		for _, b := range bs {
			for _, c := range cs {
				for _, d := range ds {
					if !f(a, b, c, d) {
						return false
					}
				}
			}
		}
	}
	return true
}
