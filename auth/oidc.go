package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"equitrial"
	"equitrial/store"
)

// OIDCConfig configures sign-in through an OpenID Connect provider: NHS CIS2 for
// staff, NHS login for patients. Both are off unless configured.
type OIDCConfig struct {
	Name         string // "staff" or "patient"
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string // this service's callback, e.g. https://equitrial.example/auth/oidc/staff/callback
	Scopes       []string
}

// OIDCFromEnv reads EQUITRIAL_OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET,
// _REDIRECT_URL and _SCOPES (space-separated, beyond "openid"). It returns nil when
// the issuer is not set: the provider is off.
func OIDCFromEnv(getenv func(string) string, name string) (*OIDCConfig, error) {
	prefix := "EQUITRIAL_OIDC_" + strings.ToUpper(name) + "_"
	cfg := &OIDCConfig{Name: name, Issuer: getenv(prefix + "ISSUER"), ClientID: getenv(prefix + "CLIENT_ID"),
		ClientSecret: getenv(prefix + "CLIENT_SECRET"), RedirectURL: getenv(prefix + "REDIRECT_URL")}
	if cfg.Issuer == "" {
		return nil, nil
	}
	if cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, fmt.Errorf("%sISSUER is set: set %sCLIENT_ID and %sREDIRECT_URL too", prefix, prefix, prefix)
	}
	cfg.Scopes = strings.Fields(getenv(prefix + "SCOPES"))
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = map[string][]string{"staff": {"email"}, "patient": {"profile", "nhs_number"}}[name]
	}
	return cfg, nil
}

// OIDCProvider is a configured, discovered provider.
type OIDCProvider struct {
	Name     string
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// NewOIDCProvider discovers the provider's endpoints and keys from its issuer URL.
func NewOIDCProvider(ctx context.Context, cfg OIDCConfig) (*OIDCProvider, error) {
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OIDC %s: discovery at %s: %w", cfg.Name, cfg.Issuer, err)
	}
	return &OIDCProvider{
		Name: cfg.Name,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, cfg.Scopes...)},
		verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
	}, nil
}

// OIDCStart is what a sign-in needs to remember between the redirect to the
// provider and the callback: kept in a short-lived cookie, never in the URL.
type OIDCStart struct {
	State, Nonce, Verifier string
}

// NewOIDCStart makes fresh random values for one sign-in.
func NewOIDCStart() OIDCStart {
	return OIDCStart{State: randomToken(24), Nonce: randomToken(24), Verifier: oauth2.GenerateVerifier()}
}

// AuthURL is where to send the browser to sign in (authorisation code flow with PKCE).
func (p *OIDCProvider) AuthURL(st OIDCStart) string {
	return p.oauth.AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier))
}

// OIDCIdentity is what equitrial uses from a verified ID token.
type OIDCIdentity struct {
	Subject       string `json:"sub"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	NHSNumber     string `json:"nhs_number"`
}

// Finish exchanges the code for tokens and verifies the ID token (signature, issuer,
// audience, expiry and the nonce of this sign-in).
func (p *OIDCProvider) Finish(ctx context.Context, st OIDCStart, state, code string) (*OIDCIdentity, error) {
	denied := func(why string) error {
		return equitrial.Errorf(equitrial.KindUnauthorized, "sign-in with %s failed: %s", p.Name, why)
	}
	if state == "" || state != st.State {
		return nil, denied("the sign-in did not start here or has expired; try again")
	}
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return nil, denied("the provider did not accept the sign-in code")
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return nil, denied("the provider sent no ID token")
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, denied("the ID token is not valid")
	}
	if idt.Nonce != st.Nonce {
		return nil, denied("the ID token was not issued for this sign-in")
	}
	var id OIDCIdentity
	if err := idt.Claims(&id); err != nil {
		return nil, denied("the ID token's claims are unreadable")
	}
	return &id, nil
}

// SessionForStaff starts a session for the staff account with the identity's
// verified email. Accounts are never created by sign-in: an admin decides who has
// which role.
func (s *Service) SessionForStaff(ctx context.Context, id *OIDCIdentity) (string, *store.Session, error) {
	if id.Email == "" || !id.EmailVerified {
		return "", nil, equitrial.Errorf(equitrial.KindForbidden, "your NHS account did not share a verified email address")
	}
	u, err := s.Users.ByEmail(ctx, id.Email)
	if equitrial.Is(equitrial.KindNotFound, err) || (err == nil && u.Disabled) {
		return "", nil, equitrial.Errorf(equitrial.KindForbidden, "there is no equitrial account for %s: ask an administrator", id.Email)
	}
	if err != nil {
		return "", nil, err
	}
	// The provider authenticated the person: a one-time password is moot.
	return s.startSession(ctx, u.ID, u.Role, u.Org, "", false)
}

// ErrAmbiguousPatient is the answer of a patient lookup that found more than one
// record with the NHS number: NHS login then signs nobody in (a person must never
// be given another person's record), and staff must resolve the duplicate.
var ErrAmbiguousPatient = equitrial.Errorf(equitrial.KindConflict, "more than one registration has this NHS number: the research team must check them before you can sign in with NHS login")

// SessionForPatient starts a patient session for the one record found by the NHS
// number NHS login vouches for; more than one is ErrAmbiguousPatient.
func (s *Service) SessionForPatient(ctx context.Context, id *OIDCIdentity, patientByNHSNumber func(context.Context, string) (string, error)) (string, *store.Session, error) {
	if id.NHSNumber == "" || patientByNHSNumber == nil {
		return "", nil, equitrial.Errorf(equitrial.KindForbidden, "NHS login did not share your NHS number")
	}
	pid, err := patientByNHSNumber(ctx, id.NHSNumber)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, ErrAmbiguousPatient) {
			return "", nil, err
		}
		return "", nil, equitrial.Errorf(equitrial.KindForbidden, "we have no registration for your NHS number: register first")
	}
	return s.startSession(ctx, "", "patient", "", pid, false)
}
