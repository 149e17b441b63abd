// Package web serves equitrial's pages: server-rendered HTML styled with the NHS
// design system (nhsuk-frontend, fetched from npm at build time into AssetsDir),
// usable without JavaScript, so that a nurse on a locked-down clinic PC or a patient
// on an old phone can use it.
//
// The pages hold no data access of their own: every read and write goes through the
// JSON API, called in-process with the browser's own credentials (see apicall.go),
// so authorisation, scoping, disclosure control and audit happen in one place.
package web

import (
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"equitrial/catalog"
	"equitrial/internal/csp"
)

//go:embed templates/*.html
var templateFS embed.FS

// Deps are what the pages need.
type Deps struct {
	// API is the whole service's HTTP handler (api.New). It may be set later with
	// SetAPI, because api.New itself takes the web handler.
	API       http.Handler
	AssetsDir string // built assets (nhsuk-frontend CSS and JS); see Makefile target web
	Log       *slog.Logger

	// Catalog is no longer used: pages read trials through the API. It stays so
	// that callers written before the change still compile.
	Catalog *catalog.Catalog
}

// Site is the web UI's handler.
type Site struct {
	deps  Deps
	log   *slog.Logger
	api   atomic.Pointer[http.Handler]
	pages map[string]*template.Template
	mux   *http.ServeMux
}

// pageNames are the templates under templates/, each rendered inside layout.html
// with the shared partials.
var pageNames = []string{
	"search", "trial", "error", "signin", "password", "register", "registered",
	"my", "withdraw", "withdrawn", "patients", "patient", "equity", "sponsor",
}

// New returns the handler for the web pages and their assets. Call SetAPI before
// serving if d.API is nil.
func New(d Deps) *Site {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Site{deps: d, log: d.Log, pages: map[string]*template.Template{}}
	if d.API != nil {
		s.SetAPI(d.API)
	}
	for _, name := range pageNames {
		s.pages[name] = template.Must(template.New("layout.html").Funcs(funcs).
			ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/"+name+".html"))
	}
	s.addAdminPages() // admin.go
	if _, err := os.Stat(filepath.Join(d.AssetsDir, "nhsuk.min.css")); err != nil {
		d.Log.Warn("web assets are missing: pages will be unstyled; run `make web`", "dir", d.AssetsDir)
	}
	s.mux = s.routes()
	return s
}

// SetAPI gives the site the API handler it calls for all data. It breaks the
// construction cycle: the API serves the site for paths it does not own.
func (s *Site) SetAPI(h http.Handler) { s.api.Store(&h) }

func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Site) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", assets(s.deps.AssetsDir)))
	mux.HandleFunc("GET /{$}", s.search)

	mux.HandleFunc("GET /sign-in", s.signInForm)
	mux.HandleFunc("POST /sign-in", s.signIn)
	mux.HandleFunc("POST /sign-out", s.signOut)
	mux.HandleFunc("GET /password", s.passwordForm)
	mux.HandleFunc("POST /password", s.changePassword)

	mux.HandleFunc("GET /register", s.registerForm)
	mux.HandleFunc("POST /register", s.register)
	mux.HandleFunc("GET /my/{token}", s.myPage)
	mux.HandleFunc("GET /my/{token}/withdraw", s.withdrawForm)
	mux.HandleFunc("POST /my/{token}/withdraw", s.withdraw)
	mux.HandleFunc("POST /my/{token}/answers", s.answerForPatient)

	mux.HandleFunc("GET /patients", s.patientList)
	mux.HandleFunc("GET /patients/new", s.newPatientForm)
	mux.HandleFunc("POST /patients/new", s.createPatient)
	mux.HandleFunc("GET /patients/{id}", s.patientProfile)
	mux.HandleFunc("POST /patients/{id}/answers", s.answerForNurse)
	mux.HandleFunc("POST /patients/{id}/answers/all", s.answerAllForNurse) // answers_all.go
	mux.HandleFunc("POST /patients/{id}/events", s.recordEvent)            // events_form.go
	mux.HandleFunc("GET /patients/{id}/edit", s.editPatientForm)           // patient_edit.go
	mux.HandleFunc("POST /patients/{id}/edit", s.updatePatient)

	mux.HandleFunc("GET /sponsor", s.sponsorHome)
	mux.HandleFunc("GET /trials/{nctId}", s.trial)
	mux.HandleFunc("GET /trials/{nctId}/equity", s.equity)
	mux.HandleFunc("POST /trials/{nctId}/equity/targets", s.putTargets)
	mux.HandleFunc("POST /trials/{nctId}/equity/alerts/{id}/acknowledge", s.acknowledgeAlert)

	s.adminRoutes(mux) // admin.go

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusNotFound, "Page not found",
			"If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.")
	})
	return mux
}

// assets serves the built files with short caching: their names do not change
// with versions. Only files are served: no directory listings, and nothing whose
// path has a segment starting with "." (.built, .git, .env…).
func assets(dir string) http.Handler {
	fs := filesOnly{http.Dir(dir)}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := fs.Open("/" + r.URL.Path)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.ServeContent(w, r, st.Name(), st.ModTime(), f)
	})
}

// hiddenPath reports whether any segment of p starts with a dot, or p holds a
// backslash or NUL.
func hiddenPath(p string) bool {
	if strings.ContainsAny(p, "\\\x00") {
		return true
	}
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

// filesOnly is a file system that opens regular files only: a directory or a dot
// file is "not found", so http.FileServer can neither list nor serve them.
type filesOnly struct{ fs http.FileSystem }

func (f filesOnly) Open(name string) (http.File, error) {
	if hiddenPath(name) {
		return nil, os.ErrNotExist
	}
	file, err := f.fs.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := file.Stat()
	if err != nil || !st.Mode().IsRegular() {
		file.Close()
		return nil, os.ErrNotExist
	}
	return file, nil
}

// page is what every template gets: the layout's needs and the page's own data.
type page struct {
	Title  string
	Nonce  string // the request's CSP nonce, for the one inline script
	Me     *me    // who is signed in; nil for nobody (patients and the public)
	Errors []fieldError
	Wide   bool // tables that need the full width
	D      any  // the page's own data
}

func (s *Site) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	p.Nonce = csp.Nonce(r.Context())
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store") // pages carry personal data
	w.WriteHeader(status)
	if err := s.pages[name].Execute(w, p); err != nil {
		s.log.Error("rendering page", "page", name, "error", err.Error())
	}
}

type errorData struct {
	Message  string
	Link     string
	LinkText string
}

func (s *Site) errorPage(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	s.render(w, r, status, "error", page{Title: title, Me: s.whoMaybe(w, r), D: errorData{Message: message}})
}
