package matcher

import (
	"context"
	"slices"
	"testing"
	"time"

	"equitrial"
	"equitrial/eligibility"
)

// Eligible first (nearest first), then potentially eligible — trials about the
// patient's own condition first, then fewest open questions, then nearest — and
// ineligible last, only when asked for.
func TestPatientOrdering(t *testing.T) {
	leeds, london := equitrial.LatLon{Lat: 53.8008, Lon: -1.5491}, equitrial.LatLon{Lat: 51.5072, Lon: -0.1276}
	others := func(n int) string {
		s := "Inclusion Criteria:\n\n"
		for i := 0; i < n; i++ {
			s += "* Willing to attend study visit number " + string(rune('A'+i)) + " in person\n"
		}
		return s
	}
	trial := func(id, elig string, site equitrial.LatLon, conds ...string) *equitrial.Trial {
		return &equitrial.Trial{NCTID: id, BriefTitle: id, OverallStatus: "RECRUITING", MinimumAge: "18 Years", Sex: "ALL",
			EligibilityText: elig, Conditions: conds, Locations: []equitrial.Location{{Geo: &site}}}
	}
	trials := []*equitrial.Trial{
		trial("NCT00000001", "", london),                           // eligible, far
		trial("NCT00000002", "", leeds),                            // eligible, near
		trial("NCT00000003", others(1), leeds),                     // 1 open question, near
		trial("NCT00000004", others(3), leeds),                     // 3 open questions
		trial("NCT00000005", others(1), london),                    // 1 open question, far
		trial("NCT00000007", others(3), london, "Type 2 Diabetes"), // the patient's condition
		{NCTID: "NCT00000006", BriefTitle: "too young", OverallStatus: "RECRUITING", MaximumAge: "30 Years", Sex: "ALL",
			Locations: []equitrial.Location{{Geo: &leeds}}},
		{NCTID: "NCT00000008", BriefTitle: "closed", OverallStatus: "COMPLETED", Locations: []equitrial.Location{{Geo: &leeds}}},
	}
	ix, err := OpenMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Put(trials...); err != nil {
		t.Fatal(err)
	}
	cache := NewTrialCache()
	cache.Put(trials...)
	m := &Matcher{Index: ix, Trials: cache, Now: func() time.Time { return testNow },
		Locate: func(string) (equitrial.LatLon, bool) { return leeds, true }}
	p := &equitrial.Patient{ID: "p1", BirthDate: "1970-01-01", Sex: "male", Postcode: "LS1 3EX",
		Conditions: []equitrial.Condition{{System: "icd10", Code: "E11.9"}}, Consent: equitrial.Consent{Contact: true}}

	res, err := m.ForPatient(context.Background(), p, PatientQuery{RadiusKm: -1, IncludeIneligible: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Results {
		got = append(got, r.NCTID)
	}
	want := []string{"NCT00000002", "NCT00000001", "NCT00000007", "NCT00000003", "NCT00000005", "NCT00000004", "NCT00000006"}
	if !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if r := res.Results[2]; r.Relevance != RelevanceCondition || r.Unknowns != 3 || len(r.Questions) != 3 {
		t.Errorf("condition trial: %+v", r)
	}
	if r := res.Results[6]; r.Status != eligibility.Ineligible || r.Criteria[0].Result != eligibility.NotMet {
		t.Errorf("ineligible trial: %+v", r)
	}
	if res.Counts[eligibility.Eligible] != 2 || res.Counts[eligibility.PotentiallyEligible] != 4 || res.Counts[eligibility.Ineligible] != 1 {
		t.Errorf("counts %v", res.Counts)
	}

	// Without include=ineligible, within the default 100 km: Leeds sites only, and
	// the age filter keeps the too-young trial out.
	res, err = m.ForPatient(context.Background(), p, PatientQuery{Size: 2, Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, r := range res.Results {
		got = append(got, r.NCTID)
		if r.DistanceKm == nil || *r.DistanceKm > 100 {
			t.Errorf("%s at %v km", r.NCTID, r.DistanceKm)
		}
	}
	if res.Total != 3 || !slices.Equal(got, []string{"NCT00000004"}) {
		t.Errorf("page 2 of 2 within 100 km: total %d, %v", res.Total, got)
	}
}
