package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/auth"
)

// oidcCookie holds one sign-in's state, nonce and PKCE verifier between the
// redirect to the provider and the callback.
const oidcCookie = "__Host-equitrial_oidc"

func (s *Server) oidcProvider(c *gin.Context) (*auth.OIDCProvider, error) {
	p := s.OIDC[c.Param("provider")]
	if p == nil {
		return nil, equitrial.Errorf(equitrial.KindNotFound, "sign-in with %q is not configured", c.Param("provider"))
	}
	return p, nil
}

// oidcLogin sends the browser to the provider.
func (s *Server) oidcLogin(c *gin.Context) error {
	p, err := s.oidcProvider(c)
	if err != nil {
		return err
	}
	st := auth.NewOIDCStart()
	b, _ := json.Marshal(st)
	http.SetCookie(c.Writer, &http.Cookie{Name: oidcCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		MaxAge: int((10 * time.Minute).Seconds()), Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	c.Redirect(http.StatusFound, p.AuthURL(st))
	return nil
}

// oidcCallback finishes a sign-in: staff are matched to their account by verified
// email, patients to their registration by NHS number.
func (s *Server) oidcCallback(c *gin.Context) error {
	p, err := s.oidcProvider(c)
	if err != nil {
		return err
	}
	var st auth.OIDCStart
	raw, _ := c.Cookie(oidcCookie)
	b, _ := base64.RawURLEncoding.DecodeString(raw)
	json.Unmarshal(b, &st)
	http.SetCookie(c.Writer, &http.Cookie{Name: oidcCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	// A person's browser is here, not an API client: a failed sign-in goes back to
	// the sign-in page with a reason it can show, never a JSON document.
	failed := func(reason string, err error) error {
		logFrom(c).Info("OIDC sign-in refused", "provider", p.Name, "reason", reason, "kind", equitrial.KindOf(err).String())
		c.Redirect(http.StatusSeeOther, "/sign-in?failed="+reason)
		return nil
	}
	if e := c.Query("error"); e != "" {
		return failed("cancelled", nil)
	}
	id, err := p.Finish(c.Request.Context(), st, c.Query("state"), c.Query("code"))
	if err != nil {
		if equitrial.KindOf(err) != equitrial.KindUnauthorized {
			return err // not the person's doing: a 5xx with a reference
		}
		return failed("failed", err)
	}
	if old, err := c.Cookie(sessionCookie); err == nil && old != "" {
		s.Auth.Logout(c.Request.Context(), old)
	}
	var cookie string
	if p.Name == "patient" {
		cookie, _, err = s.Auth.SessionForPatient(c.Request.Context(), id, s.PatientByNHSNumber)
		if equitrial.Is(equitrial.KindForbidden, err) {
			return failed("no-registration", err)
		}
		if errors.Is(err, auth.ErrAmbiguousPatient) {
			logFrom(c).Warn("NHS login refused: more than one patient record has the NHS number")
			return failed("ambiguous", err)
		}
	} else {
		cookie, _, err = s.Auth.SessionForStaff(c.Request.Context(), id)
		if equitrial.Is(equitrial.KindForbidden, err) {
			return failed("no-account", err)
		}
	}
	if err != nil {
		return err
	}
	setSessionCookie(c, cookie, s.Auth.AbsoluteTimeout)
	c.Redirect(http.StatusFound, "/")
	return nil
}
