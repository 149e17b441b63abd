package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"equitrial"
	"equitrial/auth"
	"equitrial/internal/seal"
	"equitrial/refdata"
	"equitrial/store"
	"equitrial/synth"
)

// benchOrg is the organisation of the synthetic patients and of the nurse whose
// token asks for their matches.
const benchOrg = "bench-org"

// serverData is what the loaded data directory holds for the server scenarios
// beyond the corpus: patients, reference data and a nurse's API token.
type serverData struct {
	dir        string
	patients   int
	token      string
	patientIDs []string // consented patients of benchOrg, for the matches endpoint
	loadTook   time.Duration
}

// noEnv is an empty environment: development keys, as the child server uses.
func noEnv(string) string { return "" }

// serverDir returns the loaded data directory with cfg.Patients synthetic patients
// (stored in bulk, sealed and with strata, as the service stores them), the
// synthetic postcode directory and deprivation index (so the server locates
// patients and derives their strata) and a nurse's token, adding them once.
func (w *workspace) serverDir(ctx context.Context) (*serverData, error) {
	if w.served != nil {
		return w.served, nil
	}
	dir, err := w.loadedDir(ctx)
	if err != nil {
		return nil, err
	}
	keys, _, err := seal.FromEnv(noEnv, dir) // the development keys the child will read
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		return nil, err
	}
	defer db.Close(context.Background())
	pcs, imd, err := synth.ReferenceData(w.cfg.Seed, 2000)
	if err != nil {
		return nil, err
	}
	if _, err := db.RefData.Save(ctx, pcs, imd, store.RefManifest{Edition: synth.ReferenceEdition, Directory: "synthetic (synth.ReferenceData)"}); err != nil {
		return nil, err
	}
	ref, err := refdata.NewReference(pcs, imd)
	if err != nil {
		return nil, err
	}
	db.Patients.SetKeyring(keys)
	db.Patients.SetReference(ref)

	sd := &serverData{dir: dir, patients: w.cfg.Patients}
	start := time.Now()
	g := synth.NewPatientGenerator(w.cfg.Seed+3, synth.PatientOptions{Reference: ref, Org: benchOrg, Now: time.Now().UTC()})
	batch := make([]*equitrial.Patient, 0, 1000)
	for i := 0; i < w.cfg.Patients; i += cap(batch) {
		batch = batch[:0]
		for range min(cap(batch), w.cfg.Patients-i) {
			batch = append(batch, g.Next())
		}
		recs, err := db.Patients.CreateMany(ctx, batch)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if r.Consent.Contact && len(sd.patientIDs) < 2000 {
				sd.patientIDs = append(sd.patientIDs, r.ID)
			}
		}
	}
	sd.loadTook = time.Since(start)
	w.logf("stored %s patients in %s", count(w.cfg.Patients), seconds(sd.loadTook))
	if len(sd.patientIDs) == 0 {
		return nil, errors.New("no consented patient to match")
	}
	if sd.token, _, err = auth.New(db).CreateToken(ctx, "bench", "nurse", benchOrg, 24*time.Hour); err != nil {
		return nil, err
	}
	w.served = sd
	return sd, nil
}

// child is `equitrial serve` running in a second process.
type child struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:PORT
	done    chan error
	logPath string
	ready   time.Duration // from start until /readyz answered 200
}

// startServer starts the server on the data directory, on a free loopback port,
// and waits until /readyz answers 200 (the store, index, compiled trials and
// patient feature index all loaded).
func (w *workspace) startServer(ctx context.Context, sd *serverData) (*child, error) {
	argv := w.cfg.Server
	if len(argv) == 0 {
		var err error
		if argv, err = executable(); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	logPath := filepath.Join(w.dir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(),
		"EQUITRIAL_DATA_DIR="+sd.dir, "EQUITRIAL_ADDR="+addr, "MONGODB_URI=",
		// the development keys the patients were sealed with
		"EQUITRIAL_DATA_KEYS=", "EQUITRIAL_DATA_KEYS_FILE=", "EQUITRIAL_LOOKUP_KEY=",
		"EQUITRIAL_METRICS_ADDR=",
		// no scheduled job may run during the measurement (README's list)
		"EQUITRIAL_JOB_EQUITY_MONITOR=@every 8760h", "EQUITRIAL_JOB_INDEX_SYNC_FULL=@every 8760h",
		"EQUITRIAL_JOB_REMATCH=@every 8760h", "EQUITRIAL_JOB_PURGE=@every 8760h")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	c := &child{cmd: cmd, base: "http://" + addr, done: make(chan error, 1), logPath: logPath}
	go func() { c.done <- cmd.Wait(); logFile.Close() }()
	deadline := time.Now().Add(w.cfg.ReadyTimeout)
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		select {
		case err := <-c.done:
			c.done <- err
			return nil, fmt.Errorf("the server stopped before it was ready (%v): %s", err, tail(logPath))
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := client.Get(c.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				c.ready = time.Since(start)
				w.logf("server ready after %s (pid %d)", seconds(c.ready), cmd.Process.Pid)
				return c, nil
			}
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("the server was not ready within %s: %s", w.cfg.ReadyTimeout, tail(logPath))
		}
	}
}

// peakKB is the child's peak resident set (VmHWM) and current one (VmRSS), in kB.
func (c *child) peakKB() (hwm, rss int64) {
	status := fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid)
	return procField(status, "VmHWM"), procField(status, "VmRSS")
}

// stop asks the server to shut down as Ctrl-C does, and kills it if it has not
// within a minute.
func (c *child) stop() error {
	c.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-c.done:
		c.done <- err
		return nil
	case <-time.After(time.Minute):
		c.cmd.Process.Kill()
		return errors.New("the server did not stop within a minute; killed")
	}
}

// tail is the end of a log file, for an error message.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	s := strings.TrimSpace(string(b))
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return s
}
