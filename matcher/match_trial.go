package matcher

import (
	"context"
	"strings"
	"time"

	"equitrial"
	"equitrial/eligibility"
	"equitrial/equity"
)

// TrialQuery says which of a trial's candidate patients to list.
type TrialQuery struct {
	Orgs   []string           // only patients of these organisations (a nurse's own); empty: all
	Group  *equity.GroupKey   // list only this stratum; counts still cover every stratum
	Status eligibility.Status // list only this status; "": eligible and potentially eligible
	Since  time.Time
	Page   int // 1-based
	Size   int // default 20, at most 100
}

// StratumCount is how many candidates a group holds, by status.
type StratumCount struct {
	Eligible            int `json:"eligible"`
	PotentiallyEligible int `json:"potentially_eligible"`
}

// PatientCandidate is one patient who could join the trial, as a nurse lists them.
// It carries no identifier beyond the record id; the API adds names for nurses of
// the patient's own organisation.
type PatientCandidate struct {
	PatientID      string                 `json:"patientId"`
	Org            string                 `json:"org,omitempty"`
	Status         eligibility.Status     `json:"status"`
	Age            *int                   `json:"age,omitempty"`
	Strata         equity.Strata          `json:"strata"`
	Unknowns       int                    `json:"unknowns"`          // criteria still to check
	Questions      []string               `json:"questions"`         // what to ask them
	Asks           []eligibility.Question `json:"asks"`              // the same, with keys and wordings; never null
	RestsOn        *eligibility.Basis     `json:"restsOn,omitempty"` // what the verdict rests on
	Priority       bool                   `json:"priority"`          // in a group the trial under-recruits
	PriorityReason string                 `json:"priorityReason,omitempty"`
	FirstSeenAt    *time.Time             `json:"firstSeenAt,omitempty"`
	New            bool                   `json:"new"`
	GivenName      string                 `json:"givenName,omitempty"`
	FamilyName     string                 `json:"familyName,omitempty"`
}

// TrialCandidates is one page of a trial's candidate patients, with counts by
// status and stratum over all of them (within the caller's organisations).
type TrialCandidates struct {
	NCTID     string                             `json:"nctId"`
	Title     string                             `json:"title"`
	Counts    StratumCount                       `json:"counts"`
	ByStratum map[string]map[string]StratumCount `json:"byStratum"`
	Flags     []Flag                             `json:"flags"` // open under-representation alerts
	Total     int                                `json:"total"` // patients listed, over all pages
	Page      int                                `json:"page"`
	Size      int                                `json:"size"`
	Patients  []PatientCandidate                 `json:"patients"`
	Evaluated int                                `json:"evaluated"` // patients left after the bitmap prefilter
	TookMs    float64                            `json:"took_ms"`
}

// evaluated is one patient's status for the trial.
type evaluated struct {
	rec    *patientRec
	status eligibility.Status
	hits   int // flags whose group they are in
	reason []string
}

// ForTrial finds the consented patients who could join the trial: the feature
// index drops everyone certainly ruled out (a required diagnosis missing, age or
// sex outside the range), the compiled criteria judge the rest, and the list puts
// patients of groups the trial under-recruits first, with the reason, then
// eligible before potentially eligible. Nobody eligible is hidden by the ordering.
func (m *Matcher) ForTrial(ctx context.Context, nctID string, q TrialQuery) (*TrialCandidates, error) {
	start := time.Now()
	t := m.Trials.Get(nctID)
	if t == nil {
		return nil, equitrial.Errorf(equitrial.KindNotFound, "trial %s is not in the catalogue", nctID)
	}
	if q.Page <= 0 {
		q.Page = 1
	}
	if q.Size <= 0 {
		q.Size = 20
	}
	q.Size = min(q.Size, 100)
	var flags []Flag
	if m.OpenFlags != nil {
		var err error
		if flags, err = m.OpenFlags(ctx, nctID); err != nil {
			return nil, err
		}
	}
	asOf := m.now()
	recs := m.Patients.prefilter(t, Filter{Orgs: q.Orgs})
	statuses := evaluateAll(t.Compiled, recs, asOf)

	out := &TrialCandidates{NCTID: t.NCTID, Title: t.Title, ByStratum: map[string]map[string]StratumCount{},
		Flags: flags, Page: q.Page, Size: q.Size, Evaluated: len(recs)}
	if out.Flags == nil {
		out.Flags = []Flag{}
	}
	for _, dim := range StratumDimensions {
		out.ByStratum[dim] = map[string]StratumCount{}
	}
	var list []evaluated
	for i, r := range recs {
		st := statuses[i]
		if st == eligibility.Ineligible {
			continue
		}
		count(&out.Counts, st)
		for _, dim := range StratumDimensions {
			g := r.strata.Group(dim)
			c := out.ByStratum[dim][g]
			count(&c, st)
			out.ByStratum[dim][g] = c
		}
		if q.Status != "" && st != q.Status {
			continue
		}
		if q.Group != nil && r.strata.Group(q.Group.Dimension) != q.Group.Group {
			continue
		}
		e := evaluated{rec: r, status: st}
		e.hits, e.reason = priority(r.strata, flags)
		list = append(list, e)
	}
	out.Total = len(list)
	page := firstInOrder(list, (q.Page-1)*q.Size, q.Page*q.Size, func(a, b evaluated) int {
		if a.hits != b.hits {
			return b.hits - a.hits
		}
		if d := statusRank(a.status) - statusRank(b.status); d != 0 {
			return d
		}
		return strings.Compare(a.rec.id, b.rec.id)
	})

	var seen map[string]time.Time
	if m.Seen != nil && len(page) > 0 {
		ids := make([]string, len(page))
		for i, e := range page {
			ids[i] = e.rec.id
		}
		var err error
		if seen, err = m.Seen.FirstSeen(ctx, nctID, "", ids); err != nil {
			return nil, err
		}
	}
	out.Patients = make([]PatientCandidate, 0, len(page))
	for _, e := range page {
		res := t.Compiled.Explain(e.rec.preparedFor(asOf))
		pc := PatientCandidate{PatientID: e.rec.id, Org: e.rec.org, Status: e.status, Strata: e.rec.strata,
			Unknowns: countUnknown(res.Criteria), Questions: res.Questions, Asks: res.Asks, RestsOn: res.RestsOn, Priority: e.hits > 0,
			PriorityReason: strings.Join(e.reason, "; ")}
		if pc.Questions == nil {
			pc.Questions = []string{}
		}
		if pc.Asks == nil {
			pc.Asks = []eligibility.Question{}
		}
		if e.rec.age >= 0 {
			a := e.rec.age
			pc.Age = &a
		}
		if m.Seen != nil {
			first, ok := seen[e.rec.id]
			pc.FirstSeenAt = timePtr(first, ok)
			pc.New = isNew(first, ok, q.Since)
		}
		out.Patients = append(out.Patients, pc)
	}
	out.TookMs = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

func count(c *StratumCount, st eligibility.Status) {
	switch st {
	case eligibility.Eligible:
		c.Eligible++
	case eligibility.PotentiallyEligible:
		c.PotentiallyEligible++
	}
}

// evaluateAll judges every patient against the trial, spread over the CPUs: each
// patient's profile, prepared when it was indexed, is
// checked with the allocation-free fast path.
func evaluateAll(c *eligibility.Compiled, recs []*patientRec, asOf time.Time) []eligibility.Status {
	out := make([]eligibility.Status, len(recs))
	parallel(len(recs), 2048, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = c.Status(recs[i].preparedFor(asOf))
		}
	})
	return out
}
