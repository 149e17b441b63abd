package equity

import (
	"math"
	"testing"
	"time"
)

func TestStatusRulesOnConstructedScenarios(t *testing.T) {
	cases := []struct {
		name   string
		k, n   int
		target float64
		want   string
	}{
		// 20 × 0.2 = 4 expected: too few to judge, whatever the share.
		{"expected below 5", 0, 20, 0.2, StatusInsufficient},
		{"n = 0", 0, 0, 0.093, StatusInsufficient},
		// 25 × 0.2 = 5 is enough to judge.
		{"expected exactly 5", 5, 25, 0.2, StatusOnTarget},
		// 5/200 = 2.5% against 9.3%: Wilson upper 5.7% → pprHigh 0.62 < 0.8.
		{"under", 5, 200, 0.093, StatusUnder},
		{"0 of n", 0, 200, 0.093, StatusUnder},
		// 14/200 = 7%: PPR 0.75 < 0.8 but Wilson upper 11.4% → pprHigh 1.23.
		{"at risk", 14, 200, 0.093, StatusAtRisk},
		// 19/200 = 9.5%: PPR 1.02.
		{"on target", 19, 200, 0.093, StatusOnTarget},
		// 60/200 = 30%: Wilson lower 24% → pprLow 2.6 > 1.2.
		{"over", 60, 200, 0.093, StatusOver},
		{"n of n", 200, 200, 0.093, StatusOver},
		// PPR 1.4 but the interval still reaches down below 1.2: on target.
		{"high but uncertain", 13, 100, 0.093, StatusOnTarget},
		{"target 0", 3, 200, 0, StatusInsufficient},
	}
	for _, c := range cases {
		g := ShareStatistics(c.k, c.n, c.target, true)
		if g.Status != c.want {
			t.Errorf("%s: %d/%d against %.3f: status %s (ppr %.3f [%.3f, %.3f], expected %.2f), want %s",
				c.name, c.k, c.n, c.target, g.Status, g.PPR, g.PPRLow, g.PPRHigh, g.Expected, c.want)
		}
	}
	if g := ShareStatistics(3, 10, 0, false); g.Status != StatusTargetNotSet || g.Target.Defined() || g.PValue.Defined() {
		t.Errorf("no target: got %+v, want target_not_set with no target and no p-value", g)
	}
}

func TestClassifyBoundaries(t *testing.T) {
	cases := []struct {
		expected, ppr, lo, hi float64
		want                  string
	}{
		{4.999, 0.1, 0.05, 0.2, StatusInsufficient},
		{math.NaN(), 0.1, 0.05, 0.2, StatusInsufficient},
		{5, 0.5, 0.3, 0.7999, StatusUnder},
		{5, 0.5, 0.3, 0.8, StatusAtRisk}, // the interval reaches 0.8
		{5, 0.8, 0.6, 1.0, StatusOnTarget},
		{5, 1.5, 1.2, 1.8, StatusOnTarget}, // pprLow must exceed 1.2
		{5, 1.5, 1.2001, 1.8, StatusOver},
	}
	for _, c := range cases {
		if got := Classify(c.expected, c.ppr, c.lo, c.hi); got != c.want {
			t.Errorf("Classify(%v, %v, %v, %v) = %s, want %s", c.expected, c.ppr, c.lo, c.hi, got, c.want)
		}
	}
}

func TestShareStatisticsFigures(t *testing.T) {
	g := ShareStatistics(81, 263, 0.4, true)
	lo, hi := Wilson(81, 263, Z95)
	if g.Share != Float(81.0/263) || g.ShareLow != Float(lo) || g.ShareHigh != Float(hi) {
		t.Errorf("share figures %v [%v, %v]", g.Share, g.ShareLow, g.ShareHigh)
	}
	if !near(float64(g.PPR), 81.0/263/0.4, 1e-15) || !near(float64(g.PPRLow), lo/0.4, 1e-15) || !near(float64(g.PPRHigh), hi/0.4, 1e-15) {
		t.Errorf("PPR figures %v [%v, %v]", g.PPR, g.PPRLow, g.PPRHigh)
	}
	if !near(float64(g.PValue), 0.0012406603365795969, 1e-11) {
		t.Errorf("p-value %v", g.PValue)
	}
	if !near(float64(g.Expected), 105.2, 1e-12) {
		t.Errorf("expected %v", g.Expected)
	}
	// n = 0: nothing to divide by, but the status and p-value are still defined.
	z := ShareStatistics(0, 0, 0.2, true)
	if z.Share.Defined() || z.PPR.Defined() || z.PValue != 1 || z.Status != StatusInsufficient {
		t.Errorf("n = 0: %+v", z)
	}
}

func TestOutlook(t *testing.T) {
	now := mustTime("2025-06-01T00:00:00Z")
	base := horizon{total: 100, now: now, hasEnd: true, end: now.AddDate(0, 0, 30), window: 90 * 24 * time.Hour, enrolled: 50}
	cases := []struct {
		name        string
		k, recent   int
		target      float64
		h           func(h horizon) horizon
		needed      float64 // NaN: undefined
		prob        float64
		noteContain string
	}{
		// Goal 20, has 10, 50 places left: needs 10 of 50. 9 in 90 days → λ = 3 in 30 days;
		// P(Poisson(3) ≥ 10) = 0.0011024881301154767.
		{"needs some", 10, 9, 0.2, nil, 0.2, 0.0011024881301154767, ""},
		// Goal 20, has 15: needs 5; P(Poisson(3) ≥ 5) = 0.18473675547622793.
		{"needs a few", 15, 9, 0.2, nil, 0.1, 0.18473675547622793, ""},
		{"already met", 20, 0, 0.2, nil, 0, 1, "already reached"},
		{"more than remain", 0, 9, 0.9, nil, 1, PoissonAtLeast(90, 3), "only 50 places remain"},
		{"total reached", 5, 9, 0.2, func(h horizon) horizon { h.enrolled = 100; return h }, 1, PoissonAtLeast(15, 3), "total target is already reached"},
		{"no end date", 10, 9, 0.2, func(h horizon) horizon { h.hasEnd = false; return h }, 0.2, math.NaN(), "no end date"},
		{"end passed", 10, 9, 0.2, func(h horizon) horizon { h.end = now.AddDate(0, 0, -1); return h }, 0.2, 0, "end date has passed"},
		{"no total", 10, 9, 0.2, func(h horizon) horizon { h.total = 0; return h }, math.NaN(), math.NaN(), "no total"},
		{"no recent enrolment", 10, 0, 0.2, nil, 0.2, 0, ""},
	}
	for _, c := range cases {
		h := base
		if c.h != nil {
			h = c.h(h)
		}
		g := ShareStatistics(c.k, 50, c.target, true)
		g.outlook(c.k, c.recent, c.target, h)
		if !sameFloat(float64(g.NeededShare), c.needed, 1e-12) || !sameFloat(float64(g.ProbReach), c.prob, 1e-10) {
			t.Errorf("%s: neededShare %v probReach %v, want %v and %v", c.name, g.NeededShare, g.ProbReach, c.needed, c.prob)
		}
		if c.noteContain != "" && !contains(g.Note, c.noteContain) {
			t.Errorf("%s: note %q lacks %q", c.name, g.Note, c.noteContain)
		}
	}
}

func sameFloat(got, want, tol float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return near(got, want, tol)
}
