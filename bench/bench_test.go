package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"equitrial/internal/app"
	"equitrial/internal/seal"
	"equitrial/store"
)

// childEnv tells this test binary, started again by the HTTP scenario, to be the
// server instead of running tests.
const childEnv = "EQUITRIAL_BENCH_TEST_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		if err := serveChild(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serveChild is `equitrial serve` as the bench starts it, assembled by the same
// app.Build from the same environment. The test cannot start the real binary
// without building it (minutes on a cold cache), so the test binary stands in;
// everything it serves is the service's own code.
func serveChild() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir := os.Getenv("EQUITRIAL_DATA_DIR")
	keys, _, err := seal.FromEnv(os.Getenv, dir)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	a, err := app.Build(ctx, app.Config{DB: db, IndexDir: filepath.Join(dir, "index"), Keyring: keys, Getenv: os.Getenv, StartJobs: true})
	if err != nil {
		return err
	}
	defer a.Close(context.Background())
	ln, err := net.Listen("tcp", os.Getenv("EQUITRIAL_ADDR"))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Every scenario at a tiny size, against the embedded FerretDB and a server in a
// second process, so that none can rot: each gives its rows with sane numbers,
// and the section is written to a markdown file. (The full sizes are `make bench`.)
func TestEveryScenarioSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several embedded databases and a server")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(childEnv, "1") // inherited by the server child only: this process has read it
	var log strings.Builder
	cfg := Config{Studies: 200, ImportSizes: []int{100, 200}, Patients: 2000, MatchTrials: 100, Queries: 40,
		MonitorTrials: 40, MonitorEvents: 4000, HTTPDuration: 1500 * time.Millisecond, HTTPWorkers: 4,
		ReadyTimeout: time.Minute, Server: []string{exe}, Dir: t.TempDir(), Log: &log, Command: "equitrial bench (test)"}
	start := time.Now()
	rep, err := Run(context.Background(), cfg)
	t.Logf("%s\n(run took %s)", log.String(), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]Row{}
	for _, r := range rep.Rows {
		keys[r.Key] = r
		if r.Value == "" || r.Measure == "" {
			t.Errorf("%s: empty row %+v", r.Key, r)
		}
		if r.Met != "" {
			t.Errorf("%s: judged %q against its target at a tiny size", r.Key, r.Met)
		}
		for name, v := range r.Numbers {
			if !(v > 0) {
				t.Errorf("%s: %s = %v, want > 0", r.Key, name, v)
			}
		}
		for _, prefix := range []string{"", "fts.", "bleve."} {
			p50, ok := r.Numbers[prefix+"p50"]
			if ok && !(p50 <= r.Numbers[prefix+"p95"] && r.Numbers[prefix+"p95"] <= r.Numbers[prefix+"p99"]) {
				t.Errorf("%s: %sp50 %v, p95 %v, p99 %v out of order", r.Key, prefix, p50, r.Numbers[prefix+"p95"], r.Numbers[prefix+"p99"])
			}
		}
	}
	for _, k := range []string{"import.rate.1", "import.rate.2", "import.linearity", "import.size", "search.text", "search.facets",
		"search.distance", "fts5.index", "fts5.text", "fts5.facets", "fts5.distance", "match.patient", "match.patient.cold",
		"match.patient.scan", "match.trial", "match.trial.scan", "monitor.first", "monitor.steady", "http.id", "http.search",
		"http.matches", "memory.peak"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("no row %s", k)
		}
	}
	if rep.Machine.Cores <= 0 || rep.Machine.MemoryGB <= 0 {
		t.Errorf("machine %+v", rep.Machine)
	}

	md := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := os.WriteFile(md, []byte("# Benchmarks\n\nWritten by hand.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteSection(md, rep); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(md)
	text := string(b)
	if !strings.HasPrefix(text, "# Benchmarks\n\nWritten by hand.\n") || !strings.Contains(text, beginMarker) ||
		!strings.Contains(text, endMarker) || !strings.Contains(text, keys["http.id"].Value) || !strings.Contains(text, "`equitrial bench (test)`") {
		t.Errorf("section not written as expected:\n%s", text)
	}
}
