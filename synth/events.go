package synth

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"equitrial/equity"
)

// RecruitmentLog is a synthetic recruitment log for equity monitoring benchmarks:
// the events, each trial's targets, and the strata of the patients the events name.
type RecruitmentLog struct {
	Events  []equity.Event
	Targets map[string]equity.Targets
	seed    uint64
}

// Recruitment makes events/trials events for each of trials trials (NCT00000000,
// NCT00000001, …) over up to two years before now: half the participants are
// equitrial patients walking the pipeline (identified, approached, screened,
// eligible, consented, enrolled — most stopping part-way, some screen-failing, a
// tenth of those enrolled withdrawing), an event per step; half are anonymous
// strata rows as sites upload them, one event each; interleaved across trials as
// sites post them. Participants' strata are those of people recruited
// to UK trials rather than of the population: fewer from minority groups and
// deprived areas (the gap the monitor exists to show), about 1% with serious
// mental illness. A patient's strata are worked out from their id (Strata), so
// none are held for the million events. The same arguments give the same log.
func Recruitment(trials, events int, now time.Time, seed uint64) *RecruitmentLog {
	rng := rand.New(rand.NewPCG(seed, 11))
	perTrial := events / max(trials, 1)
	log := &RecruitmentLog{Targets: make(map[string]equity.Targets, trials), seed: seed,
		Events: make([]equity.Event, 0, perTrial*trials)}
	type state struct {
		id      string
		first   time.Time
		span    time.Duration
		made    int
		pending []equity.Event // the rest of the current patient's pipeline
	}
	states := make([]state, trials)
	for t := range states {
		id := fmt.Sprintf("NCT%08d", t)
		tg := equity.Targets{Total: 100 + rng.IntN(400), EndDate: now.AddDate(0, 6, 0).Format(time.DateOnly)}
		if rng.IntN(3) == 0 { // there is no SMI default; a third of sponsors set one
			tg.Shares = map[string]map[string]float64{"smi": {"yes": 0.02, "no": 0.98}}
		}
		log.Targets[id] = tg
		first := now.Add(-time.Duration(30+rng.IntN(700)) * 24 * time.Hour)
		states[t] = state{id: id, first: first, span: now.Sub(first)}
	}
	pipeline := []equity.Stage{equity.StageIdentified, equity.StageApproached, equity.StageScreened, equity.StageEligible,
		equity.StageConsented, equity.StageEnrolled}
	next := func(st *state) equity.Event {
		if len(st.pending) > 0 {
			e := st.pending[0]
			st.pending = st.pending[1:]
			return e
		}
		at := st.first.Add(time.Duration(rng.Int64N(int64(st.span - 48*time.Hour)))) // a pipeline's later steps stay in the past
		site := fmt.Sprintf("S%d", rng.IntN(5))
		if rng.IntN(2) == 1 {
			s := recruitedStrata(rng)
			return equity.Event{TrialID: st.id, Stage: equity.StageEnrolled, At: at, Site: site, Strata: &s}
		}
		pid := fmt.Sprintf("P%s-%d", st.id[3:], st.made) // unique: the trial and the event's position in it
		last := rng.IntN(len(pipeline))
		for i := 0; i <= last; i++ {
			st.pending = append(st.pending, equity.Event{TrialID: st.id, Stage: pipeline[i], At: at.Add(time.Duration(i) * time.Hour), Site: site, PatientID: pid})
		}
		switch {
		case last == 5 && rng.IntN(10) == 0:
			st.pending = append(st.pending, equity.Event{TrialID: st.id, Stage: equity.StageWithdrawn, At: at.Add(24 * time.Hour), Site: site, PatientID: pid})
		case last == 2:
			st.pending = append(st.pending, equity.Event{TrialID: st.id, Stage: equity.StageScreenFailed, At: at.Add(3 * time.Hour), Site: site,
				PatientID: pid, Reasons: []string{"exclusion_met"}})
		}
		e := st.pending[0]
		st.pending = st.pending[1:]
		return e
	}
	for range perTrial {
		for t := range states {
			st := &states[t]
			log.Events = append(log.Events, next(st))
			st.made++
		}
	}
	return log
}

// Strata gives the strata of the patients among ids that the log names, as the
// monitor's strata lookup does.
func (l *RecruitmentLog) Strata(ids []string) map[string]equity.Strata {
	out := make(map[string]equity.Strata, len(ids))
	for _, id := range ids {
		h := fnv.New64a()
		h.Write([]byte(id))
		out[id] = recruitedStrata(rand.New(rand.NewPCG(l.seed, h.Sum64())))
	}
	return out
}

var (
	recruitedEthnic = []weighted{{"White", 840}, {"Asian", 60}, {"Black", 30}, {"Mixed", 20}, {"Other", 10}, {equity.GroupNotStated, 30}, {"", 10}}
	recruitedIMD    = []weighted{{"0", 5}, {"1", 13}, {"2", 16}, {"3", 20}, {"4", 22}, {"5", 24}}
	recruitedSMI    = []weighted{{"yes", 12}, {"no", 550}, {equity.GroupNotStated, 38}, {"", 400}}
	recruitedSex    = []weighted{{"female", 51}, {"male", 48}, {"", 1}}
)

func recruitedStrata(r *rand.Rand) equity.Strata {
	q := int(pick(r, recruitedIMD)[0] - '0')
	age := 18 + r.IntN(25) + r.IntN(25) + r.IntN(25) // peaks in the fifties, as trial participants do
	return equity.Strata{EthnicGroup: pick(r, recruitedEthnic), IMDQuintile: q, SMI: pick(r, recruitedSMI),
		Sex: pick(r, recruitedSex), AgeBand: equity.AgeBand(age)}
}
