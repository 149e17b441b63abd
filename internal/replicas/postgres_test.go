package replicas_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// postgresBin finds Debian's PostgreSQL server binaries (the `postgresql`
// package installs them under /usr/lib/postgresql/<version>/bin, off PATH), the
// newest version first; EQUITRIAL_PG_BIN names another directory.
func postgresBin() (string, bool) {
	if dir := os.Getenv("EQUITRIAL_PG_BIN"); dir != "" {
		_, err := os.Stat(filepath.Join(dir, "postgres"))
		return dir, err == nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	slices.SortFunc(found, func(a, b string) int { return version(b) - version(a) })
	if len(found) == 0 {
		return "", false
	}
	return filepath.Dir(found[0]), true
}

func version(postgres string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(postgres))))
	return n
}

// postgres is a throwaway PostgreSQL server in a temporary directory, on a free
// loopback port, with durability turned off (tests only).
type postgres struct {
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
}

func startPostgres(bin string) (*postgres, error) {
	base := "" // the usual temporary directory, or /tmp as root: see below
	if os.Geteuid() == 0 {
		base = "/tmp" // the postgres user must reach it; $TMPDIR may be under /root
	}
	dir, err := os.MkdirTemp(base, "equitrial-pg-")
	if err != nil {
		return nil, err
	}
	pg := &postgres{bin: bin, dir: dir}
	// PostgreSQL refuses to run as root: as root (CI), run it as the postgres
	// user the package creates, in a directory that user owns.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return pg, fmt.Errorf("running as root and there is no postgres user to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return pg, err
		}
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return pg, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	if pg.port, err = freePort(); err != nil {
		return pg, err
	}
	log, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		return pg, err
	}
	defer log.Close()
	// Durability off (a test server); the planner settings let lookups by _id
	// use the index indexIDs adds.
	pg.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(pg.port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "plan_cache_mode=force_custom_plan", "-c", "enable_seqscan=off")
	pg.cmd.Stdout, pg.cmd.Stderr = log, log
	// SIGQUIT (immediate shutdown) if the test binary dies without stopping it.
	pg.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := pg.cmd.Start(); err != nil {
		return pg, fmt.Errorf("postgres: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- pg.cmd.Wait() }()
	isready := filepath.Join(bin, "pg_isready")
	for deadline := time.Now().Add(30 * time.Second); ; {
		if exec.Command(isready, "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(pg.port)).Run() == nil {
			return pg, nil // exited is drained by its own goroutine's send (buffered)
		}
		select {
		case err := <-exited:
			out, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			pg.cmd = nil
			return pg, fmt.Errorf("postgres exited at start: %v\n%s", err, out)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return pg, errors.New("postgres did not accept connections within 30 s")
		}
	}
}

// url is the server's connection string for FerretDB.
func (pg *postgres) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?pool_min_conns=2&pool_max_conns=100", pg.port)
}

// indexIDs lets PostgreSQL find the documents of a database's collections by
// _id without reading them all. FerretDB v1 looks a document up by
// `_jsonb->$key @> $value`, which the btree index it makes on `_jsonb->'_id'`
// cannot serve, so every lookup by _id reads (and decompresses) the whole table:
// 16 ms a lookup at 1,000 synthetic studies here, and an import or a replica's
// catch-up is a thousand lookups a batch. A GIN index on the expression can serve
// it (0.3 ms in PostgreSQL, 1.5 ms a lookup through FerretDB), provided the
// planner sees the key as a constant (plan_cache_mode=force_custom_plan: FerretDB
// prepares its statements) and does not prefer a scan of a table it has no
// statistics for yet (enable_seqscan=off): see startPostgres. This is what
// store/embedded_ids.go does for FerretDB's SQLite backend; the service cannot
// do it here, as it never sees PostgreSQL. Run it once the collections exist
// (store.Connect creates those with indexes).
func (pg *postgres) indexIDs(schema string) error {
	sql := `DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = '` + schema + `' AND tablename NOT LIKE '\_ferretdb%' LOOP
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin ((_jsonb->''_id''))', r.tablename || '_equitrial_id', '` + schema + `', r.tablename);
  END LOOP;
END $$;`
	out, err := exec.Command(filepath.Join(pg.bin, "psql"), "-h", "127.0.0.1", "-p", strconv.Itoa(pg.port), "-U", "postgres",
		"-d", "postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql).CombinedOutput()
	if err != nil {
		return fmt.Errorf("psql: %v: %s", err, out)
	}
	return nil
}

// stop shuts the server down (fast shutdown) and removes its files.
func (pg *postgres) stop() {
	if pg.cmd != nil {
		pid := pg.cmd.Process.Pid
		syscall.Kill(pid, syscall.SIGINT)
		for deadline := time.Now().Add(15 * time.Second); syscall.Kill(pid, 0) == nil && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		syscall.Kill(-pid, syscall.SIGKILL) // whatever is left of its process group
	}
	os.RemoveAll(pg.dir)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startFerretDB runs FerretDB in this process with its PostgreSQL handler (the
// same module the service embeds with its SQLite handler), listening on a
// loopback port: the MongoDB-protocol server both replicas share.
func startFerretDB(pgURL string) (uri string, stop func(), err error) {
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:       "postgresql",
		PostgreSQLURL: pgURL,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return "", nil, fmt.Errorf("ferretdb: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(ctx)
	}()
	return f.MongoDBURI(), func() { cancel(); <-done }, nil
}
