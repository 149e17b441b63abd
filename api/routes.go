package api

import "net/http"

// Role is who a caller is, as far as authorisation is concerned.
type Role string

const (
	Anonymous Role = "anonymous" // no credentials
	Admin     Role = "admin"     // holds the admin token
)

// anyone may call a route open to the public.
var anyone = []Role{Anonymous, Admin}

// route is one endpoint and who may call it.
type route struct {
	method string
	path   string
	allow  []Role
	handle handlerFunc
}

// routes lists every endpoint of the API and who may call it. It is the one place
// to read to know what the service exposes.
func (s *Server) routes() []route {
	return []route{
		{http.MethodGet, "/healthz", anyone, s.healthz},
		{http.MethodGet, "/readyz", anyone, s.readyz},

		{http.MethodGet, "/api/v1/trials", anyone, s.searchTrials},
		{http.MethodGet, "/api/v1/trials/:nctId", anyone, s.getTrial},
		{http.MethodPost, "/api/v1/trials/import", []Role{Admin}, s.importTrials},
	}
}
