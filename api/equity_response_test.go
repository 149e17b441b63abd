package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"equitrial/equity"
	"equitrial/jobs"
	"equitrial/store/storetest"
)

// countKeys are the JSON keys whose numbers are counts of people.
var countKeys = map[string]bool{"enrolled": true, "recent": true, "known": true, "notStated": true,
	"notKnown": true, "patients": true, "excluded": true}

// SmallCounts lists every count of 1–7 in a dashboard's JSON, by path: none may
// reach a sponsor. Counts are the numbers under countKeys and every number in the
// series (cumulative counts by group).
func SmallCounts(data []byte) []string {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	var out []string
	var walk func(v any, path string, count bool)
	walk = func(v any, path string, count bool) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				// A count key marks its own value (or array of values); everything under
				// the series' groups is a count. Group names such as notKnown are not
				// count keys when they name an object.
				p := path + "/" + k
				walk(e, p, countKeys[k] || strings.HasPrefix(p, "/series/groups/"))
			}
		case []any:
			for i, e := range x {
				walk(e, fmt.Sprintf("%s[%d]", path, i), count)
			}
		case float64:
			if count && x >= 1 && x <= 7 {
				out = append(out, fmt.Sprintf("%s=%v", path, x))
			}
		}
	}
	walk(v, "", false)
	return out
}

// A dashboard computed from stored events with many small groups: the sponsor's
// response has no count of 1–7 anywhere; the exact response (for site staff) does,
// so the scan can tell.
func TestSponsorResponseHasNoSmallCounts(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	now := time.Now().UTC()
	groups := []struct {
		n int
		s equity.Strata
	}{
		{40, equity.Strata{EthnicGroup: "White", IMDQuintile: 3, SMI: "no", Sex: "female", AgeBand: "50-64"}},
		{12, equity.Strata{EthnicGroup: "Asian", IMDQuintile: 1, SMI: "no", Sex: "male", AgeBand: "35-49"}},
		{3, equity.Strata{EthnicGroup: "Black", IMDQuintile: 2, SMI: "yes", Sex: "female", AgeBand: "18-34"}},
		{6, equity.Strata{EthnicGroup: "Mixed", IMDQuintile: 5, SMI: "no", Sex: "male", AgeBand: "75+"}},
		{1, equity.Strata{EthnicGroup: "Other", SMI: "notStated", Sex: "female", AgeBand: "65-74"}},
		{2, equity.Strata{EthnicGroup: "notStated", IMDQuintile: 4, SMI: "no", Sex: "male", AgeBand: "18-34"}},
	}
	var evs []equity.Event
	for gi, g := range groups {
		for i := range g.n {
			s := g.s
			at := now.Add(-time.Duration(gi*13+i) * 24 * time.Hour)
			evs = append(evs, equity.Event{TrialID: "NCT00000001", Stage: equity.StageEnrolled, At: at, Site: "RXX01", Strata: &s})
		}
	}
	// A withdrawal and a decline, as real logs have.
	evs = append(evs, equity.Event{TrialID: "NCT00000001", Stage: equity.StageDeclined, At: now.Add(-time.Hour), Site: "RXX01",
		Strata: &equity.Strata{EthnicGroup: "Black"}, Reasons: []string{"travel_cost"}})
	if _, err := db.Events.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	db.Targets.Put(ctx, "NCT00000001", equity.Targets{Total: 300, EndDate: now.AddDate(1, 0, 0).Format("2006-01-02"),
		Shares: map[string]map[string]float64{"smi": {"yes": 0.1, "no": 0.9}}}, "t")
	impactCriteria := []string{"History of psychiatric illness", "Age over 70"}
	var patients []equity.ImpactPatient
	for i := range 60 {
		smi := []string{"no", "no", "no", "yes"}[i%4]
		patients = append(patients, equity.ImpactPatient{Strata: equity.Strata{SMI: smi, EthnicGroup: []string{"White", "Asian", "Black"}[i%3]},
			Excluded: []bool{smi == "yes" || i%17 == 0, i%9 == 0}})
	}
	m := &jobs.Monitor{DB: db, Impact: func(context.Context, string) ([]string, []equity.ImpactPatient, error) {
		return impactCriteria, patients, nil
	}}
	if _, err := m.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	d, err := db.Dashboards.Get(ctx, "NCT00000001")
	if err != nil {
		t.Fatal(err)
	}
	if d.Alerts, err = db.Alerts.List(ctx, "NCT00000001", false); err != nil {
		t.Fatal(err)
	}
	exact, _ := json.Marshal(equityResponse(d, true))
	if len(SmallCounts(exact)) == 0 {
		t.Fatal("the exact response has no small counts: the scan cannot tell")
	}
	sponsor, _ := json.Marshal(equityResponse(d, false))
	if bad := SmallCounts(sponsor); len(bad) > 0 {
		t.Fatalf("counts of 1–7 in the sponsor's response: %s", strings.Join(bad, ", "))
	}
	var view struct {
		View       string                                        `json:"view"`
		Dimensions map[string]map[string]struct{ Enrolled *int } `json:"dimensions"`
		Impact     []struct{ Patients *int }                     `json:"criterionImpact"`
	}
	json.Unmarshal(sponsor, &view)
	if view.View != equity.ViewSponsor || view.Dimensions["ethnicGroup"]["Black"].Enrolled != nil ||
		*view.Dimensions["ethnicGroup"]["White"].Enrolled != 40 || *view.Dimensions["ethnicGroup"]["Asian"].Enrolled != 10 ||
		len(view.Impact) != 2 || *view.Impact[0].Patients != 60 {
		t.Fatalf("sponsor view: %s", sponsor)
	}
}
