// Package api is equitrial's HTTP interface: JSON over HTTP with RFC 9457 problem
// documents for errors. Handlers are thin: they parse, authorise, call the domain
// and storage packages, and write the answer.
package api

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/catalog"
)

// Deps are what the API needs from the rest of the service.
type Deps struct {
	Catalog    *catalog.Catalog
	Ping       func(context.Context) error // the store answers
	Log        *slog.Logger
	AdminToken string       // empty: admin routes are disabled
	Web        http.Handler // the web UI, served for every path the API does not own
}

// Server holds the API's dependencies.
type Server struct {
	Deps
	log *slog.Logger
}

type handlerFunc func(*gin.Context) error

func init() { gin.SetMode(gin.ReleaseMode) }

// New returns the HTTP handler for the whole service.
func New(d Deps) http.Handler {
	s := &Server{Deps: d, log: d.Log}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.Use(s.withRequestID, s.logRequests, recoverPanics)
	for _, rt := range s.routes() {
		r.Handle(rt.method, rt.path, s.authorise(rt.allow), wrap(rt.handle))
	}
	r.NoMethod(methodNotAllowed)
	r.NoRoute(func(c *gin.Context) {
		if s.Web != nil && !strings.HasPrefix(c.Request.URL.Path, "/api/") {
			s.Web.ServeHTTP(c.Writer, c.Request)
			return
		}
		notFound(c)
	})
	return r
}

func wrap(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			writeError(c, err)
		}
	}
}

// roleOf identifies the caller from their credentials.
func (s *Server) roleOf(c *gin.Context) Role {
	auth := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if ok && s.AdminToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.AdminToken)) == 1 {
		return Admin
	}
	return Anonymous
}

// authorise lets the request through only when the caller's role is allowed.
func (s *Server) authorise(allow []Role) gin.HandlerFunc {
	adminOnly := len(allow) == 1 && allow[0] == Admin
	return func(c *gin.Context) {
		if adminOnly && s.AdminToken == "" {
			writeError(c, equitrial.Errorf(equitrial.KindNotFound, "this administrative route is disabled: set EQUITRIAL_ADMIN_TOKEN to enable it"))
			return
		}
		role := s.roleOf(c)
		for _, r := range allow {
			if r == role {
				c.Next()
				return
			}
		}
		if role == Anonymous {
			c.Header("WWW-Authenticate", `Bearer realm="equitrial"`)
			writeError(c, equitrial.Errorf(equitrial.KindUnauthorized, "sign in or send a bearer token to do this"))
			return
		}
		writeError(c, equitrial.Errorf(equitrial.KindForbidden, "your role may not do this"))
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
