package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"equitrial/internal/app"
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

// throttledService trusts the test's own address as a proxy, so each request can
// name its client in X-Forwarded-For, and runs the auth service on a clock the
// test moves.
func throttledService(t *testing.T) (*service, *clock) {
	s := newServiceWith(t, func(cfg *app.Config) { cfg.TrustedProxies = []string{"127.0.0.1/32", "::1/128"} })
	clk := &clock{now: time.Now().UTC()}
	s.auth.Now = clk.Now
	return s, clk
}

// loginFrom signs in as a client at address ip.
func (s *service) loginFrom(ip, email, pw string) (*http.Response, []byte) {
	s.t.Helper()
	return s.request("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": pw}, map[string]string{"X-Forwarded-For": ip})
}

// signInAnswer is what a client can observe of a refused sign-in.
func signInAnswer(res *http.Response, body []byte) string {
	return fmt.Sprintf("%d retry-after=%q type=%q cookies=%d %s", res.StatusCode, res.Header.Get("Retry-After"),
		res.Header.Get("Content-Type"), len(res.Cookies()), body)
}

// Repeated failures at a real account and at an address with no account get the
// same answers, failure by failure and through the back-off, so the throttle does
// not tell who has an account.
func TestLoginThrottleAnswersUnknownAccountsLikeRealOnes(t *testing.T) {
	s, clk := throttledService(t)
	s.newUser("real@example.nhs.uk", "admin", "")
	for i := 0; i < 7; i++ {
		real := signInAnswer(s.loginFrom("198.51.100.1", "real@example.nhs.uk", "a wrong guess "+strconv.Itoa(i)))
		ghost := signInAnswer(s.loginFrom("198.51.100.2", "ghost@example.nhs.uk", "a wrong guess "+strconv.Itoa(i)))
		if real != ghost {
			t.Fatalf("attempt %d: a real account answered\n  %s\nbut an unknown one\n  %s", i+1, real, ghost)
		}
		if i == 4 {
			clk.now = clk.now.Add(time.Second) // the first wait is over: the next attempt is checked
		}
	}
}

// An attacker's failures from one client slow that client, not the account's owner
// signing in from elsewhere, admins included; and there is no lock: the attacker's
// own wait ends.
func TestLoginThrottleDoesNotLockOutTheRealUser(t *testing.T) {
	s, clk := throttledService(t)
	pw, _ := s.newUser("boss@example.nhs.uk", "admin", "")
	for i := 0; i < 9; i++ {
		if i > 0 {
			clk.now = clk.now.Add(time.Minute) // past the attacker's wait, so each guess is checked
		}
		if res, body := s.loginFrom("203.0.113.66", "boss@example.nhs.uk", "guess "+strconv.Itoa(i)); res.StatusCode == http.StatusOK {
			t.Fatalf("attacker's guess %d: %d %s", i+1, res.StatusCode, body)
		}
	}
	// The owner, from their own client, signs in at once…
	if res, body := s.loginFrom("192.0.2.10", "boss@example.nhs.uk", pw); res.StatusCode != http.StatusOK {
		t.Fatalf("the real user from another client after the attacker's failures: %d %s, want 200", res.StatusCode, body)
	}
	// …while the attacking client waits, even with the right password.
	if res, body := s.loginFrom("203.0.113.66", "boss@example.nhs.uk", pw); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the attacking client with the right password during its wait: %d %s, want 429", res.StatusCode, body)
	}
}

// Each failure after the free ones doubles the wait, told in Retry-After and the detail.
func TestLoginBackOffGrows(t *testing.T) {
	s, clk := throttledService(t)
	s.newUser("n@example.nhs.uk", "nurse", "site-a")
	fail := func() {
		t.Helper()
		if res, body := s.loginFrom("198.51.100.7", "n@example.nhs.uk", "not the password"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("checked attempt: %d %s, want 401", res.StatusCode, body)
		}
	}
	for i := 0; i < 3; i++ {
		fail()
	}
	var waits []int
	for i := 0; i < 3; i++ {
		res, body := s.loginFrom("198.51.100.7", "n@example.nhs.uk", "not the password")
		wait, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		if res.StatusCode != http.StatusTooManyRequests || wait < 1 || !strings.Contains(string(body), "try again in "+strconv.Itoa(wait)+" seconds") {
			t.Fatalf("during back-off: %d Retry-After %q %s", res.StatusCode, res.Header.Get("Retry-After"), body)
		}
		waits = append(waits, wait)
		clk.now = clk.now.Add(time.Duration(wait) * time.Second)
		fail()
	}
	if !(waits[0] < waits[1] && waits[1] < waits[2]) {
		t.Fatalf("waits %v: want each longer than the one before", waits)
	}
}

// One client spraying guesses over many accounts is slowed too, whichever accounts
// it names; other clients are not.
func TestLoginThrottlePerClient(t *testing.T) {
	s, _ := throttledService(t)
	s.auth.Throttling.Client.Free = 4
	pw, _ := s.newUser("n@example.nhs.uk", "nurse", "site-a")
	for i := 0; i < 4; i++ {
		s.loginFrom("198.51.100.9", "someone"+strconv.Itoa(i)+"@example.nhs.uk", "password1234")
	}
	if res, _ := s.loginFrom("198.51.100.9", "n@example.nhs.uk", pw); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the spraying client: %d, want 429", res.StatusCode)
	}
	if res, _ := s.loginFrom("198.51.100.10", "n@example.nhs.uk", pw); res.StatusCode != http.StatusOK {
		t.Fatalf("another client: %d, want 200", res.StatusCode)
	}
}

// The current-password check of a password change is throttled like sign-in: a
// stolen session cannot be used to guess the password.
func TestPasswordChangeCheckIsThrottled(t *testing.T) {
	s, clk := throttledService(t)
	pw, c := s.newUser("n@example.nhs.uk", "nurse", "site-a")
	change := func(current string) (*http.Response, []byte) {
		h := withCookie(c)
		h["X-Forwarded-For"] = "198.51.100.20"
		return s.request("POST", "/api/v1/auth/password", map[string]string{"currentPassword": current, "newPassword": "another long password here"}, h)
	}
	for i := 0; i < 3; i++ {
		if res, body := change("guess " + strconv.Itoa(i)); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("wrong current password %d: %d %s, want 400", i+1, res.StatusCode, body)
		}
	}
	res, body := change("guess 4")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("fourth wrong current password: %d %s, want 429 with Retry-After", res.StatusCode, body)
	}
	if res, _ := change(pw); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the right password during the wait: %d, want 429 (not checked)", res.StatusCode)
	}
	clk.now = clk.now.Add(time.Minute)
	if res, body := change(pw); res.StatusCode != http.StatusOK {
		t.Fatalf("after the wait, the right current password: %d %s", res.StatusCode, body)
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
