package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"equitrial/auth"
	"equitrial/catalog"
	"equitrial/ctgov"
	"equitrial/internal/app"
	"equitrial/internal/testdata"
	"equitrial/matcher"
	"equitrial/store"
	"equitrial/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const adminToken = "test-admin-token-0123456789abcdef"

// service is the whole service as `equitrial serve` assembles it (internal/app),
// over a fresh database and index, reached over HTTP.
type service struct {
	t    *testing.T
	url  string
	db   *store.DB
	cat  *catalog.Catalog
	auth *auth.Service
	app  *app.App
}

// testKeys seal patient identifiers in tests.
const testKeys = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func newService(t *testing.T) *service { return newServiceWith(t, nil) }

// newServiceWith lets a test change the configuration (or prepare the database,
// cfg.DB) before the service is built.
func newServiceWith(t *testing.T, configure func(*app.Config)) *service {
	t.Helper()
	db := storetest.NewDB(t)
	cfg := app.Config{DB: db, IndexDir: t.TempDir(), Keyring: storetest.TestKeyring(t, testKeys), AdminToken: adminToken}
	if configure != nil {
		configure(&cfg)
	}
	a, err := app.Build(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	// Every request and response of the API tests is checked against openapi.yaml.
	srv := httptest.NewServer(validateOpenAPI(t, a.Handler)) // openapi_test.go
	t.Cleanup(srv.Close)
	return &service{t: t, url: srv.URL, db: db, cat: a.Catalog, auth: a.Auth, app: a}
}

// importShared imports ../shared/ctgov through the catalog, as the CLI does.
func (s *service) importShared() catalog.Summary {
	s.t.Helper()
	dir := testdata.SharedDir(s.t, "ctgov")
	sum, err := s.cat.Import(context.Background(), func(each func(ctgov.Record) error) error {
		return ctgov.ReadPaths([]string{dir}, each)
	}, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return sum
}

// get fetches path and decodes the JSON answer into out, returning the status.
func (s *service) get(path string, out any) int {
	s.t.Helper()
	return s.do(http.MethodGet, path, "", nil, out)
}

func (s *service) do(method, path, token string, body []byte, out any) int {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 400 && res.Header.Get("Content-Type") != "application/problem+json" {
		s.t.Errorf("%s %s: status %d with Content-Type %q, want application/problem+json", method, path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			s.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return res.StatusCode
}

type searchResult struct {
	Total  int `json:"total"`
	Hits   []matcher.Hit
	Facets map[string][]matcher.Facet `json:"facets"`
}

func (s *service) search(params url.Values) searchResult {
	s.t.Helper()
	var r searchResult
	if code := s.get("/api/v1/trials?"+params.Encode(), &r); code != http.StatusOK {
		s.t.Fatalf("search %v: status %d", params, code)
	}
	return r
}

type problem struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Errors []struct {
		Field  string `json:"field"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

// readShared reads every study in ../shared/ctgov, to derive what searches must find.
func readShared(t *testing.T) []ctgov.Record {
	var out []ctgov.Record
	ctgov.ReadPaths([]string{testdata.SharedDir(t, "ctgov")}, func(r ctgov.Record) error {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Where(), r.Err)
		}
		out = append(out, r)
		return nil
	})
	return out
}

// request sends a request with optional JSON body and headers and returns the
// response (body read into data).
func (s *service) request(method, path string, body any, header map[string]string) (*http.Response, []byte) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res, data
}

func decodeProblem(t *testing.T, res *http.Response, p *problem) {
	t.Helper()
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("status %d with Content-Type %q, want application/problem+json", res.StatusCode, ct)
	}
	json.NewDecoder(res.Body).Decode(p)
}
