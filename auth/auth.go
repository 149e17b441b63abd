// Package auth signs staff in and out, keeps their server-side sessions, and issues
// and checks API tokens for integrations. It is used by the API and by the CLI
// commands that create the first accounts and tokens, so both follow one set of rules.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"equitrial"
	"equitrial/internal/password"
	"equitrial/store"
)

// Staff roles that accounts and tokens may have.
var StaffRoles = map[string]bool{"nurse": true, "sponsor": true, "admin": true}

// Service holds the repositories and the session rules.
type Service struct {
	Users    *store.Users
	Sessions *store.Sessions
	Tokens   *store.Tokens

	// Throttle keeps failed password checks; nil turns throttling off.
	Throttle *store.Throttle

	IdleTimeout     time.Duration // a session unused this long ends
	AbsoluteTimeout time.Duration // a session ends this long after sign-in regardless
	Throttling      Throttling    // back-off after failed password checks (throttle.go)
	Now             func() time.Time

	purgeMu   sync.Mutex
	lastPurge time.Time
}

// New returns a Service with the default rules: 30 minutes idle, 12 hours absolute,
// and DefaultThrottling for failed password checks.
func New(db *store.DB) *Service {
	return &Service{Users: db.Users, Sessions: db.Sessions, Tokens: db.Tokens, Throttle: db.Throttle,
		IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 12 * time.Hour, Throttling: DefaultThrottling(),
		Now: func() time.Time { return time.Now().UTC() }}
}

// CreateUser makes a staff account with a one-time password, returned once, that the
// user must change at first sign-in. There is never a default password.
func (s *Service) CreateUser(ctx context.Context, email, role, org string) (*store.User, string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var bad []equitrial.FieldError
	if at := strings.IndexByte(email, '@'); at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n") || len(email) > 254 {
		bad = append(bad, equitrial.FieldError{Field: "email", Detail: "must be an email address"})
	}
	if !StaffRoles[role] {
		bad = append(bad, equitrial.FieldError{Field: "role", Detail: "must be nurse, sponsor or admin"})
	}
	if org == "" && role != "admin" {
		bad = append(bad, equitrial.FieldError{Field: "org", Detail: "nurses and sponsors belong to an organisation"})
	}
	if len(bad) > 0 {
		return nil, "", equitrial.Invalid("", bad...)
	}
	pw := password.OneTime()
	hash, err := password.Hash(pw)
	if err != nil {
		return nil, "", err
	}
	u := &store.User{Email: email, Role: role, Org: org, PasswordHash: hash, MustChangePassword: true}
	if err := s.Users.Create(ctx, u); err != nil {
		return nil, "", err
	}
	return u, pw, nil
}

var errBadLogin = equitrial.Errorf(equitrial.KindUnauthorized, "the email or password is not right")

// Login checks a password and starts a new session, returning the cookie value. A
// new session id is made at every sign-in (and any session the browser presented is
// ended by the caller), so a session id planted before sign-in is worthless.
func (s *Service) Login(ctx context.Context, email, pw string) (string, *store.Session, error) {
	return s.LoginFrom(ctx, email, pw, "")
}

// LoginFrom is Login for a client at address client. Failed attempts slow further
// ones with exponential back-off (see Throttling); an unknown email address is
// counted and answered exactly as a real one, so neither the answer nor the wait
// tells whether an account exists.
func (s *Service) LoginFrom(ctx context.Context, email, pw, client string) (string, *store.Session, error) {
	keys := s.loginKeys(email, client)
	if err := s.wait(ctx, keys); err != nil {
		return "", nil, err
	}
	u, err := s.Users.ByEmail(ctx, email)
	switch {
	case equitrial.Is(equitrial.KindNotFound, err):
		password.Verify(password.Dummy, pw) // same time as a real check
		u = nil
	case err != nil:
		return "", nil, err
	}
	if u == nil || !password.Verify(u.PasswordHash, pw) || u.Disabled {
		if err := s.failed(ctx, keys); err != nil {
			return "", nil, err
		}
		return "", nil, errBadLogin
	}
	if err := s.succeeded(ctx, keys); err != nil {
		return "", nil, err
	}
	if err := s.Users.RecordLogin(ctx, u.ID); err != nil {
		return "", nil, err
	}
	return s.startSession(ctx, u.ID, u.Role, u.Org, "", u.MustChangePassword)
}

// startSession makes a new session and returns its cookie value.
func (s *Service) startSession(ctx context.Context, userID, role, org, patientID string, mustChange bool) (string, *store.Session, error) {
	now := s.Now()
	cookie := randomToken(32)
	sess := &store.Session{ID: hashToken(cookie), UserID: userID, Role: role, Org: org, PatientID: patientID,
		MustChange: mustChange, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.AbsoluteTimeout)}
	if err := s.Sessions.Create(ctx, sess); err != nil {
		return "", nil, err
	}
	return cookie, sess, nil
}

// Session returns the live session for a cookie value.
func (s *Service) Session(ctx context.Context, cookie string) (*store.Session, error) {
	if cookie == "" || len(cookie) > 128 {
		return nil, equitrial.Errorf(equitrial.KindUnauthorized, "sign in to continue")
	}
	return s.Sessions.Use(ctx, hashToken(cookie), s.IdleTimeout, s.Now())
}

// Logout ends the session for a cookie value.
func (s *Service) Logout(ctx context.Context, cookie string) error {
	return s.Sessions.Delete(ctx, hashToken(cookie))
}

// LogoutEverywhere ends every session of a user.
func (s *Service) LogoutEverywhere(ctx context.Context, userID string) (int64, error) {
	return s.Sessions.DeleteForUser(ctx, userID)
}

// ChangePassword sets a new password after checking the current one, and ends every
// session of the user: the caller signs in again with the new password.
func (s *Service) ChangePassword(ctx context.Context, userID, current, next string) error {
	return s.ChangePasswordFrom(ctx, userID, current, next, "")
}

// ChangePasswordFrom is ChangePassword for a client at address client. Wrong current
// passwords are throttled like failed sign-ins, so a stolen session cannot be used
// to guess the password.
func (s *Service) ChangePasswordFrom(ctx context.Context, userID, current, next, client string) error {
	keys := s.passwordChangeKeys(userID, client)
	if err := s.wait(ctx, keys); err != nil {
		return err
	}
	u, err := s.Users.ByID(ctx, userID)
	if err != nil {
		return err
	}
	if !password.Verify(u.PasswordHash, current) {
		if err := s.failed(ctx, keys); err != nil {
			return err
		}
		return equitrial.Invalid("", equitrial.FieldError{Field: "currentPassword", Detail: "is not right"})
	}
	if err := s.succeeded(ctx, keys); err != nil {
		return err
	}
	if err := password.Check(next); err != nil {
		return equitrial.Invalid("", equitrial.FieldError{Field: "newPassword", Detail: err.Error()})
	}
	if next == current {
		return equitrial.Invalid("", equitrial.FieldError{Field: "newPassword", Detail: "must differ from the current password"})
	}
	hash, err := password.Hash(next)
	if err != nil {
		return err
	}
	if err := s.Users.SetPassword(ctx, userID, hash, false); err != nil {
		return err
	}
	_, err = s.Sessions.DeleteForUser(ctx, userID)
	return err
}

// tokenPrefix marks equitrial API tokens, so they are recognisable in a leak scan.
const tokenPrefix = "eqt_"

// CreateToken issues an API token for role and org, valid for ttl. The secret is
// returned once; only its hash is kept.
func (s *Service) CreateToken(ctx context.Context, name, role, org string, ttl time.Duration) (string, *store.Token, error) {
	var bad []equitrial.FieldError
	if !StaffRoles[role] {
		bad = append(bad, equitrial.FieldError{Field: "role", Detail: "must be nurse, sponsor or admin"})
	}
	if org == "" && role != "admin" {
		bad = append(bad, equitrial.FieldError{Field: "org", Detail: "nurse and sponsor tokens act for an organisation"})
	}
	if ttl <= 0 || ttl > 366*24*time.Hour {
		bad = append(bad, equitrial.FieldError{Field: "ttl", Detail: "must be between 1 second and 366 days"})
	}
	if len(bad) > 0 {
		return "", nil, equitrial.Invalid("", bad...)
	}
	id := hex.EncodeToString(randomBytes(12))
	secret := hex.EncodeToString(randomBytes(32))
	now := s.Now()
	tok := &store.Token{ID: id, Name: name, SecretHash: hashToken(secret), Role: role, Org: org, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.Tokens.Create(ctx, tok); err != nil {
		return "", nil, err
	}
	return tokenPrefix + id + "_" + secret, tok, nil
}

// IsAPIToken reports whether a bearer credential has the form of an equitrial token.
func IsAPIToken(bearer string) bool { return strings.HasPrefix(bearer, tokenPrefix) }

// Token checks a bearer token and returns its record if it is live.
func (s *Service) Token(ctx context.Context, bearer string) (*store.Token, error) {
	denied := equitrial.Errorf(equitrial.KindUnauthorized, "the API token is not valid, has expired or was revoked")
	rest, ok := strings.CutPrefix(bearer, tokenPrefix)
	id, secret, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(id) != 24 || len(secret) != 64 {
		return nil, denied
	}
	tok, err := s.Tokens.Get(ctx, id)
	if equitrial.Is(equitrial.KindNotFound, err) {
		return nil, denied
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(tok.SecretHash), []byte(hashToken(secret))) != 1 ||
		!tok.RevokedAt.IsZero() || s.Now().After(tok.ExpiresAt) {
		return nil, denied
	}
	return tok, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func randomToken(n int) string { return base64.RawURLEncoding.EncodeToString(randomBytes(n)) }

// hashToken is how session cookies and token secrets are stored: high-entropy
// secrets need no slow hash, only one that cannot be reversed.
func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
