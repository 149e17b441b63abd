package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"equitrial/synth"
)

// runImportSynth writes a synthetic corpus of realistic study records as NDJSON
// files (for `import ctgov` benchmarks): `import synth --studies N [--seed S]
// [--per-file K] DIR`. The same flags always give the same files.
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
	dir := fs.Arg(0)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var bytes int64
	for start := 0; start < *n; start += *perFile {
		name := filepath.Join(dir, fmt.Sprintf("studies-%07d.ndjson", start))
		f, err := os.Create(name)
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		for i := start; i < min(start+*perFile, *n); i++ {
			raw := synth.Study(i, *seed)
			bytes += int64(len(raw)) + 1
			w.Write(raw)
			w.WriteByte('\n')
		}
		if err := w.Flush(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.stdout, "wrote %d studies (%.1f MB) to %s\n", *n, float64(bytes)/1e6, dir)
	return nil
}
