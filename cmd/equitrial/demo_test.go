package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"equitrial"
	"equitrial/equity"
	"equitrial/internal/app"
	"equitrial/store"
	"equitrial/store/storetest"
)

// The demo tells the truth: trials with enrolment are recruiting (none is "not
// yet recruiting"), a schizophrenia trial enrols people with SMI, each sponsor
// trial has enough registered patients with its condition in every group for
// "criteria that shut groups out" to show, titles are unique, and every site has
// coordinates. Seeding says what it is doing.
func TestDemoDataInvariants(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	a, err := app.Build(ctx, app.Config{DB: db, IndexDir: filepath.Join(dir, "index"),
		Keyring: storetest.TestKeyring(t, "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	var out bytes.Buffer
	if err := seedDemo(ctx, a, 400, 60, &out, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeding output:\n%s", out.String())
	if !strings.Contains(out.String(), "seeding demo data: 400 trials… (") || !strings.Contains(out.String(), "seeding demo data: 60 patients… (") {
		t.Errorf("seeding printed no progress:\n%s", out.String())
	}

	titles := map[string]string{}
	db.Trials.Each(ctx, time.Time{}, func(tr *equitrial.Trial) error {
		if other, ok := titles[tr.BriefTitle]; ok {
			t.Errorf("%s and %s share the title %q", other, tr.NCTID, tr.BriefTitle)
		}
		titles[tr.BriefTitle] = tr.NCTID
		for _, l := range tr.Locations {
			if l.Geo == nil {
				t.Errorf("%s: site %s has no coordinates", tr.NCTID, l.Facility)
			}
		}
		events, err := db.Events.Count(ctx, tr.NCTID)
		if err != nil {
			t.Fatal(err)
		}
		if events > 0 && tr.OverallStatus != "RECRUITING" && tr.OverallStatus != "ACTIVE_NOT_RECRUITING" && tr.OverallStatus != "COMPLETED" {
			t.Errorf("%s is %s but has %d enrolment events", tr.NCTID, tr.OverallStatus, events)
		}
		if events > 0 && tr.Enrollment > 0 && int(events) > tr.Enrollment {
			t.Errorf("%s has enrolled %d, more than its target of %d", tr.NCTID, events, tr.Enrollment)
		}
		return nil
	})

	sponsor, err := db.Orgs.Get(ctx, demoSponsor)
	if err != nil || len(sponsor.Trials) == 0 {
		t.Fatalf("demo sponsor %+v (%v)", sponsor, err)
	}
	schizophrenia := false
	for _, id := range sponsor.Trials {
		tr, err := db.Trials.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		events, err := db.Events.List(ctx, id)
		if err != nil || len(events) == 0 {
			t.Errorf("sponsor trial %s has no enrolment (%v)", id, err)
			continue
		}
		if tr.Conditions[0] == "Schizophrenia" {
			schizophrenia = true
			for _, e := range events {
				if e.Strata == nil || e.Strata.SMI != equity.SMIYes {
					t.Errorf("schizophrenia trial %s enrolled someone without SMI: %+v", id, e.Strata)
					break
				}
			}
			if strings.Contains(tr.EligibilityText, "History of schizophrenia") {
				t.Errorf("schizophrenia trial %s excludes people with schizophrenia", id)
			}
		}
		// criterion impact needs at least 10 registered patients with the condition in a group
		_, patients, err := a.Matcher.Impact(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, p := range patients {
			counts["smi:"+p.Strata.SMI]++
			counts["ethnicity:"+p.Strata.EthnicGroup]++
		}
		for _, g := range []string{"smi:yes", "ethnicity:White", "ethnicity:Asian", "ethnicity:Black", "ethnicity:Mixed", "ethnicity:Other"} {
			if counts[g] < 10 {
				t.Errorf("%s (%s): %d registered patients with the condition in %s, want at least 10 for criterion impact to show",
					id, tr.Conditions[0], counts[g], g)
			}
		}
	}
	if !schizophrenia {
		t.Error("the demo sponsor has no schizophrenia trial")
	}
}
