package equity

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// propertyNow is a Wednesday: every enrolment of the property test falls in the
// same weekly series step and the same recent window, so the series has one point
// (the table itself) and nothing but the counts differs between enrolments.
var propertyNow = mustTime("2025-06-04T12:00:00Z")

// propertyTargets make statuses, needed shares and chances of reaching the target
// depend on the counts in every dimension.
var propertyTargets = Targets{Total: 120, EndDate: "2025-12-31", Shares: map[string]map[string]float64{
	DimSMI:     {SMIYes: 0.3, SMINo: 0.7},
	DimSex:     {SexFemale: 0.5, SexMale: 0.5},
	DimAgeBand: {Age18to34: 0.3, Age35to49: 0.3, Age50to64: 0.2, Age65to74: 0.1, Age75plus: 0.1},
}}

// propSlots are the group slots enrolment can fill in each dimension (IMD has no
// "not stated": a postcode either gives a quintile or it does not).
func propSlots(dim string) []int {
	var out []int
	for s := range slots(dim) {
		if dim == DimIMDQuintile && groupAt(dim, s) == GroupNotStated {
			continue
		}
		out = append(out, s)
	}
	return out
}

// enrolment is a split of n participants over the groups of every dimension:
// counts[d][slot].
type enrolment struct {
	n      int
	counts [len(dimOrder)][maxGroups]int
}

func (e enrolment) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "n=%d", e.n)
	for d, dim := range dimOrder {
		fmt.Fprintf(&b, " %s%v", dim, e.counts[d][:slots(dim)])
	}
	return b.String()
}

// table is the disclosed table of an enrolment, worked out here independently of
// the code under test: every cell and the margins (enrolled; enrolled with the
// dimension known), each rounded to 5 or withheld (0–7).
func (e enrolment) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", Disclose(e.n))
	for d, dim := range dimOrder {
		known := 0
		for _, g := range dimensionGroups[dim] {
			known += e.counts[d][groupIndex(dim, g)]
		}
		fmt.Fprintf(&b, "|%d:", Disclose(known))
		for s := range slots(dim) {
			fmt.Fprintf(&b, "%d,", Disclose(e.counts[d][s]))
		}
	}
	return b.String()
}

func setGroup(s *Strata, dim, g string) {
	if g == GroupNotKnown {
		g = ""
	}
	switch dim {
	case DimEthnicGroup:
		s.EthnicGroup = g
	case DimIMDQuintile:
		s.IMDQuintile = 0
		for i, q := range imdGroups {
			if q == g {
				s.IMDQuintile = i + 1
			}
		}
	case DimSMI:
		s.SMI = g
	case DimSex:
		s.Sex = g
	case DimAgeBand:
		s.AgeBand = g
	}
}

// events turns the split into enrolment events, a minute apart, the last an hour
// before propertyNow. Dimensions are paired up in an order that depends on the
// split, which the dashboard (a table of margins) must not care about.
func (e enrolment) events() []Event {
	strata := make([]Strata, e.n)
	for d, dim := range dimOrder {
		i := 0
		for s := range slots(dim) {
			for range e.counts[d][s] {
				j := (i + 7*d) % e.n // a different pairing per dimension (a rotation)
				setGroup(&strata[j], dim, groupAt(dim, s))
				i++
			}
		}
	}
	evs := make([]Event, e.n)
	for i := range evs {
		evs[i] = enrol("S", propertyNow.Add(-time.Hour-time.Duration(e.n-i)*time.Minute), strata[i])
	}
	return evs
}

// sponsorSees is everything a sponsor is shown for the enrolment: the dashboard
// (series included) with the alerts a first monitor pass opens on it, as JSON, and
// the alerts as a webhook would carry them.
func sponsorSees(exact Dashboard) (dashboard, alerts []byte) {
	opened := PlanAlerts("NCT00000001", nil, AlertStatuses(exact), nil, propertyNow).Open
	exact.Alerts = opened
	view := SponsorView(exact)
	dashboard, _ = json.Marshal(view)
	alerts, _ = json.Marshal(opened)
	return dashboard, alerts
}

// composition splits n over the given slots at random, skewed so that small and
// empty cells are common.
func composition(rng *rand.Rand, n int, slots []int) [maxGroups]int {
	var out [maxGroups]int
	w := make([]float64, len(slots))
	sum := 0.0
	for i := range w {
		x := rng.Float64()
		w[i] = x * x * x
		sum += w[i]
	}
	for range n {
		r := rng.Float64() * sum
		i := 0
		for ; i < len(w)-1 && r >= w[i]; i++ {
			r -= w[i]
		}
		out[slots[i]]++
	}
	return out
}

// variants are enrolments with the same disclosed table as e: one participant moved
// between two groups whose withheld or rounded counts do not change, or one more
// participant when no disclosed count changes.
func variants(rng *rand.Rand, e enrolment, tries int) []enrolment {
	var out []enrolment
	for range tries {
		v := e
		if rng.IntN(4) == 0 { // one more participant, somewhere in every dimension
			v.n++
			for d, dim := range dimOrder {
				ss := propSlots(dim)
				v.counts[d][ss[rng.IntN(len(ss))]]++
			}
		} else {
			d := rng.IntN(len(dimOrder))
			ss := propSlots(dimOrder[d])
			a, b := ss[rng.IntN(len(ss))], ss[rng.IntN(len(ss))]
			if a == b || v.counts[d][a] == 0 {
				continue
			}
			v.counts[d][a]--
			v.counts[d][b]++
		}
		if v.table() == e.table() {
			out = append(out, v)
		}
	}
	return out
}

// firstDifference names the first JSON path at which a and b differ.
func firstDifference(a, b []byte) string {
	var x, y any
	json.Unmarshal(a, &x)
	json.Unmarshal(b, &y)
	var walk func(path string, x, y any) string
	walk = func(path string, x, y any) string {
		switch xv := x.(type) {
		case map[string]any:
			yv, ok := y.(map[string]any)
			if !ok {
				return path
			}
			keys := map[string]bool{}
			for k := range xv {
				keys[k] = true
			}
			for k := range yv {
				keys[k] = true
			}
			sorted := make([]string, 0, len(keys))
			for k := range keys {
				sorted = append(sorted, k)
			}
			sort.Strings(sorted)
			for _, k := range sorted {
				if p := walk(path+"."+k, xv[k], yv[k]); p != "" {
					return p
				}
			}
			return ""
		case []any:
			yv, ok := y.([]any)
			if !ok || len(xv) != len(yv) {
				return fmt.Sprintf("%s (length %d vs %v)", path, len(xv), y)
			}
			for i := range xv {
				if p := walk(fmt.Sprintf("%s[%d]", path, i), xv[i], yv[i]); p != "" {
					return p
				}
			}
			return ""
		}
		if !reflect.DeepEqual(x, y) {
			return fmt.Sprintf("%s: %v vs %v", path, x, y)
		}
		return ""
	}
	return walk("", x, y)
}

// The disclosure property (issue 10, item 1): for every total 1–60 and many splits
// of it over the groups of every dimension, no field a sponsor is shown differs
// between two enrolments that agree on the disclosed (rounded, suppressed) table.
// Splits are drawn deterministically: for every total, every dimension's "everyone
// in one group" split, then skewed random splits, and for each, variants with the
// same disclosed table (a participant moved between withheld or same-rounding
// cells, or one more participant when nothing disclosed changes).
func TestDisclosureProperty(t *testing.T) {
	type seen struct {
		e                 enrolment
		dashboard, alerts []byte
		exact             []byte
	}
	byTable := map[string]seen{}
	compared, differExactly := 0, 0
	check := func(e enrolment) {
		exact := Compute(e.events(), propertyTargets, propertyNow, Options{})
		dash, alerts := sponsorSees(exact)
		exactJSON, _ := json.Marshal(exact.Dimensions)
		key := e.table()
		first, ok := byTable[key]
		if !ok {
			byTable[key] = seen{e: e, dashboard: dash, alerts: alerts, exact: exactJSON}
			return
		}
		compared++
		if string(first.exact) != string(exactJSON) {
			differExactly++
		}
		if string(first.dashboard) != string(dash) {
			t.Fatalf("same disclosed table, different sponsor dashboards at %s\n  %v\n  %v",
				firstDifference(first.dashboard, dash), first.e, e)
		}
		if string(first.alerts) != string(alerts) {
			t.Fatalf("same disclosed table, different alerts (webhook payloads) at %s\n  %v\n  %v",
				firstDifference(first.alerts, alerts), first.e, e)
		}
	}
	for n := 1; n <= 60; n++ {
		rng := rand.New(rand.NewPCG(uint64(n), 10))
		var bases []enrolment
		// Everyone in one group, for each group of each dimension in turn (the
		// other dimensions everyone in their first group).
		for d, dim := range dimOrder {
			for _, s := range propSlots(dim) {
				var e enrolment
				e.n = n
				for d2, dim2 := range dimOrder {
					e.counts[d2][propSlots(dim2)[0]] = n
				}
				e.counts[d][propSlots(dim)[0]] = 0
				e.counts[d][s] = n
				bases = append(bases, e)
			}
		}
		for range 20 {
			e := enrolment{n: n}
			for d, dim := range dimOrder {
				e.counts[d] = composition(rng, n, propSlots(dim))
			}
			bases = append(bases, e)
		}
		for _, e := range bases {
			check(e)
			for _, v := range variants(rng, e, 6) {
				check(v)
			}
		}
	}
	t.Logf("%d disclosed tables; %d enrolments compared with one of the same table, %d of them with different exact dashboards",
		len(byTable), compared, differExactly)
	if differExactly < 1000 {
		t.Fatalf("only %d pairs with different exact figures: the property is barely tested", differExactly)
	}
}

// With one participant, the sponsor cannot tell which group they are in: every
// group of every dimension reads the same, and no alert names one.
func TestOneParticipantRevealsNoGroup(t *testing.T) {
	var first []byte
	for _, g := range []string{EthnicAsian, EthnicBlack, EthnicWhite, GroupNotStated, GroupNotKnown} {
		s := Strata{EthnicGroup: g, SMI: SMIYes}
		if g == GroupNotKnown {
			s.EthnicGroup = ""
		}
		d := Compute([]Event{enrol("S", propertyNow.Add(-time.Hour), s)}, propertyTargets, propertyNow, Options{})
		dash, _ := sponsorSees(d)
		if first == nil {
			first = dash
			var v Dashboard
			json.Unmarshal(dash, &v)
			for _, dim := range Dimensions {
				if len(v.Series.Groups[dim]) != slots(dim) {
					t.Errorf("series lists %d groups of %s, want all %d", len(v.Series.Groups[dim]), dim, slots(dim))
				}
				for grp, gs := range v.Dimensions[dim] {
					if !gs.Enrolled.IsSuppressed() || !gs.Suppressed {
						t.Errorf("%s %s: enrolled %d, suppressed %v", dim, grp, gs.Enrolled, gs.Suppressed)
					}
				}
			}
			continue
		}
		if string(dash) != string(first) {
			t.Errorf("one participant in %s: the sponsor's view differs at %s", g, firstDifference(first, dash))
		}
	}
}
