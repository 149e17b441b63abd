// Package web serves equitrial's pages: server-rendered HTML styled with the NHS
// design system (nhsuk-frontend, fetched from npm at build time into AssetsDir),
// usable without JavaScript, so that a nurse on a locked-down clinic PC or a patient
// on an old phone can use it.
package web

import (
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"equitrial/catalog"
)

//go:embed templates/*.html
var templateFS embed.FS

// Deps are what the pages need.
type Deps struct {
	Catalog   *catalog.Catalog
	AssetsDir string // built assets (nhsuk-frontend CSS and JS); see Makefile target web
	Log       *slog.Logger
}

type site struct {
	Deps
	pages map[string]*template.Template
}

// New returns the handler for the web pages and their assets.
func New(d Deps) http.Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &site{Deps: d, pages: map[string]*template.Template{}}
	for _, name := range []string{"search", "trial", "error"} {
		s.pages[name] = template.Must(template.New("layout.html").Funcs(funcs).
			ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	if _, err := os.Stat(filepath.Join(d.AssetsDir, "nhsuk.min.css")); err != nil {
		d.Log.Warn("web assets are missing: pages will be unstyled; run `make web`", "dir", d.AssetsDir)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", assets(d.AssetsDir)))
	mux.HandleFunc("GET /{$}", s.search)
	mux.HandleFunc("GET /trials/{nctId}", s.trial)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusNotFound, "error", errorPage{Title: "Page not found",
			Message: "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address."})
	})
	return mux
}

// assets serves the built files with long caching: their names change with versions.
func assets(dir string) http.Handler {
	fs := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fs.ServeHTTP(w, r)
	})
}

func (s *site) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := s.pages[page].Execute(w, data); err != nil {
		s.Log.Error("rendering page", "page", page, "error", err.Error())
	}
}

type errorPage struct {
	Title, Message string
}
