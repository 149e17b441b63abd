package synth

import (
	"reflect"
	"testing"
	"time"

	"equitrial/equity"
)

// The recruitment log has the size asked for, is the same for a seed, interleaves
// trials, and gives each patient one set of strata with about the shares it says.
func TestRecruitmentLog(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	a, b := Recruitment(50, 20000, now, 7), Recruitment(50, 20000, now, 7)
	if len(a.Events) != 20000 || len(a.Targets) != 50 {
		t.Fatalf("%d events for %d trials", len(a.Events), len(a.Targets))
	}
	if !reflect.DeepEqual(a.Events, b.Events) {
		t.Fatal("the same seed gave different logs")
	}
	if a.Events[0].TrialID == a.Events[1].TrialID {
		t.Error("events are not interleaved across trials")
	}
	var ids []string
	anonymous := 0
	for _, e := range a.Events {
		if e.At.After(now) || e.At.Before(now.AddDate(-2, 0, -30)) {
			t.Fatalf("event at %s, outside the two years before %s", e.At, now)
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("%+v: %v", e, err)
		}
		if e.PatientID != "" {
			ids = append(ids, e.PatientID)
		} else {
			anonymous++
		}
	}
	if anonymous < 2000 || anonymous > 10000 { // half the participants, each one row
		t.Errorf("%d anonymous rows of 20000", anonymous)
	}
	s1, s2 := a.Strata(ids), b.Strata(ids)
	if !reflect.DeepEqual(s1, s2) {
		t.Error("a patient's strata differ between calls")
	}
	white, smi := 0, 0
	for _, s := range s1 {
		if s.Group(equity.DimEthnicGroup) == "White" {
			white++
		}
		if s.SMI == "yes" {
			smi++
		}
	}
	if f := float64(white) / float64(len(s1)); f < 0.75 || f > 0.92 {
		t.Errorf("White share %.2f", f)
	}
	if f := float64(smi) / float64(len(s1)); f < 0.003 || f > 0.03 {
		t.Errorf("SMI share %.3f", f)
	}
}
