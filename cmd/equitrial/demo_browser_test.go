package main

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"equitrial/internal/app"
	"equitrial/store"
	"equitrial/store/storetest"
	"equitrial/web/webtest"
)

// The demo as its users see it in a browser (issue 12, item 11): the sponsor's
// trials are all recruiting, with enrolment under way towards a target and unique
// titles, their dashboards projecting to the end date; the
// schizophrenia trial enrols people with serious mental illness; criteria that
// shut groups out show; the trial search measures distances to demo sites; the
// nurse finds the demo site's patients. Every page is checked with axe and kept as
// a screenshot (web/screenshots/testdemointhebrowser/).
func TestDemoInTheBrowser(t *testing.T) {
	ctx := webtest.Tab(t, 4*time.Minute)
	bg := context.Background()
	dir := t.TempDir()
	db, err := store.Open(bg, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	a, err := app.Build(bg, app.Config{DB: db, IndexDir: filepath.Join(dir, "index"), AssetsDir: webtest.AssetsDir(),
		Keyring: storetest.TestKeyring(t, "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	var out bytes.Buffer
	if err := seedDemo(bg, a, 400, 300, &out, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	passwords := map[string]string{} // role → one-time password, as printed
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 3 && strings.HasSuffix(f[1], "@demo.equitrial.invalid") {
			passwords[f[0]] = f[2]
		}
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)

	// The sponsor: every trial recruiting, enrolment under way, titles unique.
	demoSignIn(t, ctx, srv.URL, "sponsor@demo.equitrial.invalid", passwords["sponsor"])
	type line struct{ NCT, Title, Meta, Summary string }
	var lines []line
	for {
		lines = append(lines, webtest.JS[[]line](t, ctx, `[...document.querySelectorAll("#sponsor-trials > li")].map(li => ({NCT: li.dataset.nctId,
			Title: li.querySelector("a").innerText.trim(), Meta: li.querySelector("span").innerText.trim(),
			Summary: (li.querySelector(".equitrial-trial-summary") || {innerText: ""}).innerText.trim()}))`)...)
		if webtest.JS[int](t, ctx, `document.querySelectorAll("a.nhsuk-pagination__next").length`) == 0 {
			break
		}
		webtest.Submit(t, ctx, "a.nhsuk-pagination__next")
	}
	if len(lines) < 5 {
		t.Fatalf("the demo sponsor has %d trials", len(lines))
	}
	titles := map[string]string{}
	schizophrenia := ""
	for _, l := range lines {
		if !strings.HasSuffix(l.Meta, "· Recruiting") {
			t.Errorf("%s has enrolment but reads %q", l.NCT, l.Meta)
		}
		if strings.HasPrefix(l.Summary, "fewer than 8") || !strings.Contains(l.Summary, " enrolled of a target of ") {
			t.Errorf("%s: enrolment not under way towards a target: %q", l.NCT, l.Summary)
		}
		if other, dup := titles[l.Title]; dup {
			t.Errorf("%s and %s share the title %q", other, l.NCT, l.Title)
		}
		titles[l.Title] = l.NCT
		if strings.Contains(l.Title, "Schizophrenia") && schizophrenia == "" {
			schizophrenia = l.NCT
		}
	}
	webtest.Axe(t, ctx, "demo sponsor's trials")
	if schizophrenia == "" {
		t.Fatalf("the demo sponsor has no schizophrenia trial: %+v", lines)
	}

	// The schizophrenia trial enrols people with SMI, and its criteria are judged.
	webtest.Visit(t, ctx, srv.URL+"/trials/"+schizophrenia+"/equity")
	smi := webtest.JS[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll('table[data-dimension="smi"] tbody tr')].map(r => {
		const c = [...r.cells].map(td => { const x = td.cloneNode(true); x.querySelectorAll(".nhsuk-table-responsive__heading").forEach(h => h.remove()); return x.innerText.trim() });
		return [c[0], c[2]] }))`)
	if smi["Yes"] == "" || strings.HasPrefix(smi["Yes"], "fewer than") || smi["No"] != "fewer than 8" {
		t.Errorf("the schizophrenia trial's enrolment by SMI: %v, want people with SMI and (almost) none without", smi)
	}
	if flagged := webtest.Texts(t, ctx, "#criteria-flagged li"); len(flagged) == 0 &&
		!strings.Contains(webtest.Text(t, ctx, "#criteria"+" ~ p"), "None of the") {
		t.Errorf("criteria that shut groups out are not worked out for the demo's schizophrenia trial:\n%s", webtest.Text(t, ctx, "main"))
	}
	if p := webtest.Text(t, ctx, "#criteria ~ p"); strings.HasPrefix(p, "This cannot be worked out") {
		t.Errorf("criterion impact: %q", p)
	}
	if p := webtest.Text(t, ctx, "#projection"); !strings.Contains(p, "people will be enrolled by") {
		t.Errorf("the demo dashboard shows no projection to the end date: %q", p)
	}
	webtest.Axe(t, ctx, "demo schizophrenia dashboard")

	// Anyone: trials near Leeds, with distances to the demo sites.
	webtest.Visit(t, ctx, srv.URL+"/?near=53.80,-1.55&radius=100&recruiting=no")
	dists := webtest.Texts(t, ctx, "li[data-nct-id] .nearest")
	if cards := webtest.Texts(t, ctx, "li[data-nct-id]"); len(cards) == 0 || len(dists) != len(cards) {
		t.Errorf("%d results near Leeds, %d with a distance", len(cards), len(dists))
	}
	webtest.Axe(t, ctx, "demo trials near Leeds")

	// The nurse: the demo site's patients.
	nurse := webtest.Tab(t, 2*time.Minute)
	demoSignIn(t, nurse, srv.URL, "nurse@demo.equitrial.invalid", passwords["nurse"])
	if got := webtest.Text(t, nurse, "#showing"); !strings.HasPrefix(got, "Showing 1–20 of ") {
		t.Errorf("the demo nurse's patients: %q", got)
	}
}

// demoSignIn signs in with a one-time password, chooses a new one and signs in
// with it, checking each page.
func demoSignIn(t *testing.T, ctx context.Context, base, email, oneTime string) {
	t.Helper()
	if oneTime == "" {
		t.Fatalf("no one-time password printed for %s", email)
	}
	webtest.Visit(t, ctx, base+"/sign-in")
	webtest.Axe(t, ctx, "sign in")
	webtest.Fill(t, ctx, map[string]string{"#email": email, "#password": oneTime})
	webtest.Submit(t, ctx, "main form button[type=submit]")
	webtest.Axe(t, ctx, "choose a password")
	const next = "orchard kettle meadow 41"
	webtest.Fill(t, ctx, map[string]string{"#current-password": oneTime, "#new-password": next, "#confirm-password": next})
	webtest.Submit(t, ctx, "main form button[type=submit]")
	webtest.Fill(t, ctx, map[string]string{"#email": email, "#password": next})
	webtest.Submit(t, ctx, "main form button[type=submit]")
	webtest.Axe(t, ctx, "start page of "+email)
}
