package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"equitrial/equity"
	"equitrial/internal/app"
	"equitrial/internal/seal"
	"equitrial/refdata"
	"equitrial/store"
)

const refdataUsage = `usage:
  equitrial refdata load --postcodes FILE --imd FILE --edition NAME [--lsoa-column NAME] [--label NAME]
      load the ONS Postcode Directory / NSPL CSV and an IMD CSV into the store
      (either file alone replaces only that table)
  equitrial refdata load --centroids FILE
      load small-area centroids (columns lsoa11, lat, long), alone or with --postcodes:
      a postcode without coordinates is then placed, approximately, at its area's centroid
  equitrial refdata load --ethnicity FILE
      load a regional table of ethnic-group shares (columns region, Asian, Black,
      Mixed, White, Other; shares or percentages) for trials whose targets name a region
  equitrial refdata lookup POSTCODE
      print the postcode's LSOA, IMD decile and quintile, edition and nation as JSON`

// runRefdata implements `equitrial refdata load|lookup`.
func runRefdata(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		return errors.New(refdataUsage)
	}
	switch args[0] {
	case "load":
		return runRefdataLoad(ctx, c, args[1:])
	case "lookup":
		return runRefdataLookup(ctx, c, args[1:])
	}
	return errors.New(refdataUsage)
}

func runRefdataLoad(ctx context.Context, c *cli, args []string) error {
	fs := flag.NewFlagSet("refdata load", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	postcodes := fs.String("postcodes", "", "ONS Postcode Directory or NSPL CSV (postcode → LSOA, coordinates when present)")
	imdFile := fs.String("imd", "", "indices of deprivation CSV (LSOA → decile)")
	edition := fs.String("edition", "", "the index edition, e.g. IMD2019 or IoD2025 (required with --imd)")
	lsoaColumn := fs.String("lsoa-column", "", "the postcode file's small-area column (default: lsoa11, then lsoa21, …)")
	label := fs.String("label", "", "the postcode directory release, e.g. ONSPD_FEB_2024 (default: the file name)")
	centroids := fs.String("centroids", "", "small-area centroids CSV (lsoa11,lat,long): approximate locations for postcodes without coordinates")
	ethnicity := fs.String("ethnicity", "", "regional table of ethnic-group shares (region,Asian,Black,Mixed,White,Other) for default targets")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *postcodes == "" && *imdFile == "" && *ethnicity == "" && *centroids == "" || fs.NArg() > 0 {
		return errors.New(refdataUsage)
	}
	if *ethnicity != "" {
		if err := loadRegionalEthnicity(ctx, c, *ethnicity); err != nil || *postcodes == "" && *imdFile == "" && *centroids == "" {
			return err
		}
	}
	if *imdFile != "" && strings.TrimSpace(*edition) == "" {
		return errors.New("refdata load: --edition is required with --imd, so that deciles are never compared across editions")
	}
	return withStore(ctx, c, func(cfg config, db *store.DB) error {

		oldDir, oldIMD, _, err := db.RefData.Load(ctx)
		if err != nil {
			oldDir, oldIMD = nil, nil // a damaged blob is replaced by this load
			fmt.Fprintf(c.stderr, "warning: the stored reference data could not be read (%v); it will be replaced\n", err)
		}
		manifest := store.RefManifest{Counts: map[string]int{}, Columns: map[string]map[string]string{}}
		dir, imd := oldDir, oldIMD
		if *postcodes != "" {
			lbl := *label
			if lbl == "" {
				lbl = strings.TrimSuffix(filepath.Base(*postcodes), filepath.Ext(*postcodes))
			}
			var rep refdata.LoadReport
			dir, rep, err = loadFile(*postcodes, func(r io.Reader, size int64) (*refdata.Directory, refdata.LoadReport, error) {
				return refdata.LoadPostcodes(r, refdata.PostcodeOptions{LSOAColumn: *lsoaColumn, Label: lbl, SizeHint: int(size / 45)})
			})
			printReport(c.stdout, "postcodes", *postcodes, rep)
			if err != nil {
				return err
			}
			manifest.Columns["postcodes"] = rep.Columns
			if *centroids == "" && oldDir.HasCentroids() {
				dir.SetCentroids(oldDir.Centroids()) // a new directory keeps the areas' centroids
			}
		}
		if *centroids != "" {
			if dir == nil {
				return errors.New("refdata load: --centroids needs a postcode directory: give --postcodes too, or load one first")
			}
			cs, rep, err := loadFile(*centroids, func(r io.Reader, _ int64) (refdata.Centroids, refdata.LoadReport, error) {
				return refdata.LoadCentroids(r)
			})
			printReport(c.stdout, "centroids", *centroids, rep)
			if err != nil {
				return err
			}
			st := dir.SetCentroids(cs)
			fmt.Fprintf(c.stdout, "centroids: %d areas placed; %d postcodes without coordinates now have an approximate location, %d have none\n", st.Areas, st.Postcodes, st.Unplaced)
			manifest.Columns["centroids"] = rep.Columns
		}
		if *imdFile != "" {
			var rep refdata.LoadReport
			imd, rep, err = loadFile(*imdFile, func(r io.Reader, _ int64) (*refdata.IMDTable, refdata.LoadReport, error) {
				return refdata.LoadIMD(r, strings.TrimSpace(*edition), refdata.IMDOptions{})
			})
			printReport(c.stdout, "imd "+strings.TrimSpace(*edition), *imdFile, rep)
			if err != nil {
				return err
			}
			manifest.Columns["imd"] = rep.Columns
		}
		ref, err := refdata.NewReference(dir, imd)
		if err != nil {
			return err
		}
		if dir != nil {
			manifest.Directory = dir.Label
			manifest.Counts["postcodes"] = dir.Len()
			manifest.Counts["areas"] = ref.Stats.Areas
			if cs := dir.Centroids(); cs != nil {
				manifest.Counts["centroids"] = len(cs)
			}
		}
		if imd != nil {
			manifest.Edition = imd.Edition
			manifest.Counts["imdAreas"] = imd.Len()
			manifest.Counts["matchedAreas"] = ref.Stats.Matched
		}
		saved, err := db.RefData.Save(ctx, dir, imd, manifest)
		if err != nil {
			return err
		}
		if dir != nil && imd != nil {
			fmt.Fprintf(c.stdout, "join: %d of %d areas in the postcode directory have a decile in %s", ref.Stats.Matched, ref.Stats.Areas, imd.Edition)
			if len(ref.Stats.UnmatchedBy) > 0 {
				var parts []string
				for n, k := range ref.Stats.UnmatchedBy {
					parts = append(parts, fmt.Sprintf("%s %d", nationName(n), k))
				}
				fmt.Fprintf(c.stdout, " (without: %s)", strings.Join(sortedStrings(parts), ", "))
			}
			fmt.Fprintln(c.stdout)
		}
		fmt.Fprintf(c.stdout, "stored reference data generation %s (directory %q, edition %q)\n", saved.Generation, saved.Directory, saved.Edition)

		// Patients' strata come from the reference data: bring them up to date now, when
		// the keys to read birth dates and postcodes are at hand.
		if keys, _, err := seal.FromEnv(c.getenv, cfg.dataDir); err == nil {
			db.Patients.SetKeyring(keys)
			db.Patients.SetReference(ref)
			n, err := db.Patients.RederiveStrata(ctx)
			if err != nil {
				return fmt.Errorf("refdata load: re-deriving patient strata: %w", err)
			}
			fmt.Fprintf(c.stdout, "strata re-derived for %d patient record(s)\n", n)
		}
		return nil
	})
}

// loadFile opens path and runs load on it, naming the file in any error.
func loadFile[T any](path string, load func(io.Reader, int64) (T, refdata.LoadReport, error)) (T, refdata.LoadReport, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, refdata.LoadReport{}, err
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	v, rep, err := load(f, size)
	if err != nil {
		return zero, rep, fmt.Errorf("%s: %w", path, err)
	}
	return v, rep, nil
}

func printReport(w io.Writer, what, path string, rep refdata.LoadReport) {
	fmt.Fprintf(w, "%s: %s: %d rows, %d loaded, %d skipped", what, path, rep.Rows, rep.Loaded, rep.Skipped)
	if rep.Terminated > 0 {
		fmt.Fprintf(w, ", %d terminated", rep.Terminated)
	}
	if rep.NoLSOA > 0 {
		fmt.Fprintf(w, ", %d without a small area", rep.NoLSOA)
	}
	if rep.NoLocation > 0 {
		fmt.Fprintf(w, ", %d without coordinates", rep.NoLocation)
	}
	fmt.Fprintln(w)
	if len(rep.Columns) > 0 {
		var cols []string
		for field, header := range rep.Columns {
			cols = append(cols, field+"="+header)
		}
		fmt.Fprintf(w, "  columns: %s\n", strings.Join(sortedStrings(cols), ", "))
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
	if rep.MoreProblems > 0 {
		fmt.Fprintf(w, "  … and %d more problem rows\n", rep.MoreProblems)
	}
}

// lookupResult is what `refdata lookup` prints.
type lookupResult struct {
	Postcode    string `json:"postcode"`
	Found       bool   `json:"found"`
	LSOA        string `json:"lsoa,omitempty"`
	IMDDecile   int    `json:"imdDecile,omitempty"`
	IMDQuintile int    `json:"imdQuintile,omitempty"`
	IMDEdition  string `json:"imdEdition,omitempty"`
	Nation      string `json:"nation,omitempty"`
	// Lat and Lon are the postcode's location; Approximate when it is its small
	// area's centroid (loaded with --centroids) rather than its own.
	Lat         *float64 `json:"lat,omitempty"`
	Lon         *float64 `json:"lon,omitempty"`
	Approximate bool     `json:"approximate,omitempty"`
	Note        string   `json:"note,omitempty"`
}

func runRefdataLookup(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		return errors.New(refdataUsage)
	}
	postcode := strings.Join(args, " ") // "refdata lookup SW1A 1AA" without quotes
	return withStore(ctx, c, func(cfg config, db *store.DB) error {
		ref, err := app.LoadReference(ctx, db)
		if err != nil {
			return err
		}
		var out lookupResult
		if ref == nil {
			pc, ok := refdata.NormalisePostcode(postcode)
			if !ok {
				pc = strings.TrimSpace(postcode)
			}
			out = lookupResult{Postcode: pc, Note: "no reference data is loaded (run `equitrial refdata load`): IMD unknown"}
		} else {
			r := ref.Lookup(postcode)
			out = lookupResult{Postcode: r.Postcode, Found: r.Found, LSOA: r.LSOA, IMDDecile: r.IMDDecile, IMDQuintile: r.IMDQuintile,
				IMDEdition: r.IMDEdition, Note: r.Note, Approximate: r.Approximate}
			if r.HasLocation {
				out.Lat, out.Lon = &r.Lat, &r.Lon
			}
			if r.Nation != refdata.NationUnknown {
				out.Nation = r.Nation.String()
			}
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	})
}

func nationName(n refdata.Nation) string {
	if n == refdata.NationUnknown {
		return "unknown nation"
	}
	return n.String()
}

func sortedStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// loadRegionalEthnicity stores a regional table of ethnic-group shares, which
// equity monitoring uses as the default ethnicity target of trials whose targets
// name a region.
func loadRegionalEthnicity(ctx context.Context, c *cli, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	groups := []string{equity.EthnicAsian, equity.EthnicBlack, equity.EthnicMixed, equity.EthnicWhite, equity.EthnicOther}
	table, rep, err := refdata.LoadRegionalShares(f, groups, 20)
	for _, p := range rep.Problems {
		fmt.Fprintf(c.stdout, "  line %d: %s\n", p.Line, p.Message)
	}
	if err != nil {
		return fmt.Errorf("refdata load --ethnicity: %w", err)
	}
	return withStore(ctx, c, func(cfg config, db *store.DB) error {
		if err := db.RegionalShares.Replace(ctx, table, filepath.Base(path)); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "regional ethnicity: %s: %d regions loaded, %d rows skipped\n", path, len(table), rep.Skipped)
		return nil
	})
}
