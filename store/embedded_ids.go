package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // FerretDB's SQLite driver, already linked in
)

// indexIDs gives every collection of the embedded database an index SQLite can
// use for `_id` lookups.
//
// FerretDB v1.24's SQLite backend indexes `_id` as `_ferretdb_sjson->"_id"` but
// looks documents up by `_ferretdb_sjson->'$._id' = ?`. SQLite uses an expression
// index only for the same expression, so without this every lookup, replace or
// delete by `_id` parses every document of the collection (0.3 s per lookup with
// 2,000 trials stored, growing with the collection). The extra index is on the
// expression FerretDB queries by; FerretDB ignores it, SQLite keeps it current
// and drops it with its table. It runs at every start, after the repositories
// have created their collections.
//
// Connect runs it for the database it opens when the server at uri is one this
// process started (the embedded one, or the tests').
func indexEmbeddedIDs(ctx context.Context, uri, database string) error {
	v, ok := embeddedServers.Load(uri)
	if !ok {
		return nil
	}
	file := filepath.Join(v.(*Embedded).dir, database+".sqlite")
	if _, err := os.Stat(file); err != nil {
		return nil // no collection yet
	}
	if err := indexIDsIn(ctx, file); err != nil {
		return fmt.Errorf("embedded database: indexing _id in %s: %w", filepath.Base(file), err)
	}
	return nil
}

// embeddedServers holds the embedded servers this process runs, by URI.
var embeddedServers sync.Map

func indexIDsIn(ctx context.Context, file string) error {
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil
		}
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE UNIQUE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, t+"__equitrial_id", t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}
