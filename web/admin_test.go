package web_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"equitrial"
	"equitrial/internal/app"
	"equitrial/internal/testdata"
	"equitrial/refdata"
	"equitrial/store"
	"equitrial/store/storetest"
	"equitrial/synth"
	"equitrial/web/webtest"
)

const adminTestToken = "admin-test-token-0123456789abcdef"

// newAdminService is the real service with its job scheduler running (as `serve`
// runs it) and HTTP import turned on, over a fresh database with a few trials.
func newAdminService(t *testing.T) *service {
	t.Helper()
	ctx := context.Background()
	db := storetest.NewDB(t)
	s := &service{db: db, log: &testdata.SyncBuffer{}}
	log := slog.New(slog.NewTextHandler(s.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.Build(ctx, app.Config{DB: db, IndexDir: t.TempDir(), Keyring: storetest.TestKeyring(t, testKeys),
		AssetsDir: assetsDir, Log: log, AdminToken: adminTestToken, StartJobs: true,
		Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	if _, err := a.Catalog.Import(ctx, synth.Reader(synth.Trials(12, 3)), nil); err != nil {
		t.Fatal(err)
	}
	db.Trials.Each(ctx, time.Time{}, func(tr *equitrial.Trial) error { s.nct = append(s.nct, tr.NCTID); return nil })
	s.auth, s.cat = a.Auth, a.Catalog
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// An administrator signs in and lands on the overview, adds a nurse's account and
// sees it listed with its one-time password shown once, disables it and resets
// another's password.
func TestAdminOverviewAndAccounts(t *testing.T) {
	ctx := tab(t)
	s := newAdminService(t)
	pw := s.user(t, "admin@example.org", "admin", "ops", "site")
	s.user(t, "sponsor@example.org", "sponsor", "pharma-a", "sponsor", s.nct[0])

	signIn(t, ctx, s, "admin@example.org", pw)
	if p := path(t, ctx); p != "/admin" {
		t.Fatalf("an administrator starts at %s, want /admin (the overview)", p)
	}
	overview := text(t, ctx, "#overview")
	for _, want := range []string{"12 in the search index", "2 active", "1 research site, 1 sponsor", "None loaded"} {
		if !strings.Contains(overview, want) {
			t.Errorf("overview lacks %q:\n%s", want, overview)
		}
	}
	scheduled := webtest.Await[int](t, ctx, `fetch("/api/v1/jobs", {credentials: "same-origin"}).then(r => r.json()).then(j => j.jobs.length)`)
	if jobs := texts(t, ctx, "#job-summary tbody tr"); len(jobs) != scheduled || scheduled < 4 {
		t.Errorf("overview lists %d jobs' last runs, want every scheduled job (%d): %q", len(jobs), scheduled, jobs)
	}
	axe(t, ctx, "admin overview")

	visit(t, ctx, s.url+"/admin/users")
	submit(t, ctx, "#create-user")
	if summary := text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(summary, "Enter an email address") || !strings.Contains(summary, "Choose a role") {
		t.Errorf("an empty new account: error summary %q", summary)
	}
	axe(t, ctx, "admin users with errors")
	fill(t, ctx, map[string]string{"#email": "new.nurse@example.nhs.uk", "#role": "nurse", "#org": "ops"})
	submit(t, ctx, "#create-user")
	secret := text(t, ctx, "#secret-value")
	if len(secret) < 16 {
		t.Fatalf("no one-time password shown after creating an account: %q\n%s", secret, text(t, ctx, "main"))
	}
	row := text(t, ctx, `#users tr[data-email="new.nurse@example.nhs.uk"]`)
	if !strings.Contains(row, "Research nurse") || !strings.Contains(row, "ops") || !strings.Contains(row, "Must change password") {
		t.Errorf("the new account's row: %q", row)
	}
	axe(t, ctx, "admin users with a new account")
	if _, _, err := s.auth.Login(context.Background(), "new.nurse@example.nhs.uk", secret); err != nil {
		t.Errorf("the shown one-time password does not sign in: %v", err)
	}

	submit(t, ctx, `#users tr[data-email="new.nurse@example.nhs.uk"] form[action$="/disable"] button`)
	if n := text(t, ctx, "#notice"); !strings.Contains(n, "disabled") {
		t.Errorf("after disabling: notice %q", n)
	}
	if row := text(t, ctx, `#users tr[data-email="new.nurse@example.nhs.uk"]`); !strings.Contains(row, "Disabled") {
		t.Errorf("the disabled account's row: %q", row)
	}
	if _, _, err := s.auth.Login(context.Background(), "new.nurse@example.nhs.uk", secret); err == nil {
		t.Error("a disabled account still signs in")
	}

	submit(t, ctx, `#users tr[data-email="sponsor@example.org"] form[action$="/reset-password"] button`)
	reset := text(t, ctx, "#secret-value")
	if len(reset) < 16 {
		t.Fatalf("no new one-time password after a reset: %s", text(t, ctx, "main"))
	}
	axe(t, ctx, "admin users after a password reset")
	if _, sess, err := s.auth.Login(context.Background(), "sponsor@example.org", reset); err != nil || !sess.MustChange {
		t.Errorf("the reset password: %v (must change: %v)", err, sess != nil && sess.MustChange)
	}
}

// An administrator runs a job now and sees its run, and creates and revokes an API
// token, which then stops working.
func TestAdminRunsJobAndRevokesToken(t *testing.T) {
	ctx := tab(t)
	s := newAdminService(t)
	pw := s.user(t, "admin@example.org", "admin", "ops", "site")
	signIn(t, ctx, s, "admin@example.org", pw)

	visit(t, ctx, s.url+"/admin/jobs")
	axe(t, ctx, "admin jobs")
	submit(t, ctx, "#run-equity-monitor")
	if n := text(t, ctx, "#notice"); !strings.Contains(n, "started") {
		t.Errorf("after run now: notice %q", n)
	}
	var runs string
	for deadline := time.Now().Add(20 * time.Second); ; {
		runs = text(t, ctx, "#job-equity-monitor table")
		if strings.Contains(runs, "Run now") && strings.Contains(runs, "Succeeded") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the equity monitor's manual run did not show as succeeded:\n%s", text(t, ctx, "#job-equity-monitor"))
		}
		time.Sleep(300 * time.Millisecond)
		visit(t, ctx, s.url+"/admin/jobs")
	}
	axe(t, ctx, "admin jobs after a run")

	visit(t, ctx, s.url+"/admin/tokens")
	fill(t, ctx, map[string]string{"#name": "EPR feed", "#token-role": "nurse", "#token-org": "ops", "#days": "30"})
	submit(t, ctx, "#create-token")
	token := text(t, ctx, "#secret-value")
	if token == "" {
		t.Fatalf("no token shown: %s", text(t, ctx, "main"))
	}
	if code := bearerStatus(t, s.url+"/api/v1/patients", token); code != http.StatusOK {
		t.Fatalf("the new token: GET /api/v1/patients answered %d, want 200", code)
	}
	axe(t, ctx, "admin tokens")
	id := js[string](t, ctx, `document.querySelector("#tokens tbody tr").dataset.token`)
	submit(t, ctx, `#tokens tr[data-token="`+id+`"] form button`)
	if n := text(t, ctx, "#notice"); !strings.Contains(n, "revoked") {
		t.Errorf("after revoking: notice %q", n)
	}
	if row := text(t, ctx, `#tokens tr[data-token="`+id+`"]`); !strings.Contains(row, "Revoked") {
		t.Errorf("the revoked token's row: %q", row)
	}
	if code := bearerStatus(t, s.url+"/api/v1/patients", token); code != http.StatusUnauthorized {
		t.Errorf("the revoked token: GET /api/v1/patients answered %d, want 401", code)
	}
	axe(t, ctx, "admin tokens after revoking")
}

func bearerStatus(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// The other administrator's pages: organisations (a site's self-registration and
// the trials it recruits to), the audit log with its filters, reference data, and
// trial import by upload.
func TestAdminOrgsAuditRefdataImport(t *testing.T) {
	ctx := tab(t)
	s := newAdminService(t)
	pw := s.user(t, "admin@example.org", "admin", "ops", "site")
	signIn(t, ctx, s, "admin@example.org", pw)

	visit(t, ctx, s.url+"/admin/orgs")
	fill(t, ctx, map[string]string{"#org-id": "leeds-trust", "#org-name": "Leeds Teaching Hospitals", "#trials": s.nct[0] + "\n" + s.nct[1]})
	tick(t, ctx, "#kind", "#selfRegistration")
	submit(t, ctx, "#save-org")
	row := text(t, ctx, `#orgs tr[data-org="leeds-trust"]`)
	if !strings.Contains(row, "Research site") || !strings.Contains(row, s.nct[1]) || !strings.Contains(row, "On") {
		t.Errorf("the new site's row: %q\n%s", row, text(t, ctx, "main"))
	}
	org, err := s.db.Orgs.Get(context.Background(), "leeds-trust")
	if err != nil || !org.SelfRegistration || len(org.Trials) != 2 {
		t.Errorf("stored organisation %+v (%v)", org, err)
	}
	visit(t, ctx, s.url+"/admin/orgs?edit=leeds-trust")
	fill(t, ctx, map[string]string{"#trials": "not-a-trial"})
	submit(t, ctx, "#save-org")
	if summary := text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(summary, "NCT") {
		t.Errorf("a bad trial id: error summary %q", summary)
	}
	axe(t, ctx, "admin organisations with an error")

	// a read of patient data makes an audit entry to find
	visit(t, ctx, s.url+"/admin") // the overview lists patients
	visit(t, ctx, s.url+"/admin/audit")
	if n := len(texts(t, ctx, "#audit tbody tr")); n == 0 {
		t.Fatalf("the audit log is empty after the overview listed patients:\n%s", text(t, ctx, "main"))
	}
	axe(t, ctx, "admin audit")
	fill(t, ctx, map[string]string{"#subjectId": "no-such-record"})
	submit(t, ctx, "#filter")
	if !strings.Contains(text(t, ctx, "main"), "No entries match") {
		t.Errorf("filtering by an unknown record still lists entries")
	}
	visit(t, ctx, s.url+"/admin/audit?from=2026-13-45")
	if summary := text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(summary, "real date") {
		t.Errorf("a bad date: error summary %q", summary)
	}

	visit(t, ctx, s.url+"/admin/refdata")
	if body := text(t, ctx, "main"); !strings.Contains(body, "No reference data is loaded") {
		t.Errorf("reference data page: %s", body)
	}
	axe(t, ctx, "admin reference data, none loaded")
	// Loaded: the edition, the rows and when.
	dir, _, err := refdata.LoadPostcodes(strings.NewReader("pcds,lsoa11,ctry,lat,long\nLS1 4AP,E01033010,E92000001,53.8,-1.55\n"), refdata.PostcodeOptions{Label: "ONSPD sample"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.RefData.Save(context.Background(), dir, nil, store.RefManifest{Edition: "IMD2019 (test)", Directory: "ONSPD sample",
		Counts: map[string]int{"postcodes": 1, "areas": 1, "imdAreas": 32844}}); err != nil {
		t.Fatal(err)
	}
	visit(t, ctx, s.url+"/admin/refdata")
	status := text(t, ctx, "#refdata")
	london, _ := time.LoadLocation("Europe/London")
	for _, want := range []string{"IMD2019 (test)", "ONSPD sample", "Postcodes\t1", "Areas with a deprivation decile\t32,844", "Loaded\t" + time.Now().In(london).Format("2 January 2006")} {
		if !strings.Contains(status, want) {
			t.Errorf("reference data status lacks %q:\n%s", want, status)
		}
	}
	axe(t, ctx, "admin reference data, loaded")

	visit(t, ctx, s.url+"/admin/import")
	axe(t, ctx, "admin import")
	file := filepath.Join(t.TempDir(), "studies.json")
	records := synth.Trials(15, 3) // the first 12 are stored already
	var page struct {
		Studies []json.RawMessage `json:"studies"`
	}
	page.Studies = records
	b, _ := json.Marshal(page)
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file})); err != nil {
		t.Fatal(err)
	}
	submit(t, ctx, "#upload")
	summary := text(t, ctx, "#import-summary")
	if !strings.Contains(summary, "Imported (new)\t3") || !strings.Contains(summary, "Unchanged\t12") {
		t.Errorf("import summary:\n%s\n%s", summary, text(t, ctx, "main"))
	}
	if n, _ := s.db.Trials.Count(context.Background()); n != 15 {
		t.Errorf("after the upload the store has %d trials, want 15", n)
	}
	axe(t, ctx, "admin import done")
}

// Only administrators see the administrator's pages.
func TestAdminPagesRefuseOtherRoles(t *testing.T) {
	ctx := tab(t)
	s := newAdminService(t)
	pw := s.user(t, "nurse@example.org", "nurse", "ops", "site")
	signIn(t, ctx, s, "nurse@example.org", pw)
	for _, p := range []string{"/admin", "/admin/users", "/admin/tokens", "/admin/jobs", "/admin/audit"} {
		visit(t, ctx, s.url+p)
		if h := text(t, ctx, "h1"); !strings.Contains(h, "do not have permission") {
			t.Errorf("a nurse at %s sees %q", p, h)
		}
		axe(t, ctx, "refused at "+p)
	}
	res, err := http.Get(s.url + "/admin/users")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/sign-in" {
		t.Errorf("signed out, /admin/users ends at %s, want /sign-in", res.Request.URL.Path)
	}
}
