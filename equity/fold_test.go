package equity

import (
	"testing"
	"time"
)

func TestFoldRules(t *testing.T) {
	t0 := mustTime("2025-01-06T09:00:00Z")
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	white := Strata{EthnicGroup: EthnicWhite, IMDQuintile: 3}
	events := []Event{
		// p1: through the pipeline to enrolment.
		{Stage: StageIdentified, At: h(0), Site: "A", PatientID: "p1"},
		{Stage: StageEnrolled, At: h(5), Site: "A", PatientID: "p1"},
		{Stage: StageConsented, At: h(3), Site: "A", PatientID: "p1"}, // appended late, happened earlier
		// p2: enrolled, withdrawn.
		{Stage: StageEnrolled, At: h(1), Site: "A", PatientID: "p2"},
		{Stage: StageWithdrawn, At: h(2), Site: "A", PatientID: "p2"},
		// p3: enrolled, withdrawn, re-enrolled; a repeated enrolment does not move the date.
		{Stage: StageEnrolled, At: h(1), Site: "B", PatientID: "p3"},
		{Stage: StageWithdrawn, At: h(2), Site: "B", PatientID: "p3"},
		{Stage: StageEnrolled, At: h(4), Site: "B", PatientID: "p3"},
		{Stage: StageEnrolled, At: h(6), Site: "B", PatientID: "p3"},
		// p4: declined with reasons.
		{Stage: StageDeclined, At: h(1), Site: "A", PatientID: "p4", Reasons: []string{"travel_distance"}},
		// Two anonymous rows with the same strata are two people.
		{Stage: StageEnrolled, At: h(1), Site: "C", Strata: &white},
		{Stage: StageEnrolled, At: h(1), Site: "C", Strata: &white},
		// An anonymous row with a row key, later withdrawn under the same key.
		{Stage: StageEnrolled, At: h(1), Site: "C", RowKey: "R7", Strata: &white},
		{Stage: StageWithdrawn, At: h(9), Site: "C", RowKey: "R7"},
		// The same row key at another site is someone else.
		{Stage: StageEnrolled, At: h(1), Site: "D", RowKey: "R7", Strata: &white},
		// A later event after enrolment that is not a withdrawal does not undo it.
		{Stage: StageEnrolled, At: h(1), Site: "A", PatientID: "p5"},
		{Stage: StageScreened, At: h(2), Site: "A", PatientID: "p5"},
	}
	lookup := func(id string) (Strata, bool) {
		if id == "p1" {
			return Strata{EthnicGroup: EthnicBlack, IMDQuintile: 1}, true
		}
		return Strata{}, false
	}
	ps := Fold(events, lookup)
	byKey := map[string]Participant{}
	for _, p := range ps {
		byKey[p.Key] = p
	}
	if len(ps) != 9 {
		t.Fatalf("got %d participants, want 9: %+v", len(ps), ps)
	}
	check := func(key string, enrolled bool, at time.Time, stage Stage) {
		t.Helper()
		p, ok := byKey[key]
		if !ok {
			t.Fatalf("no participant %s", key)
		}
		if p.Enrolled != enrolled || !p.EnrolledAt.Equal(at) || p.Stage != stage {
			t.Errorf("%s: enrolled %v at %v stage %s; want %v at %v stage %s", key, p.Enrolled, p.EnrolledAt, p.Stage, enrolled, at, stage)
		}
	}
	check("p:p1", true, h(5), StageEnrolled)
	check("p:p2", false, time.Time{}, StageWithdrawn)
	check("p:p3", true, h(4), StageEnrolled)
	check("p:p4", false, time.Time{}, StageDeclined)
	check("r:C/R7", false, time.Time{}, StageWithdrawn)
	check("r:D/R7", true, h(1), StageEnrolled)
	check("p:p5", true, h(1), StageScreened)
	if g := byKey["p:p1"].Strata.Group(DimEthnicGroup); g != EthnicBlack {
		t.Errorf("p1's strata come from the lookup: got %s", g)
	}
	if g := byKey["r:C/R7"].Strata.Group(DimEthnicGroup); g != EthnicWhite {
		t.Errorf("a row-key participant keeps the strata of its earlier row: got %s", g)
	}
	if r := byKey["p:p4"].Reasons; len(r) != 1 || r[0] != "travel_distance" {
		t.Errorf("p4 reasons %v", r)
	}
}
