package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"equitrial/ctgov/ctgovtest"
	"equitrial/internal/testdata"
)

// `equitrial sync ctgov` against a recorded registry: the first run imports the
// 143 studies, the second (no --since) asks only for what was posted since the
// first's high-water mark and imports one changed study.
func TestSyncCommand(t *testing.T) {
	srv := ctgovtest.New(t, testdata.SharedDir(t, "ctgov"))
	getenv := env(map[string]string{"EQUITRIAL_DATA_DIR": t.TempDir(), "EQUITRIAL_CTGOV_URL": srv.BaseURL()})
	ctx := context.Background()
	sync := func(wants ...string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args := []string{"equitrial", "sync", "ctgov", "--query", "query.locn=United Kingdom", "--rate", "60000", "--page-size", "100", "--quiet"}
		if err := run(ctx, args, getenv, &stdout, &stderr); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr.String())
		}
		for _, want := range wants {
			if !strings.Contains(stdout.String(), want) {
				t.Fatalf("%v printed %q; want %q", args, stdout.String(), want)
			}
		}
	}
	mark := srv.Posted()
	sync("query.locn=United+Kingdom, all dates: 2 pages, 143 studies: 143 imported, 0 updated, 0 unchanged, 0 rejected; high-water mark " + mark)
	srv.Requests()
	srv.Update(t, srv.IDs()[3], "2027-01-05")
	sync("since "+mark+": 1 pages", "0 imported, 1 updated", "high-water mark 2027-01-05")
	for _, r := range srv.Requests() {
		if r.Params["filter.advanced"] != "AREA[LastUpdatePostDate]RANGE["+mark+",MAX]" || r.Params["query.locn"] != "United Kingdom" {
			t.Fatalf("the second run's request: %v", r.Params)
		}
	}
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"equitrial", "sync", "ctgov", "--query", "pageToken=x"}, getenv, &stdout, &stderr); err == nil ||
		!strings.Contains(err.Error(), "pageToken") {
		t.Fatalf("a query with paging parameters: %v", err)
	}
}
