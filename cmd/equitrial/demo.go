package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
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
	records := synth.Trials(trials, 1)
	sum, err := a.Catalog.Import(ctx, synth.Reader(records), nil)
	if err != nil {
		return fmt.Errorf("seeding demo trials: %w", err)
	}
	g := synth.NewPatientGenerator(7, synth.PatientOptions{Reference: db.Patients.Reference(), Identifiers: true, Org: demoSite, Now: time.Now().UTC()})
	for i := 0; i < patients; i++ {
		if _, err := db.Patients.Create(ctx, g.Next(), store.CreateOptions{}); err != nil {
			return fmt.Errorf("seeding demo patients: %w", err)
		}
	}
	var owned []string
	var recruiting []*equitrial.Trial
	db.Trials.Each(ctx, time.Time{}, func(t *equitrial.Trial) error {
		if t.Recruiting() && len(owned) < 12 {
			owned = append(owned, t.NCTID)
			recruiting = append(recruiting, t)
		}
		return nil
	})
	// the demo site recruits to the sponsor's trials, so its nurse sees their exact
	// figures and alerts, as a recruiting site's nurse would
	if err := db.Orgs.Put(ctx, &store.Org{ID: demoSite, Name: "Demo NHS Foundation Trust", Kind: "site", Trials: owned, SelfRegistration: true}); err != nil {
		return err
	}
	if err := db.Orgs.Put(ctx, &store.Org{ID: demoSponsor, Name: "Demo Sponsor", Kind: "sponsor", Trials: owned}); err != nil {
		return err
	}
	var events []equity.Event
	r := rand.New(rand.NewPCG(11, 12))
	for _, t := range recruiting {
		events = append(events, demoEnrolments(r, t.NCTID, 60+r.IntN(240))...)
	}
	if _, err := db.Events.Append(ctx, events); err != nil {
		return fmt.Errorf("seeding demo recruitment: %w", err)
	}
	if _, err := a.Monitor.Pass(ctx); err != nil {
		return fmt.Errorf("first equity monitor pass: %w", err)
	}
	fmt.Fprintf(out, "Seeded demo data: %d trials, %d patients, %d recruitment events.\n", sum.Imported, patients, len(events))
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
	log.Info("seeded demo data", "trials", sum.Imported, "patients", patients, "events", len(events))
	return nil
}

// demoEnrolments makes n enrolled participants recruited over the last year, with
// the under-representation of deprived areas and minority groups that equitrial
// exists to show.
func demoEnrolments(r *rand.Rand, nctID string, n int) []equity.Event {
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
	bands := []string{equity.Age18to34, equity.Age35to49, equity.Age50to64, equity.Age65to74, equity.Age75plus}
	now := time.Now().UTC()
	out := make([]equity.Event, 0, n)
	for i := 0; i < n; i++ {
		q := 5 - min(4, int(r.ExpFloat64()*1.2)) // skewed towards the least deprived quintile
		smi := equity.SMINo
		if r.IntN(250) == 0 {
			smi = equity.SMIYes
		}
		sex := []string{equity.SexFemale, equity.SexMale}[r.IntN(2)]
		out = append(out, equity.Event{TrialID: nctID, Stage: equity.StageEnrolled, Site: "Demo site",
			At:     now.Add(-time.Duration(r.IntN(365*24)) * time.Hour),
			RowKey: fmt.Sprintf("demo-%d", i),
			Strata: &equity.Strata{IMDQuintile: q, EthnicGroup: pick(), SMI: smi, Sex: sex, AgeBand: bands[r.IntN(len(bands))]}})
	}
	return out
}
