// Package replicas_test runs equitrial as it runs behind a load balancer: two
// full service instances (internal/app, each with its own search index and
// in-memory state, serving HTTP on loopback) sharing one store — FerretDB on a
// real PostgreSQL server that TestMain starts for the package.
package replicas_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"equitrial/internal/app"
	"equitrial/store"
	"equitrial/store/storetest"
)

// ferretURI is the shared store; skipReason is set when it could not be started
// here (no PostgreSQL), which fails the package under CI.
var ferretURI, skipReason string
var pgServer *postgres

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	bin, ok := postgresBin()
	if !ok {
		skipReason = "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/postgres; Debian's postgresql package, which .ci/run installs, or set EQUITRIAL_PG_BIN)"
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "FAIL: the multi-replica tests must run in CI: "+skipReason)
			return 1
		}
		fmt.Fprintln(os.Stderr, "skipping the multi-replica tests: "+skipReason)
		return m.Run()
	}
	pg, err := startPostgres(bin)
	if pg != nil {
		defer pg.stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting PostgreSQL:", err)
		return 1
	}
	uri, stop, err := startFerretDB(pg.url())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stop()
	ferretURI, pgServer = uri, pg
	return m.Run()
}

const (
	adminToken = "replica-test-admin-token-0123456789"
	testKeys   = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	// interval is how often each replica reads the change log in these tests;
	// delay bounds how long any change may take to reach the other replica
	// (interval, applying, and a shared 2-core machine's hiccups).
	interval = 200 * time.Millisecond
	delay    = 10 * time.Second
)

// cluster is one fresh database that the test's replicas share.
type cluster struct {
	t    *testing.T
	name string
	db   *store.DB // the test's own connection, for looking at the store directly
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := storetest.UniqueName("replicas")
	db, err := store.Connect(ctx, ferretURI, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := pgServer.indexIDs(name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db.Drop(ctx)
		db.Close(ctx)
	})
	return &cluster{t: t, name: name, db: db}
}

// replica is one full service instance of the cluster, serving HTTP on loopback.
type replica struct {
	t    *testing.T
	name string
	db   *store.DB
	app  *app.App
	srv  *httptest.Server
	logs *syncBuffer
	once sync.Once
}

// start builds and serves a replica over indexDir (its own), with its background
// work running (scheduler, convergence), as `equitrial serve` does.
func (c *cluster) start(name, indexDir string, env map[string]string) *replica {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := store.Connect(ctx, ferretURI, c.name)
	if err != nil {
		c.t.Fatal(err)
	}
	logs := &syncBuffer{}
	vars := map[string]string{"EQUITRIAL_CONVERGE_INTERVAL": interval.String(), "EQUITRIAL_CONVERGE_MARGIN": "2s"}
	for k, v := range env {
		vars[k] = v
	}
	a, err := app.Build(ctx, app.Config{DB: db, IndexDir: indexDir, Keyring: storetest.TestKeyring(c.t, testKeys),
		AdminToken: adminToken, StartJobs: true, Getenv: func(k string) string { return vars[k] },
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		db.Close(context.Background())
		c.t.Fatalf("replica %s: %v", name, err)
	}
	r := &replica{t: c.t, name: name, db: db, app: a, srv: httptest.NewServer(a.Handler), logs: logs}
	c.t.Cleanup(func() {
		r.kill()
		if c.t.Failed() || os.Getenv("EQUITRIAL_REPLICA_LOGS") != "" {
			c.t.Logf("replica %s logged:\n%s", name, logs.String())
		}
	})
	return r
}

// kill stops the replica as abruptly as its own process allows: connections are
// cut (cancelling every request in flight, an import included), then its
// background work stops, its index closes and it disconnects from the store.
func (r *replica) kill() {
	r.once.Do(func() {
		r.srv.CloseClientConnections()
		r.srv.Close() // waits for the handlers, whose requests are now cancelled
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r.app.Close(ctx)
		r.db.Close(ctx)
	})
}

// call makes an admin request to the replica and decodes the JSON answer into
// out; it returns the status.
func (r *replica) call(ctx context.Context, method, path string, body []byte, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, r.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			return res.StatusCode, fmt.Errorf("%s %s: %v in %.200s", method, path, err, data)
		}
	} else if res.StatusCode >= 300 {
		return res.StatusCode, fmt.Errorf("%s %s: %d %.300s", method, path, res.StatusCode, data)
	}
	return res.StatusCode, nil
}

// must is call that fails the test unless the status is want.
func (r *replica) must(method, path string, body []byte, want int, out any) {
	r.t.Helper()
	code, err := r.call(context.Background(), method, path, body, out)
	if code != want {
		r.t.Fatalf("replica %s: %s %s: status %d (%v), want %d", r.name, method, path, code, err, want)
	}
}

// eventually polls cond until it holds or delay passes, and says how long it took.
func eventually(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > delay {
			t.Fatalf("%s: not within %s", what, delay)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

type searchResult struct {
	Total int `json:"total"`
	Hits  []struct {
		NCTID string `json:"nctId"`
	} `json:"hits"`
}

// search asks the replica's search API.
func (r *replica) search(query string) searchResult {
	r.t.Helper()
	var res searchResult
	r.must(http.MethodGet, "/api/v1/trials?"+query, nil, http.StatusOK, &res)
	return res
}

// ndjson joins records into an import body.
func ndjson(records []json.RawMessage) []byte {
	var b bytes.Buffer
	for _, r := range records {
		b.Write(r)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
