package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A run replaces the rows it measured and keeps the others, each row naming the
// run (machine, date, command) it comes from; runs no row needs are dropped; the
// text around the section is left alone.
func TestWriteSectionReplacesRowsAndKeepsTheRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "B.md")
	os.WriteFile(path, []byte("# Title\n\nintro\n"), 0o644)
	run := func(cmd string, rows ...Row) {
		t.Helper()
		rep := &Report{Machine: Machine{Cores: 2, MemoryGB: 23, Go: "go1.26"}, Command: cmd, Started: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), Rows: rows}
		if err := WriteSection(path, rep); err != nil {
			t.Fatal(err)
		}
	}
	run("equitrial bench --scenarios import,search", Row{Key: "import.rate.1", Measure: "import", Value: "100 studies/s"},
		Row{Key: "search.text", Measure: "text", Value: "p50 1 ms | x"})
	b, _ := os.ReadFile(path)
	os.WriteFile(path, append(b, []byte("\n## After\n\nkept\n")...), 0o644)
	run("equitrial bench --scenarios search,monitor", Row{Key: "search.text", Measure: "text", Value: "p50 2 ms"},
		Row{Key: "monitor.first", Measure: "monitor", Value: "9 s"})
	run("equitrial bench --scenarios import", Row{Key: "import.rate.1", Measure: "import", Value: "200 studies/s"})
	b, _ = os.ReadFile(path)
	text := string(b)
	for _, want := range []string{"# Title\n\nintro\n", "## After\n\nkept\n", "| import | 200 studies/s |  |  | 2 |",
		"| text | p50 2 ms |  |  | 1 |", "| monitor | 9 s |  |  | 1 |", "`equitrial bench --scenarios search,monitor`", "`equitrial bench --scenarios import`"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in\n%s", want, text)
		}
	}
	if strings.Contains(text, "100 studies/s") || strings.Contains(text, "--scenarios import,search") || strings.Count(text, beginMarker) != 1 {
		t.Errorf("old figures or runs left behind:\n%s", text)
	}
	if i, j := strings.Index(text, "| import |"), strings.Index(text, "| text |"); i > j {
		t.Error("rows are not in scenario order")
	}
}
