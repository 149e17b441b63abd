package matcher

import (
	"context"

	"github.com/RoaringBitmap/roaring/v2"

	"equitrial"
	"equitrial/eligibility"
	"equitrial/equity"
)

// maxImpactPatients bounds the patients evaluated for one trial's criterion impact:
// rates over this many are precise enough, and the equity monitor stays fast.
const maxImpactPatients = 20000

// Impact answers, for one trial, "which of its criteria shut out registered
// patients who have its condition, and whom": every criterion is evaluated for each
// consented patient with one of the trial's condition categories. A criterion
// excludes a patient when it is not met. It is the source of the equity
// dashboard's criterion impact (see equity.Impact).
func (m *Matcher) Impact(ctx context.Context, nctID string) ([]string, []equity.ImpactPatient, error) {
	ct := m.Trials.Get(nctID)
	if ct == nil {
		return nil, nil, equitrial.Errorf(equitrial.KindNotFound, "no trial with id %s", nctID)
	}
	recs := m.Patients.withAnyCategory(ct.Categories, maxImpactPatients)
	asOf := m.now()
	out := make([]equity.ImpactPatient, 0, len(recs))
	var outcomes []eligibility.Outcome
	for i, r := range recs {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		outcomes = ct.Compiled.Outcomes(r.preparedFor(asOf), outcomes)
		excluded := make([]bool, len(outcomes))
		for j, o := range outcomes {
			excluded[j] = o == eligibility.NotMet
		}
		out = append(out, equity.ImpactPatient{Strata: r.strata, Excluded: excluded})
	}
	return ct.Compiled.Labels(), out, nil
}

// withAnyCategory returns up to max consented patients with one of the ICD-10
// categories.
func (x *PatientIndex) withAnyCategory(categories []string, max int) []*patientRec {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var any []*roaring.Bitmap
	for _, c := range categories {
		if b := x.byCat[c]; b != nil {
			any = append(any, b)
		}
	}
	set := roaring.FastOr(any...)
	set.And(x.live)
	out := make([]*patientRec, 0, min(int(set.GetCardinality()), max))
	it := set.Iterator()
	for it.HasNext() && len(out) < max {
		if r := x.recs[it.Next()]; r != nil {
			out = append(out, r)
		}
	}
	return out
}
