package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"equitrial/store"
	"equitrial/synth"
)

// Every list pages and says how many there are (issue 12, item 3): here the
// sponsor's trials and a trial's sites; the administrator's lists below; a
// patient's matches, patients, candidates and search results in the nurse's and
// the search journeys.
func TestSponsorTrialsAndSitesPage(t *testing.T) {
	ctx := longTab(t)
	s := newService(t)
	pw := s.user(t, "many@example.org", "sponsor", "sponsor-many", "sponsor", s.nct[:23]...)

	signIn(t, ctx, s, "many@example.org", pw)
	if got := text(t, ctx, "#sponsor-showing"); got != "Showing 1–20 of 23 trials of your organisation" {
		t.Errorf("sponsor's trials, page 1: %q", got)
	}
	if n := len(texts(t, ctx, "#sponsor-trials > li")); n != 20 {
		t.Errorf("%d trials on page 1", n)
	}
	submit(t, ctx, "a.nhsuk-pagination__next")
	if got := text(t, ctx, "#sponsor-showing"); got != "Showing 21–23 of 23 trials of your organisation" {
		t.Errorf("sponsor's trials, page 2: %q", got)
	}
	if got := js[[]string](t, ctx, `[...document.querySelectorAll("#sponsor-trials > li")].map(li => li.dataset.nctId)`); strings.Join(got, " ") != strings.Join(s.nct[20:23], " ") {
		t.Errorf("page 2 lists %v, want %v", got, s.nct[20:23])
	}
	axe(t, ctx, "sponsor's trials, page 2")

	// A trial with 25 sites, 5 of them abroad listed first in the record.
	var locations []map[string]any
	for i := range 25 {
		country, city := "United Kingdom", fmt.Sprintf("Town %02d", i)
		if i < 5 {
			country, city = "France", fmt.Sprintf("Ville %d", i)
		}
		locations = append(locations, map[string]any{"facility": fmt.Sprintf("Site %02d", i), "city": city, "country": country, "status": "RECRUITING"})
	}
	b, _ := json.Marshal(map[string]any{"protocolSection": map[string]any{
		"identificationModule":    map[string]any{"nctId": "NCT09920001", "briefTitle": "A trial at many sites"},
		"statusModule":            map[string]any{"overallStatus": "RECRUITING", "lastUpdateSubmitDate": "2026-01-05"},
		"conditionsModule":        map[string]any{"conditions": []string{"Asthma"}},
		"eligibilityModule":       map[string]any{"eligibilityCriteria": "Inclusion Criteria:\n\n* Adults aged 18 years or older", "sex": "ALL", "minimumAge": "18 Years"},
		"contactsLocationsModule": map[string]any{"locations": locations},
	}})
	if _, err := s.cat.Import(context.Background(), synth.Reader([]json.RawMessage{b}), nil); err != nil {
		t.Fatal(err)
	}
	visit(t, ctx, s.url+"/trials/NCT09920001")
	if got := text(t, ctx, "#sites-showing"); got != "Showing 1–20 of 25 sites, those in the UK first" {
		t.Errorf("sites, page 1: %q", got)
	}
	if first := text(t, ctx, "#sites ~ table tbody tr td:nth-child(2)"); !strings.Contains(first, "United Kingdom") {
		t.Errorf("the first site is %q, want one in the UK", first)
	}
	axe(t, ctx, "trial with many sites")
	submit(t, ctx, `nav[aria-label="Pages of sites"] a.nhsuk-pagination__next`)
	if got := text(t, ctx, "#sites-showing"); got != "Showing 21–25 of 25 sites, those in the UK first" {
		t.Errorf("sites, page 2: %q", got)
	}
	if rows := texts(t, ctx, "#sites ~ table tbody tr"); len(rows) != 5 || !strings.Contains(rows[0], "France") {
		t.Errorf("sites page 2: %q", rows)
	}
}

// The administrator's lists page and say how many; accounts can be found by
// email; an action on a row returns to the same page of the list; the audit log
// pages through the API, keeping its filters.
func TestAdminListsPageAndCount(t *testing.T) {
	ctx := longTab(t)
	s := newAdminService(t)
	pw := s.user(t, "admin@example.org", "admin", "ops", "site")
	bg := context.Background()
	for i := range 27 {
		if _, _, err := s.auth.CreateUser(bg, fmt.Sprintf("nurse%02d@big.example.org", i), "nurse", "ops"); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 26 {
		if _, _, err := s.auth.CreateToken(bg, fmt.Sprintf("feed %02d", i), "nurse", "ops", 24*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 25 {
		if err := s.db.Orgs.Put(bg, &store.Org{ID: fmt.Sprintf("site-%02d", i), Name: fmt.Sprintf("Site %02d", i), Kind: "site"}); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Now().Add(-2 * time.Hour).UTC()
	for i := range 60 {
		if err := s.db.Audit.Append(bg, store.AuditEntry{At: at.Add(time.Duration(i) * time.Second), ActorRole: "nurse", ActorID: "u_paging0001",
			Action: "read", Subject: "patient", SubjectID: fmt.Sprintf("pt_paging%04d", i), Method: "GET", Route: "/api/v1/patients/:id", Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	signIn(t, ctx, s, "admin@example.org", pw)

	// Accounts: 28, found by email, paged; actions keep the place.
	visit(t, ctx, s.url+"/admin/users")
	if got := text(t, ctx, "#users-showing"); got != "Showing 1–25 of 28 accounts" {
		t.Errorf("accounts: %q", got)
	}
	axe(t, ctx, "accounts, page 1")
	submit(t, ctx, "a.nhsuk-pagination__next")
	if got := text(t, ctx, "#users-showing"); got != "Showing 26–28 of 28 accounts" {
		t.Errorf("accounts, page 2: %q", got)
	}
	email := js[string](t, ctx, `[...document.querySelectorAll("#users tr[data-email]")].map(r => r.dataset.email).find(e => e.startsWith("nurse"))`)
	submit(t, ctx, `#users tr[data-email="`+email+`"] form[action*="/reset-password"] button`)
	if got := text(t, ctx, "#users-showing"); got != "Showing 26–28 of 28 accounts" || text(t, ctx, "#secret-value") == "" {
		t.Errorf("after resetting a password on page 2: %q, secret %q", got, text(t, ctx, "#secret-value"))
	}
	axe(t, ctx, "accounts, page 2, after a password reset")
	fill(t, ctx, map[string]string{"#find-user": "NURSE07@"})
	submit(t, ctx, "#find-users")
	if got := text(t, ctx, "#users-showing"); got != "Showing 1 account matching “NURSE07@”" {
		t.Errorf("finding an account: %q", got)
	}
	submit(t, ctx, `#users tr[data-email="nurse07@big.example.org"] form[action*="/disable"] button`)
	if p := path(t, ctx); !strings.Contains(p, "q=NURSE07%40") || !strings.Contains(text(t, ctx, "#notice"), "disabled") {
		t.Errorf("after disabling from a search: at %s, notice %q", p, text(t, ctx, "#notice"))
	}
	if row := text(t, ctx, `#users tr[data-email="nurse07@big.example.org"]`); !strings.Contains(row, "Disabled") {
		t.Errorf("the disabled account's row: %q", row)
	}
	axe(t, ctx, "accounts found by email")

	// Tokens: 26, newest first; revoking on page 2 stays there.
	visit(t, ctx, s.url+"/admin/tokens")
	if got := text(t, ctx, "#tokens-showing"); got != "Showing 1–25 of 26 tokens, newest first" {
		t.Errorf("tokens: %q", got)
	}
	axe(t, ctx, "tokens, page 1")
	submit(t, ctx, "a.nhsuk-pagination__next")
	submit(t, ctx, "#tokens tbody tr form button")
	if p := path(t, ctx); !strings.Contains(p, "page=2") || !strings.Contains(text(t, ctx, "#notice"), "revoked") {
		t.Errorf("after revoking on page 2: at %s", p)
	}

	// Organisations: 26 (ops and 25 sites).
	visit(t, ctx, s.url+"/admin/orgs")
	if got := text(t, ctx, "#orgs-showing"); got != "Showing 1–25 of 26 organisations" {
		t.Errorf("organisations: %q", got)
	}
	axe(t, ctx, "organisations, page 1")

	// The audit log: pages from the API, filters kept.
	visit(t, ctx, s.url+"/admin/audit?actorId=u_paging0001")
	if got := text(t, ctx, "#audit-showing"); got != "Showing 1–50 of 60 entries, newest first" {
		t.Errorf("audit log: %q", got)
	}
	axe(t, ctx, "audit log, page 1")
	submit(t, ctx, "a.nhsuk-pagination__next")
	if got := text(t, ctx, "#audit-showing"); got != "Showing 51–60 of 60 entries, newest first" {
		t.Errorf("audit log, page 2: %q", got)
	}
	if last := texts(t, ctx, "#audit tbody tr"); len(last) != 10 || !strings.Contains(last[9], "pt_paging0000") {
		t.Errorf("the oldest entry is not last on page 2: %d rows", len(last))
	}
}
