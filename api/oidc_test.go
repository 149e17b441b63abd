package api_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"equitrial/auth"
	"equitrial/internal/app"
)

// fakeProvider is a minimal OpenID Connect provider: discovery, keys, and a token
// endpoint that issues RS256-signed ID tokens with the claims a test chooses.
type fakeProvider struct {
	srv    *httptest.Server
	key    *rsa.PrivateKey
	claims map[string]any // added to every ID token
	nonce  string         // the nonce of the last authorisation request
}

func newFakeProvider(t *testing.T) *fakeProvider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &fakeProvider{key: key, claims: map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token",
			"jwks_uri": p.srv.URL + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("code") != "good-code" || r.Form.Get("code_verifier") == "" {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		claims := map[string]any{"iss": p.srv.URL, "aud": "equitrial-client", "sub": "user-1",
			"iat": time.Now().Unix(), "exp": time.Now().Add(5 * time.Minute).Unix(), "nonce": p.nonce}
		for k, v := range p.claims {
			claims[k] = v
		}
		payload, _ := json.Marshal(claims)
		signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
		jws, _ := signer.Sign(payload)
		idToken, _ := jws.CompactSerialize()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": idToken})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func TestOIDCStaffSignIn(t *testing.T) {
	idp := newFakeProvider(t)
	provider, err := auth.NewOIDCProvider(context.Background(), auth.OIDCConfig{Name: "staff", Issuer: idp.srv.URL,
		ClientID: "equitrial-client", ClientSecret: "s", RedirectURL: "https://equitrial.test/auth/oidc/staff/callback", Scopes: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	s := newServiceWith(t, func(cfg *app.Config) { cfg.OIDC = map[string]*auth.OIDCProvider{"staff": provider} })
	s.auth.CreateUser(context.Background(), "cis2.nurse@example.nhs.uk", "nurse", "site-a")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	signIn := func(mutate func(state *string)) (int, *http.Cookie, string) {
		res, err := noRedirect.Get(s.url + "/auth/oidc/staff/login")
		if err != nil || res.StatusCode != http.StatusFound {
			t.Fatalf("login redirect: %v %v", res.StatusCode, err)
		}
		loc, _ := url.Parse(res.Header.Get("Location"))
		if !strings.HasPrefix(loc.String(), idp.srv.URL+"/authorize") || loc.Query().Get("code_challenge") == "" {
			t.Fatalf("redirect to %s: not the provider, or no PKCE", loc)
		}
		idp.nonce = loc.Query().Get("nonce")
		state := loc.Query().Get("state")
		if mutate != nil {
			mutate(&state)
		}
		var oidcCookie *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "__Host-equitrial_oidc" {
				oidcCookie = c
			}
		}
		req, _ := http.NewRequest("GET", s.url+"/auth/oidc/staff/callback?code=good-code&state="+url.QueryEscape(state), nil)
		req.Header.Set("Cookie", oidcCookie.Name+"="+oidcCookie.Value)
		res, err = noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range res.Cookies() {
			if c.Name == "__Host-equitrial_session" && c.Value != "" {
				return res.StatusCode, c, res.Header.Get("Location")
			}
		}
		return res.StatusCode, nil, res.Header.Get("Location")
	}

	idp.claims = map[string]any{"email": "CIS2.Nurse@example.nhs.uk", "email_verified": true}
	code, cookie, _ := signIn(nil)
	if code != http.StatusFound || cookie == nil {
		t.Fatalf("sign-in: %d, cookie %v", code, cookie)
	}
	_, body := s.request("GET", "/api/v1/me", nil, withCookie(cookie))
	if !strings.Contains(string(body), `"role":"nurse"`) || strings.Contains(string(body), "mustChangePassword") {
		t.Fatalf("me after OIDC sign-in: %s", body)
	}
	// Refusals send the browser back to the sign-in page with a reason, and no session.
	refused := func(what string, mutate func(*string), reason string) {
		t.Helper()
		code, c, where := signIn(mutate)
		if code != http.StatusSeeOther || c != nil || where != "/sign-in?failed="+reason {
			t.Fatalf("%s: %d to %q with cookie %v; want 303 to /sign-in?failed=%s and no session", what, code, where, c, reason)
		}
	}
	refused("forged state", func(st *string) { *st = "forged" }, "failed")
	refused("wrong nonce", func(*string) { idp.nonce = "replayed" }, "failed")
	idp.claims = map[string]any{"email": "stranger@example.nhs.uk", "email_verified": true}
	refused("no account", nil, "no-account")
	idp.claims = map[string]any{"email": "cis2.nurse@example.nhs.uk", "email_verified": false}
	refused("unverified email", nil, "no-account")
	if res, _ := s.request("GET", "/auth/oidc/patient/login", nil, nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("unconfigured provider: %d, want 404", res.StatusCode)
	}
}
