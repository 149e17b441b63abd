package equity

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

func TestDisclose(t *testing.T) {
	want := map[int]Count{0: Suppressed, 1: Suppressed, 7: Suppressed, 8: 10, 10: 10, 12: 10, 13: 15, 17: 15, 18: 20, 22: 20, 23: 25, 1002: 1000, 1003: 1005, -1: Suppressed}
	for c, w := range want {
		if got := Disclose(c); got != w {
			t.Errorf("Disclose(%d) = %d, want %d", c, got, w)
		}
	}
}

// fractionKeys hold shares, ratios, probabilities and parameters — numbers that are
// not counts of people. Every other number in a sponsor's JSON is a count.
var fractionKeys = map[string]bool{
	"target": true, "expected": true, "share": true, "shareLow": true, "shareHigh": true,
	"ppr": true, "pprLow": true, "pprHigh": true, "pValue": true, "neededShare": true, "probReach": true,
	"missing": true, "notStatedShare": true, "notKnownShare": true, "recentDays": true, "stepDays": true,
	"rate": true, "rateRatio": true, "ratio": true, "minGroup": true, "index": true, "total": true,
	// target shares: targets.shares.<dim>.<group>
	"Asian": true, "Black": true, "Mixed": true, "White": true, "Other": true,
	"1": true, "2": true, "3": true, "4": true, "5": true, "yes": true, "no": true,
}

// scanCounts walks decoded JSON, counting the counts and returning the path of
// every count of 1–7 or count that is not a multiple of 5. Under "shares" and
// fraction keys the numbers are fractions; arrays of numbers (series columns) are
// counts.
func scanCounts(path string, v any, inShares bool) (counts int, bad []string) {
	switch x := v.(type) {
	case map[string]any:
		for k, y := range x {
			c, b := scanCounts(path+"."+k, y, inShares || k == "shares")
			counts, bad = counts+c, append(bad, b...)
		}
	case []any:
		for i, y := range x {
			c, b := scanCounts(path+"["+itoa(i)+"]", y, inShares)
			counts, bad = counts+c, append(bad, b...)
		}
	case float64:
		if inShares || fractionKeys[path[lastSep(path)+1:]] {
			return 0, nil
		}
		if x != math.Trunc(x) || (x >= 1 && x <= 7) || math.Mod(x, 5) != 0 {
			bad = append(bad, path+" = "+strconv.FormatFloat(x, 'g', -1, 64))
		}
		return 1, bad
	}
	return counts, bad
}

func lastSep(p string) int {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '.' || p[i] == '[' {
			return i
		}
	}
	return -1
}

func TestSponsorViewHasNoSmallCounts(t *testing.T) {
	now := mustTime("2025-06-01T00:00:00Z")
	rng := rand.New(rand.NewPCG(1, 2))
	groups := []string{EthnicAsian, EthnicBlack, EthnicMixed, EthnicWhite, EthnicOther, GroupNotStated, GroupNotKnown}
	smi := []string{SMIYes, SMINo, GroupNotStated, ""}
	for trial := range 40 {
		var evs []Event
		n := rng.IntN(150)
		for i := range n {
			s := Strata{EthnicGroup: groups[rng.IntN(len(groups))], IMDQuintile: rng.IntN(6), SMI: smi[rng.IntN(len(smi))],
				Sex: []string{SexFemale, SexMale, ""}[rng.IntN(3)], AgeBand: AgeBand(rng.IntN(90))}
			evs = append(evs, enrol("S", now.Add(-time.Duration(rng.IntN(400*24))*time.Hour-time.Duration(i)), s))
		}
		tg := Targets{Total: 20 + rng.IntN(300), EndDate: "2026-01-31",
			Shares: map[string]map[string]float64{DimSMI: {SMIYes: 0.05, SMINo: 0.95}}}
		exact := Compute(evs, tg, now, Options{})
		// Criterion impact from the same people, as the API would attach it.
		var ips []ImpactPatient
		for _, p := range Fold(evs, nil) {
			ips = append(ips, ImpactPatient{Strata: p.Strata, Excluded: []bool{rng.IntN(4) == 0, p.Strata.SMI == SMIYes}})
		}
		exact.CriterionImpact = Impact([]string{"a", "psychiatric history"}, ips, ImpactRule{MinGroup: 3})
		exact.Alerts = []Alert{{TrialID: "NCT1", Dimension: DimSMI, Group: SMIYes, Status: StatusUnder, OpenedAt: now, UpdatedAt: now}}

		// The test must be able to fail: the exact view does show small counts.
		if trial == 0 {
			var raw any
			b, _ := json.Marshal(exact)
			_ = json.Unmarshal(b, &raw)
			if _, bad := scanCounts("", raw, false); len(bad) == 0 {
				t.Fatal("the exact view should contain small counts, or this test proves nothing")
			}
		}

		sponsor := SponsorView(exact)
		b, err := json.Marshal(sponsor)
		if err != nil {
			t.Fatal(err)
		}
		var raw any
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatal(err)
		}
		counts, bad := scanCounts("", raw, false)
		if counts == 0 {
			t.Fatal("no counts found in the sponsor view")
		}
		for _, b := range bad {
			t.Errorf("trial %d: %s: a sponsor may see no count of 1–7 and only counts rounded to 5", trial, b)
		}
		if sponsor.View != ViewSponsor || len(sponsor.Alerts) != 1 {
			t.Errorf("sponsor view %s with %d alerts", sponsor.View, len(sponsor.Alerts))
		}
		// Read back from JSON, the stored dashboard gives the same sponsor view.
		var stored Dashboard
		eb, _ := json.Marshal(exact)
		if err := json.Unmarshal(eb, &stored); err != nil {
			t.Fatal(err)
		}
		b2, _ := json.Marshal(SponsorView(stored))
		if string(b2) != string(b) {
			t.Errorf("trial %d: sponsor view differs after a JSON round trip", trial)
		}
	}
}

func TestSponsorViewRecomputesFromRoundedCounts(t *testing.T) {
	now := mustTime("2025-06-01T00:00:00Z")
	start := now.Add(-300 * 24 * time.Hour)
	// 203 known: 163 White, 37 Asian, 3 Black, 0 Mixed/Other. Rounded: 165, 35, withheld, of 205.
	evs := trialEvents(start, map[string]int{EthnicBlack: 3, EthnicWhite: 163, EthnicAsian: 37})
	tg := Targets{Total: 500, EndDate: "2026-06-01", Shares: map[string]map[string]float64{
		DimEthnicGroup: {EthnicWhite: 0.5, EthnicAsian: 0.16, EthnicBlack: 0.3, EthnicMixed: 0.02, EthnicOther: 0.02},
		DimIMDQuintile: {"1": 0.2, "2": 0.2, "3": 0.2, "4": 0.2, "5": 0.2}}}
	d := Compute(evs, tg, now, Options{})
	s := SponsorView(d)
	white := s.Dimensions[DimEthnicGroup][EthnicWhite]
	if white.Enrolled != 165 || s.Completeness[DimEthnicGroup].Known != 205 {
		t.Fatalf("rounded counts: white %d of %d", white.Enrolled, s.Completeness[DimEthnicGroup].Known)
	}
	if white.Share != Float(165.0/205) {
		t.Errorf("share from rounded counts: %v, want %v", white.Share, 165.0/205)
	}
	lo, hi := Wilson(165, 205, Z95)
	if white.ShareLow != Float(lo) || white.ShareHigh != Float(hi) || !near(float64(white.PValue), BinomialCDF(165, 205, 0.5), 1e-15) {
		t.Errorf("interval and p-value from rounded counts: %+v", white)
	}
	// needed share from rounded counts: goal 250, has 165, 500 − 205 places left.
	if !near(float64(white.NeededShare), 85.0/295, 1e-15) {
		t.Errorf("needed share %v, want %v", white.NeededShare, 85.0/295)
	}
	black := s.Dimensions[DimEthnicGroup][EthnicBlack]
	if !black.Suppressed || !black.Enrolled.IsSuppressed() || black.Share.Defined() || black.PValue.Defined() ||
		black.NeededShare.Defined() || black.ProbReach.Defined() {
		t.Errorf("withheld group shows figures: %+v", black)
	}
	// Against 30%, any of 1–7 out of 205 is under, so saying so reveals nothing.
	if black.Status != StatusUnder {
		t.Errorf("Black status %s, want under (the same for every withheld value)", black.Status)
	}
	// Against 4% it would depend on the value: 1/205 is under, 7/205 on target.
	if ShareStatistics(1, 205, 0.04, true).Status == ShareStatistics(7, 205, 0.04, true).Status {
		t.Fatal("scenario no longer shows a status that depends on the withheld count")
	}
	d = Compute(evs, Targets{Total: 500, EndDate: "2026-06-01"}, now, Options{})
	if st := SponsorView(d).Dimensions[DimEthnicGroup][EthnicBlack].Status; st != StatusSuppressed {
		t.Errorf("against 4%% the status depends on the withheld count, so it must be suppressed; got %s", st)
	}
}
