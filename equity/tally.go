package equity

import "time"

// tallied holds the counts a dashboard is computed from. A sponsor's view is the same
// computation over disclosed counts, so every figure it shows is a function of
// counts it is allowed to see. Counts are -1 where withheld. Every count is also
// on the dashboard itself, so a tally can be rebuilt from a stored dashboard.
//
// Arrays are indexed by dimension (the order of Dimensions) and by group slot (the
// dimension's groups, then notStated, then notKnown).
type tallied struct {
	Enrolled int                           // enrolled now
	Known    [len(dimOrder)]int            // enrolled with the dimension known
	Missing  [len(dimOrder)]int            // enrolled with it not stated or not known
	Groups   [len(dimOrder)][maxGroups]int // enrolled per group
	Recent   [len(dimOrder)][maxGroups]int // enrolled per group within the recent window
	Window   time.Duration                 // the recent window the rate is measured over
}

// dimOrder fixes the array layout; it matches Dimensions and dimIndex.
var dimOrder = [5]string{DimEthnicGroup, DimIMDQuintile, DimSMI, DimSex, DimAgeBand}

// tally counts the participants enrolled now.
//
// The recent window is opts.RecentWindow, shortened to the time since the trial's
// first enrolment when that is less, so that a trial that opened last month is not
// judged on a rate diluted by months before it started. It is never under a day.
func tally(ps []Participant, now time.Time, recentWindow time.Duration) tallied {
	var t tallied
	first := now
	for i := range ps {
		if ps[i].Enrolled && ps[i].EnrolledAt.Before(first) {
			first = ps[i].EnrolledAt
		}
	}
	t.Window = min(recentWindow, now.Sub(first))
	t.Window = max(t.Window, 24*time.Hour)
	since := now.Add(-t.Window)
	for i := range ps {
		p := &ps[i]
		if !p.Enrolled {
			continue
		}
		t.Enrolled++
		recent := p.EnrolledAt.After(since)
		for d, dim := range dimOrder {
			s := groupIndex(dim, p.Strata.Group(dim))
			t.Groups[d][s]++
			if recent {
				t.Recent[d][s]++
			}
		}
	}
	for d, dim := range dimOrder {
		n := len(dimensionGroups[dim])
		for s := 0; s < n; s++ {
			t.Known[d] += t.Groups[d][s]
		}
		t.Missing[d] = t.Groups[d][n] + t.Groups[d][n+1]
	}
	return t
}
