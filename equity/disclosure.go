package equity

import (
	"maps"
	"slices"
	"time"
)

// Statistical disclosure control for sponsors, applied on the server: a count of
// 1–7 is withheld (null, with "suppressed": true on its group), any other count is
// rounded to the nearest 5, and every share, interval, ratio, p-value, status,
// needed share and probability is recomputed from the disclosed counts — never
// from exact ones — so none of them can be inverted to recover a withheld count.
// Where a status or flag would depend on a withheld count, it is shown only if it
// is the same for every value 1–7 the count could have, and as "suppressed"
// otherwise.
//
// Rounding, not noise, is the protection between series points: two cumulative
// points that round alike can hide a difference of 1–4, and a difference between
// rounded points is itself never taken as a count.

// SuppressBelow is the smallest count shown to a sponsor.
const SuppressBelow = 8

// Disclose gives the sponsor's version of a count.
func Disclose(c int) Count {
	switch {
	case c == 0:
		return 0
	case c < SuppressBelow: // also a count already withheld (-1)
		return Suppressed
	}
	return Count((c + 2) / 5 * 5)
}

func discloseInt(c int) int { return int(Disclose(c)) }

// SponsorView gives the sponsor's version of a dashboard. It reads only what the
// dashboard itself carries, so it works equally on one just computed and one read
// back from storage. Alerts carry no counts and pass through unchanged.
func SponsorView(d Dashboard) Dashboard {
	if d.View == ViewSponsor {
		return d
	}
	t := tallyOf(&d)
	for di := range dimOrder {
		t.Known[di] = discloseInt(t.Known[di])
		t.Missing[di] = discloseInt(t.Missing[di])
		for s := range maxGroups {
			t.Groups[di][s] = discloseInt(t.Groups[di][s])
			t.Recent[di][s] = discloseInt(t.Recent[di][s])
		}
	}
	t.Enrolled = discloseInt(t.Enrolled)
	out := summarise(t, d.Targets, d.AsOf)
	out.TrialID = d.TrialID
	out.View = ViewSponsor
	out.Series = d.Series.mapCounts(Disclose)
	out.Alerts = slices.Clone(d.Alerts)
	if out.Alerts == nil {
		out.Alerts = []Alert{}
	}
	out.CriterionImpact = make([]CriterionImpact, len(d.CriterionImpact))
	for i, ci := range d.CriterionImpact {
		out.CriterionImpact[i] = discloseImpact(ci)
	}
	out.Notes = append(out.Notes, "counts of 1–7 are withheld and other counts are rounded to the nearest 5; figures are worked out from the rounded counts")
	return out
}

// tallyOf rebuilds the counts behind a dashboard from its own fields.
func tallyOf(d *Dashboard) tallied {
	t := tallied{Enrolled: int(d.Enrolled), Window: time.Duration(float64(d.RecentDays) * 24 * float64(time.Hour))}
	if !d.RecentDays.Defined() || t.Window <= 0 {
		t.Window = 24 * time.Hour
	}
	for di, dim := range dimOrder {
		c := d.Completeness[dim]
		groups := dimensionGroups[dim]
		for gi, g := range groups {
			gs := d.Dimensions[dim][g]
			t.Groups[di][gi], t.Recent[di][gi] = int(gs.Enrolled), int(gs.Recent)
		}
		t.Groups[di][len(groups)], t.Groups[di][len(groups)+1] = int(c.NotStated), int(c.NotKnown)
		t.Known[di] = int(c.Known)
		t.Missing[di] = int(c.NotStated) + int(c.NotKnown)
	}
	return t
}

// withheldStatistics is ShareStatistics when k or n is withheld: no figure that
// would need them, and a status only if every possible value gives the same one.
func withheldStatistics(k, n int, target float64, targetSet bool) GroupStats {
	g := GroupStats{Target: NaN, Enrolled: Count(k), Expected: NaN, Share: NaN, ShareLow: NaN,
		ShareHigh: NaN, PPR: NaN, PPRLow: NaN, PPRHigh: NaN, PValue: NaN, NeededShare: NaN, ProbReach: NaN,
		Suppressed: true, Note: "counts of 1–7 are withheld"}
	if !targetSet {
		g.Status = StatusTargetNotSet
		return g
	}
	g.Target = Float(target)
	if n >= 0 {
		g.Expected = Float(float64(n) * target)
	}
	seen := ""
	for _, nn := range candidates(n) {
		for _, kk := range candidates(k) {
			if kk > nn {
				continue
			}
			s := ShareStatistics(kk, nn, target, true).Status
			if seen == "" {
				seen = s
			} else if s != seen {
				g.Status = StatusSuppressed
				return g
			}
		}
	}
	g.Status = seen
	if seen == "" {
		g.Status = StatusSuppressed
	}
	return g
}

// discloseImpact recomputes a criterion's impact from disclosed counts.
func discloseImpact(ci CriterionImpact) CriterionImpact {
	var gn, ge [len(dimOrder)][maxGroups]int
	for di, dim := range dimOrder {
		groups := ci.Groups[dim]
		for _, g := range slices.Sorted(maps.Keys(groups)) {
			s := groupIndex(dim, g)
			if s < 0 {
				continue
			}
			gn[di][s] = discloseInt(int(groups[g].Patients))
			ge[di][s] = discloseInt(int(groups[g].Excluded))
		}
	}
	return impactFromCounts(ci.Index, ci.Criterion, discloseInt(int(ci.Patients)), discloseInt(int(ci.Excluded)),
		&gn, &ge, ci.Rule.withDefaults())
}
