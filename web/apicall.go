package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
)

// apiResult is the API's answer to an in-process call.
type apiResult struct {
	Status  int
	Header  http.Header
	Body    []byte
	Problem problem // filled in when Status >= 400
}

// problem is the API's RFC 9457 problem document.
type problem struct {
	Status int          `json:"status"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Errors []fieldError `json:"errors"`
}

// fieldError is one field at fault, as the API names it ("birthDate",
// "conditions[0].text") or, once mapped, as the form names it.
type fieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
	Href   string `json:"-"` // the element the error summary links to
}

func (a *apiResult) ok() bool { return a.Status >= 200 && a.Status < 300 }

// decode reads a successful JSON answer.
func (a *apiResult) decode(out any) error { return json.Unmarshal(a.Body, out) }

// forwardedHeaders are the browser's headers the API needs to treat the inner call
// as the browser's own: credentials, client address for rate limits, and the
// request id that ties the two log lines together.
var forwardedHeaders = []string{"Cookie", "X-Forwarded-For", "User-Agent", "X-Request-Id"}

// callOpts adjust an inner request.
type callOpts struct {
	bearer string            // a patient's private-link token, instead of the browser's cookie
	header map[string]string // extra request headers (Idempotency-Key)
}

// call serves one API request in-process, as the browser's user: the browser's
// cookie (or bearer), address and request id are copied, and any Set-Cookie the API
// answers with (sign-in, sign-out, an expired session cleared) is passed back to the
// browser through w.
func (s *Site) call(w http.ResponseWriter, r *http.Request, method, path string, body any, opt callOpts) *apiResult {
	var rd io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return internalProblem()
		}
		rd = bytes.NewReader(b)
	}
	in, err := http.NewRequestWithContext(r.Context(), method, path, rd)
	if err != nil {
		return internalProblem()
	}
	in.Host = r.Host
	in.RemoteAddr = r.RemoteAddr
	for _, h := range forwardedHeaders {
		if v := r.Header.Values(h); len(v) > 0 {
			in.Header[h] = v
		}
	}
	if body != nil {
		in.Header.Set("Content-Type", "application/json")
	}
	in.Header.Set("Accept", "application/json")
	for k, v := range opt.header {
		in.Header.Set(k, v)
	}
	if opt.bearer != "" {
		in.Header.Set("Authorization", "Bearer "+opt.bearer)
		in.Header.Del("Cookie") // the link alone speaks for the patient
	}
	h := s.api.Load()
	if h == nil {
		s.log.Error("web: the API handler was never set (call SetAPI)")
		return internalProblem()
	}
	rec := httptest.NewRecorder()
	(*h).ServeHTTP(rec, in)
	res := rec.Result()
	if w != nil {
		for _, c := range res.Header.Values("Set-Cookie") {
			w.Header().Add("Set-Cookie", c)
		}
	}
	out := &apiResult{Status: res.StatusCode, Header: res.Header, Body: rec.Body.Bytes()}
	if out.Status >= 400 {
		if err := json.Unmarshal(out.Body, &out.Problem); err != nil || out.Problem.Status == 0 {
			out.Problem = problem{Status: out.Status, Title: http.StatusText(out.Status)}
		}
	}
	return out
}

func internalProblem() *apiResult {
	return &apiResult{Status: http.StatusInternalServerError,
		Problem: problem{Status: http.StatusInternalServerError, Detail: "Something went wrong on our side."}}
}

// get calls the API with GET and decodes a successful answer into out.
func (s *Site) get(w http.ResponseWriter, r *http.Request, path string, out any, opt callOpts) *apiResult {
	res := s.call(w, r, http.MethodGet, path, nil, opt)
	if res.ok() && out != nil {
		if err := res.decode(out); err != nil {
			s.log.Error("web: decoding an API answer", "route", routeOf(path), "error", err.Error())
			return internalProblem()
		}
	}
	return res
}

// routeOf is a path with anything after the resource names dropped, for logs that
// must never carry ids, tokens or queries.
func routeOf(path string) string {
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(path, "/")
	if len(parts) > 4 {
		parts = parts[:4]
	}
	return strings.Join(parts, "/")
}

// failed shows the page for an API answer that is not a success and not a form
// error the caller handles itself: sign in, not allowed, not found, too many, or
// our fault.
func (s *Site) failed(w http.ResponseWriter, r *http.Request, res *apiResult) {
	switch res.Status {
	case http.StatusUnauthorized:
		if r.Method == http.MethodGet {
			http.Redirect(w, r, "/sign-in?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		s.errorPage(w, r, res.Status, "You need to sign in", "Your session may have ended. Sign in and try again.")
	case http.StatusForbidden:
		if strings.Contains(res.Problem.Detail, "one-time password") {
			http.Redirect(w, r, "/password", http.StatusSeeOther)
			return
		}
		s.errorPage(w, r, res.Status, "You do not have permission to see this page",
			"Your account cannot see this. If you think it should, ask your equitrial administrator.")
	case http.StatusNotFound:
		s.errorPage(w, r, res.Status, "Page not found",
			"We could not find what you asked for. It may have been removed, or the web address may be wrong.")
	case http.StatusTooManyRequests:
		s.errorPage(w, r, res.Status, "Too many attempts", "Wait a minute, then try again.")
	case http.StatusBadRequest:
		s.errorPage(w, r, res.Status, "There is a problem", sentence(res.Problem.Detail))
	default:
		msg := "Try again later."
		if res.Problem.Detail != "" && res.Status >= 500 {
			msg = res.Problem.Detail // carries only the request id reference
		}
		s.errorPage(w, r, http.StatusInternalServerError, "Sorry, there is a problem with the service", msg)
	}
}
