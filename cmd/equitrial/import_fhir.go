package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"

	"equitrial"
	"equitrial/api"
	"equitrial/fhir"
	"equitrial/internal/app"
	"equitrial/internal/seal"
	"equitrial/patients"
	"equitrial/store"
)

// runImportFHIR imports FHIR R4 Bundles of patients from files, as POST
// /api/v1/fhir does over HTTP (same mapping, same checks, same repository):
//
//	equitrial import fhir --org ORG FILE...
//
// Each file is one Bundle and is imported whole or not at all: a Bundle with a bad
// entry is reported entry by entry and stores nothing, and the other files still
// import. Every record written is audited, as the CLI's administrator.
func runImportFHIR(ctx context.Context, c *cli, args []string) error {
	fs := flag.NewFlagSet("import fhir", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	org := fs.String("org", "", "the organisation the patients belong to (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *org == "" || fs.NArg() == 0 {
		return errors.New("usage: equitrial import fhir --org ORG FILE... (FHIR R4 transaction or collection Bundles, JSON)")
	}
	return withStore(ctx, c, func(cfg config, db *store.DB) error {
		keys, _, err := seal.FromEnv(c.getenv, cfg.dataDir)
		if err != nil {
			return err
		}
		db.Patients.SetKeyring(keys)
		ref, err := app.LoadReference(ctx, db) // strata are derived as the server derives them
		if err != nil {
			return err
		}
		db.Patients.SetReference(ref)
		imp := fhirImporter{db: db, st: api.FHIRPatients{Repo: db.Patients, Org: *org}, org: *org, run: runID()}
		failed := 0
		for _, path := range fs.Args() {
			if err := imp.file(ctx, c, path); err != nil {
				failed++
				var e *equitrial.Error
				if !errors.As(err, &e) || len(e.Fields) == 0 {
					fmt.Fprintf(c.stdout, "%s: not imported: %s\n", path, err)
					continue
				}
				fmt.Fprintf(c.stdout, "%s: not imported: %s\n", path, e.Detail)
				for _, f := range e.Fields {
					fmt.Fprintf(c.stdout, "  %s: %s\n", f.Field, f.Detail)
				}
			}
		}
		if failed > 0 {
			return fmt.Errorf("%d of %d Bundles were not imported", failed, fs.NArg())
		}
		return nil
	})
}

type fhirImporter struct {
	db  *store.DB
	st  fhir.Store
	org string
	run string // the audit entries' request id: one per run
}

// file imports one Bundle and prints what happened to each patient (by entry and
// record id, never by name or NHS number).
func (f fhirImporter) file(ctx context.Context, c *cli, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	imp, err := fhir.Read(data)
	if err != nil {
		return err
	}
	changes, err := fhir.Plan(ctx, f.st, imp, f.org, patients.Default())
	if err != nil {
		return err
	}
	written, werr := fhir.Write(ctx, f.st, changes)
	counts := map[string]int{}
	for _, w := range written {
		counts[w.Action]++
		f.audit(ctx, c, w)
		fmt.Fprintf(c.stdout, "  entry[%d] %s: %s (%d conditions, %d observations, complete %v)\n", w.Index, w.ID, w.Action, w.Conditions, w.Observations, w.ConditionsComplete)
	}
	for _, n := range imp.Notes {
		fmt.Fprintf(c.stdout, "  entry[%d] %s: %s\n", n.Index, n.Type, n.Detail)
	}
	fmt.Fprintf(c.stdout, "%s: %d created, %d updated, %d unchanged\n", path, counts["created"], counts["updated"], counts["unchanged"])
	return werr
}

// audit records a write as the API does for POST /api/v1/fhir, with the CLI as
// the actor (whoever can run it holds the data keys).
func (f fhirImporter) audit(ctx context.Context, c *cli, w fhir.Written) {
	action := map[string]string{"created": "create", "updated": "update"}[w.Action]
	if action == "" {
		action = "read"
	}
	e := store.AuditEntry{ActorRole: "admin", ActorID: "cli", ActorOrg: f.org, Action: action, Subject: "patient", SubjectID: w.ID,
		Count: 1, Method: "CLI", Route: "equitrial import fhir", RequestID: f.run, Status: http.StatusOK}
	if err := f.db.Audit.Append(ctx, e); err != nil {
		fmt.Fprintf(c.stderr, "equitrial: audit entry for %s not recorded: %v\n", w.ID, err)
	}
}

func runID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "cli-" + hex.EncodeToString(b)
}
