package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"equitrial"
	"equitrial/ctgov"
	"equitrial/matcher"
	"equitrial/patients"
	"equitrial/refdata"
	"equitrial/synth"
)

// matchNow is the fixed "today" of matching: the synthetic patients' own.
var matchNow = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// Targets of issue 11.
const (
	patientTarget = 10 * time.Millisecond
	trialTarget   = 100 * time.Millisecond
)

// runMatch times both directions of matching as the service runs them (package
// matcher, set up as its Go benchmarks are: matcher/benchsetup.go) on the
// benchmark corpus and synthetic patients with realistic strata and conditions:
// patient → trials against cfg.MatchTrials recruiting studies (index candidates,
// 100 km radius, evaluation, ranking, first page explained), and trial → patients
// over cfg.Patients patients (bitmap prefilter, evaluation, counts by stratum, first
// page explained); each against its baseline without retrieval (every study, every
// patient evaluated).
func runMatch(ctx context.Context, w *workspace) ([]Row, error) {
	trials, err := recruitingStudies(w.cfg.MatchTrials, w.cfg.Seed)
	if err != nil {
		return nil, err
	}
	ref, err := synth.NewReference(w.cfg.Seed, 500)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(w.dir, "match-index")
	os.RemoveAll(dir)
	defer os.RemoveAll(dir)
	start := time.Now()
	ix, err := matcher.BuildIndex(dir, trials)
	if err != nil {
		return nil, err
	}
	defer ix.Close()
	cache := matcher.NewTrialCache()
	cache.Put(trials...)
	w.logf("indexed and compiled %s recruiting studies in %s", count(len(trials)), seconds(time.Since(start)))
	m := &matcher.Matcher{Index: ix, Trials: cache, Now: func() time.Time { return matchNow },
		Locate: func(pc string) (equitrial.LatLon, bool) { return locate(ref, pc) }}

	rows, err := patientToTrials(ctx, w, m, ref)
	if err != nil {
		return nil, err
	}
	more, err := trialToPatients(ctx, w, m, ref, trials)
	return append(rows, more...), err
}

// recruitingStudies decodes the corpus from its start until n studies are
// recruiting (or about to), as the catalogue would hold them.
func recruitingStudies(n int, seed uint64) ([]*equitrial.Trial, error) {
	var out []*equitrial.Trial
	for i := 0; len(out) < n; i++ {
		t, err := ctgov.Decode(synth.Study(i, seed))
		if err != nil {
			return nil, fmt.Errorf("study %d: %w", i, err)
		}
		if t.Recruiting() {
			t.Raw = nil
			out = append(out, t)
		}
	}
	return out, nil
}

func locate(ref *refdata.Reference, pc string) (equitrial.LatLon, bool) {
	r := ref.Lookup(pc)
	return equitrial.LatLon{Lat: r.Lat, Lon: r.Lon}, r.HasLocation
}

// benchPatients makes n synthetic patients as the store would hold them (checked,
// normalised, strata derived), one at a time, for fn.
func benchPatients(n int, seed uint64, ref *refdata.Reference, fn func(*equitrial.Patient) error) error {
	g := synth.NewPatientGenerator(seed, synth.PatientOptions{Reference: ref, Org: benchOrg, Now: matchNow})
	checker := patients.NewChecker(func() time.Time { return matchNow })
	for i := range n {
		p := g.Next()
		if err := checker.Prepare(p); err != nil {
			return fmt.Errorf("synthetic patient %d: %w", i, err)
		}
		p.ID, p.CreatedAt, p.UpdatedAt = fmt.Sprintf("b%07d", i), matchNow, matchNow
		p.Strata = patients.DeriveStrata(p, ref, matchNow)
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func patientToTrials(ctx context.Context, w *workspace, m *matcher.Matcher, ref *refdata.Reference) ([]Row, error) {
	var ps []*equitrial.Patient
	if err := benchPatients(500, w.cfg.Seed+1, ref, func(p *equitrial.Patient) error { ps = append(ps, p); return nil }); err != nil {
		return nil, err
	}
	n := max(w.cfg.Queries, 100)
	var warm, cold, scan latencies
	matches, judged := 0, 0
	for i := range n + len(ps) { // the first pass over the patients fills the candidate memo, as in service
		p := ps[i%len(ps)]
		start := time.Now()
		res, err := m.ForPatient(ctx, p, matcher.PatientQuery{})
		if err != nil {
			return nil, err
		}
		if i >= len(ps) {
			warm = append(warm, time.Since(start))
			matches += res.Total
		}
	}
	for i := range max(n/4, 20) {
		m.ForgetCandidates()
		start := time.Now()
		if _, err := m.ForPatient(ctx, ps[i%len(ps)], matcher.PatientQuery{}); err != nil {
			return nil, err
		}
		cold = append(cold, time.Since(start))
	}
	for i := range max(n/4, 20) {
		start := time.Now()
		j, _ := m.ScanPatient(ps[i%len(ps)])
		scan = append(scan, time.Since(start))
		judged += j
	}
	pw, pc, ps2 := warm.percentiles(), cold.percentiles(), scan.percentiles()
	size := count(m.Trials.Len())
	atScale := m.Trials.Len() >= 20_000
	return []Row{
		{Key: "match.patient", Measure: fmt.Sprintf("patient → trials, %s recruiting studies, candidate sets remembered (as in service)", size),
			Value:  fmt.Sprintf("%s (%s matches/patient)", pw, count(matches/max(1, len(warm)))),
			Target: "p95 ≤ 10 ms", Met: met(pw.p95 <= patientTarget, atScale), Numbers: pw.numbers("", nil)},
		{Key: "match.patient.cold", Measure: fmt.Sprintf("patient → trials, %s recruiting studies, the index asked afresh every time", size),
			Value: pc.String(), Numbers: pc.numbers("", nil)},
		{Key: "match.patient.scan", Measure: fmt.Sprintf("patient → trials, every one of %s studies evaluated without candidate retrieval", size),
			Value: fmt.Sprintf("%s: %s the remembered path at p50, %s at p95 (%s studies judged/patient)", ps2,
				ratio(float64(ps2.p50), float64(pw.p50)), ratio(float64(ps2.p95), float64(pw.p95)), count(judged/max(1, len(scan)))),
			Numbers: ps2.numbers("", nil)},
	}, nil
}

func trialToPatients(ctx context.Context, w *workspace, m *matcher.Matcher, ref *refdata.Reference, trials []*equitrial.Trial) ([]Row, error) {
	x := matcher.NewPatientIndex(func() time.Time { return matchNow })
	start := time.Now()
	if err := benchPatients(w.cfg.Patients, w.cfg.Seed+2, ref, func(p *equitrial.Patient) error { x.Put(p); return nil }); err != nil {
		return nil, err
	}
	runtime.GC()
	w.logf("%s patients in the feature index (%s consented) in %s", count(w.cfg.Patients), count(x.Len()), seconds(time.Since(start)))
	m.Patients = x
	defer func() { m.Patients = nil }()
	cycle := trials[:min(len(trials), 200)]
	var fast, scan latencies
	evaluated, listed, judged := 0, 0, 0
	for i := range min(max(w.cfg.Queries, 50), 300) {
		start := time.Now()
		res, err := m.ForTrial(ctx, cycle[i%len(cycle)].NCTID, matcher.TrialQuery{})
		if err != nil {
			return nil, err
		}
		fast = append(fast, time.Since(start))
		evaluated += res.Evaluated
		listed += res.Total
	}
	for i := range 20 {
		start := time.Now()
		j, _, err := m.ScanTrial(ctx, cycle[i%len(cycle)].NCTID)
		if err != nil {
			return nil, err
		}
		scan = append(scan, time.Since(start))
		judged += j
	}
	pf, psc := fast.percentiles(), scan.percentiles()
	size := count(w.cfg.Patients)
	return []Row{
		{Key: "match.trial", Measure: fmt.Sprintf("trial → patients over %s patients", size),
			Value: fmt.Sprintf("%s (%s evaluated and %s candidates per trial, after the prefilter)", pf,
				count(evaluated/max(1, len(fast))), count(listed/max(1, len(fast)))),
			Target: "p95 ≤ 100 ms", Met: met(pf.p95 <= trialTarget, w.cfg.Patients >= 1_000_000), Numbers: pf.numbers("", nil)},
		{Key: "match.trial.scan", Measure: fmt.Sprintf("trial → patients, every one of %s patients evaluated (no prefilter)", size),
			Value: fmt.Sprintf("%s: %s the prefiltered path at p50, %s at p95 (%s judged/trial)", psc,
				ratio(float64(psc.p50), float64(pf.p50)), ratio(float64(psc.p95), float64(pf.p95)), count(judged/max(1, len(scan)))),
			Numbers: psc.numbers("", nil)},
	}, nil
}
