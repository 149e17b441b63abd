package equity

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// trialEvents builds a trial of anonymous rows: counts per ethnic group, enrolled
// one a day from start, some with ethnicity not stated or not known.
func trialEvents(start time.Time, perGroup map[string]int) []Event {
	var evs []Event
	i := 0
	for _, g := range []string{EthnicAsian, EthnicBlack, EthnicMixed, EthnicWhite, EthnicOther, GroupNotStated, GroupNotKnown} {
		for j := 0; j < perGroup[g]; j++ {
			s := Strata{EthnicGroup: g, IMDQuintile: 1 + i%5, SMI: []string{SMIYes, SMINo, ""}[i%3], AgeBand: AgeBand(18 + i%60)}
			if g == GroupNotKnown {
				s.EthnicGroup = ""
			}
			evs = append(evs, enrol("S1", start.Add(time.Duration(i)*24*time.Hour), s))
			i++
		}
	}
	return evs
}

func TestComputeDashboard(t *testing.T) {
	start := mustTime("2025-01-01T10:00:00Z")
	evs := trialEvents(start, map[string]int{EthnicAsian: 5, EthnicBlack: 2, EthnicMixed: 6, EthnicWhite: 170, EthnicOther: 7, GroupNotStated: 6, GroupNotKnown: 4})
	// One withdrawn participant (by row key) and one event after now.
	evs = append(evs,
		Event{Stage: StageEnrolled, At: start, Site: "S2", RowKey: "x", Strata: &Strata{EthnicGroup: EthnicBlack}},
		Event{Stage: StageWithdrawn, At: start.Add(time.Hour), Site: "S2", RowKey: "x"})
	now := start.Add(200 * 24 * time.Hour)
	evs = append(evs, enrol("S1", now.Add(time.Hour), Strata{EthnicGroup: EthnicBlack}))

	d := Compute(evs, Targets{Total: 400, EndDate: "2025-12-31"}, now, Options{})
	if d.Enrolled != 200 {
		t.Fatalf("enrolled %d, want 200 (withdrawn and future-dated left out)", d.Enrolled)
	}
	eth := d.Dimensions[DimEthnicGroup]
	if eth[EthnicBlack].Enrolled != 2 || eth[EthnicWhite].Enrolled != 170 {
		t.Errorf("ethnic counts: %+v", eth)
	}
	// 2 of 190 known against the census 4.0%: PPR 0.26, but the interval reaches 0.94.
	if eth[EthnicBlack].Status != StatusAtRisk || eth[EthnicBlack].Target != 0.04 {
		t.Errorf("Black: %+v", eth[EthnicBlack])
	}
	if !near(float64(eth[EthnicBlack].Share), 2.0/190, 1e-15) {
		t.Errorf("shares are of the known: %v", eth[EthnicBlack].Share)
	}
	c := d.Completeness[DimEthnicGroup]
	if c.Known != 190 || c.NotStated != 6 || c.NotKnown != 4 || !near(float64(c.Missing), 0.05, 1e-15) {
		t.Errorf("completeness %+v", c)
	}
	// SMI has no default: every SMI group says so, and a note does too.
	for g, s := range d.Dimensions[DimSMI] {
		if s.Status != StatusTargetNotSet {
			t.Errorf("SMI %s: %s, want target_not_set", g, s.Status)
		}
	}
	if !slices.ContainsFunc(d.Notes, func(n string) bool { return contains(n, "SMI target is set") }) {
		t.Errorf("notes %v do not say the SMI target is not set", d.Notes)
	}
	if d.Targets.SourceOf(DimEthnicGroup) != SourceCensus2021 || d.Targets.SourceOf(DimIMDQuintile) != SourceUniformIMD {
		t.Errorf("default sources: %+v", d.Targets.Sources)
	}
	// Series: weekly, ends at now, last point equals the counts.
	s := d.Series
	last := len(s.At) - 1
	if s.StepDays != 7 || !s.At[last].Equal(now) || s.Enrolled[last] != 200 {
		t.Errorf("series step %d, last %v = %v", s.StepDays, s.At[last], s.Enrolled[last])
	}
	if s.Groups[DimEthnicGroup][EthnicBlack][last] != 2 || s.Groups[DimEthnicGroup][GroupNotKnown][last] != 4 {
		t.Errorf("series groups at the end: %v", s.Groups[DimEthnicGroup])
	}
	if s.At[0].Weekday() != time.Monday || !slices.IsSorted(s.Enrolled) {
		t.Errorf("series should start on a Monday and never fall: %v %v", s.At[0], s.Enrolled)
	}
	// Recent: the last 90 days of one-a-day enrolment.
	if d.RecentDays != 90 {
		t.Errorf("recent window %v days", d.RecentDays)
	}
	// The JSON carries the names integrations rely on.
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"dimensions", "completeness", "series", "alerts", "criterionImpact"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	g := m["dimensions"].(map[string]any)["ethnicGroup"].(map[string]any)["Black"].(map[string]any)
	for _, k := range []string{"target", "enrolled", "share", "shareLow", "shareHigh", "ppr", "pprLow", "pprHigh", "pValue", "status", "neededShare", "probReach"} {
		if _, ok := g[k]; !ok {
			t.Errorf("group JSON lacks %q", k)
		}
	}
}

func TestComputeEmptyTrial(t *testing.T) {
	now := mustTime("2025-06-01T00:00:00Z")
	d := Compute(nil, Targets{}, now, Options{})
	if d.Enrolled != 0 || len(d.Series.At) != 0 {
		t.Fatalf("empty trial: %+v", d)
	}
	for dim, groups := range d.Dimensions {
		for g, s := range groups {
			if s.Status != StatusInsufficient && s.Status != StatusTargetNotSet {
				t.Errorf("%s/%s: %s with no one enrolled", dim, g, s.Status)
			}
		}
	}
	if _, err := json.Marshal(d); err != nil {
		t.Fatal(err)
	}
}

func TestComputeRecentWindowShortForNewTrials(t *testing.T) {
	now := mustTime("2025-06-01T00:00:00Z")
	evs := trialEvents(now.Add(-10*24*time.Hour), map[string]int{EthnicWhite: 10})
	d := Compute(evs, Targets{}, now, Options{RecentWindow: 30 * 24 * time.Hour})
	if d.RecentDays != 10 {
		t.Errorf("a trial 10 days old measures its rate over 10 days, got %v", d.RecentDays)
	}
}

func TestComputeUsesTrialTargetsOverDefaults(t *testing.T) {
	now := mustTime("2025-06-01T00:00:00Z")
	evs := trialEvents(now.Add(-100*24*time.Hour), map[string]int{EthnicWhite: 50, EthnicAsian: 50})
	tg := Targets{Source: SourcePrevalence, Shares: map[string]map[string]float64{
		DimEthnicGroup: {EthnicWhite: 0.5, EthnicAsian: 0.5, EthnicBlack: 0, EthnicMixed: 0, EthnicOther: 0},
		DimSMI:         {SMIYes: 0.3, SMINo: 0.7},
	}}
	d := Compute(evs, tg, now, Options{})
	if s := d.Dimensions[DimEthnicGroup][EthnicAsian]; s.Status != StatusOnTarget || s.Target != 0.5 {
		t.Errorf("Asian against a 50%% target: %+v", s)
	}
	if d.Targets.SourceOf(DimEthnicGroup) != SourcePrevalence || d.Targets.SourceOf(DimIMDQuintile) != SourceUniformIMD {
		t.Errorf("sources %v", d.Targets.Sources)
	}
	if s := d.Dimensions[DimSMI][SMIYes]; s.Status == StatusTargetNotSet {
		t.Errorf("SMI target was set: %+v", s)
	}
	regional := Targets{Source: SourceRegional, Shares: map[string]map[string]float64{
		DimEthnicGroup: {EthnicWhite: 0.5, EthnicAsian: 0.3, EthnicBlack: 0.1, EthnicMixed: 0.05, EthnicOther: 0.05}}}
	d = Compute(evs, Targets{}, now, Options{Defaults: &regional})
	if d.Dimensions[DimEthnicGroup][EthnicAsian].Target != 0.3 || len(d.Dimensions[DimIMDQuintile]) == 0 ||
		d.Dimensions[DimIMDQuintile]["1"].Status != StatusTargetNotSet {
		t.Errorf("regional defaults replace the national ones, and leave IMD unset when they have none")
	}
}
