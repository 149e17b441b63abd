package matcher

import (
	"context"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"equitrial"
	"equitrial/eligibility"
)

// DefaultRadiusKm is how far from a located patient trial sites are looked for
// unless the caller says otherwise.
const DefaultRadiusKm = 100

// maxCandidates bounds the trials taken from the index for one patient: more than
// any realistic catalogue of recruiting trials within reach.
const maxCandidates = 50000

// PatientQuery says which of a patient's matches to return.
type PatientQuery struct {
	RadiusKm          float64 // with a located patient: sites within this distance; 0: DefaultRadiusKm; < 0: anywhere
	IncludeIneligible bool    // also list trials the patient is ruled out of, with the reasons
	Since             time.Time
	Page              int // 1-based
	Size              int // default 20, at most 100
}

// Relevance says how a trial relates to the patient's own conditions.
type Relevance string

const (
	RelevanceCondition Relevance = "condition"          // it studies one of the patient's conditions
	RelevanceHealthy   Relevance = "healthy_volunteers" // it accepts healthy volunteers
	RelevanceOther     Relevance = "other"
)

func (r Relevance) rank() int {
	switch r {
	case RelevanceCondition:
		return 0
	case RelevanceHealthy:
		return 1
	}
	return 2
}

// TrialMatch is one trial for one patient: the overall answer, every criterion
// with its result and reason, and the questions still to ask.
type TrialMatch struct {
	NCTID       string                        `json:"nctId"`
	Title       string                        `json:"title"`
	TrialStatus string                        `json:"trialStatus"` // RECRUITING, …
	Status      eligibility.Status            `json:"status"`
	Criteria    []eligibility.CriterionResult `json:"criteria"`
	Questions   []string                      `json:"questions"`
	// Asks are the questions with their keys and wordings (one per key), to answer
	// through PUT /api/v1/patients/{id}/answers; never null.
	Asks []eligibility.Question `json:"asks"`
	// RestsOn says what an eligible or potentially eligible verdict rests on.
	RestsOn     *eligibility.Basis `json:"restsOn,omitempty"`
	Unknowns    int                `json:"unknowns"` // criteria still to check
	DistanceKm  *float64           `json:"distance_km"`
	Relevance   Relevance          `json:"relevance"`
	Conditions  []string           `json:"conditions,omitempty"`
	FirstSeenAt *time.Time         `json:"firstSeenAt,omitempty"`
	New         bool               `json:"new"`
}

// PatientMatches is one page of a patient's matches, with counts over all of them.
type PatientMatches struct {
	PatientID string                     `json:"patientId"`
	Counts    map[eligibility.Status]int `json:"counts"`
	Total     int                        `json:"total"` // of the listed statuses
	Page      int                        `json:"page"`
	Size      int                        `json:"size"`
	Located   bool                       `json:"located"`             // the patient's postcode gave a position
	RadiusKm  *float64                   `json:"radius_km,omitempty"` // the radius applied, when located
	Results   []TrialMatch               `json:"results"`
	TookMs    float64                    `json:"took_ms"`
}

// candidate is one trial being ranked for a patient.
type candidate struct {
	t        *CompiledTrial
	status   eligibility.Status
	rel      Relevance
	dist     float64 // +Inf when unknown
	unknowns int
	result   *eligibility.Result
}

func statusRank(s eligibility.Status) int {
	switch s {
	case eligibility.Eligible:
		return 0
	case eligibility.PotentiallyEligible:
		return 1
	}
	return 2
}

// ForPatient finds the recruiting trials the patient could join near them.
//
// Order: eligible, then potentially eligible, then (when asked for) ineligible;
// within each, trials about the patient's own conditions first, then trials that
// accept healthy volunteers, then the rest (none is dropped for its wording: an
// eligible trial is always listed); then fewest criteria still to check; then
// nearest site; then NCT id, so that pages are stable.
//
// Candidates come from the search index (status and, unless ineligible
// trials are wanted, age and sex); the radius is checked on every site of each;
// every candidate within it is checked with the fast
// allocation-free evaluation; the trials whose order depends on their number of
// open questions have them counted (no wording), and only the page is explained
// in full.
func (m *Matcher) ForPatient(ctx context.Context, p *equitrial.Patient, q PatientQuery) (*PatientMatches, error) {
	start := time.Now()
	asOf := m.now()
	if q.Page <= 0 {
		q.Page = 1
	}
	if q.Size <= 0 {
		q.Size = 20
	}
	q.Size = min(q.Size, 100)
	profile := ProfileOf(p, asOf)
	pp := eligibility.Prepare(profile, asOf)
	cats := conditionCategories(profile)
	var uncoded []string
	for _, t := range profile.ConditionText {
		if len(eligibility.LookupCondition(t)) == 0 {
			uncoded = append(uncoded, t)
		}
	}

	out := &PatientMatches{PatientID: p.ID, Page: q.Page, Size: q.Size,
		Counts: map[eligibility.Status]int{eligibility.Eligible: 0, eligibility.PotentiallyEligible: 0, eligibility.Ineligible: 0}}
	sq := Query{Status: []string{"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"}}
	var here *equitrial.LatLon
	if m.Locate != nil && p.Postcode != "" {
		if ll, ok := m.Locate(p.Postcode); ok {
			here, out.Located = &ll, true
		}
	}
	if here != nil {
		r := q.RadiusKm
		if r == 0 {
			r = DefaultRadiusKm
		}
		if r > 0 {
			// The radius is applied below, exactly, over every site: the index's
			// geo search would allocate ~10 MB per query to enumerate the cells of a
			// 100 km circle (more than the whole match costs otherwise).
			out.RadiusKm = &r
		}
	}
	if !q.IncludeIneligible {
		// Ruled out by age or sex already: leave them to the index.
		sq.Age = profile.AgeYears
		sq.Sex = profile.Sex
	}
	trials, err := m.candidates(ctx, sq)
	if err != nil {
		return nil, err
	}

	var hereU *unitVec
	if here != nil {
		u := toUnit(*here)
		hereU = &u
	}
	judged := judgeAll(trials, pp, hereU, out.RadiusKm)
	cands := make([]candidate, 0, len(judged))
	for _, c := range judged {
		if c.t == nil { // beyond the radius
			continue
		}
		out.Counts[c.status]++
		if c.status == eligibility.Ineligible && !q.IncludeIneligible {
			continue
		}
		switch {
		case c.t.AboutAny(cats) || c.t.mentionsText(uncoded):
			c.rel = RelevanceCondition
		case c.t.HealthyVolunteers:
			c.rel = RelevanceHealthy
		}
		cands = append(cands, c)
	}
	out.Total = len(cands)

	// Sort by everything but the number of open questions, then explain only the
	// groups (same status and relevance) the page reaches, and order those by it.
	slices.SortFunc(cands, func(a, b candidate) int {
		if d := statusRank(a.status) - statusRank(b.status); d != 0 {
			return d
		}
		return a.rel.rank() - b.rel.rank()
	})
	from, to := (q.Page-1)*q.Size, q.Page*q.Size
	for lo := 0; lo < len(cands) && lo < to; {
		hi := lo + 1
		for hi < len(cands) && cands[hi].status == cands[lo].status && cands[hi].rel == cands[lo].rel {
			hi++
		}
		if hi > from {
			group := cands[lo:hi]
			if group[0].status == eligibility.PotentiallyEligible { // the only status ordered by open questions
				// counted, not explained: only the page's trials are worded (below)
				parallel(len(group), 128, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						group[i].unknowns = group[i].t.Compiled.Unknowns(pp)
					}
				})
			}
			slices.SortFunc(group, compareWithinGroup)
		}
		lo = hi
	}
	if from > len(cands) {
		from = len(cands)
	}
	page := cands[from:min(to, len(cands))]

	var seen map[string]time.Time
	if m.Seen != nil && len(page) > 0 {
		ids := make([]string, len(page))
		for i, c := range page {
			ids[i] = c.t.NCTID
		}
		if seen, err = m.Seen.FirstSeen(ctx, "", p.ID, ids); err != nil {
			return nil, err
		}
	}
	out.Results = make([]TrialMatch, 0, len(page))
	for _, c := range page {
		r := c.result
		if r == nil {
			x := c.t.Compiled.Explain(pp)
			r = &x
		}
		tm := TrialMatch{NCTID: c.t.NCTID, Title: c.t.Title, TrialStatus: c.t.Status, Status: r.Status,
			Criteria: r.Criteria, Questions: r.Questions, Asks: r.Asks, RestsOn: r.RestsOn, Unknowns: countUnknown(r.Criteria),
			Relevance: c.rel, Conditions: c.t.Conditions}
		if tm.Questions == nil {
			tm.Questions = []string{}
		}
		if tm.Asks == nil {
			tm.Asks = []eligibility.Question{}
		}
		if !math.IsInf(c.dist, 1) {
			d := math.Round(c.dist*10) / 10
			tm.DistanceKm = &d
		}
		if m.Seen != nil && r.Status != eligibility.Ineligible {
			first, ok := seen[c.t.NCTID]
			tm.FirstSeenAt = timePtr(first, ok)
			tm.New = isNew(first, ok, q.Since)
		}
		out.Results = append(out.Results, tm)
	}
	out.TookMs = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// candidates are the trials the search index gives for the query's filters, from
// the memo when the catalogue has not changed since they were asked for.
func (m *Matcher) candidates(ctx context.Context, sq Query) ([]*CompiledTrial, error) {
	version, key := m.Trials.Version(), memoKey(sq)
	if set, ok := m.memo.get(key, version); ok {
		return set, nil
	}
	ids, err := m.Index.CandidateIDs(ctx, sq, maxCandidates)
	if err != nil {
		return nil, err
	}
	set := m.Trials.GetMany(ids)
	m.memo.put(key, version, set)
	return set, nil
}

// judgeAll measures the distance to each trial's nearest site and, for trials
// within the radius, evaluates the patient with the fast path, spread over the
// CPUs when there are many. Trials beyond the radius come back with t nil.
func judgeAll(trials []*CompiledTrial, pp *eligibility.Prepared, here *unitVec, radiusKm *float64) []candidate {
	out := make([]candidate, len(trials))
	work := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			t := trials[i]
			dist := math.Inf(1)
			if here != nil {
				dist, _ = t.nearestKm(*here)
			}
			if radiusKm != nil && !(dist <= *radiusKm) {
				continue
			}
			out[i] = candidate{t: t, status: t.Compiled.Status(pp), rel: RelevanceOther, dist: dist}
		}
	}
	parallel(len(trials), 4096, work)
	return out
}

// parallel runs work over [0, n) in one chunk per CPU, or inline when n is below
// minPerWorker: spreading small jobs costs more than it saves.
func parallel(n, minPerWorker int, work func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/minPerWorker))
	if workers <= 1 {
		work(0, n)
		return
	}
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			work(lo, hi)
		}(lo, min(lo+chunk, n))
	}
	wg.Wait()
}

func compareWithinGroup(a, b candidate) int {
	if a.unknowns != b.unknowns {
		return a.unknowns - b.unknowns
	}
	if a.dist != b.dist {
		if a.dist < b.dist {
			return -1
		}
		return 1
	}
	return strings.Compare(a.t.NCTID, b.t.NCTID)
}

func countUnknown(cs []eligibility.CriterionResult) int {
	n := 0
	for _, c := range cs {
		if c.Result == eligibility.Unknown {
			n++
		}
	}
	return n
}
