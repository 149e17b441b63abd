package synth

import (
	"testing"
	"time"

	"equitrial/patients"
)

// Patients placed by the synthetic reference data are located near the corpus's
// sites and spread evenly over the deprivation quintiles, so benchmarks without
// the national files still see every IMD stratum.
func TestPatientsOnTheSyntheticReference(t *testing.T) {
	ref, err := NewReference(3, 200)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := NewPatientGenerator(5, PatientOptions{Reference: ref, Now: now})
	const n = 5000
	var quintiles [6]int
	for range n {
		p := g.Next()
		res := ref.Lookup(p.Postcode)
		if !res.Found || !res.HasLocation {
			t.Fatalf("%s: %+v", p.Postcode, res)
		}
		quintiles[patients.DeriveStrata(p, ref, now).IMDQuintile]++
	}
	for q := 1; q <= 5; q++ {
		if quintiles[q] < n/5*7/10 || quintiles[q] > n/5*13/10 {
			t.Errorf("quintile %d: %d of %d patients: %v", q, quintiles[q], n, quintiles)
		}
	}
}
