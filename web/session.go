package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// me is who the API says the browser's user is (GET /api/v1/me).
type me struct {
	Role               string   `json:"role"`
	UserID             string   `json:"userId"`
	Org                string   `json:"org"`
	PatientID          string   `json:"patientId"`
	MustChangePassword bool     `json:"mustChangePassword"`
	Trials             []string `json:"trials"` // a sponsor's organisation's trials
}

func (m *me) Staff() bool {
	return m != nil && (m.Role == "nurse" || m.Role == "sponsor" || m.Role == "admin")
}

// home is the page a role starts on.
func (m *me) Home() string {
	switch {
	case m == nil:
		return "/sign-in"
	case m.MustChangePassword:
		return "/password"
	case m.Role == "nurse":
		return "/patients"
	case m.Role == "sponsor":
		return "/sponsor"
	case m.Role == "admin":
		return "/admin"
	}
	return "/"
}

// whoMaybe is the signed-in staff member, or nil for anyone else (including a
// session that has ended, whose cookie the API clears through w).
func (s *Site) whoMaybe(w http.ResponseWriter, r *http.Request) *me {
	if _, err := r.Cookie(sessionCookie); err != nil {
		return nil // no session: spare the call
	}
	var m me
	if res := s.get(w, r, "/api/v1/me", &m, callOpts{}); !res.ok() || !m.Staff() {
		return nil
	}
	return &m
}

const sessionCookie = "__Host-equitrial_session"

// requireStaff returns the signed-in staff member with one of roles, or answers
// (sign in, change password, or not allowed) and returns nil.
func (s *Site) requireStaff(w http.ResponseWriter, r *http.Request, roles ...string) *me {
	m := s.whoMaybe(w, r)
	if m == nil {
		http.Redirect(w, r, "/sign-in?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil
	}
	if m.MustChangePassword {
		http.Redirect(w, r, "/password", http.StatusSeeOther)
		return nil
	}
	for _, role := range roles {
		if m.Role == role {
			return m
		}
	}
	s.render(w, r, http.StatusForbidden, "error", page{Title: "You do not have permission to see this page", Me: m,
		D: errorData{Message: "This page is for other roles. Go to your own start page.", Link: m.Home(), LinkText: "Go to your start page"}})
	return nil
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext keeps a post-sign-in destination on this site: an absolute path on this
// origin, never anything a browser could read as another host. It refuses "//" and
// "/\" (browsers treat a backslash as a slash), any backslash, control character
// (browsers drop tabs and newlines, so "/\t/host" is "//host"), space or
// non-ASCII, and the same tricks percent-encoded (once or more). Private links
// (/my/…) are never a destination.
func safeNext(next string) string {
	if len(next) > 2048 || !safePathLayer(next) {
		return ""
	}
	path := next
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	for i := 0; ; i++ { // every decoding of the path must be safe too ("/%2F%2Fhost", "/%252F…")
		d, err := url.PathUnescape(path)
		if err != nil || i == 3 && d != path {
			return ""
		}
		if d == path {
			break
		}
		if !safePathLayer(d) {
			return ""
		}
		path = d
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		path == "/my" || strings.HasPrefix(path, "/my/") {
		return ""
	}
	return next
}

// safePathLayer checks one layer of a destination: a single leading slash, then
// printable ASCII without backslashes.
func safePathLayer(s string) bool {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; b <= ' ' || b >= 0x7f || b == '\\' {
			return false
		}
	}
	return true
}

type signInData struct {
	Email, Next, Notice string
}

func (s *Site) signInForm(w http.ResponseWriter, r *http.Request) {
	d := signInData{Next: safeNext(r.URL.Query().Get("next"))}
	switch r.URL.Query().Get("done") {
	case "signed-out":
		d.Notice = "You have signed out."
	case "password-changed":
		d.Notice = "Your password has been changed. Sign in with your new password."
	}
	var errs []fieldError
	if msg, ok := oidcFailures[r.URL.Query().Get("failed")]; ok {
		errs = []fieldError{{Field: "email", Href: "#email", Detail: msg}}
	}
	s.render(w, r, http.StatusOK, "signin", page{Title: "Sign in", D: d, Errors: errs})
}

func (s *Site) signIn(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	d := signInData{Email: strings.TrimSpace(r.PostFormValue("email")), Next: safeNext(r.PostFormValue("next"))}
	creds := map[string]string{"email": d.Email, "password": r.PostFormValue("password")}
	// An ended session cookie does not get in the way: the API's sign-in ignores it.
	res := s.call(w, r, http.MethodPost, "/api/v1/auth/login", creds, callOpts{})
	if res.ok() {
		var m me
		res.decode(&m)
		dest := m.Home()
		if d.Next != "" && !m.MustChangePassword {
			dest = d.Next
		}
		http.Redirect(w, r, dest, http.StatusSeeOther)
		return
	}
	var errs []fieldError
	switch res.Status {
	case http.StatusBadRequest:
		errs = mapErrors(res.Problem, map[string]fieldMsg{
			"email":    {ID: "email", Msg: "Enter your email address"},
			"password": {ID: "password", Msg: "Enter your password"},
		})
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		errs = []fieldError{{Field: "email", Href: "#email", Detail: "The email address or password is not right"}}
	case http.StatusTooManyRequests:
		errs = []fieldError{{Field: "email", Href: "#email", Detail: "There have been too many attempts to sign in. " + tryAgainIn(res)}}
	default:
		s.failed(w, r, res)
		return
	}
	s.render(w, r, res.Status, "signin", page{Title: "Sign in", Errors: errs, D: d})
}

func (s *Site) signOut(w http.ResponseWriter, r *http.Request) {
	s.call(w, r, http.MethodPost, "/api/v1/auth/logout", nil, callOpts{})
	http.Redirect(w, r, "/sign-in?done=signed-out", http.StatusSeeOther)
}

func (s *Site) passwordForm(w http.ResponseWriter, r *http.Request) {
	m := s.whoMaybe(w, r)
	if m == nil {
		http.Redirect(w, r, "/sign-in?next=/password", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "password", page{Title: "Change your password", Me: m, D: m})
}

func (s *Site) changePassword(w http.ResponseWriter, r *http.Request) {
	m := s.whoMaybe(w, r)
	if m == nil {
		http.Redirect(w, r, "/sign-in?next=/password", http.StatusSeeOther)
		return
	}
	r.ParseForm()
	var errs []fieldError
	current, next, confirm := r.PostFormValue("current-password"), r.PostFormValue("new-password"), r.PostFormValue("confirm-password")
	if current == "" {
		errs = append(errs, fieldError{Field: "current-password", Href: "#current-password", Detail: "Enter your current password"})
	}
	if next == "" {
		errs = append(errs, fieldError{Field: "new-password", Href: "#new-password", Detail: "Enter a new password"})
	} else if next != confirm {
		errs = append(errs, fieldError{Field: "confirm-password", Href: "#confirm-password", Detail: "The passwords do not match"})
	}
	if len(errs) == 0 {
		res := s.call(w, r, http.MethodPost, "/api/v1/auth/password",
			map[string]string{"currentPassword": current, "newPassword": next}, callOpts{})
		if res.ok() {
			http.Redirect(w, r, "/sign-in?done=password-changed", http.StatusSeeOther)
			return
		}
		if res.Status == http.StatusTooManyRequests {
			errs = []fieldError{{Field: "current-password", Href: "#current-password",
				Detail: "There have been too many wrong current passwords. " + tryAgainIn(res)}}
			s.render(w, r, res.Status, "password", page{Title: "Change your password", Me: m, Errors: errs, D: m})
			return
		}
		if res.Status != http.StatusBadRequest {
			s.failed(w, r, res)
			return
		}
		errs = mapErrors(res.Problem, map[string]fieldMsg{
			"currentPassword": {ID: "current-password", Msg: "Your current password is not right"},
			"newPassword":     {ID: "new-password", Subject: "Your new password"}, // the API's reason (too short, too common) is the message
		})
	}
	s.render(w, r, http.StatusBadRequest, "password", page{Title: "Change your password", Me: m, Errors: errs, D: m})
}

// oidcFailures explain a sign-in through NHS CIS2 or NHS login that the API sent
// back here (GET /sign-in?failed=…).
var oidcFailures = map[string]string{
	"cancelled":       "Signing in with your NHS account was not completed. Try again, or sign in with your email address and password.",
	"failed":          "We could not sign you in with your NHS account. Try again from the start.",
	"no-account":      "Your NHS account is not linked to an equitrial account. Ask your administrator to add you, using the email address on your NHS account.",
	"no-registration": "We have no registration for your NHS number. Register first, then sign in with NHS login.",
	"ambiguous":       "We could not sign you in with NHS login because your NHS number is on more than one registration. Contact the research team so they can check your details.",
}

// tryAgainIn tells how long to wait after too many failed password checks, from the
// API's Retry-After.
func tryAgainIn(res *apiResult) string {
	n, err := strconv.Atoi(res.Header.Get("Retry-After"))
	switch {
	case err != nil || n <= 0:
		return "Wait a minute, then try again"
	case n == 1:
		return "Try again in 1 second"
	case n < 120:
		return "Try again in " + strconv.Itoa(n) + " seconds"
	}
	return "Try again in " + strconv.Itoa((n+59)/60) + " minutes"
}
