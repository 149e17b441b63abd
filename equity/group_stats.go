package equity

import (
	"math"
	"strings"
	"time"
)

// GroupStats are one group's figures on the dashboard. Undefined figures are NaN
// (null in JSON); Note says why in words.
type GroupStats struct {
	Target      Float  `json:"target"`      // target share; null when not set
	Enrolled    Count  `json:"enrolled"`    // enrolled now in this group
	Recent      Count  `json:"recent"`      // of whom enrolled within the recent window
	Expected    Float  `json:"expected"`    // n × target, n = enrolled with this dimension known
	Share       Float  `json:"share"`       // enrolled ÷ n
	ShareLow    Float  `json:"shareLow"`    // 95% Wilson interval for the share
	ShareHigh   Float  `json:"shareHigh"`   //
	PPR         Float  `json:"ppr"`         // participation-to-prevalence ratio, share ÷ target
	PPRLow      Float  `json:"pprLow"`      // Wilson bounds ÷ target
	PPRHigh     Float  `json:"pprHigh"`     //
	PValue      Float  `json:"pValue"`      // P(X ≤ enrolled) if the target share were true
	Status      string `json:"status"`      // see the Status constants
	NeededShare Float  `json:"neededShare"` // share of remaining recruits the group needs
	ProbReach   Float  `json:"probReach"`   // chance of reaching the target count by the end at the recent rate
	Note        string `json:"note,omitempty"`
	Suppressed  bool   `json:"suppressed,omitempty"` // counts withheld from this view
}

// ShareStatistics computes share, Wilson interval, PPR, p-value and status for k
// of n enrolled against a target share. targetSet false gives target_not_set.
func ShareStatistics(k, n int, target float64, targetSet bool) GroupStats {
	g := GroupStats{Target: NaN, Enrolled: Count(k), Expected: NaN, Share: NaN, ShareLow: NaN,
		ShareHigh: NaN, PPR: NaN, PPRLow: NaN, PPRHigh: NaN, PValue: NaN, NeededShare: NaN, ProbReach: NaN}
	if n > 0 {
		g.Share = Float(float64(k) / float64(n))
		lo, hi := Wilson(k, n, Z95)
		g.ShareLow, g.ShareHigh = Float(lo), Float(hi)
	}
	if !targetSet {
		g.Status = StatusTargetNotSet
		g.Note = "no target share is set for this group"
		return g
	}
	g.Target = Float(target)
	g.Expected = Float(float64(n) * target)
	g.PValue = Float(BinomialCDF(k, n, target))
	if target > 0 && n > 0 {
		g.PPR = g.Share / Float(target)
		g.PPRLow = g.ShareLow / Float(target)
		g.PPRHigh = g.ShareHigh / Float(target)
	}
	g.Status = Classify(float64(g.Expected), float64(g.PPR), float64(g.PPRLow), float64(g.PPRHigh))
	switch {
	case n == 0:
		g.Note = "no one enrolled has this characteristic recorded"
	case target == 0:
		g.Note = "the target share is 0, so the PPR is undefined"
	}
	return g
}

// horizon is what the outlook figures need beyond the counts.
type horizon struct {
	total    int           // total recruitment target; 0 = not set
	end      time.Time     // end of recruitment
	hasEnd   bool          //
	now      time.Time     //
	window   time.Duration // the recent window the rate is measured over
	enrolled int           // everyone enrolled now, any group; -1 when withheld
}

// outlook fills NeededShare and ProbReach.
//
// The group's goal is ⌈target × total⌉ participants. neededShare is the share of the
// remaining places (total − enrolled) the group must fill to get there: 0 when the
// goal is already met, clamped to 1 when the group needs more than the remaining
// places (the note says so). probReach is P(Poisson(λ) ≥ still needed), λ = the
// group's enrolments in the recent window ÷ the window × time left; it does not
// cap recruitment at the total, since trials do over-recruit.
func (g *GroupStats) outlook(k, recent int, target float64, h horizon) {
	if g.Status == StatusTargetNotSet {
		return
	}
	var notes []string
	if g.Note != "" {
		notes = append(notes, g.Note)
	}
	defer func() { g.Note = strings.Join(notes, "; ") }()
	if h.total <= 0 {
		notes = append(notes, "no total recruitment target is set, so the needed share and the chance of reaching the target cannot be worked out")
		return
	}
	if k < 0 || h.enrolled < 0 {
		return // withheld counts: nothing can be said without revealing them
	}
	need := int(math.Ceil(target*float64(h.total)-1e-9)) - k
	if need <= 0 {
		g.NeededShare, g.ProbReach = 0, 1
		notes = append(notes, "the group's target count is already reached")
		return
	}
	remaining := h.total - h.enrolled
	switch {
	case remaining <= 0:
		g.NeededShare = 1
		notes = append(notes, "the total target is already reached; this group needs "+itoa(need)+" more beyond it")
	case need > remaining:
		g.NeededShare = 1
		notes = append(notes, "this group needs "+itoa(need)+" more but only "+itoa(remaining)+" places remain")
	default:
		g.NeededShare = Float(float64(need) / float64(remaining))
	}
	if !h.hasEnd {
		notes = append(notes, "no end date is set, so the chance of reaching the target cannot be worked out")
		return
	}
	if recent < 0 {
		return
	}
	left := h.end.Sub(h.now)
	if left <= 0 {
		g.ProbReach = 0
		notes = append(notes, "the recruitment end date has passed")
		return
	}
	lambda := float64(recent) / h.window.Seconds() * left.Seconds()
	g.ProbReach = Float(PoissonAtLeast(need, lambda))
}
