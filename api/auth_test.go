package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// clock is a controllable time for session expiry tests.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func sessionCookie(t *testing.T, res *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == "__Host-equitrial_session" {
			return c
		}
	}
	t.Fatalf("no session cookie in response (status %d)", res.StatusCode)
	return nil
}

func withCookie(c *http.Cookie) map[string]string {
	return map[string]string{"Cookie": c.Name + "=" + c.Value}
}

// newUser makes an account the way `equitrial users create` does and signs it in,
// changing the one-time password; it returns the password and a session cookie.
func (s *service) newUser(email, role, org string) (string, *http.Cookie) {
	s.t.Helper()
	_, once, err := s.auth.CreateUser(context.Background(), email, role, org)
	if err != nil {
		s.t.Fatal(err)
	}
	res, _ := s.request("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": once}, nil)
	first := sessionCookie(s.t, res)
	pw := "a much longer password for " + role
	res, body := s.request("POST", "/api/v1/auth/password", map[string]string{"currentPassword": once, "newPassword": pw}, withCookie(first))
	if res.StatusCode != http.StatusOK {
		s.t.Fatalf("password change: %d %s", res.StatusCode, body)
	}
	res, body = s.request("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": pw}, nil)
	if res.StatusCode != http.StatusOK {
		s.t.Fatalf("login: %d %s", res.StatusCode, body)
	}
	return pw, sessionCookie(s.t, res)
}

func TestLoginSessionAndOneTimePassword(t *testing.T) {
	s := newService(t)
	_, once, err := s.auth.CreateUser(context.Background(), "Nurse.One@example.nhs.uk", "nurse", "site-a")
	if err != nil {
		t.Fatal(err)
	}
	res, _ := s.request("POST", "/api/v1/auth/login", map[string]string{"email": "nurse.one@example.nhs.uk", "password": "wrong password here"}, nil)
	if res.StatusCode != http.StatusUnauthorized || len(res.Cookies()) != 0 {
		t.Fatalf("wrong password: %d with cookies %v", res.StatusCode, res.Cookies())
	}
	res, body := s.request("POST", "/api/v1/auth/login", map[string]string{"email": "nurse.one@example.nhs.uk", "password": once}, nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"mustChangePassword":true`) {
		t.Fatalf("login with one-time password: %d %s", res.StatusCode, body)
	}
	c := sessionCookie(t, res)
	if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Fatalf("cookie attributes: %+v", c)
	}
	// Until the one-time password is changed, nothing else is allowed.
	if res, _ := s.request("GET", "/api/v1/auth/logout-everywhere", nil, withCookie(c)); res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET logout-everywhere: %d", res.StatusCode)
	}
	if res, _ := s.request("POST", "/api/v1/auth/logout-everywhere", nil, withCookie(c)); res.StatusCode != http.StatusForbidden {
		t.Fatalf("with a one-time password, logout-everywhere gave %d, want 403", res.StatusCode)
	}
	res, body = s.request("POST", "/api/v1/auth/password", map[string]string{"currentPassword": once, "newPassword": "short"}, withCookie(c))
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "newPassword") {
		t.Fatalf("short new password: %d %s", res.StatusCode, body)
	}
	res, _ = s.request("POST", "/api/v1/auth/password", map[string]string{"currentPassword": once, "newPassword": "twelve chars or more"}, withCookie(c))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("password change: %d", res.StatusCode)
	}
	// The change ended the session.
	if res, _ := s.request("GET", "/api/v1/me", nil, withCookie(c)); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old session after password change: %d, want 401", res.StatusCode)
	}
	res, _ = s.request("POST", "/api/v1/auth/login", map[string]string{"email": "nurse.one@example.nhs.uk", "password": "twelve chars or more"}, nil)
	c = sessionCookie(t, res)
	var me struct{ Role, Org, UserID string }
	_, body = s.request("GET", "/api/v1/me", nil, withCookie(c))
	json.Unmarshal(body, &me)
	if me.Role != "nurse" || me.Org != "site-a" {
		t.Fatalf("me = %+v", me)
	}
}

func TestSessionFixationIsPrevented(t *testing.T) {
	s := newService(t)
	pw, victimOld := s.newUser("victim@example.nhs.uk", "nurse", "site-a")
	// An attacker plants a session id in the victim's browser before sign-in; the
	// sign-in must issue a different one and end the planted one.
	for _, planted := range []string{"attacker-chosen-value", victimOld.Value} {
		res, _ := s.request("POST", "/api/v1/auth/login", map[string]string{"email": "victim@example.nhs.uk", "password": pw},
			map[string]string{"Cookie": "__Host-equitrial_session=" + planted})
		fresh := sessionCookie(t, res)
		if fresh.Value == planted {
			t.Fatal("sign-in kept the session id the browser presented")
		}
		if res, _ := s.request("GET", "/api/v1/me", nil, map[string]string{"Cookie": "__Host-equitrial_session=" + planted}); res.StatusCode != http.StatusUnauthorized && planted == victimOld.Value {
			t.Fatalf("the session presented at sign-in still works: %d", res.StatusCode)
		}
	}
}

func TestSessionExpiryAndSignOut(t *testing.T) {
	s := newService(t)
	clk := &clock{now: time.Now().UTC()}
	s.auth.Now = clk.Now
	pw, c := s.newUser("n@example.nhs.uk", "nurse", "site-a")
	me := func(c *http.Cookie) int {
		res, _ := s.request("GET", "/api/v1/me", nil, withCookie(c))
		return res.StatusCode
	}
	clk.now = clk.now.Add(29 * time.Minute)
	if code := me(c); code != http.StatusOK {
		t.Fatalf("after 29 idle minutes: %d", code)
	}
	clk.now = clk.now.Add(31 * time.Minute)
	if code := me(c); code != http.StatusUnauthorized {
		t.Fatalf("after 31 idle minutes: %d, want 401", code)
	}
	// Absolute limit: active every 20 minutes, still ends after 12 hours.
	res, _ := s.request("POST", "/api/v1/auth/login", map[string]string{"email": "n@example.nhs.uk", "password": pw}, nil)
	c = sessionCookie(t, res)
	for i := 0; i < 35; i++ {
		clk.now = clk.now.Add(20 * time.Minute)
		if code := me(c); code != http.StatusOK {
			t.Fatalf("active session ended after %d minutes", (i+1)*20)
		}
	}
	clk.now = clk.now.Add(20 * time.Minute)
	if code := me(c); code != http.StatusUnauthorized {
		t.Fatalf("session past 12 hours: %d, want 401", code)
	}
	// Sign out ends one session; sign out everywhere ends them all.
	login := func() *http.Cookie {
		res, _ := s.request("POST", "/api/v1/auth/login", map[string]string{"email": "n@example.nhs.uk", "password": pw}, nil)
		return sessionCookie(t, res)
	}
	a, b, d := login(), login(), login()
	if res, _ := s.request("POST", "/api/v1/auth/logout", nil, withCookie(a)); res.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if me(a) != http.StatusUnauthorized || me(b) != http.StatusOK {
		t.Fatal("logout ended the wrong sessions")
	}
	if res, _ := s.request("POST", "/api/v1/auth/logout-everywhere", nil, withCookie(b)); res.StatusCode != http.StatusOK {
		t.Fatalf("logout-everywhere: %d", res.StatusCode)
	}
	if me(b) != http.StatusUnauthorized || me(d) != http.StatusUnauthorized {
		t.Fatal("logout-everywhere left a session alive")
	}
}

func TestLoginThrottling(t *testing.T) {
	s := newService(t)
	pw, _ := s.newUser("locked@example.nhs.uk", "nurse", "site-a")
	for i := 0; i < 5; i++ {
		s.request("POST", "/api/v1/auth/login", map[string]string{"email": "locked@example.nhs.uk", "password": "guess number " + string(rune('a'+i))}, nil)
	}
	res, body := s.request("POST", "/api/v1/auth/login", map[string]string{"email": "locked@example.nhs.uk", "password": pw}, nil)
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "locked") {
		t.Fatalf("after 5 failures, the right password gave %d %s; want 429 locked", res.StatusCode, body)
	}
	// Per IP: the burst is spent (6 sign-ins so far plus newUser's 2); more from the
	// same address are refused whatever the account.
	var limited bool
	for i := 0; i < 5 && !limited; i++ {
		res, _ := s.request("POST", "/api/v1/auth/login", map[string]string{"email": "nobody@example.nhs.uk", "password": "whatever it is"}, nil)
		limited = res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") != ""
	}
	if !limited {
		t.Fatal("no per-IP limit on sign-in attempts")
	}
}

func TestAPITokens(t *testing.T) {
	s := newService(t)
	res, body := s.request("POST", "/api/v1/tokens", map[string]string{"name": "EPR feed", "role": "nurse", "org": "site-a", "ttl": "1h"},
		map[string]string{"Authorization": "Bearer " + adminToken})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create token: %d %s", res.StatusCode, body)
	}
	var tok struct{ Token, ID string }
	json.Unmarshal(body, &tok)
	bearer := map[string]string{"Authorization": "Bearer " + tok.Token}
	_, body = s.request("GET", "/api/v1/me", nil, bearer)
	if !strings.Contains(string(body), `"role":"nurse"`) || !strings.Contains(string(body), `"org":"site-a"`) {
		t.Fatalf("token caller: %s", body)
	}
	stored, _ := s.db.Tokens.Get(context.Background(), tok.ID)
	if strings.Contains(stored.SecretHash, strings.Split(tok.Token, "_")[2]) {
		t.Fatal("the token secret is stored in the clear")
	}
	if res, _ := s.request("POST", "/api/v1/users", map[string]string{"email": "x@example.nhs.uk", "role": "admin"}, bearer); res.StatusCode != http.StatusForbidden {
		t.Fatalf("nurse token creating a user: %d, want 403", res.StatusCode)
	}
	if res, _ := s.request("DELETE", "/api/v1/tokens/"+tok.ID, nil, map[string]string{"Authorization": "Bearer " + adminToken}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if res, _ := s.request("GET", "/api/v1/me", nil, bearer); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d, want 401", res.StatusCode)
	}
	s.auth.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	secret, _, _ := s.auth.CreateToken(context.Background(), "", "admin", "", time.Hour)
	s.auth.Now = func() time.Time { return time.Now().Add(4 * time.Hour) }
	if res, _ := s.request("GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + secret}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("expired token: %d, want 401", res.StatusCode)
	}
	for _, bad := range []string{"Bearer eqt_nonsense", "Bearer ", "Basic Zm9vOmJhcg=="} {
		if res, _ := s.request("GET", "/api/v1/trials", nil, map[string]string{"Authorization": bad}); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d, want 401", bad, res.StatusCode)
		}
	}
}

func TestCrossSiteRequestsAreRefused(t *testing.T) {
	s := newService(t)
	_, c := s.newUser("csrf@example.nhs.uk", "nurse", "site-a")
	cross := withCookie(c)
	cross["Origin"] = "https://evil.example"
	cross["Sec-Fetch-Site"] = "cross-site"
	cross["Content-Type"] = "application/x-www-form-urlencoded"
	res, body := s.request("POST", "/api/v1/auth/logout-everywhere", nil, cross)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "another site") {
		t.Fatalf("cross-site form post: %d %s; want 403", res.StatusCode, body)
	}
	if res, _ := s.request("GET", "/api/v1/me", nil, withCookie(c)); res.StatusCode != http.StatusOK {
		t.Fatalf("the refused request ended the session: %d", res.StatusCode)
	}
	same := withCookie(c)
	same["Sec-Fetch-Site"] = "same-origin"
	if res, _ := s.request("POST", "/api/v1/auth/logout", nil, same); res.StatusCode != http.StatusNoContent {
		t.Fatalf("same-origin post: %d", res.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	s := newService(t)
	res, _ := s.request("GET", "/api/v1/trials", nil, nil)
	for h, want := range map[string]string{
		"X-Content-Type-Options":    "nosniff",
		"Strict-Transport-Security": "max-age=",
		"Referrer-Policy":           "no-referrer",
		"Content-Security-Policy":   "frame-ancestors 'none'",
		"X-Frame-Options":           "DENY",
	} {
		if !strings.Contains(res.Header.Get(h), want) {
			t.Errorf("%s = %q, want it to contain %q", h, res.Header.Get(h), want)
		}
	}
	res2, _ := s.request("GET", "/api/v1/trials", nil, nil)
	if res.Header.Get("Content-Security-Policy") == res2.Header.Get("Content-Security-Policy") {
		t.Error("the CSP nonce is the same on two responses")
	}
}

// Self-registration is open to anyone, so it is limited per client address: a burst
// of five, then one every two minutes.
func TestRegistrationIsRateLimited(t *testing.T) {
	s := newService(t)
	var codes []int
	for i := 0; i < 7; i++ {
		res, _ := s.request("POST", "/api/v1/register", map[string]any{}, nil)
		codes = append(codes, res.StatusCode)
	}
	for i, c := range codes {
		if i < 5 && c == http.StatusTooManyRequests || i >= 5 && c != http.StatusTooManyRequests {
			t.Fatalf("registration statuses %v: want the first five through (400: empty form) and then 429", codes)
		}
	}
}

// Someone whose session has ended still has its cookie: signing in again must
// work, and a wrong password must count once towards the lockout.
func TestSignInWithAnEndedSessionCookie(t *testing.T) {
	s := newService(t)
	pw, c := s.newUser("back@example.nhs.uk", "nurse", "site-a")
	s.request("POST", "/api/v1/auth/logout", nil, withCookie(c))
	ended := withCookie(c)
	if res, body := s.request("POST", "/api/v1/auth/login", map[string]string{"email": "back@example.nhs.uk", "password": pw}, ended); res.StatusCode != http.StatusOK {
		t.Fatalf("sign-in with an ended session cookie: %d %s", res.StatusCode, body)
	}
	if res, _ := s.request("GET", "/api/v1/me", nil, ended); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the ended session works again: %d", res.StatusCode)
	}
}
