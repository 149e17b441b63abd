// Package api is equitrial's HTTP interface: JSON over HTTP with RFC 9457 problem
// documents for errors. Handlers are thin: they parse, authorise, call the domain
// and storage packages, and write the answer.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/auth"
	"equitrial/catalog"
	"equitrial/internal/metrics"
	"equitrial/matcher"
	"equitrial/refdata"
	"equitrial/store"
)

// Deps are what the API needs from the rest of the service.
type Deps struct {
	Catalog    *catalog.Catalog
	Ping       func(context.Context) error // the store answers
	Log        *slog.Logger
	AdminToken string       // EQUITRIAL_ADMIN_TOKEN: a bootstrap admin credential; empty disables it and HTTP import
	Web        http.Handler // the web UI, served for every path the API does not own
	Audit      *store.Audit // where reads and writes of patient data are recorded
	Auth       *auth.Service
	Orgs       *store.Orgs
	// TrialOwner reports whether organisation org sponsors trial nctID; by default
	// the organisation's trial list in the store.
	TrialOwner func(ctx context.Context, org, nctID string) bool
	Equity     EquityDeps // equity monitoring, alerts, webhooks and jobs (see equity.go)
	// PatientByLink turns a patient's private-link token into their patient id.
	PatientByLink func(ctx context.Context, token string) (string, error)
	// OIDC are the configured OpenID Connect providers by name ("staff", "patient").
	OIDC map[string]*auth.OIDCProvider
	// PatientByNHSNumber finds a registered patient's id by NHS number (NHS login).
	PatientByNHSNumber func(ctx context.Context, nhsNumber string) (string, error)
	// TrustedProxies are the addresses (CIDRs) of reverse proxies whose
	// X-Forwarded-For is believed when finding a client's IP for rate limits.
	TrustedProxies []string
	// Patients is the patient repository (with its keyring and reference data set).
	Patients *store.Patients
	// Reference returns the postcode directory and deprivation index in use, or nil;
	// trial search resolves near=POSTCODE through it.
	Reference func() *refdata.Reference
	// Matcher matches patients to trials and trials to patients; nil: the matching
	// routes answer 503.
	Matcher *matcher.Matcher
	// Metrics, if set, records requests and serves GET /metrics (metrics.go).
	Metrics *metrics.Metrics
}

// Server holds the API's dependencies.
type Server struct {
	Deps
	log           *slog.Logger
	loginLimit    *limiter
	registerLimit *limiter
}

type handlerFunc func(*gin.Context) error

func init() { gin.SetMode(gin.ReleaseMode) }

// New returns the HTTP handler for the whole service.
func New(d Deps) (http.Handler, error) {
	s := &Server{Deps: d, log: d.Log,
		loginLimit:    newLimiter(10, 6*time.Second), // 10 at once, then 10 a minute per IP
		registerLimit: newLimiter(5, 2*time.Minute),  // 5 at once, then 30 an hour per IP
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.TrialOwner == nil {
		s.TrialOwner = s.trialOwner
	}
	r := gin.New()
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		return nil, err
	}
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.Use(s.withRequestID, securityHeaders, s.logRequests, recoverPanics)
	for _, rt := range s.routes() {
		r.Handle(rt.method, rt.path, s.authorise(rt.path, rt.allow), wrap(rt.handle))
	}
	r.NoMethod(methodNotAllowed)
	r.NoRoute(func(c *gin.Context) {
		if s.Web != nil && !strings.HasPrefix(c.Request.URL.Path, "/api/") {
			s.Web.ServeHTTP(c.Writer, c.Request)
			return
		}
		notFound(c)
	})
	// Refuse state-changing requests that a browser says come from another site.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(crossOriginDenied)
	return cop.Handler(r), nil
}

func wrap(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			writeError(c, err)
		}
	}
}

// withLimit applies a per-client-IP rate limit before a handler.
func withLimit(l *limiter, h handlerFunc) handlerFunc {
	return func(c *gin.Context) error {
		if !l.allow(c.ClientIP(), time.Now()) {
			c.Header("Retry-After", "60")
			return equitrial.Errorf(equitrial.KindTooMany, "too many attempts from your network: wait a minute and try again")
		}
		return h(c)
	}
}

// mustChangeAllowed are the routes a user who must change their one-time password
// may still call.
var mustChangeAllowed = map[string]bool{"/api/v1/auth/password": true, "/api/v1/auth/logout": true, "/api/v1/me": true}

// authorise establishes the caller and lets the request through only when the
// caller's role may call the route.
func (s *Server) authorise(path string, allow []Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		caller, err := s.identify(c)
		if err != nil && path == "/api/v1/auth/login" && c.GetHeader("Authorization") == "" {
			// A session that has ended must not stop its owner signing in again.
			caller, err = Caller{Role: Anonymous}, nil
		}
		if err != nil {
			c.Header("WWW-Authenticate", `Bearer realm="equitrial"`)
			writeError(c, err)
			return
		}
		c.Set(callerKey, caller)
		if caller.mustChange && !mustChangeAllowed[path] {
			writeError(c, equitrial.Errorf(equitrial.KindForbidden, "change your one-time password first (POST /api/v1/auth/password)"))
			return
		}
		for _, r := range allow {
			if r == caller.Role {
				c.Next()
				return
			}
		}
		if caller.Role == Anonymous {
			c.Header("WWW-Authenticate", `Bearer realm="equitrial"`)
			writeError(c, equitrial.Errorf(equitrial.KindUnauthorized, "sign in or send a bearer token to do this"))
			return
		}
		writeError(c, equitrial.Errorf(equitrial.KindForbidden, "your role (%s) may not do this", caller.Role))
	}
}

func (s *Server) healthz(c *gin.Context) error {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
	return nil
}

func (s *Server) readyz(c *gin.Context) error {
	checks := gin.H{}
	ready := true
	if err := s.Ping(c.Request.Context()); err != nil {
		checks["store"] = "unavailable"
		ready = false
	} else {
		checks["store"] = "ok"
	}
	if n, err := s.Catalog.Index.Count(); err != nil {
		checks["index"] = "unavailable"
		ready = false
	} else {
		checks["index"] = "ok"
		checks["trialsIndexed"] = n
	}
	status := http.StatusOK
	checks["status"] = "ready"
	if !ready {
		status = http.StatusServiceUnavailable
		checks["status"] = "not ready"
	}
	c.JSON(status, checks)
	return nil
}
