package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"equitrial/api"
)

// The description is OpenAPI 3.1 and is validated as such: kin-openapi (v0.153)
// loads 3.1 documents and validates their schemas with a JSON Schema 2020-12
// validator (type arrays with "null", const, unevaluatedProperties, …).

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
	specErr    error
)

// openAPISpec loads and checks api/openapi.yaml once per test binary.
func openAPISpec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		specDoc, specErr = loader.LoadFromData(api.OpenAPI)
		if specErr != nil {
			return
		}
		if !specDoc.IsOpenAPI31OrLater() {
			specErr = fmt.Errorf("openapi.yaml is OpenAPI %s, want 3.1", specDoc.OpenAPI)
			return
		}
		if specErr = specDoc.Validate(context.Background()); specErr != nil {
			return
		}
		specRouter, specErr = legacy.NewRouter(specDoc)
	})
	if specErr != nil {
		t.Fatalf("api/openapi.yaml: %v", specErr)
	}
	return specDoc, specRouter
}

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestOpenAPIDescribesEveryRoute checks that every route of api/routes.go is
// described with the roles of the table, and that nothing else is described.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc, _ := openAPISpec(t)
	routed := map[string]bool{}
	for _, r := range api.Routes() {
		path := ginParam.ReplaceAllString(r.Path, "{$1}")
		key := r.Method + " " + path
		routed[key] = true
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("%s is routed but not described", key)
			continue
		}
		op := item.GetOperation(r.Method)
		var want []string
		for _, role := range r.Allow {
			want = append(want, string(role))
		}
		got, err := roles(op.Extensions["x-roles"])
		if err != nil {
			t.Errorf("%s: x-roles: %v", key, err)
			continue
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: x-roles %v, but routes.go allows %v", key, got, want)
		}
		if op.OperationID == "" {
			t.Errorf("%s has no operationId", key)
		}
		if op.Responses.Default() == nil {
			t.Errorf("%s: no default response (the problem document)", key)
		}
		// Every parameter in the route's path is declared.
		for _, m := range ginParam.FindAllStringSubmatch(r.Path, -1) {
			if item.Parameters.GetByInAndName("path", m[1]) == nil && op.Parameters.GetByInAndName("path", m[1]) == nil {
				t.Errorf("%s: path parameter %s is not declared", key, m[1])
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !routed[method+" "+path] {
				t.Errorf("%s %s is described but not routed", method, path)
			}
		}
	}
	// The problem document is described as RFC 9457 has it.
	p := doc.Components.Schemas["Problem"]
	if p == nil || p.Value == nil {
		t.Fatal("no Problem schema")
	}
	for _, f := range []string{"type", "title", "status", "detail", "instance", "errors"} {
		if p.Value.Properties[f] == nil {
			t.Errorf("Problem schema lacks %s", f)
		}
	}
}

func roles(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("want a list of roles, got %#v", v)
	}
	var out []string
	for _, r := range list {
		s, ok := r.(string)
		if !ok {
			return nil, fmt.Errorf("want role names, got %#v", r)
		}
		out = append(out, s)
	}
	return out, nil
}

// TestOpenAPIServed checks the description is served, as embedded, to anyone.
func TestOpenAPIServed(t *testing.T) {
	svc := newService(t)
	res, body := svc.request(http.MethodGet, "/api/openapi.yaml", nil, nil)
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, api.OpenAPI) {
		t.Fatalf("GET /api/openapi.yaml: %d, %d bytes (want %d)", res.StatusCode, len(body), len(api.OpenAPI))
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("Content-Type %q", ct)
	}
}

// TestOpenAPIValidatorCatches checks that the validation hook reports a response
// the description does not allow, so a passing run means something.
func TestOpenAPIValidatorCatches(t *testing.T) {
	_, router := openAPISpec(t)
	bad := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":42}`)) // healthz answers {"status":"ok"}
	})
	v := &openAPICollector{router: router}
	srv := httptest.NewServer(v.wrap(bad))
	defer srv.Close()
	res, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if len(v.failures) != 1 || !strings.Contains(v.failures[0], "GET /healthz 200: response") {
		t.Fatalf("failures: %q", v.failures)
	}
}

// validateOpenAPI wraps the service's handler so that every request a test sends
// and every response it gets are checked against api/openapi.yaml:
//   - every response must be one the description allows for its operation and
//     status (errors as problem documents);
//   - every request the service accepted (status below 400) must be one the
//     description allows. Requests the service refused are the tests of bad input:
//     only their answers are checked.
//
// Requests to paths the description does not cover (web pages, 404s) are passed
// through. The first failure fails the test, with a count of the others; set
// EQUITRIAL_OPENAPI_ALL=1 to list every failure, EQUITRIAL_OPENAPI_VALIDATE=off
// to turn the check off.
func validateOpenAPI(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	if os.Getenv("EQUITRIAL_OPENAPI_VALIDATE") == "off" {
		return h
	}
	_, router := openAPISpec(t)
	v := &openAPICollector{router: router}
	t.Cleanup(func() { v.report(t, os.Getenv("EQUITRIAL_OPENAPI_ALL") != "") })
	return v.wrap(h)
}

type openAPICollector struct {
	router   routers.Router
	mu       sync.Mutex
	failures []string
	seen     map[string]bool
}

func (v *openAPICollector) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		check := r.Clone(context.WithoutCancel(r.Context()))
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		v.check(check, body, rec.Code, rec.Header(), rec.Body.Bytes())
	})
}

func (v *openAPICollector) check(req *http.Request, body []byte, status int, header http.Header, resBody []byte) {
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return // not an operation of the API: a page, or a path nothing serves
	}
	name := fmt.Sprintf("%s %s %d", req.Method, route.Path, status)
	if req.Header.Get("Content-Type") == "" && len(body) > 0 {
		// The service reads a body without a Content-Type as JSON (or, for the
		// import, as whatever records it holds).
		if json.Valid(body) {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/octet-stream")
		}
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true, IncludeResponseStatus: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	ctx := context.Background()
	if status < 400 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			v.fail(name, "request", err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader(resBody)), Options: opts}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		v.fail(name, "response", err)
	}
}

func (v *openAPICollector) fail(name, what string, err error) {
	msg := err.Error()
	if len(msg) > 1500 {
		msg = msg[:1500] + "…"
	}
	line := name + ": " + what + ": " + msg
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.seen == nil {
		v.seen = map[string]bool{}
	}
	if v.seen[line] {
		return
	}
	v.seen[line] = true
	v.failures = append(v.failures, line)
}

func (v *openAPICollector) report(t *testing.T, all bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.failures) == 0 {
		return
	}
	if all {
		for _, f := range v.failures {
			t.Errorf("openapi.yaml: %s", f)
		}
		return
	}
	t.Errorf("openapi.yaml: %s", v.failures[0])
	if n := len(v.failures) - 1; n > 0 {
		t.Errorf("openapi.yaml: and %d other failures (EQUITRIAL_OPENAPI_ALL=1 lists them)", n)
	}
}
