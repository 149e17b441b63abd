package equity

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// monitorLog builds a synthetic recruitment log: trials × eventsPerTrial events,
// half for equitrial patients walking the pipeline (identified … enrolled, some
// declining, screen-failing or withdrawing), half anonymous strata rows, spread
// over two years and interleaved across trials as a store scan would return them.
func monitorLog(trials, eventsPerTrial int, now time.Time) ([]Event, map[string]Strata, map[string]Targets) {
	rng := rand.New(rand.NewPCG(7, 11))
	eth := []string{EthnicWhite, EthnicWhite, EthnicWhite, EthnicWhite, EthnicWhite, EthnicWhite, EthnicAsian, EthnicBlack, EthnicMixed, EthnicOther, GroupNotStated, ""}
	strata := func() Strata {
		return Strata{EthnicGroup: eth[rng.IntN(len(eth))], IMDQuintile: rng.IntN(6), SMI: []string{SMIYes, SMINo, SMINo, ""}[rng.IntN(4)],
			Sex: []string{SexFemale, SexMale}[rng.IntN(2)], AgeBand: AgeBand(18 + rng.IntN(70))}
	}
	patients := map[string]Strata{}
	targets := map[string]Targets{}
	perTrial := make([][]Event, trials)
	pipeline := []Stage{StageIdentified, StageApproached, StageScreened, StageEligible, StageConsented, StageEnrolled}
	for t := range trials {
		id := fmt.Sprintf("NCT%08d", t)
		targets[id] = Targets{Total: 100 + rng.IntN(400), EndDate: now.AddDate(0, 6, 0).Format("2006-01-02")}
		start := now.Add(-time.Duration(30+rng.IntN(700)) * 24 * time.Hour)
		span := now.Sub(start)
		evs := make([]Event, 0, eventsPerTrial)
		for len(evs) < eventsPerTrial {
			at := start.Add(time.Duration(rng.Int64N(int64(span))))
			site := fmt.Sprintf("S%d", rng.IntN(5))
			if rng.IntN(2) == 0 {
				pid := fmt.Sprintf("P%d-%d", t, len(evs))
				patients[pid] = strata()
				last := rng.IntN(len(pipeline))
				for i := 0; i <= last && len(evs) < eventsPerTrial; i++ {
					evs = append(evs, Event{TrialID: id, Stage: pipeline[i], At: at.Add(time.Duration(i) * time.Hour), Site: site, PatientID: pid})
				}
				if last == 5 && rng.IntN(10) == 0 && len(evs) < eventsPerTrial {
					evs = append(evs, Event{TrialID: id, Stage: StageWithdrawn, At: at.Add(24 * time.Hour), Site: site, PatientID: pid})
				} else if last == 2 && len(evs) < eventsPerTrial {
					evs = append(evs, Event{TrialID: id, Stage: StageScreenFailed, At: at.Add(3 * time.Hour), Site: site, PatientID: pid, Reasons: []string{"exclusion_met"}})
				}
				continue
			}
			s := strata()
			evs = append(evs, Event{TrialID: id, Stage: StageEnrolled, At: at, Site: site, Strata: &s})
		}
		perTrial[t] = evs
	}
	// Interleave trials: a scan sorted by time, not by trial.
	var all []Event
	for i := 0; i < eventsPerTrial; i++ {
		for t := range perTrial {
			if i < len(perTrial[t]) {
				all = append(all, perTrial[t][i])
			}
		}
	}
	return all, patients, targets
}

// monitorPass is the pure part of the scheduled monitor: split the log by trial,
// compute every dashboard and plan every trial's alerts.
func monitorPass(all []Event, targets map[string]Targets, lookup StrataLookup, prev map[string]map[GroupKey]string, now time.Time) (alerts int) {
	for id, evs := range ByTrial(all) {
		d := Compute(evs, targets[id], now, Options{Lookup: lookup})
		next := d.Statuses()
		p := PlanAlerts(id, prev[id], next, nil, now)
		prev[id] = next
		alerts += len(p.Open)
	}
	return alerts
}

// BenchmarkMonitorPass: one monitor pass over 10,000 trials and 1,000,000 events.
// The budget for the whole pass (storage included) is 30 s.
func BenchmarkMonitorPass(b *testing.B) {
	now := mustTime("2025-06-01T00:00:00Z")
	all, patients, targets := monitorLog(10000, 100, now)
	if len(all) != 1000000 {
		b.Fatalf("built %d events", len(all))
	}
	lookup := func(id string) (Strata, bool) { s, ok := patients[id]; return s, ok }
	alerts := 0
	for b.Loop() {
		alerts = monitorPass(all, targets, lookup, map[string]map[GroupKey]string{}, now)
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/pass")
	b.ReportMetric(float64(alerts), "alerts/pass")
}

// BenchmarkSponsorView: disclosure control on one computed dashboard.
func BenchmarkSponsorView(b *testing.B) {
	now := mustTime("2025-06-01T00:00:00Z")
	all, patients, targets := monitorLog(1, 100, now)
	lookup := func(id string) (Strata, bool) { s, ok := patients[id]; return s, ok }
	d := Compute(all, targets[all[0].TrialID], now, Options{Lookup: lookup})
	for b.Loop() {
		_ = SponsorView(d)
	}
}
