package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"equitrial/ctgov"
	"equitrial/jobs"
)

const syncUsage = "usage: equitrial sync ctgov --query 'query.locn=United Kingdom' [--since YYYY-MM-DD] [--restart]"

// runSync pages through a ClinicalTrials.gov API v2 search and imports what it
// finds, resuming a run that stopped and, without --since, fetching only what
// changed since the last completed run. The scheduled ctgov-sync job runs the
// same code (jobs.CTGovSync).
func runSync(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 || args[0] != "ctgov" {
		return errors.New(syncUsage)
	}
	fs := flag.NewFlagSet("sync ctgov", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	query := fs.String("query", c.getenv("EQUITRIAL_CTGOV_SYNC_QUERY"), "API v2 search parameters, such as 'query.locn=United Kingdom&query.cond=asthma' (default $EQUITRIAL_CTGOV_SYNC_QUERY)")
	since := fs.String("since", "", "only studies whose last update was posted on or after this date (YYYY-MM-DD); default: since the last completed sync of the query")
	baseURL := fs.String("base-url", or(c.getenv("EQUITRIAL_CTGOV_URL"), ctgov.DefaultBaseURL), "the registry's API v2 (default $EQUITRIAL_CTGOV_URL)")
	name := fs.String("name", "", "the name the sync's cursor is saved under (default: from the query, shared with the scheduled job)")
	pageSize := fs.Int("page-size", ctgov.MaxPageSize, "studies per page (at most 1000)")
	rate := fs.Float64("rate", ctgov.DefaultRatePerMinute, "requests a minute at most")
	restart := fs.Bool("restart", false, "start over even if the last run stopped part-way")
	quiet := fs.Bool("quiet", false, "no line per page")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q\n%s", fs.Args(), syncUsage)
	}
	if *pageSize < 1 || *pageSize > ctgov.MaxPageSize {
		return fmt.Errorf("--page-size must be 1 to %d", ctgov.MaxPageSize)
	}
	if _, err := ctgov.ParseQuery(*query); err != nil { // before opening the database
		return err
	}
	if *since != "" {
		if _, err := ctgov.ParseSince(*since); err != nil {
			return err
		}
	}
	cfg, err := loadConfig(c.getenv)
	if err != nil {
		return err
	}
	log := newLogger(c.stderr, max(cfg.logLevel, slog.LevelWarn)) // retries and failures; the summary says the rest
	db, cat, closeCatalog, err := openCatalog(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeCatalog()
	var progress func(ctgov.Cursor)
	if !*quiet {
		progress = func(cur ctgov.Cursor) {
			fmt.Fprintf(c.stderr, "page %d: %d studies so far\n", cur.Pages, cur.Counts.Fetched)
		}
	}
	x, err := jobs.NewCTGovSync(jobs.CTGovSyncConfig{Query: *query, Name: *name, BaseURL: *baseURL, PageSize: *pageSize,
		RatePerMinute: *rate, Progress: progress}, cat, db, log)
	if err != nil {
		return err
	}
	res, err := x.Run(ctx, *since, *restart)
	printSyncSummary(c.stdout, res)
	return err
}

func printSyncSummary(w io.Writer, res ctgov.Result) {
	if res.Query == "" {
		return // stopped before it began
	}
	fmt.Fprintln(w, res.String())
	for _, r := range res.Rejected {
		fmt.Fprintf(w, "  rejected %s: %s\n", r.Where, r.Reason)
	}
	if n := res.Counts.Rejected - len(res.Rejected); n > 0 && res.ResumedAt == 0 {
		fmt.Fprintf(w, "  … and %d more rejected\n", n)
	}
}
