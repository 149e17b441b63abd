// Package bench runs the scenarios of `equitrial bench` (issue 11) — import,
// search, the same corpus in SQLite FTS5, matching, the equity monitor, HTTP
// against a server in a second process, and that server's peak memory — at the
// sizes asked for, on synthetic data from package synth, and reports each figure
// as a row of the table in docs/BENCHMARKS.md (report.go). One file per scenario;
// workspace.go holds what several share (the corpus, a loaded data directory).
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Scenarios are the scenario names, in the order they run.
var Scenarios = []string{"import", "search", "fts5", "match", "monitor", "http", "memory"}

// Config says what to run and at what size. Zero values take the sizes
// (Defaults).
type Config struct {
	Scenarios []string // from Scenarios; empty: all

	Studies     int   // the corpus searched, compared with FTS5 and served (100,000)
	ImportSizes []int // imports timed into empty stores (Studies/10 and Studies); the last is kept for the scenarios after
	Patients    int   // patients for trial → patients and in the server (1,000,000)
	MatchTrials int   // recruiting studies for patient → trials (20,000)
	Queries     int   // timed queries per kind for search and FTS5 (300)

	MonitorTrials int // trials in the recruitment log (10,000)
	MonitorEvents int // events in it (1,000,000)

	HTTPDuration time.Duration // load per endpoint (10 s)
	HTTPWorkers  int           // concurrent clients (16)
	// Server is the command that starts `equitrial serve` as a child process
	// (default: this executable with the argument "serve"); the bench sets its
	// data directory and address in the environment.
	Server       []string
	ReadyTimeout time.Duration // how long the server may take to load (1 h)

	Seed uint64 // corpus seed (11, as `import synth`)
	Dir  string // working directory (default: a temporary one, removed after)
	Keep bool   // keep Dir afterwards

	Log     io.Writer // progress lines; nil: none
	Command string    // the command line, recorded with the figures
}

// Defaults fills the zero fields of cfg with the sizes.
func Defaults(cfg Config) Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.Studies, 100_000)
	def(&cfg.Patients, 1_000_000)
	def(&cfg.MatchTrials, 20_000)
	def(&cfg.Queries, 300)
	def(&cfg.MonitorTrials, 10_000)
	def(&cfg.MonitorEvents, 1_000_000)
	def(&cfg.HTTPWorkers, 16)
	if len(cfg.ImportSizes) == 0 {
		cfg.ImportSizes = []int{max(1, cfg.Studies/10), cfg.Studies}
	}
	if cfg.HTTPDuration <= 0 {
		cfg.HTTPDuration = 10 * time.Second
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = time.Hour
	}
	if cfg.Seed == 0 {
		cfg.Seed = 11
	}
	if len(cfg.Scenarios) == 0 {
		cfg.Scenarios = Scenarios
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	return cfg
}

// Row is one figure of the results table. A later run replaces the row with the
// same Key and leaves the others.
type Row struct {
	Key     string `json:"key"`     // scenario.measure, e.g. "search.text"
	Measure string `json:"measure"` // what was measured, at what size
	Value   string `json:"value"`
	Target  string `json:"target,omitempty"` // the target
	// Met is "yes" or "no" when measured at the target's size, "" otherwise.
	Met string `json:"met,omitempty"`
	Run int    `json:"run"` // which run (Report) measured it: set by the report
	// Numbers are the row's figures as numbers (rates per second, latencies in
	// milliseconds, "p50", "p95", "p99" and so on), for checks; not written out.
	Numbers map[string]float64 `json:"-"`
}

// Report is what one run measured, on which machine, with which command.
type Report struct {
	Machine Machine       `json:"machine"`
	Command string        `json:"command"`
	Started time.Time     `json:"started"`
	Took    time.Duration `json:"took"`
	Rows    []Row         `json:"rows"`
}

// scenario runs one scenario and returns its rows.
type scenario func(ctx context.Context, w *workspace) ([]Row, error)

var scenarioFuncs = map[string]scenario{
	"import":  runImport,
	"search":  runSearch,
	"fts5":    runFTS5,
	"match":   runMatch,
	"monitor": runMonitor,
	"http":    runHTTP,
	"memory":  runMemory,
}

// Run runs the scenarios of cfg in order and returns their rows. A scenario that
// fails stops the run: figures from a broken setup would mislead.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = Defaults(cfg)
	for _, s := range cfg.Scenarios {
		if scenarioFuncs[s] == nil {
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", s, strings.Join(Scenarios, ", "))
		}
	}
	w, err := newWorkspace(cfg)
	if err != nil {
		return nil, err
	}
	defer w.close()
	rep := &Report{Machine: ReadMachine(), Command: cfg.Command, Started: time.Now().UTC()}
	fmt.Fprintf(cfg.Log, "machine: %s\n", rep.Machine)
	for _, name := range Scenarios { // in dependency order, whatever order was asked
		if !slices.Contains(cfg.Scenarios, name) {
			continue
		}
		start := time.Now()
		fmt.Fprintf(cfg.Log, "== %s\n", name)
		rows, err := scenarioFuncs[name](ctx, w)
		if err != nil {
			return rep, fmt.Errorf("%s: %w", name, err)
		}
		for _, r := range rows {
			fmt.Fprintf(cfg.Log, "  %-20s %s: %s\n", r.Key, r.Measure, r.Value)
		}
		fmt.Fprintf(cfg.Log, "   (%s took %s)\n", name, time.Since(start).Round(time.Millisecond))
		rep.Rows = append(rep.Rows, rows...)
	}
	rep.Took = time.Since(rep.Started)
	return rep, nil
}

// logf writes a progress line.
func (w *workspace) logf(format string, args ...any) {
	fmt.Fprintf(w.cfg.Log, "  "+format+"\n", args...)
}

// executable is the default server command: this program, `serve`.
func executable() ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return []string{exe, "serve"}, nil
}
