package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"equitrial"
	"equitrial/equity"
	"equitrial/internal/app"
	"equitrial/store"
	"equitrial/synth"
)

// Demo organisations: a research site whose nurses see the demo patients, and a
// sponsor that owns the first demo trials.
const (
	demoSite    = "demo-site"
	demoSponsor = "demo-sponsor"
)

// seedDemo makes an empty store worth looking at: synthetic trials, patients at
// demo sites, a sponsor with recruitment under way (skewed, as real recruitment
// often is, so the dashboards have something to say), and one account per role
// whose random one-time passwords are printed once. Nothing is seeded into a store
// that already has trials.
func seedDemo(ctx context.Context, a *app.App, trials, patients int, out io.Writer, log *slog.Logger) error {
	db := a.DB
	if n, err := db.Trials.Count(ctx); err != nil || n > 0 {
		return err
	}
	start := time.Now()
	progress := func(format string, args ...any) {
		fmt.Fprintf(out, "seeding demo data: "+format+" (%s)\n", append(args, time.Since(start).Round(time.Second))...)
	}
	progress("%d trials…", trials)
	records := synth.Trials(trials, 1)
	sum, err := a.Catalog.Import(ctx, synth.Reader(records), nil)
	if err != nil {
		return fmt.Errorf("seeding demo trials: %w", err)
	}
	progress("%d patients…", patients)
	g := synth.NewPatientGenerator(7, synth.PatientOptions{Reference: db.Patients.Reference(), Identifiers: true, Org: demoSite, Now: time.Now().UTC()})
	for i := 0; i < patients; {
		if _, err := db.Patients.Create(ctx, g.Next(), store.CreateOptions{}); equitrial.Is(equitrial.KindConflict, err) {
			continue // an NHS number drawn twice: draw again
		} else if err != nil {
			return fmt.Errorf("seeding demo patients: %w", err)
		}
		i++
	}
	// The sponsor's trials: recruiting ones (never "not yet recruiting": those have
	// enrolled nobody), one per condition, a schizophrenia trial among them when
	// there is one.
	owned, recruiting := demoSponsorTrials(ctx, db, 12)
	// the demo site recruits to the sponsor's trials, so its nurse sees their exact
	// figures and alerts, as a recruiting site's nurse would
	if err := db.Orgs.Put(ctx, &store.Org{ID: demoSite, Name: "Demo NHS Foundation Trust", Kind: "site", Trials: owned, SelfRegistration: true}); err != nil {
		return err
	}
	if err := db.Orgs.Put(ctx, &store.Org{ID: demoSponsor, Name: "Demo Sponsor", Kind: "sponsor", Trials: owned}); err != nil {
		return err
	}
	progress("registered patients with the sponsor's %d trials' conditions…", len(recruiting))
	extra, err := seedConditionPatients(ctx, a, g, recruiting)
	if err != nil {
		return fmt.Errorf("seeding demo patients with the trials' conditions: %w", err)
	}
	var events []equity.Event
	r := rand.New(rand.NewPCG(11, 12))
	for _, t := range recruiting {
		n := 60 + r.IntN(240)
		if t.Enrollment > 0 {
			n = min(n, t.Enrollment*3/4) // under way, not past the target
		}
		events = append(events, demoEnrolments(r, t, n)...)
	}
	if err := seedDemoTargets(ctx, db, recruiting); err != nil { // demo_targets.go
		return fmt.Errorf("seeding demo targets: %w", err)
	}
	progress("%d recruitment events and the first equity monitor pass…", len(events))
	if _, err := db.Events.Append(ctx, events); err != nil {
		return fmt.Errorf("seeding demo recruitment: %w", err)
	}
	if _, err := a.Monitor.Pass(ctx); err != nil {
		return fmt.Errorf("first equity monitor pass: %w", err)
	}
	fmt.Fprintf(out, "Seeded demo data in %s: %d trials, %d patients, %d recruitment events.\n",
		time.Since(start).Round(time.Second), sum.Imported, patients+extra, len(events))
	fmt.Fprintln(out, "Demo accounts (one-time passwords, shown once; change at first sign-in at /sign-in):")
	for _, acct := range []struct{ email, role, org string }{
		{"nurse@demo.equitrial.invalid", "nurse", demoSite},
		{"sponsor@demo.equitrial.invalid", "sponsor", demoSponsor},
		{"admin@demo.equitrial.invalid", "admin", ""},
	} {
		_, pw, err := a.Auth.CreateUser(ctx, acct.email, acct.role, acct.org)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %-8s %-32s %s\n", acct.role, acct.email, pw)
	}
	log.Info("seeded demo data", "trials", sum.Imported, "patients", patients+extra, "events", len(events))
	return nil
}

// demoSponsorTrials picks up to n recruiting trials, one per condition, starting
// with schizophrenia (the SMI story), and returns their ids and records.
func demoSponsorTrials(ctx context.Context, db *store.DB, n int) ([]string, []*equitrial.Trial) {
	byCondition := map[string]*equitrial.Trial{}
	var order []string
	db.Trials.Each(ctx, time.Time{}, func(t *equitrial.Trial) error {
		if t.OverallStatus != "RECRUITING" || len(t.Conditions) == 0 {
			return nil
		}
		c := t.Conditions[0]
		if _, ok := byCondition[c]; !ok {
			byCondition[c] = t
			order = append(order, c)
		}
		return nil
	})
	slices.SortStableFunc(order, func(a, b string) int {
		return cmpBool(a == "Schizophrenia", b == "Schizophrenia")
	})
	var ids []string
	var ts []*equitrial.Trial
	for _, c := range order {
		if len(ids) == n {
			break
		}
		ids = append(ids, byCondition[c].NCTID)
		ts = append(ts, byCondition[c])
	}
	return ids, ts
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// conditionGroupMin is how many registered patients with a trial's condition each
// group needs for the dashboards' "criteria that shut groups out" to be shown
// (equity.ImpactRule's MinGroup).
const conditionGroupMin = 10

// seedConditionPatients registers, for each trial, patients who have its condition
// until every deprivation quintile, every ethnic group and people with SMI have at
// least conditionGroupMin of them: synthetic patients are drawn and those that fill
// a group still short are given the condition and kept. It returns how many were
// added.
func seedConditionPatients(ctx context.Context, a *app.App, g *synth.PatientGenerator, ts []*equitrial.Trial) (int, error) {
	ref := a.DB.Patients.Reference()
	added := 0
	for _, t := range ts {
		ct := a.Matcher.Trials.Get(t.NCTID)
		if ct == nil || len(ct.Categories) == 0 {
			continue
		}
		cond := equitrial.Condition{System: "icd10", Code: ct.Categories[0], Text: strings.ToLower(t.Conditions[0])}
		need := map[string]int{"smi": conditionGroupMin}
		for q := 1; q <= 5; q++ {
			need[fmt.Sprintf("q%d", q)] = conditionGroupMin
		}
		for _, e := range []equitrial.EthnicGroup{equitrial.EthnicGroupAsian, equitrial.EthnicGroupBlack, equitrial.EthnicGroupMixed, equitrial.EthnicGroupWhite, equitrial.EthnicGroupOther} {
			need["e"+string(e)] = conditionGroupMin
		}
		// people with SMI come first, so that the other groups count them too
		for draws := 0; draws < 6000 && len(need) > 0; draws++ {
			p := g.Next()
			if !p.Consent.Contact || !fitsTrial(p, t) { // criterion impact counts consented patients
				continue
			}
			var cells []string
			if ref != nil {
				if res := ref.Lookup(p.Postcode); res.Found && res.IMDDecile > 0 {
					cells = append(cells, fmt.Sprintf("q%d", (res.IMDDecile+1)/2))
				}
			}
			if d, err := equitrial.DeriveEthnicGroup(p.EthnicCategory, p.Census2021Ethnicity); err == nil {
				cells = append(cells, "e"+string(d.Group))
			}
			smi := need["smi"] > 0
			useful := smi
			for _, c := range cells {
				useful = useful || need[c] > 0
			}
			if !useful {
				continue
			}
			p.Conditions = append(p.Conditions, cond)
			if smi {
				cells = append(cells, "smi")
				if !equitrial.SMIFromICD10(cond.Code) {
					p.Conditions = append(p.Conditions, equitrial.Condition{System: "icd10", Code: "F20", Text: "schizophrenia"})
				}
				yes := true
				p.SMI = &yes
			}
			if _, err := a.DB.Patients.Create(ctx, p, store.CreateOptions{}); equitrial.Is(equitrial.KindConflict, err) {
				continue // the generator drew an NHS number already registered: draw again
			} else if err != nil {
				return added, err
			}
			added++
			for _, c := range cells {
				if need[c]--; need[c] <= 0 {
					delete(need, c)
				}
			}
		}
	}
	return added, nil
}

// fitsTrial reports whether a patient's age and sex are within a trial's.
func fitsTrial(p *equitrial.Patient, t *equitrial.Trial) bool {
	if t.Sex == "FEMALE" && p.Sex != "female" || t.Sex == "MALE" && p.Sex != "male" {
		return false
	}
	born, err := time.Parse(time.DateOnly, p.BirthDate)
	if err != nil {
		return false
	}
	age := int(time.Since(born).Hours() / 24 / 365.25)
	lo, hi := ageRange(t)
	return age >= lo && age <= hi
}

// ageRange reads a trial's registered ages ("18 Years"); 18 to 120 when absent.
func ageRange(t *equitrial.Trial) (int, int) {
	years := func(s string, def int) int {
		var n int
		if _, err := fmt.Sscanf(s, "%d Years", &n); err != nil {
			return def
		}
		return n
	}
	return max(18, years(t.MinimumAge, 18)), years(t.MaximumAge, 120)
}

// demoEnrolments makes n enrolled participants recruited over the last year, with
// the under-representation of deprived areas and minority groups that equitrial
// exists to show. Participants fit the trial: its sex, its age range, and for a
// trial of a serious mental illness (schizophrenia, bipolar disorder) everyone has
// SMI.
func demoEnrolments(r *rand.Rand, t *equitrial.Trial, n int) []equity.Event {
	ethnic := []struct {
		group string
		w     int
	}{{"White", 88}, {"Asian", 6}, {"Black", 2}, {"Mixed", 2}, {"Other", 1}, {equity.GroupNotStated, 1}}
	pick := func() string {
		k := r.IntN(100)
		for _, e := range ethnic {
			if k < e.w {
				return e.group
			}
			k -= e.w
		}
		return "White"
	}
	smiTrial := false
	for _, c := range t.Conditions {
		smiTrial = smiTrial || c == "Schizophrenia" || c == "Bipolar Disorder"
	}
	lo, hi := ageRange(t)
	var bands []string
	for _, b := range []struct {
		band   string
		lo, hi int
	}{{equity.Age18to34, 18, 34}, {equity.Age35to49, 35, 49}, {equity.Age50to64, 50, 64}, {equity.Age65to74, 65, 74}, {equity.Age75plus, 75, 120}} {
		if b.hi >= lo && b.lo <= hi {
			bands = append(bands, b.band)
		}
	}
	sexes := []string{equity.SexFemale, equity.SexMale}
	switch t.Sex {
	case "FEMALE":
		sexes = []string{equity.SexFemale}
	case "MALE":
		sexes = []string{equity.SexMale}
	}
	if len(bands) == 0 {
		bands = []string{equity.Age18to34, equity.Age35to49, equity.Age50to64}
	}
	// recruited since the trial started, over at most the last year
	now := time.Now().UTC()
	span := 365 * 24 * time.Hour
	for _, layout := range []string{time.DateOnly, "2006-01"} {
		if started, err := time.Parse(layout, t.StartDate); err == nil && now.Sub(started) < span {
			span = max(now.Sub(started), 30*24*time.Hour)
		}
	}
	out := make([]equity.Event, 0, n)
	for i := 0; i < n; i++ {
		q := 5 - min(4, int(r.ExpFloat64()*1.2)) // skewed towards the least deprived quintile
		smi := equity.SMINo
		if smiTrial || r.IntN(250) == 0 {
			smi = equity.SMIYes
		}
		sex := sexes[r.IntN(len(sexes))]
		out = append(out, equity.Event{TrialID: t.NCTID, Stage: equity.StageEnrolled, Site: "Demo site",
			At:     now.Add(-time.Duration(r.Int64N(int64(span/time.Hour))) * time.Hour),
			RowKey: fmt.Sprintf("demo-%d", i),
			Strata: &equity.Strata{IMDQuintile: q, EthnicGroup: pick(), SMI: smi, Sex: sex, AgeBand: bands[r.IntN(len(bands))]}})
	}
	return out
}
