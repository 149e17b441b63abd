package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"equitrial"
	"equitrial/ctgov"
	"equitrial/eligibility"
)

// runCriteria: "criteria facts PATH..." prints one FORMAT.md line per study;
// "criteria show NCTID|PATH" prints the structured criteria for a person to read.
func runCriteria(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		return equitrial.Errorf(equitrial.KindInvalid, "usage: equitrial criteria facts PATH... | criteria show NCTID|PATH")
	}
	switch args[0] {
	case "facts":
		return criteriaFacts(ctx, c, args[1:])
	case "show":
		return criteriaShow(ctx, c, args[1:])
	}
	return equitrial.Errorf(equitrial.KindInvalid, "criteria: unknown subcommand %q (want facts or show)", args[0])
}

func criteriaFacts(ctx context.Context, c *cli, paths []string) error {
	if len(paths) == 0 {
		return equitrial.Errorf(equitrial.KindInvalid, "criteria facts: name at least one study file or directory")
	}
	w := bufio.NewWriter(c.stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	bad := 0
	err := ctgov.ReadPaths(paths, func(r ctgov.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if r.Err != nil {
			bad++
			fmt.Fprintf(c.stderr, "criteria facts: %s: %v\n", r.Where(), r.Err)
			return nil
		}
		return enc.Encode(eligibility.Facts(r.Trial))
	})
	if err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("criteria facts: %d record(s) could not be read", bad)
	}
	return nil
}

func criteriaShow(ctx context.Context, c *cli, args []string) error {
	if len(args) != 1 {
		return equitrial.Errorf(equitrial.KindInvalid, "usage: equitrial criteria show NCTID|PATH")
	}
	path := args[0]
	if ctgov.ValidNCTID(strings.ToUpper(path)) {
		found, err := findStudyFile(c, strings.ToUpper(path))
		if err != nil {
			return err
		}
		path = found
	}
	n := 0
	err := ctgov.ReadPaths([]string{path}, func(r ctgov.Record) error {
		if r.Err != nil {
			return fmt.Errorf("%s: %w", r.Where(), r.Err)
		}
		n++
		return writeCriteria(c.stdout, r.Trial, eligibility.Parse(r.Trial))
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return equitrial.Errorf(equitrial.KindNotFound, "criteria show: no study in %s", path)
	}
	return nil
}

// findStudyFile looks for NCTID.json in EQUITRIAL_CTGOV_DIR (a list of
// directories, default ../shared/ctgov) until the trial store can be asked.
func findStudyFile(c *cli, id string) (string, error) {
	dirs := c.getenv("EQUITRIAL_CTGOV_DIR")
	if dirs == "" {
		dirs = filepath.Join("..", "shared", "ctgov")
	}
	for _, d := range filepath.SplitList(dirs) {
		p := filepath.Join(d, id+".json")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", equitrial.Errorf(equitrial.KindNotFound, "criteria show: no study file %s.json in %s (set EQUITRIAL_CTGOV_DIR, or give a path)", id, dirs)
}

func writeCriteria(w io.Writer, t *equitrial.Trial, cr *eligibility.Criteria) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "%s  %s\n", cr.NCTID, t.BriefTitle)
	age := "any"
	switch {
	case cr.MinAge != nil && cr.MaxAge != nil:
		age = fmt.Sprintf("%g to %g years", *cr.MinAge, *cr.MaxAge)
	case cr.MinAge != nil:
		age = fmt.Sprintf("%g years or over", *cr.MinAge)
	case cr.MaxAge != nil:
		age = fmt.Sprintf("%g years or under", *cr.MaxAge)
	}
	fmt.Fprintf(b, "Age: %s   Sex: %s   Healthy volunteers: %v\n", age, cr.Sex, cr.HealthyVolunteers)
	for _, sec := range []eligibility.Section{eligibility.Inclusion, eligibility.Exclusion} {
		title := "Inclusion criteria"
		if sec == eligibility.Exclusion {
			title = "Exclusion criteria"
		}
		fmt.Fprintf(b, "\n%s\n", title)
		n := 0
		for i := range cr.Criteria {
			x := &cr.Criteria[i]
			if x.Section != sec {
				continue
			}
			n++
			fmt.Fprintf(b, "%3d. [%s, confidence %.2f] %s\n", n, x.Type, x.Confidence, x.Text)
			for _, d := range x.Describe() {
				fmt.Fprintf(b, "       → %s\n", d)
			}
			if x.Type == eligibility.TypeOther {
				fmt.Fprintf(b, "       → a person must judge this criterion\n")
			}
		}
		if n == 0 {
			fmt.Fprintf(b, "  (none)\n")
		}
	}
	return b.Flush()
}
