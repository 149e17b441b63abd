package jobs_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"equitrial"
	"equitrial/catalog"
	"equitrial/ctgov"
	"equitrial/ctgov/ctgovtest"
	"equitrial/internal/testdata"
	"equitrial/jobs"
	"equitrial/matcher"
	"equitrial/store"
	"equitrial/store/storetest"
)

// The registry sync as a scheduled job against the embedded FerretDB: a first run
// that exhausts its retries on page 2 and stops with its cursor saved; a rerun
// that resumes at page 2 (riding out a 500 and a 429 with Retry-After); a third
// run, with nothing said about dates, that reimports only the studies changed on
// the registry. Store, index and cursor agree throughout.
func TestCTGovSyncJob(t *testing.T) {
	srv := ctgovtest.New(t, testdata.SharedDir(t, "ctgov"))
	db := storetest.NewDB(t)
	ctx := context.Background()
	ix, err := matcher.OpenMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var mu sync.Mutex
	var changed []string // what the catalog reindexed (and told matching about)
	cat := &catalog.Catalog{Store: db.Trials, Index: ix, Changed: func(ts []*equitrial.Trial) {
		mu.Lock()
		defer mu.Unlock()
		for _, t := range ts {
			changed = append(changed, t.NCTID)
		}
	}}
	var waits []time.Duration // guarded by mu
	x, err := jobs.NewCTGovSync(jobs.CTGovSyncConfig{Query: "query.locn=United Kingdom", BaseURL: srv.BaseURL(), PageSize: 60,
		RatePerMinute: 60000, Retry: ctgov.Retry{Attempts: 3, Base: time.Millisecond, Max: 4 * time.Millisecond},
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			waits = append(waits, d)
			return ctx.Err()
		}}, cat, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := newScheduler(t, db, "replica-a", time.Minute)
	if err := s.Register(x.Job("@every 1h")); err != nil {
		t.Fatal(err)
	}
	run := func() store.JobRun {
		t.Helper()
		id, err := s.Trigger(ctx, jobs.JobCTGovSync)
		if err != nil {
			t.Fatal(err)
		}
		return waitRun(t, db, id)
	}
	name := ctgov.DefaultName(mustQuery(t, "query.locn=United Kingdom"))

	srv.Fail(2, ctgovtest.Fault{Status: 502}, ctgovtest.Fault{Status: 503}, ctgovtest.Fault{Status: 500})
	r := run()
	if r.Outcome != store.RunFailed || !strings.Contains(r.Error, "after 3 attempts") || !strings.Contains(r.Detail, "1 pages, 60 studies: 60 imported") {
		t.Fatalf("first run: %+v", r)
	}
	st, ok, err := db.SyncStates().Get(ctx, name)
	if err != nil || !ok || st.Status != ctgov.CursorFailed || st.Pages != 1 || st.PageToken == "" || st.Imported != 60 || st.LastError == "" {
		t.Fatalf("cursor after the failure: %+v, %v, %v", st, ok, err)
	}
	if n, _ := db.Trials.Count(ctx); n != 60 {
		t.Fatalf("%d trials stored after page 1", n)
	}
	srv.Requests()

	srv.Fail(2, ctgovtest.Fault{Status: 500})
	srv.Fail(3, ctgovtest.Fault{Status: 429, RetryAfter: "7"})
	r = run()
	if r.Outcome != store.RunSucceeded || !strings.Contains(r.Detail, "3 pages, 143 studies: 143 imported, 0 updated, 0 unchanged, 0 rejected") ||
		!strings.Contains(r.Detail, "(resumed at page 2)") {
		t.Fatalf("resumed run: %+v", r)
	}
	var pages []int
	for _, q := range srv.Requests() {
		pages = append(pages, q.Page)
	}
	if !slices.Equal(pages, []int{2, 2, 3, 3}) {
		t.Fatalf("the resumed run requested pages %v; want 2 and 3 only (each failing once)", pages)
	}
	mu.Lock()
	if len(waits) == 0 || waits[len(waits)-1] != 7*time.Second {
		t.Fatalf("waits %v; the last should be Retry-After's 7s", waits)
	}
	mu.Unlock()
	if n, _ := db.Trials.Count(ctx); n != 143 {
		t.Fatalf("%d trials stored, want 143", n)
	}
	if n, _ := ix.Count(); n != 143 {
		t.Fatalf("%d trials indexed, want 143", n)
	}
	st, _, _ = db.SyncStates().Get(ctx, name)
	if st.Status != ctgov.CursorDone || st.PageToken != "" || st.HighWater != srv.Posted() || st.Fetched != 143 {
		t.Fatalf("cursor after the sync: %+v; want done with high-water mark %s", st, srv.Posted())
	}

	// Three studies change on the registry.
	ids := srv.IDs()
	updated := []string{ids[0], ids[77], ids[142]}
	for i, id := range updated {
		srv.Update(t, id, fmt.Sprintf("2027-02-%02d", 10+i))
	}
	mu.Lock()
	changed = nil
	mu.Unlock()
	r = run()
	if r.Outcome != store.RunSucceeded || !strings.Contains(r.Detail, "since "+st.HighWater) ||
		!strings.Contains(r.Detail, "0 imported, 3 updated") || !strings.Contains(r.Detail, "high-water mark 2027-02-12") {
		t.Fatalf("incremental run: %+v", r)
	}
	mu.Lock()
	slices.Sort(changed)
	if !slices.Equal(changed, updated) {
		t.Fatalf("the incremental run reindexed %v; want only %v", changed, updated)
	}
	mu.Unlock()
	for _, id := range updated {
		tr, err := db.Trials.Get(ctx, id)
		if err != nil || !strings.Contains(tr.BriefTitle, "(updated 2027-02-") {
			t.Fatalf("%s after the incremental run: %q, %v", id, tr.BriefTitle, err)
		}
	}
	for _, q := range srv.Requests() {
		if q.Params["filter.advanced"] != "AREA[LastUpdatePostDate]RANGE["+st.HighWater+",MAX]" {
			t.Fatalf("incremental request without the last-update filter: %v", q.Params)
		}
	}
}

// Two replicas have the job; while one runs it (here, held in a back-off), the
// other is refused by the lease.
func TestCTGovSyncJobRunsOnOneReplica(t *testing.T) {
	srv := ctgovtest.New(t, testdata.SharedDir(t, "ctgov"))
	db := storetest.NewDB(t)
	ctx := context.Background()
	ix, err := matcher.OpenMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	inBackoff, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	cfg := jobs.CTGovSyncConfig{Query: "query.cond=COVID-19", BaseURL: srv.BaseURL(), RatePerMinute: 60000,
		Retry: ctgov.Retry{Attempts: 2, Base: time.Millisecond},
		Sleep: func(ctx context.Context, d time.Duration) error {
			once.Do(func() { close(inBackoff) })
			<-release
			return ctx.Err()
		}}
	var scheds []*jobs.Scheduler
	for _, holder := range []string{"replica-a", "replica-b"} {
		x, err := jobs.NewCTGovSync(cfg, &catalog.Catalog{Store: db.Trials, Index: ix}, db, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := newScheduler(t, db, holder, time.Minute)
		if err := s.Register(x.Job("@every 1h")); err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	srv.Fail(1, ctgovtest.Fault{Status: 503})
	id, err := scheds[0].Trigger(ctx, jobs.JobCTGovSync)
	if err != nil {
		t.Fatal(err)
	}
	<-inBackoff
	if _, err := scheds[1].Trigger(ctx, jobs.JobCTGovSync); !equitrial.Is(equitrial.KindConflict, err) {
		t.Fatalf("the second replica's trigger while the first runs: %v; want a conflict", err)
	}
	close(release)
	if r := waitRun(t, db, id); r.Outcome != store.RunSucceeded || !strings.Contains(r.Detail, "143 imported") {
		t.Fatalf("run: %+v", r)
	}
}

// The job is registered only when a query is configured; a bad query or schedule
// stops the service from starting rather than failing every night.
func TestRegisterCTGovSync(t *testing.T) {
	db := storetest.NewDB(t)
	ix, err := matcher.OpenMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	cat := &catalog.Catalog{Store: db.Trials, Index: ix}
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	has := func(s *jobs.Scheduler) (string, bool) {
		for _, j := range s.Jobs() {
			if j.Name == jobs.JobCTGovSync {
				return j.Schedule, true
			}
		}
		return "", false
	}
	s := newScheduler(t, db, "a", time.Minute)
	if err := jobs.RegisterCTGovSync(s, env(nil), cat, db, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := has(s); ok {
		t.Fatal("the sync was registered with no query configured")
	}
	if err := jobs.RegisterCTGovSync(s, env(map[string]string{"EQUITRIAL_CTGOV_SYNC_QUERY": "query.locn=United Kingdom"}), cat, db, nil); err != nil {
		t.Fatal(err)
	}
	if spec, ok := has(s); !ok || spec != jobs.DefaultCTGovSyncSchedule {
		t.Fatalf("registered: %v on %q", ok, spec)
	}
	for _, vars := range []map[string]string{
		{"EQUITRIAL_CTGOV_SYNC_QUERY": "pageSize=5"},
		{"EQUITRIAL_CTGOV_SYNC_QUERY": "query.cond=asthma", "EQUITRIAL_CTGOV_URL": "ftp://example.org"},
		{"EQUITRIAL_CTGOV_SYNC_QUERY": "query.cond=asthma", "EQUITRIAL_CTGOV_SYNC_SCHEDULE": "every tuesday"},
	} {
		if err := jobs.RegisterCTGovSync(s, env(vars), cat, db, nil); !equitrial.Is(equitrial.KindInvalid, err) {
			t.Errorf("%v: %v; want invalid", vars, err)
		}
	}
}

func mustQuery(t *testing.T, s string) ctgov.Query {
	t.Helper()
	q, err := ctgov.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}
