package matcher

import (
	"context"

	"equitrial"
	"equitrial/eligibility"
)

// What the matching benchmarks share: the Go benchmarks of this package and the
// `equitrial bench` scenarios (package bench). The scans are the baselines the
// issue asks the real paths to be compared with; the service never calls them.

// BuildIndex indexes trials in dir in batches of 1,000, then closes and reopens
// the index, so that what is timed afterwards does not include the segment
// merging a fresh build leaves running in the background.
func BuildIndex(dir string, trials []*equitrial.Trial) (*Index, error) {
	ix, _, err := OpenIndex(dir)
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(trials); i += 1000 {
		if err := ix.Put(trials[i:min(i+1000, len(trials))]...); err != nil {
			ix.Close()
			return nil, err
		}
	}
	if err := ix.Close(); err != nil {
		return nil, err
	}
	ix, _, err = OpenIndex(dir)
	return ix, err
}

// ForgetCandidates drops the index's candidate sets remembered per age and sex, so
// that the next ForPatient asks the index afresh (a cold match).
func (m *Matcher) ForgetCandidates() { m.memo.reset() }

// ScanPatient judges a patient against every recruiting trial of the cache with
// the same fast evaluation ForPatient uses, without candidate retrieval (no index,
// no radius), and says how many were judged and how many the patient could join.
// It is the baseline for patient → trials.
func (m *Matcher) ScanPatient(p *equitrial.Patient) (judged, possible int) {
	asOf := m.now()
	pp := eligibility.Prepare(ProfileOf(p, asOf), asOf)
	trials := m.Trials.Recruiting()
	for _, c := range judgeAll(trials, pp, nil, nil) {
		if c.status != eligibility.Ineligible {
			possible++
		}
	}
	return len(trials), possible
}

// ScanTrial judges every patient of the feature index against a trial with the
// same fast evaluation ForTrial uses, without the bitmap prefilter, and says how
// many were judged and how many could join. It is the baseline for trial →
// patients.
func (m *Matcher) ScanTrial(ctx context.Context, nctID string) (judged, possible int, err error) {
	t := m.Trials.Get(nctID)
	if t == nil {
		return 0, 0, equitrial.Errorf(equitrial.KindNotFound, "trial %s is not in the catalogue", nctID)
	}
	x := m.Patients
	x.mu.RLock()
	recs := make([]*patientRec, 0, len(x.recs))
	for _, r := range x.recs {
		if r != nil {
			recs = append(recs, r)
		}
	}
	x.mu.RUnlock()
	for _, st := range evaluateAll(t.Compiled, recs, m.now()) {
		if st != eligibility.Ineligible {
			possible++
		}
	}
	return len(recs), possible, ctx.Err()
}
