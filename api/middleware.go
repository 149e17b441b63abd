package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/gin-gonic/gin"

	"equitrial"
)

const (
	requestIDKey    = "equitrial.requestID"
	loggerKey       = "equitrial.logger"
	requestIDHeader = "X-Request-Id"
)

var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// withRequestID takes the caller's X-Request-Id when it is safe to echo and log, or
// makes one, and gives the request a logger that carries it.
func (s *Server) withRequestID(c *gin.Context) {
	id := c.GetHeader(requestIDHeader)
	if !safeRequestID.MatchString(id) {
		b := make([]byte, 8)
		rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(requestIDKey, id)
	c.Set(loggerKey, s.log.With("request_id", id))
	c.Header(requestIDHeader, id)
	c.Next()
}

func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// logRequests writes one line per request. It logs the route pattern, never the raw
// path or query, which may carry personal data such as a postcode: the API's gin
// pattern, or for a web page the web UI's ServeMux pattern.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" && c.Request.Pattern != "" && c.Request.Pattern != "/" {
		// a web page: the web UI's ServeMux recorded the pattern it matched
		// ("GET /my/{token}"), which names no id, token or query
		route = "web " + c.Request.Pattern
	}
	if route == "" {
		route = "(unmatched)"
	}
	took := time.Since(start)
	s.observe(c, route, took) // metrics.go
	level := slog.LevelInfo
	if c.Writer.Status() >= 500 {
		level = slog.LevelError
	}
	logFrom(c).Log(c.Request.Context(), level, "request",
		"method", c.Request.Method, "route", route, "status", c.Writer.Status(),
		"bytes", c.Writer.Size(), "duration_ms", float64(took.Microseconds())/1000)
}

// recoverPanics turns a panic in a handler into a 500 problem and a log line.
func recoverPanics(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			writeError(c, fmt.Errorf("panic: %v", r))
		}
	}()
	c.Next()
}

func notFound(c *gin.Context) {
	writeError(c, equitrial.Errorf(equitrial.KindNotFound, "there is nothing at %s", c.Request.URL.Path))
}

func methodNotAllowed(c *gin.Context) {
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(http.StatusMethodNotAllowed, Problem{Type: "about:blank", Title: http.StatusText(http.StatusMethodNotAllowed),
		Status: http.StatusMethodNotAllowed, Detail: c.Request.Method + " is not supported here", Instance: c.Request.URL.Path})
}
