package web

import (
	"net/http"
	"strings"
	"time"
)

type registerData struct {
	Form        patientForm
	Ethnicities []ethnicHeading
	Action      string
}

func (s *Site) registerForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "register", page{Title: "Join the research register",
		D: registerData{Form: patientForm{}, Ethnicities: ethnicities(), Action: "/register"}})
}

// registeredData is the confirmation: the private link, shown once.
type registeredData struct {
	Link      string // absolute, to bookmark or print
	GivenName string
	Email     bool
}

func (s *Site) register(w http.ResponseWriter, r *http.Request) {
	f := readPatientForm(r, false)
	body, local := f.body(time.Now())
	res := s.call(w, r, http.MethodPost, "/api/v1/register", body, callOpts{})
	if res.Status == http.StatusBadRequest {
		s.render(w, r, http.StatusBadRequest, "register", page{Title: "Join the research register",
			Errors: f.patientErrors(res.Problem, local), D: registerData{Form: f, Ethnicities: ethnicities(), Action: "/register"}})
		return
	}
	if !res.ok() {
		s.failed(w, r, res)
		return
	}
	var out struct {
		AccessToken string `json:"accessToken"`
		Patient     struct {
			GivenName string `json:"givenName"`
		} `json:"patient"`
	}
	if err := res.decode(&out); err != nil || !strings.HasPrefix(out.AccessToken, "ptl_") {
		s.log.Error("web: registration answer without a private link")
		s.failed(w, r, internalProblem())
		return
	}
	// The page is the only place the link is ever shown: it is not stored in clear,
	// not logged, and the answer is not cached (render sets no-store).
	s.render(w, r, http.StatusCreated, "registered", page{Title: "You have joined the research register",
		D: registeredData{Link: origin(r) + "/my/" + out.AccessToken, GivenName: out.Patient.GivenName, Email: f.Email != ""}})
}

// origin is this site's address as the browser reached it.
func origin(r *http.Request) string {
	scheme := "https"
	if r.TLS == nil && (strings.HasPrefix(r.Host, "127.0.0.1") || strings.HasPrefix(r.Host, "localhost")) {
		scheme = "http"
	}
	return scheme + "://" + r.Host
}
