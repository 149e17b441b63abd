package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"time"

	"equitrial/catalog"
	"equitrial/ctgov"
)

func runImport(ctx context.Context, c *cli, args []string) error {
	if len(args) > 0 && args[0] == "synth" {
		return runImportSynth(c, args[1:])
	}
	if len(args) > 0 && args[0] == "fhir" {
		return runImportFHIR(ctx, c, args[1:]) // import_fhir.go
	}
	if len(args) == 0 || args[0] != "ctgov" {
		return errors.New("usage: equitrial import ctgov PATH... (files or directories of ClinicalTrials.gov API v2 JSON), import fhir --org ORG FILE..., or import synth --studies N DIR")
	}
	fs := flag.NewFlagSet("import ctgov", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	quiet := fs.Bool("quiet", false, "no progress bar")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the import (the embedded database included) to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	paths := fs.Args()
	if len(paths) == 0 {
		return errors.New("usage: equitrial import ctgov PATH...")
	}
	cfg, err := loadConfig(c.getenv)
	if err != nil {
		return err
	}
	log := newLogger(c.stderr, max(cfg.logLevel, slog.LevelWarn)) // warnings and errors only: the summary says the rest
	_, cat, closeCatalog, err := openCatalog(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeCatalog()

	bar := newProgress(c.stderr, !*quiet && c.getenv("CI") == "")
	files, totalBytes := listFiles(paths)
	var doneBytes atomic.Int64 // read by the progress callback, on the import's writer goroutine
	sum, err := cat.Import(ctx, func(each func(ctgov.Record) error) error {
		for _, f := range files {
			if err := ctgov.ReadPaths([]string{f.path}, each); err != nil {
				return err
			}
			doneBytes.Add(f.size)
		}
		return nil
	}, func(done int) { bar.update(done, doneBytes.Load(), totalBytes) })
	bar.finish()
	printSummary(c.stdout, sum)
	return err
}

type fileSize struct {
	path string
	size int64
}

// listFiles expands the paths, so the progress bar knows the work ahead. A path that
// cannot be read is kept, so the import reports it as a rejection.
func listFiles(paths []string) ([]fileSize, int64) {
	var out []fileSize
	var total int64
	for _, p := range paths {
		files, err := ctgov.Expand(p)
		if err != nil {
			out = append(out, fileSize{path: p})
			continue
		}
		for _, f := range files {
			var size int64
			if info, err := os.Stat(f); err == nil {
				size = info.Size()
			}
			out = append(out, fileSize{f, size})
			total += size
		}
	}
	return out, total
}

func printSummary(w io.Writer, sum catalog.Summary) {
	fmt.Fprintf(w, "%s (%d records in %.1fs)\n", sum, sum.Total(), float64(sum.TookMs)/1000)
	for _, r := range sum.Rejections {
		where := r.Source
		if r.Position != "" {
			where += ": " + r.Position
		}
		fmt.Fprintf(w, "  rejected %s: %s\n", where, r.Reason)
	}
	if sum.Rejected > len(sum.Rejections) {
		fmt.Fprintf(w, "  … and %d more rejected\n", sum.Rejected-len(sum.Rejections))
	}
}

// progress draws a one-line bar on a terminal; elsewhere it stays silent.
type progress struct {
	w     io.Writer
	on    bool
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, wanted bool) *progress {
	f, ok := w.(*os.File)
	on := false
	if ok && wanted {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			on = true
		}
	}
	return &progress{w: w, on: on, start: time.Now()}
}

func (p *progress) update(records int, done, total int64) {
	if !p.on || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	frac := 0.0
	if total > 0 {
		frac = min(1, float64(done)/float64(total))
	}
	const width = 30
	filled := int(frac * width)
	rate := float64(records) / max(time.Since(p.start).Seconds(), 0.001)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %d records (%.0f/s) ", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), frac*100, records, rate)
}

func (p *progress) finish() {
	if p.on && !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
