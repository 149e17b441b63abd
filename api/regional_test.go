package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"equitrial/equity"
	"equitrial/synth"
)

// A trial whose targets name a region takes its default ethnicity target from the
// regional table loaded as reference data; others keep the national shares; an
// unknown region is refused naming the field.
func TestRegionalEthnicityDefaults(t *testing.T) {
	ctx := context.Background()
	svc := newServiceWith(t, nil)
	a, db := svc.app, svc.db
	s := svc
	if _, err := a.Catalog.Import(ctx, synth.Reader(synth.Trials(2, 9)), nil); err != nil {
		t.Fatal(err)
	}
	london := map[string]float64{"Asian": 0.207, "Black": 0.135, "Mixed": 0.057, "White": 0.538, "Other": 0.063}
	if err := db.RegionalShares.Replace(ctx, map[string]map[string]float64{"London": london}, "test"); err != nil {
		t.Fatal(err)
	}
	admin := map[string]string{"Authorization": "Bearer " + adminToken}
	res, body := s.request("PUT", "/api/v1/trials/NCT99000001/targets", map[string]any{"region": "Atlantis"}, admin)
	var p problem
	json.Unmarshal(body, &p)
	if res.StatusCode != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "region" {
		t.Fatalf("unknown region: %d %s", res.StatusCode, body)
	}
	if res, body := s.request("PUT", "/api/v1/trials/NCT99000001/targets", map[string]any{"region": "London", "total": 200}, admin); res.StatusCode != 200 {
		t.Fatalf("targets with a region: %d %s", res.StatusCode, body)
	}
	var evs []equity.Event
	for _, id := range []string{"NCT99000001", "NCT99000002"} {
		for i := 0; i < 20; i++ {
			evs = append(evs, equity.Event{TrialID: id, Stage: equity.StageEnrolled, At: time.Now().Add(-time.Hour), Site: "A",
				RowKey: fmt.Sprint(i), Strata: &equity.Strata{EthnicGroup: equity.EthnicWhite}})
		}
	}
	if _, err := db.Events.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]float64{"NCT99000001": 0.135, "NCT99000002": 0.04} {
		var d struct {
			Dimensions map[string]map[string]struct{ Target float64 }
			Targets    struct{ Sources map[string]string }
		}
		if code := s.do("GET", "/api/v1/trials/"+id+"/equity", adminToken, nil, &d); code != 200 {
			t.Fatalf("%s equity: %d", id, code)
		}
		if got := d.Dimensions["ethnicGroup"]["Black"].Target; got != want {
			t.Errorf("%s: Black target %v, want %v (sources %v)", id, got, want, d.Targets.Sources)
		}
	}
}
