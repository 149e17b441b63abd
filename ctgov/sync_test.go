package ctgov_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"equitrial"
	"equitrial/ctgov"
	"equitrial/ctgov/ctgovtest"
	"equitrial/internal/testdata"
)

// memCursors is a CursorStore in memory, with the store's version check.
type memCursors struct {
	mu sync.Mutex
	m  map[string]ctgov.Cursor
}

func (s *memCursors) LoadCursor(_ context.Context, name string) (ctgov.Cursor, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[name]
	return c, ok, nil
}

func (s *memCursors) SaveCursor(_ context.Context, c *ctgov.Cursor) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]ctgov.Cursor{}
	}
	if s.m[c.Name].Version != c.Version {
		return equitrial.Errorf(equitrial.KindConflict, "cursor %s changed", c.Name)
	}
	c.Version++
	s.m[c.Name] = *c
	return nil
}

// memImporter keeps the latest version of each study as the catalog does: a newer
// or different record replaces the stored one, the same record changes nothing.
type memImporter struct {
	stored map[string]string // id → raw
	seen   []string          // ids in the order imported, every time
}

func (m *memImporter) ImportRecords(_ context.Context, records []ctgov.Record) (ctgov.ImportResult, error) {
	if m.stored == nil {
		m.stored = map[string]string{}
	}
	var r ctgov.ImportResult
	for _, rec := range records {
		if rec.Err != nil {
			r.Rejected++
			r.Rejections = append(r.Rejections, ctgov.Rejection{Where: rec.Where(), Reason: rec.Err.Error()})
			continue
		}
		id := rec.Trial.NCTID
		m.seen = append(m.seen, id)
		old, ok := m.stored[id]
		switch {
		case !ok:
			r.Imported++
		case old == string(rec.Trial.Raw):
			r.Unchanged++
			continue
		default:
			r.Updated++
		}
		m.stored[id] = string(rec.Trial.Raw)
	}
	return r, nil
}

// sleeps records the client's waits instead of sleeping them.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func newSync(t *testing.T, srv *ctgovtest.Server, attempts int) (*ctgov.Sync, *memCursors, *memImporter, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	cursors, imp := &memCursors{}, &memImporter{}
	return &ctgov.Sync{
		Client: &ctgov.Client{BaseURL: srv.BaseURL(), Retry: ctgov.Retry{Attempts: attempts, Base: 10 * time.Millisecond, Max: 40 * time.Millisecond},
			Sleep: sl.sleep, Limiter: ctgov.NewLimiter(60000, 10)},
		Cursors: cursors, Importer: imp, PageSize: 50,
	}, cursors, imp, sl
}

func ukQuery(t *testing.T) ctgov.Query {
	t.Helper()
	q, err := ctgov.ParseQuery("query.locn=United Kingdom")
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func pagesOf(reqs []ctgovtest.Request) []int {
	var out []int
	for _, r := range reqs {
		out = append(out, r.Page)
	}
	return out
}

// The first run pages through all 143 recorded studies, riding out a dropped
// connection, a 500, a 429 with Retry-After and a bad record; the second, with no
// since date, asks only for what was posted since the high-water mark and
// reimports only the studies that changed.
func TestSyncFirstRunThenOnlyWhatChanged(t *testing.T) {
	srv := ctgovtest.New(t, testdata.SharedDir(t, "ctgov"))
	srv.Fail(1, ctgovtest.Fault{Drop: true})
	srv.Fail(2, ctgovtest.Fault{Status: 500})
	srv.Fail(3, ctgovtest.Fault{Status: 429, RetryAfter: "2"})
	srv.AddBadRecord(2, `{"protocolSection":{"identificationModule":{"nctId":"NCT-bad"}}}`)
	s, cursors, imp, sl := newSync(t, srv, 4)
	ctx := context.Background()
	q := ukQuery(t)

	res, err := s.Run(ctx, ctgov.Request{Query: q})
	if err != nil {
		t.Fatal(err)
	}
	want := ctgov.Counts{Fetched: 144, Imported: 143, Rejected: 1}
	if res.Counts != want || res.Pages != 3 || res.ResumedAt != 0 {
		t.Fatalf("first run: %s; want %+v in 3 pages", res, want)
	}
	if len(res.Rejected) != 1 || !strings.HasPrefix(res.Rejected[0].Where, "registry page 2: studies[") ||
		!strings.Contains(res.Rejected[0].Reason, "NCT-bad") {
		t.Fatalf("rejections: %+v", res.Rejected)
	}
	if res.HighWater != srv.Posted() || res.HighWater == "" {
		t.Fatalf("high-water mark %q, want %q (the latest last-update date served)", res.HighWater, srv.Posted())
	}
	reqs := srv.Requests()
	if got := pagesOf(reqs); !slices.Equal(got, []int{1, 1, 2, 2, 3, 3}) {
		t.Fatalf("pages requested %v, want each failing page twice", got)
	}
	first := reqs[0].Params
	if first["query.locn"] != "United Kingdom" || first["format"] != "json" || first["pageSize"] != "50" ||
		first["countTotal"] != "true" || first["filter.advanced"] != "" {
		t.Fatalf("first request's parameters: %v", first)
	}
	// The dropped connection and the 500 waited a first back-off with jitter (10ms
	// base: 5–10ms); the 429 waited what Retry-After asked.
	if len(sl.d) != 3 || sl.d[0] < 5*time.Millisecond || sl.d[0] > 10*time.Millisecond ||
		sl.d[1] < 5*time.Millisecond || sl.d[1] > 10*time.Millisecond || sl.d[2] != 2*time.Second {
		t.Fatalf("waits %v; want two back-offs of 5–10ms, then Retry-After's 2s", sl.d)
	}
	c, _, _ := cursors.LoadCursor(ctx, ctgov.DefaultName(q))
	if c.Status != ctgov.CursorDone || c.PageToken != "" || c.HighWater != res.HighWater || c.Counts != want {
		t.Fatalf("saved cursor: %+v", c)
	}

	// Three studies change on the registry; everything else stays as it was.
	ids := srv.IDs()
	changed := []string{ids[5], ids[70], ids[140]}
	for i, id := range changed {
		srv.Update(t, id, fmt.Sprintf("2027-03-%02d", i+1))
	}
	atMark := 0 // studies posted on the high-water day itself are asked for again
	for _, id := range ids {
		if id != changed[0] && id != changed[1] && id != changed[2] && imp.postedOn(t, id) == res.HighWater {
			atMark++
		}
	}
	imp.seen = nil
	again, err := s.Run(ctx, ctgov.Request{Query: q})
	if err != nil {
		t.Fatal(err)
	}
	want2 := ctgov.Counts{Fetched: 3 + atMark, Updated: 3, Unchanged: atMark}
	if again.Counts != want2 || again.Since != res.HighWater || again.HighWater != "2027-03-03" {
		t.Fatalf("second run: %s; want %+v since %s, high-water mark 2027-03-03", again, want2, res.HighWater)
	}
	for _, id := range changed {
		if !slices.Contains(imp.seen, id) {
			t.Errorf("changed study %s was not reimported", id)
		}
	}
	reqs = srv.Requests()
	if len(reqs) != 1 || reqs[0].Params["filter.advanced"] != "AREA[LastUpdatePostDate]RANGE["+res.HighWater+",MAX]" {
		t.Fatalf("second run's requests: %+v", reqs)
	}
}

// postedOn is the last-update date of the stored version of id.
func (m *memImporter) postedOn(t *testing.T, id string) string {
	t.Helper()
	tr, err := ctgov.Decode([]byte(m.stored[id]))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := ctgov.PostedDate(tr.LastUpdate)
	return d
}

// A page that fails more times than the client tries stops the run with its
// cursor saved; the rerun resumes at that page without fetching earlier ones, and
// the run's counts include the pages before the failure.
func TestSyncResumesFromSavedCursor(t *testing.T) {
	srv := ctgovtest.New(t, testdata.SharedDir(t, "ctgov"))
	srv.Fail(3, ctgovtest.Fault{Status: 503}, ctgovtest.Fault{Status: 502}, ctgovtest.Fault{Status: 500})
	s, cursors, imp, sl := newSync(t, srv, 3)
	ctx := context.Background()
	q := ukQuery(t)
	since := "2015-01-01"

	res, err := s.Run(ctx, ctgov.Request{Query: q, Since: since})
	if !equitrial.Is(equitrial.KindUnavailable, err) || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Fatalf("run with a page down: %v; want unavailable after 3 attempts", err)
	}
	c, _, _ := cursors.LoadCursor(ctx, ctgov.DefaultName(q))
	if c.Status != ctgov.CursorFailed || c.Pages != 2 || c.PageToken == "" || c.Since != since || c.LastError == "" || res.Pages != 2 {
		t.Fatalf("cursor after the failure: %+v", c)
	}
	if got := pagesOf(srv.Requests()); !slices.Equal(got, []int{1, 2, 3, 3, 3}) {
		t.Fatalf("pages requested %v", got)
	}
	// The back-off doubles (10ms base, equal jitter): 5–10ms, then 10–20ms.
	if len(sl.d) != 2 || sl.d[0] < 5*time.Millisecond || sl.d[0] > 10*time.Millisecond ||
		sl.d[1] < 10*time.Millisecond || sl.d[1] > 20*time.Millisecond {
		t.Fatalf("waits %v", sl.d)
	}
	before := len(imp.seen)

	res, err = s.Run(ctx, ctgov.Request{Query: q}) // no since: resumes the stopped run
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if got := pagesOf(reqs); !slices.Equal(got, []int{3}) {
		t.Fatalf("the rerun requested pages %v; want only page 3", got)
	}
	if reqs[0].Token != c.PageToken || !strings.Contains(reqs[0].Params["filter.advanced"], since) {
		t.Fatalf("the rerun's request %+v; want the saved token and since date", reqs[0])
	}
	total := len(imp.stored)
	if res.ResumedAt != 3 || res.Pages != 3 || res.Counts.Fetched != total || res.Counts.Imported != total || res.Since != since {
		t.Fatalf("resumed run: %+v; want resumed at page 3, %d studies in 3 pages", res, total)
	}
	if n := len(imp.seen); n != total || before != 100 {
		t.Fatalf("%d records imported in all (%d before the failure); want each of %d once", n, before, total)
	}
}

// Restart starts a stopped run over; a different since date does too.
func TestSyncRestart(t *testing.T) {
	srv := ctgovtest.New(t, testdata.SharedDir(t, "ctgov"))
	srv.Fail(2, ctgovtest.Fault{Status: 500}, ctgovtest.Fault{Status: 500})
	s, _, _, _ := newSync(t, srv, 2)
	ctx := context.Background()
	if _, err := s.Run(ctx, ctgov.Request{Query: ukQuery(t)}); err == nil {
		t.Fatal("the run did not fail")
	}
	srv.Requests()
	res, err := s.Run(ctx, ctgov.Request{Query: ukQuery(t), Restart: true})
	if err != nil || res.ResumedAt != 0 || res.Counts.Unchanged != 50 || res.Counts.Imported != 93 {
		t.Fatalf("restarted run: %+v, %v", res, err)
	}
	if got := pagesOf(srv.Requests()); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("restart requested pages %v", got)
	}
}

// A request the registry refuses (4xx other than 429) is not tried again; a
// Retry-After longer than the client will wait ends the run at once.
func TestSyncGivesUpOnRefusalAndLongRetryAfter(t *testing.T) {
	srv := ctgovtest.New(t, testdata.SharedDir(t, "ctgov"))
	srv.Fail(1, ctgovtest.Fault{Status: 400})
	s, _, _, sl := newSync(t, srv, 5)
	ctx := context.Background()
	if _, err := s.Run(ctx, ctgov.Request{Query: ukQuery(t)}); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Fatalf("400: %v; want invalid", err)
	}
	if n := len(srv.Requests()); n != 1 || len(sl.d) != 0 {
		t.Fatalf("a 400 was tried %d times", n)
	}
	srv.Fail(1, ctgovtest.Fault{Status: 429, RetryAfter: "3600"})
	if _, err := s.Run(ctx, ctgov.Request{Query: ukQuery(t)}); !equitrial.Is(equitrial.KindTooMany, err) {
		t.Fatalf("429 asking for an hour: %v; want too many requests", err)
	}
}

// Cancelling during a back-off stops the run promptly, with its cursor saved.
func TestSyncCancelDuringBackoff(t *testing.T) {
	srv := ctgovtest.New(t, testdata.SharedDir(t, "ctgov"))
	srv.Fail(2, ctgovtest.Fault{Status: 503})
	s, cursors, _, _ := newSync(t, srv, 5)
	ctx, cancel := context.WithCancel(context.Background())
	s.Client.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	}
	q := ukQuery(t)
	if _, err := s.Run(ctx, ctgov.Request{Query: q}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	c, _, _ := cursors.LoadCursor(context.Background(), ctgov.DefaultName(q))
	if c.Status != ctgov.CursorFailed || c.Pages != 1 {
		t.Fatalf("cursor after cancel: %+v", c)
	}
}

func TestParseQuery(t *testing.T) {
	q, err := ctgov.ParseQuery("query.locn=United Kingdom&query.cond=heart+failure")
	if err != nil {
		t.Fatal(err)
	}
	if got := q.String(); got != "query.cond=heart+failure&query.locn=United+Kingdom" {
		t.Fatalf("canonical form %q", got)
	}
	for _, bad := range []string{"", "pageSize=5", "query.cond=", "query.cond=a&query.cond=b", "query.term=%zz"} {
		if _, err := ctgov.ParseQuery(bad); !equitrial.Is(equitrial.KindInvalid, err) {
			t.Errorf("ParseQuery(%q) = %v; want invalid", bad, err)
		}
	}
	for _, s := range []string{"2026-01-01"} {
		if _, err := ctgov.ParseSince(s); err != nil {
			t.Errorf("ParseSince(%q): %v", s, err)
		}
	}
	for _, s := range []string{"2026-1-1", "yesterday", "2026-02-30"} {
		if _, err := ctgov.ParseSince(s); err == nil {
			t.Errorf("ParseSince(%q) accepted", s)
		}
	}
}

func TestPostedDate(t *testing.T) {
	for in, want := range map[string]string{
		"2017-06-05": "2017-06-05", "December 22, 2017": "2017-12-22", "2019-11": "2019-11-01", "": "", "soon": "",
	} {
		if got, _ := ctgov.PostedDate(in); got != want {
			t.Errorf("PostedDate(%q) = %q, want %q", in, got, want)
		}
	}
}

// The token bucket lets a burst through at once, then spaces requests at its rate,
// and a cancelled wait returns at once.
func TestLimiter(t *testing.T) {
	l := ctgov.NewLimiter(1200, 2) // 20 a second
	ctx := context.Background()
	start := time.Now()
	for range 6 {
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took < 180*time.Millisecond || took > 2*time.Second {
		t.Fatalf("6 requests at 20/s with a burst of 2 took %v; want about 200ms", took)
	}
	slow := ctgov.NewLimiter(1, 1)
	slow.Wait(ctx)
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := slow.Wait(cctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a wait past the deadline returned %v", err)
	}
}
