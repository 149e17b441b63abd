package patients

import (
	"equitrial/internal/testdata"
	"testing"
	"time"

	"equitrial"
)

// BenchmarkPrepare measures normalising and validating one full profile, the work
// every patient write does before touching the database.
func BenchmarkPrepare(b *testing.B) {
	checker := NewChecker(func() time.Time { return fixedNow })
	base := valid()
	b.ReportAllocs()
	for b.Loop() {
		p := *base
		p.Conditions = append([]equitrial.Condition(nil), base.Conditions...)
		p.Observations = append([]equitrial.Observation(nil), base.Observations...)
		if err := checker.Prepare(&p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "profiles/s")
}

// BenchmarkDeriveStrata measures deriving strata with the shared reference data
// loaded (postcode lookup, IMD join, ethnicity, SMI, age band).
func BenchmarkDeriveStrata(b *testing.B) {
	p := valid()
	Normalise(p)
	ref, _ := testdata.SharedReference(b, "imd2019_england_lsoa11.csv", "IMD2019")
	b.ReportAllocs()
	for b.Loop() {
		DeriveStrata(p, ref, fixedNow)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "patients/s")
}
