package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/auth"
	"equitrial/store"
)

// sessionCookie is the staff session cookie. The __Host- prefix makes browsers
// insist on Secure, Path=/ and no Domain, so no other host can set or read it.
const sessionCookie = "__Host-equitrial_session"

// patientLinkPrefix marks a patient's private-link token.
const patientLinkPrefix = "ptl_"

// identify establishes who the caller is from their credentials: a bearer token (the
// admin token, an API token, or a patient's private link) or a session cookie. A
// credential that is presented but not valid is an error, never anonymity: a client
// whose token expired should hear so.
func (s *Server) identify(c *gin.Context) (Caller, error) {
	ctx := c.Request.Context()
	if h := c.GetHeader("Authorization"); h != "" {
		bearer, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || bearer == "" {
			return Caller{}, equitrial.Errorf(equitrial.KindUnauthorized, "the Authorization header must be \"Bearer <token>\"")
		}
		switch {
		case s.AdminToken != "" && subtle.ConstantTimeCompare([]byte(bearer), []byte(s.AdminToken)) == 1:
			return Caller{Role: Admin, UserID: "admin-token"}, nil
		case auth.IsAPIToken(bearer) && s.Auth != nil:
			tok, err := s.Auth.Token(ctx, bearer)
			if err != nil {
				return Caller{}, err
			}
			return Caller{Role: Role(tok.Role), UserID: "token:" + tok.ID, Org: tok.Org}, nil
		case strings.HasPrefix(bearer, patientLinkPrefix) && s.PatientByLink != nil:
			id, err := s.PatientByLink(ctx, bearer)
			if err != nil {
				return Caller{}, equitrial.Errorf(equitrial.KindUnauthorized, "this private link is not valid any more")
			}
			return Caller{Role: Patient, PatientID: id}, nil
		}
		return Caller{}, equitrial.Errorf(equitrial.KindUnauthorized, "the bearer token is not valid")
	}
	if cookie, err := c.Cookie(sessionCookie); err == nil && cookie != "" && s.Auth != nil {
		sess, err := s.Auth.Session(ctx, cookie)
		if err != nil {
			clearSessionCookie(c)
			return Caller{}, err
		}
		return Caller{Role: Role(sess.Role), UserID: sess.UserID, Org: sess.Org, PatientID: sess.PatientID, mustChange: sess.MustChange}, nil
	}
	return Caller{Role: Anonymous}, nil
}

func setSessionCookie(c *gin.Context, value string, maxAge time.Duration) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func clearSessionCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type meResponse struct {
	Role               Role     `json:"role"`
	UserID             string   `json:"userId,omitempty"`
	Org                string   `json:"org,omitempty"`
	PatientID          string   `json:"patientId,omitempty"`
	MustChangePassword bool     `json:"mustChangePassword,omitempty"`
	Trials             []string `json:"trials,omitempty"` // for a sponsor: the trials their organisation owns
}

// login signs a staff member in. Any session the browser already had is ended and a
// new one made, so a session id fixed by an attacker before sign-in is useless.
func (s *Server) login(c *gin.Context) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var bad []equitrial.FieldError
	if strings.TrimSpace(req.Email) == "" {
		bad = append(bad, equitrial.FieldError{Field: "email", Detail: "enter your email address"})
	}
	if req.Password == "" {
		bad = append(bad, equitrial.FieldError{Field: "password", Detail: "enter your password"})
	}
	if len(bad) > 0 {
		return equitrial.Invalid("", bad...)
	}
	if old, err := c.Cookie(sessionCookie); err == nil && old != "" {
		s.Auth.Logout(c.Request.Context(), old)
	}
	cookie, sess, err := s.Auth.LoginFrom(c.Request.Context(), req.Email, req.Password, c.ClientIP())
	if err != nil {
		logFrom(c).Info("sign-in refused", "reason", equitrial.KindOf(err).String())
		return throttled(c, err)
	}
	setSessionCookie(c, cookie, s.Auth.AbsoluteTimeout)
	logFrom(c).Info("signed in", "user_id", sess.UserID, "role", sess.Role)
	c.JSON(http.StatusOK, meResponse{Role: Role(sess.Role), UserID: sess.UserID, Org: sess.Org, MustChangePassword: sess.MustChange})
	return nil
}

// throttled adds Retry-After to the answer when a password check must wait.
func throttled(c *gin.Context, err error) error {
	var t *auth.ThrottledError
	if errors.As(err, &t) {
		c.Header("Retry-After", strconv.Itoa(t.RetryAfter()))
	}
	return err
}

func (s *Server) logout(c *gin.Context) error {
	if cookie, err := c.Cookie(sessionCookie); err == nil && cookie != "" {
		if err := s.Auth.Logout(c.Request.Context(), cookie); err != nil {
			return err
		}
	}
	clearSessionCookie(c)
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) logoutEverywhere(c *gin.Context) error {
	caller := callerOf(c)
	if strings.HasPrefix(caller.UserID, "token:") || caller.UserID == "admin-token" {
		return equitrial.Errorf(equitrial.KindInvalid, "API tokens have no sessions: revoke the token instead")
	}
	n, err := s.Auth.LogoutEverywhere(c.Request.Context(), caller.UserID)
	if err != nil {
		return err
	}
	clearSessionCookie(c)
	c.JSON(http.StatusOK, gin.H{"sessionsEnded": n})
	return nil
}

type passwordRequest struct {
	CurrentPassword string `json:"currentPassword"`
	NewPassword     string `json:"newPassword"`
}

func (s *Server) changePassword(c *gin.Context) error {
	var req passwordRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	caller := callerOf(c)
	if !strings.HasPrefix(caller.UserID, "u_") {
		return equitrial.Errorf(equitrial.KindInvalid, "only staff accounts have passwords")
	}
	if err := s.Auth.ChangePasswordFrom(c.Request.Context(), caller.UserID, req.CurrentPassword, req.NewPassword, c.ClientIP()); err != nil {
		return throttled(c, err)
	}
	clearSessionCookie(c)
	c.JSON(http.StatusOK, gin.H{"detail": "password changed: sign in again with the new password"})
	return nil
}

func (s *Server) me(c *gin.Context) error {
	caller := callerOf(c)
	res := meResponse{Role: caller.Role, UserID: caller.UserID, Org: caller.Org, PatientID: caller.PatientID, MustChangePassword: caller.mustChange}
	if caller.Role == Sponsor && s.Orgs != nil && !caller.mustChange {
		if org, err := s.Orgs.Get(c.Request.Context(), caller.Org); err == nil && org.Kind == "sponsor" {
			res.Trials = org.Trials
		}
	}
	c.JSON(http.StatusOK, res)
	return nil
}

type createUserRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
	Org   string `json:"org"`
}

// createUser lets an admin add a staff account; the one-time password is shown once.
func (s *Server) createUser(c *gin.Context) error {
	var req createUserRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, pw, err := s.Auth.CreateUser(c.Request.Context(), req.Email, req.Role, req.Org)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"user": u, "oneTimePassword": pw})
	return nil
}

type createTokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
	Org  string `json:"org"`
	TTL  string `json:"ttl"` // Go duration, e.g. "720h"
}

func (s *Server) createToken(c *gin.Context) error {
	var req createTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ttl, err := time.ParseDuration(req.TTL)
	if err != nil {
		return equitrial.Invalid("", equitrial.FieldError{Field: "ttl", Detail: "must be a duration such as 24h or 720h"})
	}
	secret, tok, err := s.Auth.CreateToken(c.Request.Context(), req.Name, req.Role, req.Org, ttl)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"token": secret, "id": tok.ID, "role": tok.Role, "org": tok.Org, "expiresAt": tok.ExpiresAt})
	return nil
}

func (s *Server) listTokens(c *gin.Context) error {
	toks, err := s.Auth.Tokens.List(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"tokens": toks})
	return nil
}

func (s *Server) revokeToken(c *gin.Context) error {
	if err := s.Auth.Tokens.Revoke(c.Request.Context(), c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// putOrg lets an admin create an organisation or change it, including which trials
// a sponsor owns (what sponsor scoping checks).
func (s *Server) putOrg(c *gin.Context) error {
	var org store.Org
	if err := decodeJSON(c, &org); err != nil {
		return err
	}
	org.ID = c.Param("org")
	var bad []equitrial.FieldError
	if org.Kind != "site" && org.Kind != "sponsor" {
		bad = append(bad, equitrial.FieldError{Field: "kind", Detail: "must be site or sponsor"})
	}
	if strings.TrimSpace(org.Name) == "" {
		bad = append(bad, equitrial.FieldError{Field: "name", Detail: "enter the organisation's name"})
	}
	for i, id := range org.Trials {
		if !validNCTID(id) {
			bad = append(bad, equitrial.FieldError{Field: "trials[" + itoa(i) + "]", Detail: "must be an NCT id"})
		}
	}
	if len(bad) > 0 {
		return equitrial.Invalid("", bad...)
	}
	if err := s.Orgs.Put(c.Request.Context(), &org); err != nil {
		return err
	}
	c.JSON(http.StatusOK, org)
	return nil
}

func (s *Server) listOrgs(c *gin.Context) error {
	orgs, err := s.Orgs.List(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"orgs": orgs})
	return nil
}

// trialOwner is the default sponsor-scoping check: the organisation's trial list.
func (s *Server) trialOwner(ctx context.Context, org, nctID string) bool {
	return s.Orgs != nil && s.Orgs.Sponsors(ctx, org, nctID)
}
