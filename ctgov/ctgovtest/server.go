// Package ctgovtest serves recorded ClinicalTrials.gov API v2 search pages for
// tests, built at test time from a folder of study files (../shared/ctgov): paged
// with pageSize and pageToken, filtered by last-update date as the registry's
// filter.advanced=AREA[LastUpdatePostDate]RANGE[…,MAX] does, with failures to
// order. The search terms (query.*) are recorded, not evaluated: every study
// matches.
package ctgovtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"equitrial/ctgov"
)

// Server is a recorded registry. Its URL plus "/api/v2" is a base URL for
// ctgov.Client.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	studies  []study
	faults   map[int][]Fault
	extra    map[int][]string
	requests []Request
}

type study struct {
	id     string
	raw    json.RawMessage
	posted string // YYYY-MM-DD; empty when the record has none
}

// Fault is one failed answer to a request for a page.
type Fault struct {
	Status     int    // the HTTP status to answer with
	RetryAfter string // a Retry-After header to send, if any
	Drop       bool   // close the connection without answering (a network error)
}

// Request is one request the server answered (or failed), in order.
type Request struct {
	Page   int    // 1 for the first page
	Token  string // the pageToken sent
	Status int    // the status answered; 0 for a dropped connection
	Params map[string]string
}

// New serves the studies in dir (*.json, one study each, as ../shared/ctgov holds).
func New(tb testing.TB, dir string) *Server {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("ctgovtest: no studies in %s: %v", dir, err)
	}
	s := &Server{faults: map[int][]Fault{}, extra: map[int][]string{}}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		st, err := newStudy(raw)
		if err != nil {
			tb.Fatalf("ctgovtest: %s: %v", f, err)
		}
		s.studies = append(s.studies, st)
	}
	sort.Slice(s.studies, func(i, j int) bool { return s.studies[i].id < s.studies[j].id })
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

func newStudy(raw []byte) (study, error) {
	t, err := ctgov.Decode(raw)
	if err != nil {
		return study{}, err
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return study{}, err
	}
	posted, _ := ctgov.PostedDate(t.LastUpdate)
	return study{id: t.NCTID, raw: compact.Bytes(), posted: posted}, nil
}

// BaseURL is the server's API v2 base URL.
func (s *Server) BaseURL() string { return s.URL + "/api/v2" }

// IDs lists the studies served, in the order they are served.
func (s *Server) IDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(s.studies))
	for i, st := range s.studies {
		ids[i] = st.id
	}
	return ids
}

// Posted returns the latest last-update date among the studies served.
func (s *Server) Posted() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m string
	for _, st := range s.studies {
		m = max(m, st.posted)
	}
	return m
}

// Update posts a new version of study id: its last update dated date (YYYY-MM-DD)
// and its brief title changed, as the registry does when a sponsor edits a record.
func (s *Server) Update(tb testing.TB, id, date string) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, st := range s.studies {
		if st.id != id {
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal(st.raw, &doc); err != nil {
			tb.Fatal(err)
		}
		ps := doc["protocolSection"].(map[string]any)
		status, _ := ps["statusModule"].(map[string]any)
		if status == nil {
			status = map[string]any{}
			ps["statusModule"] = status
		}
		status["lastUpdatePostDateStruct"] = map[string]any{"date": date, "type": "ACTUAL"}
		ident := ps["identificationModule"].(map[string]any)
		ident["briefTitle"] = fmt.Sprint(ident["briefTitle"], " (updated ", date, ")")
		raw, err := json.Marshal(doc)
		if err != nil {
			tb.Fatal(err)
		}
		if s.studies[i], err = newStudy(raw); err != nil {
			tb.Fatal(err)
		}
		return
	}
	tb.Fatalf("ctgovtest: no study %s", id)
}

// Fail queues faults for requests of page (1 for the first): each request of that
// page takes the next fault until none are left, then it is answered.
func (s *Server) Fail(page int, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[page] = append(s.faults[page], faults...)
}

// AddBadRecord adds raw, a record the importer must reject, to page.
func (s *Server) AddBadRecord(page int, raw string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.extra[page] = append(s.extra[page], raw)
}

// Requests returns the requests so far and forgets them.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.requests
	s.requests = nil
	return out
}

var rangePattern = regexp.MustCompile(`AREA\[LastUpdatePostDate\]RANGE\[(\d{4}-\d{2}-\d{2}),MAX\]`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v2/studies" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	params := map[string]string{}
	for k := range q {
		params[k] = q.Get(k)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	req := Request{Page: 1, Token: q.Get("pageToken"), Params: params}
	answer := func(status int, body string) {
		req.Status = status
		s.requests = append(s.requests, req)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		fmt.Fprintln(w, body)
	}
	if q.Get("format") != "json" {
		answer(http.StatusBadRequest, "format must be json")
		return
	}
	size := 10 // the registry's default
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > ctgov.MaxPageSize {
			answer(http.StatusBadRequest, "pageSize must be 1 to 1000")
			return
		}
		size = n
	}
	// A token names a page of one search: sent with other parameters, it is refused.
	fp := fingerprint(q)
	if req.Token != "" {
		page, rest, ok := strings.Cut(req.Token, ".")
		n, err := strconv.Atoi(page)
		if !ok || err != nil || n < 2 || rest != fp {
			answer(http.StatusBadRequest, "invalid pageToken")
			return
		}
		req.Page = n
	}
	if f := s.faults[req.Page]; len(f) > 0 {
		s.faults[req.Page] = f[1:]
		if f[0].Drop {
			s.requests = append(s.requests, req)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		if f[0].RetryAfter != "" {
			w.Header().Set("Retry-After", f[0].RetryAfter)
		}
		answer(f[0].Status, http.StatusText(f[0].Status))
		return
	}
	var since string
	if m := rangePattern.FindStringSubmatch(q.Get("filter.advanced")); m != nil {
		since = m[1]
	}
	var match []study
	for _, st := range s.studies {
		if since == "" || (st.posted != "" && st.posted >= since) {
			match = append(match, st)
		}
	}
	from := min((req.Page-1)*size, len(match))
	to := min(from+size, len(match))
	var b bytes.Buffer
	b.WriteString(`{"studies":[`)
	n := 0
	for _, st := range match[from:to] {
		if n++; n > 1 {
			b.WriteByte(',')
		}
		b.Write(st.raw)
	}
	for _, raw := range s.extra[req.Page] {
		if n++; n > 1 {
			b.WriteByte(',')
		}
		b.WriteString(raw)
	}
	b.WriteString("]")
	if q.Get("countTotal") == "true" {
		fmt.Fprintf(&b, `,"totalCount":%d`, len(match))
	}
	if to < len(match) {
		fmt.Fprintf(&b, `,"nextPageToken":"%d.%s"`, req.Page+1, fp)
	}
	b.WriteString("}")
	req.Status = http.StatusOK
	s.requests = append(s.requests, req)
	w.Header().Set("Content-Type", "application/json")
	w.Write(b.Bytes())
}

// fingerprint identifies a search by its parameters, paging aside.
func fingerprint(q map[string][]string) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "pageToken" && k != "countTotal" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%q;", k, q[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
