package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"equitrial"
	"equitrial/auth"
	"equitrial/internal/app"
	"equitrial/patients"
	"equitrial/store"
)

// Responses that carry secrets or personal data are never stored by a browser or a
// cache: the token list, the audit log, a new token or one-time password, who the
// caller is, organisations.
func TestSecretAndPersonalResponsesAreNotStored(t *testing.T) {
	s := newService(t)
	admin := map[string]string{"Authorization": "Bearer " + adminToken}
	for _, r := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/tokens", nil},
		{"GET", "/api/v1/audit", nil},
		{"GET", "/api/v1/me", nil},
		{"GET", "/api/v1/orgs", nil},
		{"POST", "/api/v1/tokens", map[string]string{"name": "feed", "role": "nurse", "org": "site-a", "ttl": "1h"}},
		{"POST", "/api/v1/users", map[string]string{"email": "new@example.nhs.uk", "role": "nurse", "org": "site-a"}},
	} {
		res, body := s.request(r.method, r.path, r.body, admin)
		if res.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", r.method, r.path, res.StatusCode, body)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s %s: Cache-Control %q, want no-store", r.method, r.path, cc)
		}
	}
}

// encoding/json matches object keys to fields case-insensitively; writes refuse a
// key that differs from a field only in case, at any depth.
func TestWritesRefuseKeysDifferingOnlyInCase(t *testing.T) {
	s := newService(t)
	admin := map[string]string{"Authorization": "Bearer " + adminToken}
	p, err := s.db.Patients.Create(context.Background(), &equitrial.Patient{GivenName: "Ada", Org: "site-a", Source: "nurse",
		Consent: equitrial.Consent{Contact: true, Date: "2026-01-05", Version: "v1", Channel: "paper"}}, store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		method, path, key string
		body              any
	}{
		{"POST", "/api/v1/tokens", "Org", map[string]string{"name": "feed", "role": "nurse", "Org": "site-b", "ttl": "1h"}},
		{"POST", "/api/v1/users", "ROLE", map[string]string{"email": "x@example.nhs.uk", "ROLE": "admin", "org": "site-a"}},
		{"PUT", "/api/v1/orgs/site-a", "ID", map[string]any{"kind": "site", "name": "A", "ID": "site-b"}},
		{"POST", "/api/v1/patients?org=site-a", "consent.Contact", map[string]any{"givenName": "B", "consent": map[string]any{"Contact": true}}},
		{"PATCH", "/api/v1/patients/" + p.ID, "consent.Contact", map[string]any{"consent": map[string]any{"Contact": false}}},
		{"PATCH", "/api/v1/patients/" + p.ID, "conditions[0].Text", map[string]any{"conditions": []any{map[string]any{"Text": "asthma"}}}},
	} {
		res, body := s.request(r.method, r.path, r.body, admin)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"`+r.key+`"`) {
			t.Errorf("%s %s with key %s: %d %s; want 400 naming it", r.method, r.path, r.key, res.StatusCode, body)
		}
	}
	if got, _ := s.db.Patients.Get(context.Background(), p.ID); got == nil || !got.Consent.Contact {
		t.Fatalf("a miscased key changed the record: %+v", got)
	}
}

// A patient may not change their own NHS number (to someone else's, say); staff may.
func TestPatientCannotChangeTheirNHSNumber(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	link, hash := patients.NewAccessToken()
	own, err := s.db.Patients.Create(ctx, &equitrial.Patient{GivenName: "Ada", NHSNumber: "9434765919", Org: "site-a", Source: "nurse",
		Consent: equitrial.Consent{Contact: true, Date: "2026-01-05", Version: "v1", Channel: "paper"}}, store.CreateOptions{AccessTokenHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Patients.Create(ctx, &equitrial.Patient{GivenName: "Bo", NHSNumber: "4010232137", Org: "site-b", Source: "nurse"}, store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	patch := func(token string, body any) (int, string) {
		res, b := s.request("PATCH", "/api/v1/patients/"+own.ID, body, map[string]string{"Authorization": "Bearer " + token})
		return res.StatusCode, string(b)
	}
	for _, number := range []string{"4010232137", "9434765870", ""} {
		if code, body := patch(link, map[string]any{"nhsNumber": number}); code != http.StatusForbidden || !strings.Contains(body, `"nhsNumber"`) {
			t.Fatalf("patient changing their NHS number to %q: %d %s; want 403 naming nhsNumber", number, code, body)
		}
	}
	if got, _ := s.db.Patients.Get(ctx, own.ID); got.NHSNumber != "9434765919" {
		t.Fatalf("NHS number now %q", got.NHSNumber)
	}
	if code, body := patch(link, map[string]any{"nhsNumber": "943 476 5919", "givenName": "Ada Mary"}); code != http.StatusOK {
		t.Fatalf("patient patch keeping the number (spelt differently): %d %s", code, body)
	}
	nurse, _, _ := s.auth.CreateToken(ctx, "ward", "nurse", "site-a", 3600e9)
	if code, body := patch(nurse, map[string]any{"nhsNumber": "9434765870"}); code != http.StatusOK {
		t.Fatalf("nurse correcting the NHS number: %d %s", code, body)
	}
}

// NHS login signs a patient in to the one record with their NHS number, and refuses
// (sending the browser back to the sign-in page) when two records share it, rather
// than choosing whichever comes first.
func TestNHSLoginRefusesAnAmbiguousNHSNumber(t *testing.T) {
	idp := newFakeProvider(t)
	provider, err := auth.NewOIDCProvider(context.Background(), auth.OIDCConfig{Name: "patient", Issuer: idp.srv.URL,
		ClientID: "equitrial-client", ClientSecret: "s", RedirectURL: "https://equitrial.test/auth/oidc/patient/callback"})
	if err != nil {
		t.Fatal(err)
	}
	s := newServiceWith(t, func(cfg *app.Config) { cfg.OIDC = map[string]*auth.OIDCProvider{"patient": provider} })
	ctx := context.Background()
	mk := func(org, nhs string) string {
		p, err := s.db.Patients.Create(ctx, &equitrial.Patient{GivenName: "P", NHSNumber: nhs, Org: org, Source: "nurse"}, store.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	unique := mk("site-a", "9434765919")
	mk("site-a", "4010232137")
	mk("site-b", "4010232137")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	signIn := func(nhs string) (int, string, *http.Cookie) {
		t.Helper()
		idp.claims = map[string]any{"nhs_number": nhs}
		res, err := noRedirect.Get(s.url + "/auth/oidc/patient/login")
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := url.Parse(res.Header.Get("Location"))
		idp.nonce = loc.Query().Get("nonce")
		req, _ := http.NewRequest("GET", s.url+"/auth/oidc/patient/callback?code=good-code&state="+url.QueryEscape(loc.Query().Get("state")), nil)
		for _, c := range res.Cookies() {
			req.AddCookie(c)
		}
		if res, err = noRedirect.Do(req); err != nil {
			t.Fatal(err)
		}
		for _, c := range res.Cookies() {
			if c.Name == "__Host-equitrial_session" && c.Value != "" {
				return res.StatusCode, res.Header.Get("Location"), c
			}
		}
		return res.StatusCode, res.Header.Get("Location"), nil
	}
	if code, where, c := signIn("4010232137"); code != http.StatusSeeOther || where != "/sign-in?failed=ambiguous" || c != nil {
		t.Fatalf("NHS login with a number on two records: %d to %q, session %v; want 303 to /sign-in?failed=ambiguous and none", code, where, c)
	}
	code, _, c := signIn("9434765919")
	if code != http.StatusFound || c == nil {
		t.Fatalf("NHS login with a number on one record: %d, session %v", code, c)
	}
	if _, body := s.request("GET", "/api/v1/me", nil, withCookie(c)); !strings.Contains(string(body), unique) {
		t.Fatalf("me after NHS login: %s, want patient %s", body, unique)
	}
}
