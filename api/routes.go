package api

import "net/http"

// Role is who a caller is, as far as authorisation is concerned.
type Role string

const (
	Anonymous Role = "anonymous" // no credentials
	Patient   Role = "patient"   // a registered patient: their own record only
	Nurse     Role = "nurse"     // research nurse at a site: patients of their organisation
	Sponsor   Role = "sponsor"   // trial sponsor: their organisation's trials, aggregates only
	Admin     Role = "admin"     // service administrator
)

// Who may call a route.
var (
	anyone    = []Role{Anonymous, Patient, Nurse, Sponsor, Admin}
	staff     = []Role{Nurse, Sponsor, Admin}
	siteStaff = []Role{Nurse, Admin}
	admins    = []Role{Admin}
)

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
		{http.MethodGet, "/metrics", admins, s.metrics},          // metrics.go; EQUITRIAL_METRICS_ADDR: a separate address
		{http.MethodGet, "/api/openapi.yaml", anyone, s.openAPI}, // openapi.go

		{http.MethodGet, "/api/v1/trials", anyone, s.searchTrials},
		{http.MethodGet, "/api/v1/trials/:nctId", anyone, s.getTrial},
		{http.MethodGet, "/api/v1/trials/:nctId/criteria", anyone, s.getCriteria},
		{http.MethodPost, "/api/v1/trials/import", admins, s.importTrials},

		{http.MethodPost, "/api/v1/auth/login", anyone, withLimit(s.loginLimit, s.login)},
		{http.MethodPost, "/api/v1/auth/logout", anyone, s.logout},
		{http.MethodPost, "/api/v1/auth/logout-everywhere", staff, s.logoutEverywhere},
		{http.MethodPost, "/api/v1/auth/password", staff, s.changePassword},
		{http.MethodGet, "/api/v1/me", anyone, s.me},
		{http.MethodGet, "/auth/oidc/:provider/login", anyone, s.oidcLogin},
		{http.MethodGet, "/auth/oidc/:provider/callback", anyone, s.oidcCallback},

		{http.MethodPost, "/api/v1/users", admins, s.createUser},
		{http.MethodGet, "/api/v1/users", admins, s.listUsers},       // admin.go
		{http.MethodPatch, "/api/v1/users/:id", admins, s.patchUser}, // disable or enable
		{http.MethodPost, "/api/v1/users/:id/reset-password", admins, s.resetPassword},
		{http.MethodGet, "/api/v1/refdata", admins, s.refdataStatus},
		{http.MethodGet, "/api/v1/tokens", admins, s.listTokens},
		{http.MethodPost, "/api/v1/tokens", admins, s.createToken},
		{http.MethodDelete, "/api/v1/tokens/:id", admins, s.revokeToken},
		{http.MethodGet, "/api/v1/orgs", admins, s.listOrgs},
		{http.MethodPut, "/api/v1/orgs/:org", admins, s.putOrg},
		{http.MethodGet, "/api/v1/audit", admins, s.listAudit},

		{http.MethodPost, "/api/v1/register", anyone, withLimit(s.registerLimit, s.register)}, // register.go
		{http.MethodPost, "/api/v1/patients", siteStaff, s.createPatient},
		{http.MethodGet, "/api/v1/patients", siteStaff, s.listPatients},
		{http.MethodGet, "/api/v1/patients/:id", patientOrSiteStaff, s.getPatient},
		{http.MethodPatch, "/api/v1/patients/:id", patientOrSiteStaff, s.patchPatient},
		{http.MethodDelete, "/api/v1/patients/:id", patientOrSiteStaff, s.deletePatient},
		{http.MethodGet, "/api/v1/patients/:id/matches", patientOrSiteStaff, s.patientMatches},
		{http.MethodPut, "/api/v1/patients/:id/answers", patientOrSiteStaff, s.putAnswers},
		{http.MethodGet, "/api/v1/patients/:id/events", siteStaff, s.patientEvents}, // patient_events.go
		{http.MethodGet, "/api/v1/trials/:nctId/candidates", siteStaff, s.trialCandidates},
		{http.MethodPost, "/api/v1/fhir", siteStaff, s.importFHIR},                          // fhir.go: a UK Core Bundle of patients
		{http.MethodGet, "/api/v1/fhir/ResearchStudy/:nctId", anyone, s.fhirResearchStudy},  // public, as the trial
		{http.MethodGet, "/api/v1/fhir/ResearchSubject", siteStaff, s.fhirResearchSubjects}, // ?study=NCT…; not sponsors: exact counts

		{http.MethodGet, "/api/v1/trials/:nctId/equity", staff, s.withRecruitment(s.getEquity)}, // exact counts: events.go
		{http.MethodGet, "/api/v1/trials/:nctId/equity.csv", staff, s.withRecruitment(s.getEquityCSV)},
		{http.MethodGet, "/api/v1/trials/:nctId/targets", staff, s.getTargets},
		{http.MethodPut, "/api/v1/trials/:nctId/targets", []Role{Sponsor, Admin}, s.putTargets},
		{http.MethodGet, "/api/v1/regions", staff, s.listRegions},
		{http.MethodPost, "/api/v1/trials/:nctId/events", siteStaff, s.recordEvents}, // events.go
		{http.MethodPost, "/api/v1/trials/:nctId/events/csv", siteStaff, s.recordEventsCSV},
		{http.MethodGet, "/api/v1/trials/:nctId/alerts", staff, s.recruitersOnly(s.listAlerts)},
		{http.MethodPost, "/api/v1/alerts/:id/acknowledge", staff, s.acknowledgeRecruitingAlert},
		{http.MethodGet, "/api/v1/orgs/:org/webhook", []Role{Sponsor, Admin}, s.getWebhook},
		{http.MethodPut, "/api/v1/orgs/:org/webhook", []Role{Sponsor, Admin}, s.putWebhook},
		{http.MethodGet, "/api/v1/jobs", admins, s.listJobs},
		{http.MethodPost, "/api/v1/jobs/:name/run", admins, s.runJob},
		{http.MethodGet, "/api/v1/jobs/:name/runs/:id", admins, s.getJobRun},
	}
}

// RouteInfo describes one route for documentation and for the authorisation tests.
type RouteInfo struct {
	Method string
	Path   string
	Allow  []Role
}

// Routes lists every route of the API and who may call it.
func Routes() []RouteInfo {
	s := &Server{}
	var out []RouteInfo
	for _, r := range s.routes() {
		out = append(out, RouteInfo{Method: r.method, Path: r.path, Allow: r.allow})
	}
	return out
}
