package matcher

import (
	"context"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// benchTrials is the 20,000-recruiting-trial corpus, indexed once per run.
var benchTrials struct {
	once  sync.Once
	ix    *Index
	cache *TrialCache
	dir   string
	err   error
}

func benchMatcher(b *testing.B) *Matcher {
	b.Helper()
	benchTrials.once.Do(func() {
		trials := synthRecruitingTrials(b, 20000, 42)
		benchTrials.dir, benchTrials.err = os.MkdirTemp("", "equitrial-match-bench-")
		if benchTrials.err != nil {
			return
		}
		ix, err := BuildIndex(benchTrials.dir, trials)
		if err != nil {
			benchTrials.err = err
			return
		}
		cache := NewTrialCache()
		cache.Put(trials...)
		benchTrials.ix, benchTrials.cache = ix, cache
	})
	if benchTrials.err != nil {
		b.Fatal(benchTrials.err)
	}
	return &Matcher{Index: benchTrials.ix, Trials: benchTrials.cache, Locate: locateToken, Now: func() time.Time { return testNow }}
}

// BenchmarkPatientToTrials matches synthetic patients against 20,000 recruiting
// synthetic trials (index candidates by status, age and sex; exact radius of 100 km
// over every site; fast evaluation of every candidate; full explanation of the
// groups the first page reaches) and reports the latency distribution over the
// patients. The index's candidate sets are memoised per age and sex, as in
// service; BenchmarkPatientToTrialsCold forgets them before every match.
func BenchmarkPatientToTrials(b *testing.B) { benchPatientToTrials(b, false) }

// BenchmarkPatientToTrialsCold is BenchmarkPatientToTrials with every match asking
// the search index afresh.
func BenchmarkPatientToTrialsCold(b *testing.B) { benchPatientToTrials(b, true) }

func benchPatientToTrials(b *testing.B, cold bool) {
	m := benchMatcher(b)
	patients := synthPatients(500, 7)
	ctx := context.Background()
	var lat []float64
	var results int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := patients[i%len(patients)]
		if cold {
			m.ForgetCandidates()
		}
		start := time.Now()
		res, err := m.ForPatient(ctx, p, PatientQuery{})
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, float64(time.Since(start).Microseconds())/1000)
		results += res.Total
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(lat[len(lat)/2], "p50-ms")
	b.ReportMetric(lat[len(lat)*95/100], "p95-ms")
	b.ReportMetric(float64(results)/float64(b.N), "matches/patient")
}

// benchPatients is the 1,000,000-patient feature index, built once per run.
var benchPatients struct {
	once sync.Once
	x    *PatientIndex
}

// BenchmarkTrialToPatients lists candidates for synthetic recruiting trials over
// 1,000,000 synthetic consented patients (bitmap prefilter, evaluation of every
// remaining patient, counts by stratum, first page explained) and reports the
// latency distribution over the trials.
func BenchmarkTrialToPatients(b *testing.B) {
	benchPatients.once.Do(func() {
		x := NewPatientIndex(func() time.Time { return testNow })
		const n, chunk = 1_000_000, 50_000
		for i := 0; i < n; i += chunk {
			for _, p := range synthPatients(chunk, uint64(i)) {
				p.ID = "q" + p.ID + "-" + strconv.Itoa(i) // unique across chunks
				x.Put(p)
			}
		}
		benchPatients.x = x
	})
	trials := synthRecruitingTrials(b, 200, 99)
	m := &Matcher{Trials: NewTrialCache(), Patients: benchPatients.x, Now: func() time.Time { return testNow }}
	m.Trials.Put(trials...)
	ctx := context.Background()
	var lat []float64
	evaluated, listed := 0, 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res, err := m.ForTrial(ctx, trials[i%len(trials)].NCTID, TrialQuery{})
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, float64(time.Since(start).Microseconds())/1000)
		evaluated += res.Evaluated
		listed += res.Total
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(lat[len(lat)/2], "p50-ms")
	b.ReportMetric(lat[len(lat)*95/100], "p95-ms")
	b.ReportMetric(float64(evaluated)/float64(b.N), "evaluated/trial")
	b.ReportMetric(float64(listed)/float64(b.N), "candidates/trial")
	b.ReportMetric(float64(benchPatients.x.Len()), "patients")
}
