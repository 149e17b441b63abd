package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"equitrial/internal/testdata"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// serve starts `equitrial serve` and returns its base URL, its log, and a stop
// function that sends the equivalent of SIGTERM and waits for a clean exit.
func serve(t *testing.T, getenv func(string) string, args ...string) (string, *testdata.SyncBuffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr testdata.SyncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"equitrial", "serve"}, args...), getenv, &stdout, &stderr) }()
	urlPattern := regexp.MustCompile(`serving at (http://\S+/)`)
	deadline := time.Now().Add(5 * time.Minute) // demo seeding registers ~600 patients: minutes on a loaded machine
	for {
		if m := urlPattern.FindStringSubmatch(stdout.String()); m != nil {
			stop := func() {
				cancel()
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("serve exited with %v; log:\n%s", err, stderr.String())
					}
				case <-time.After(60 * time.Second):
					t.Fatal("serve did not stop within 60s of the signal")
				}
			}
			return strings.TrimSuffix(m[1], "/"), &stderr, stop
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\n%s", err, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start; log:\n%s", stderr.String())
		}
	}
}

func getJSON(t *testing.T, url string, out any) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

// The quick start's promise: import the real studies twice (143 trials, not 286),
// serve them, shut down on a signal, and start again on the same files without a
// rebuild.
func TestImportServeShutdownReopen(t *testing.T) {
	shared := testdata.SharedDir(t, "ctgov")
	getenv := env(map[string]string{"EQUITRIAL_DATA_DIR": t.TempDir(), "EQUITRIAL_ADDR": "127.0.0.1:0", "CI": "true"})
	ctx := context.Background()
	for i, want := range []string{"143 imported, 0 updated, 0 unchanged, 0 rejected", "0 imported, 0 updated, 143 unchanged, 0 rejected"} {
		var stdout, stderr bytes.Buffer
		if err := run(ctx, []string{"equitrial", "import", "ctgov", shared}, getenv, &stdout, &stderr); err != nil {
			t.Fatalf("import %d: %v\n%s", i+1, err, stderr.String())
		}
		if !strings.Contains(stdout.String(), want) {
			t.Fatalf("import %d printed %q, want %q", i+1, stdout.String(), want)
		}
	}

	base, log, stop := serve(t, getenv)
	var ready map[string]any
	if code := getJSON(t, base+"/readyz", &ready); code != http.StatusOK || ready["trialsIndexed"] != float64(143) {
		t.Fatalf("readyz: %d %v", code, ready)
	}
	var res struct{ Total int }
	getJSON(t, base+"/api/v1/trials?q=covid", &res)
	if res.Total == 0 {
		t.Fatal("search for covid found nothing among the real studies")
	}
	if code := getJSON(t, base+"/", nil); code != http.StatusOK {
		t.Fatalf("web search page: %d", code)
	}
	stop()
	if !strings.Contains(log.String(), `"msg":"stopped"`) {
		t.Fatalf("no clean stop in the log:\n%s", log.String())
	}

	base, log, stop = serve(t, getenv)
	defer stop()
	getJSON(t, base+"/readyz", &ready)
	if ready["trialsIndexed"] != float64(143) {
		t.Fatalf("after restart readyz = %v", ready)
	}
	if strings.Contains(log.String(), "index rebuilt") {
		t.Fatalf("the index was rebuilt after a clean shutdown:\n%s", log.String())
	}
	var again struct{ Total int }
	getJSON(t, base+"/api/v1/trials?q=covid", &again)
	if again.Total != res.Total {
		t.Fatalf("after restart, covid finds %d trials, before %d", again.Total, res.Total)
	}
}

func TestServeSeedsDemoTrialsWhenEmpty(t *testing.T) {
	getenv := env(map[string]string{"EQUITRIAL_DATA_DIR": t.TempDir(), "EQUITRIAL_ADDR": "127.0.0.1:0"})
	base, _, stop := serve(t, getenv, "--demo", "--demo-trials", "60")
	defer stop()
	var res struct {
		Total int
		Hits  []struct{ NCTID string }
	}
	getJSON(t, base+"/api/v1/trials?country=UK&status=RECRUITING", &res)
	if res.Total == 0 || !strings.HasPrefix(res.Hits[0].NCTID, "NCT99") {
		t.Fatalf("demo data: %+v", res)
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"equitrial", "frobnicate"}, env(nil), &out, &errOut); err == nil {
		t.Fatal("an unknown command succeeded")
	}
	if !strings.Contains(errOut.String(), "usage") {
		t.Fatalf("no usage shown: %q", errOut.String())
	}
}
