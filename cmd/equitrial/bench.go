package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"equitrial/bench"
)

// runBench parses the flags of `equitrial bench` and runs the scenarios of
// package bench (issue 11), then merges the figures into the generated section
// of docs/BENCHMARKS.md. The defaults are the sizes; every scenario can be
// run alone, smaller:
//
//	equitrial bench [--scenarios import,search,fts5,match,monitor,http,memory]
//	    [--studies 100000] [--patients 1000000] [--trials 10000] [--events 1000000] …
func runBench(ctx context.Context, c *cli, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	scenarios := fs.String("scenarios", strings.Join(bench.Scenarios, ","), "scenarios to run, comma-separated")
	studies := fs.Int("studies", 100_000, "studies searched, compared with FTS5 and served; the largest import")
	importSizes := fs.String("import-sizes", "", "comma-separated import sizes timed into empty stores (default: studies/10,studies)")
	patients := fs.Int("patients", 1_000_000, "patients for trial → patients and in the server")
	matchTrials := fs.Int("match-trials", 20_000, "recruiting studies patient → trials is matched against")
	queries := fs.Int("queries", 300, "timed queries per kind (search, FTS5, matching)")
	trials := fs.Int("trials", 10_000, "trials in the equity monitor's recruitment log")
	events := fs.Int("events", 1_000_000, "recruitment events in the log")
	httpDuration := fs.Duration("http-duration", 0, "load per HTTP endpoint (default 10s)")
	httpWorkers := fs.Int("http-workers", 16, "concurrent HTTP clients")
	readyTimeout := fs.Duration("ready-timeout", 0, "how long the server may take to load (default 1h)")
	seed := fs.Uint64("seed", 11, "corpus seed (as import synth)")
	dir := fs.String("dir", "", "working directory (default: a temporary one, removed after)")
	keep := fs.Bool("keep", false, "keep the working directory")
	out := fs.String("out", "docs/BENCHMARKS.md", `markdown file whose generated section gets the figures ("" for none)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}
	cfg := bench.Config{Studies: *studies, Patients: *patients, MatchTrials: *matchTrials, Queries: *queries,
		MonitorTrials: *trials, MonitorEvents: *events, HTTPDuration: *httpDuration, HTTPWorkers: *httpWorkers,
		ReadyTimeout: *readyTimeout, Seed: *seed, Dir: *dir, Keep: *keep, Log: c.stdout,
		Command: "equitrial bench " + strings.Join(quoteArgs(args), " ")}
	for _, s := range strings.Split(*scenarios, ",") {
		if s = strings.TrimSpace(s); s != "" {
			cfg.Scenarios = append(cfg.Scenarios, s)
		}
	}
	for _, s := range strings.Split(*importSizes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				return fmt.Errorf("bench: --import-sizes: %q is not a positive number", s)
			}
			cfg.ImportSizes = append(cfg.ImportSizes, n)
		}
	}
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if *out == "" {
		return nil
	}
	if _, err := os.Stat(filepath.Dir(*out)); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(c.stderr, "bench: %s does not exist here; the figures are above and were not written\n", filepath.Dir(*out))
		return nil
	}
	if err := bench.WriteSection(*out, rep); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "wrote %d figures to %s\n", len(rep.Rows), *out)
	return nil
}

// quoteArgs quotes the arguments that need it, so the recorded command can be
// pasted into a shell.
func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " \t'\"$\\|&;<>()*?") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return out
}
