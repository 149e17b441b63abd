package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // the pure-Go SQLite FerretDB uses; built with FTS5

	"equitrial"
	"equitrial/ctgov"
	"equitrial/eligibility"
)

// ftsIndex is the corpus in SQLite: the searchable text in an FTS5 table (porter
// stemming, as bleve's English analyser stems), the facet and filter fields in
// ordinary indexed tables, and each site's coordinates, so that the same searches
// (fts5_query.go) can run in both engines.
type ftsIndex struct {
	db *sql.DB
}

const ftsSchema = `
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE trials(id INTEGER PRIMARY KEY, nct_id TEXT NOT NULL, title TEXT, status TEXT, study_type TEXT,
  sponsor_class TEXT, sex TEXT, min_age REAL, max_age REAL, last_update TEXT);
CREATE INDEX trials_status ON trials(status);
CREATE VIRTUAL TABLE fts USING fts5(title, conditions, mesh, keywords, interventions, summary, eligibility, sponsor,
  tokenize='porter unicode61');
CREATE TABLE phase(trial INTEGER NOT NULL, v TEXT NOT NULL);
CREATE INDEX phase_v ON phase(v, trial);
CREATE INDEX phase_t ON phase(trial);
CREATE TABLE country(trial INTEGER NOT NULL, v TEXT NOT NULL);
CREATE INDEX country_v ON country(v, trial);
CREATE INDEX country_t ON country(trial);
CREATE TABLE mesh(trial INTEGER NOT NULL, v TEXT NOT NULL);
CREATE INDEX mesh_t ON mesh(trial);
CREATE TABLE site(trial INTEGER NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL);
CREATE INDEX site_lat ON site(lat, lon);
`

// openFTS creates the database at path.
func openFTS(path string) (*ftsIndex, error) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one writer; searches run one at a time, as bleve's do here
	if _, err := db.Exec(ftsSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("fts5 schema: %w", err)
	}
	return &ftsIndex{db: db}, nil
}

func (f *ftsIndex) close() error { return f.db.Close() }

// load reads the corpus as the import does (ctgov.ReadPaths) and writes every
// record, a transaction per thousand.
func (f *ftsIndex) load(ctx context.Context, corpusDir string) (int, error) {
	var batch []*equitrial.Trial
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := f.insert(ctx, n, batch)
		n += len(batch)
		batch = batch[:0]
		return err
	}
	err := ctgov.ReadPaths([]string{corpusDir}, func(r ctgov.Record) error {
		if r.Err != nil {
			return r.Err
		}
		batch = append(batch, r.Trial)
		if len(batch) == perFile {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return n, err
}

func (f *ftsIndex) insert(ctx context.Context, first int, trials []*equitrial.Trial) error {
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt := func(q string) *sql.Stmt {
		s, perr := tx.PrepareContext(ctx, q)
		if perr != nil && err == nil {
			err = perr
		}
		return s
	}
	trialSt := stmt(`INSERT INTO trials(id, nct_id, title, status, study_type, sponsor_class, sex, min_age, max_age, last_update) VALUES (?,?,?,?,?,?,?,?,?,?)`)
	ftsSt := stmt(`INSERT INTO fts(rowid, title, conditions, mesh, keywords, interventions, summary, eligibility, sponsor) VALUES (?,?,?,?,?,?,?,?,?)`)
	phaseSt := stmt(`INSERT INTO phase(trial, v) VALUES (?,?)`)
	countrySt := stmt(`INSERT INTO country(trial, v) VALUES (?,?)`)
	meshSt := stmt(`INSERT INTO mesh(trial, v) VALUES (?,?)`)
	siteSt := stmt(`INSERT INTO site(trial, lat, lon) VALUES (?,?,?)`)
	if err != nil {
		return err
	}
	exec := func(s *sql.Stmt, args ...any) {
		if err == nil {
			_, err = s.ExecContext(ctx, args...)
		}
	}
	for i, t := range trials {
		id := first + i + 1
		lo, hi := -1.0, 1000.0 // as the bleve mapping's open-ended sentinels
		if a, b := eligibility.StructuredAges(t); a != nil || b != nil {
			if a != nil {
				lo = *a
			}
			if b != nil {
				hi = *b
			}
		}
		title := strings.Join(nonEmpty(t.BriefTitle, t.OfficialTitle, t.Acronym), " — ")
		exec(trialSt, id, t.NCTID, t.BriefTitle, t.OverallStatus, t.StudyType, t.SponsorClass, t.Sex, lo, hi, t.LastUpdate)
		var ivs []string
		for _, iv := range t.Interventions {
			ivs = append(ivs, iv.Name)
		}
		exec(ftsSt, id, title, strings.Join(t.Conditions, "; "), strings.Join(t.ConditionMeSH, "; "), strings.Join(t.Keywords, "; "),
			strings.Join(ivs, "; "), t.BriefSummary, t.EligibilityText, t.LeadSponsor)
		for _, p := range t.Phases {
			exec(phaseSt, id, p)
		}
		for _, m := range t.ConditionMeSH {
			exec(meshSt, id, m)
		}
		seen := map[string]bool{}
		for _, l := range t.Locations {
			if l.Country != "" && !seen[l.Country] {
				seen[l.Country] = true
				exec(countrySt, id, l.Country)
			}
			if l.Geo != nil {
				exec(siteSt, id, l.Geo.Lat, l.Geo.Lon)
			}
		}
	}
	if err != nil {
		return err
	}
	return tx.Commit()
}

func nonEmpty(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
