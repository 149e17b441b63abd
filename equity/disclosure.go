package equity

import (
	"maps"
	"slices"
	"time"
)

// Statistical disclosure control for sponsors, applied on the server: a count of
// 0–7 is withheld (null, with "suppressed": true on its group), any other count is
// rounded to the nearest 5, and every share, interval, ratio, p-value, status,
// needed share and probability is recomputed from the disclosed counts — never
// from exact ones — so none of them can be inverted to recover a withheld count.
// An empty cell is withheld exactly as a count of 1–7 is: were 0 shown as 0, a
// null would mean "1–7", and with one participant every null would name their
// group. Where a status or flag would depend on a withheld count, it is shown only
// if it is the same for every value 0–7 the count could have, and as "suppressed"
// otherwise (never worked out from the exact count).
//
// The disclosed table is every cell (group counts, recent and missing-value counts
// included) and its margins (enrolled, enrolled with each dimension known), each
// disclosed on its own. Everything a sponsor is shown — dashboard, series, alerts,
// webhook payloads, web pages, CSV — is a function of disclosed tables only:
// SponsorView for the figures, AlertStatuses for what alerts are judged on, and
// AlertsFor for the alerts shown beside a dashboard.
//
// Rounding, not noise, is the protection between series points: two cumulative
// points that round alike can hide a difference of 1–4, and a difference between
// rounded points is itself never taken as a count.

// SuppressBelow is the smallest count shown to a sponsor.
const SuppressBelow = 8

// Disclose gives the sponsor's version of a count: Suppressed for 0–7 (and for a
// count already withheld), otherwise rounded to the nearest 5.
func Disclose(c int) Count {
	if c < SuppressBelow {
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
		for s := range maxGroups {
			t.Groups[di][s] = discloseInt(t.Groups[di][s])
			t.Recent[di][s] = discloseInt(t.Recent[di][s])
		}
		// Missing is not a margin of its own: it is the two missing-value cells as
		// disclosed, undefined when either is withheld.
		n := len(dimensionGroups[dimOrder[di]])
		if ns, nk := t.Groups[di][n], t.Groups[di][n+1]; ns >= 0 && nk >= 0 {
			t.Missing[di] = ns + nk
		} else {
			t.Missing[di] = -1
		}
	}
	t.Enrolled = discloseInt(t.Enrolled)
	out := summarise(t, d.Targets, d.AsOf)
	out.TrialID = d.TrialID
	out.View = ViewSponsor
	out.Series = sponsorSeries(d.Series)
	out.Alerts = AlertsFor(out, d.Alerts)
	out.CriterionImpact = make([]CriterionImpact, len(d.CriterionImpact))
	for i, ci := range d.CriterionImpact {
		out.CriterionImpact[i] = discloseImpact(ci)
	}
	out.Notes = append(out.Notes, "counts below 8 (including none) are withheld and other counts are rounded to the nearest 5; figures are worked out from the rounded counts")
	return out
}

// AlertStatuses gives the status of every group as alerts judge it: the statuses of
// the sponsor's view of d, so that an alert (and the webhook telling a sponsor of
// it) says nothing the sponsor's dashboard does not. A group whose status depends
// on a withheld count is "suppressed" there, which neither opens nor resolves an
// alert.
func AlertStatuses(d Dashboard) map[GroupKey]string {
	v := SponsorView(d)
	return v.Statuses()
}

// AlertsFor gives alerts as shown beside the dashboard view: each open alert's
// status is its group's status on that view, so a dashboard and its alerts never
// say different things (and an alert never shows a status the view withholds).
// Resolved alerts keep the status they were resolved with. The alerts given are
// not changed.
func AlertsFor(view Dashboard, alerts []Alert) []Alert {
	out := make([]Alert, len(alerts))
	for i, a := range alerts {
		if g, ok := view.Dimensions[a.Dimension][a.Group]; ok && g.Status != "" && a.IsOpen() {
			a.Status = g.Status
		}
		out[i] = a
	}
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
		Suppressed: true, Note: "fewer than 8: counts below 8 are withheld"}
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
	for di := range dimOrder {
		for s := range maxGroups { // every group, occupied or not: an empty one is withheld too
			gn[di][s], ge[di][s] = -1, -1
		}
	}
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
