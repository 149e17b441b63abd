package main

import (
	"errors"
	"flag"
	"fmt"

	"equitrial/synth"
)

// runImportSynth writes a synthetic corpus of realistic study records (synth.Study:
// the length, layouts and criteria kinds of real ClinicalTrials.gov records, at UK
// sites with coordinates) as NDJSON files, for `import ctgov` benchmarks:
// `import synth --studies N [--seed S] [--per-file K] DIR`. The same flags always
// give the same files, and a smaller corpus is the start of a larger one.
func runImportSynth(c *cli, args []string) error {
	fs := flag.NewFlagSet("import synth", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	n := fs.Int("studies", 10000, "studies to write")
	seed := fs.Uint64("seed", 11, "corpus seed")
	perFile := fs.Int("per-file", 1000, "studies per NDJSON file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *n < 0 || *perFile < 1 {
		return errors.New("usage: equitrial import synth --studies N [--seed S] [--per-file K] DIR")
	}
	bytes, err := synth.WriteStudies(fs.Arg(0), *n, *seed, *perFile)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "wrote %d studies (%.1f MB) to %s\n", *n, float64(bytes)/1e6, fs.Arg(0))
	return nil
}
