package api

import (
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/internal/metrics"
)

// metrics serves the Prometheus metrics on the main address (admins only: the route
// table says so). EQUITRIAL_METRICS_ADDR serves them without credentials on a
// separate address (internal/app).
func (s *Server) metrics(c *gin.Context) error {
	if s.Metrics == nil {
		return equitrial.Errorf(equitrial.KindNotFound, "metrics are not collected by this server")
	}
	s.Metrics.Handler().ServeHTTP(c.Writer, c.Request)
	return nil
}

// matchRoutes are the routes whose successful answers are matching requests.
var matchRoutes = map[string]string{
	"/api/v1/patients/:id/matches":     metrics.PatientToTrials,
	"/api/v1/trials/:nctId/candidates": metrics.TrialToPatients,
}

// observe records a request's duration by method, route pattern and status; route
// is what logRequests logs: the gin pattern, "web METHOD PATTERN" for a page, or
// "(unmatched)". A page is recorded by its ServeMux pattern without the method.
func (s *Server) observe(c *gin.Context, route string, took time.Duration) {
	if s.Metrics == nil {
		return
	}
	status := c.Writer.Status()
	if web, ok := strings.CutPrefix(route, "web "); ok {
		if _, pattern, ok := strings.Cut(web, " "); ok {
			route = pattern
		} else {
			route = web
		}
	}
	s.Metrics.ObserveRequest(c.Request.Method, route, status, took)
	if dir, ok := matchRoutes[route]; ok && status < 300 {
		s.Metrics.ObserveMatch(dir, took)
	}
}
