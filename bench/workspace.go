package bench

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"equitrial/catalog"
	"equitrial/ctgov"
	"equitrial/matcher"
	"equitrial/store"
	"equitrial/synth"
)

// workspace is the run's working directory and what scenarios share: corpus
// files, and a data directory (store and index, as `equitrial serve` uses one)
// holding the corpus of cfg.Studies studies.
type workspace struct {
	cfg     Config
	dir     string
	temp    bool
	corpora map[int]string // studies → directory of NDJSON files
	// loaded is the data directory holding cfg.Studies studies (the import
	// scenario's largest import, or made on demand); "" until then.
	loaded string
	// served says the loaded directory also holds patients, reference data and
	// a nurse's token (server.go).
	served *serverData
	// peak is the server's memory measured by the HTTP scenario, for the memory
	// scenario; nil until then.
	peak *peak
}

func newWorkspace(cfg Config) (*workspace, error) {
	w := &workspace{cfg: cfg, dir: cfg.Dir, corpora: map[int]string{}}
	if w.dir == "" {
		dir, err := os.MkdirTemp("", "equitrial-bench-")
		if err != nil {
			return nil, err
		}
		w.dir, w.temp = dir, true
	} else if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *workspace) close() {
	if w.temp && !w.cfg.Keep {
		os.RemoveAll(w.dir)
	}
}

// perFile is how many studies each corpus file holds, as `import synth` writes
// them.
const perFile = 1000

// corpus writes (once) the first n studies of the corpus as NDJSON files and
// returns their directory. Writing is not timed: the import reads files, as
// `equitrial import ctgov` does.
func (w *workspace) corpus(n int) (string, error) {
	if dir, ok := w.corpora[n]; ok {
		return dir, nil
	}
	dir := filepath.Join(w.dir, fmt.Sprintf("corpus-%d", n))
	start := time.Now()
	size, err := synth.WriteStudies(dir, n, w.cfg.Seed, perFile)
	if err != nil {
		return "", err
	}
	w.logf("wrote the corpus of %s studies (%.0f MB) in %s", count(n), float64(size)/1e6, seconds(time.Since(start)))
	w.corpora[n] = dir
	return dir, nil
}

// readCorpus yields the records of a corpus directory, as `import ctgov DIR` reads
// them.
func readCorpus(dir string) catalog.Reader {
	return func(each func(ctgov.Record) error) error { return ctgov.ReadPaths([]string{dir}, each) }
}

// openCatalog opens the store and index of a data directory the way `equitrial
// import ctgov` does (cmd/equitrial/config.go), without a change hook: the CLI
// import compiles no criteria.
func openCatalog(ctx context.Context, dataDir string) (*catalog.Catalog, func() error, error) {
	db, err := store.Open(ctx, store.Config{DataDir: dataDir})
	if err != nil {
		return nil, nil, err
	}
	ix, rebuild, err := matcher.OpenIndex(filepath.Join(dataDir, "index"))
	if err != nil {
		db.Close(context.Background())
		return nil, nil, err
	}
	cat := &catalog.Catalog{Store: db.Trials, Index: ix}
	closeAll := func() error {
		ierr := ix.Close()
		if err := db.Close(context.Background()); err != nil {
			return err
		}
		return ierr
	}
	if err := cat.EnsureIndexed(ctx, rebuild); err != nil {
		closeAll()
		return nil, nil, err
	}
	return cat, closeAll, nil
}

// loadedDir returns a data directory holding cfg.Studies studies, importing them
// (untimed) when the import scenario has not.
func (w *workspace) loadedDir(ctx context.Context) (string, error) {
	if w.loaded != "" {
		return w.loaded, nil
	}
	corpus, err := w.corpus(w.cfg.Studies)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(w.dir, fmt.Sprintf("data-%d", w.cfg.Studies))
	os.RemoveAll(dir)
	cat, closeCat, err := openCatalog(ctx, dir)
	if err != nil {
		return "", err
	}
	start := time.Now()
	sum, err := cat.Import(ctx, readCorpus(corpus), nil)
	if cerr := closeCat(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	w.logf("imported %s studies for the scenarios that need them in %s (%s)", count(w.cfg.Studies), seconds(time.Since(start)), sum)
	w.loaded = dir
	return dir, nil
}

// diskUsage is the space the files under dir take on disk, as du counts it.
func diskUsage(dir string) int64 {
	var total int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				total += st.Blocks * 512
			} else {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}

// cpuTime is the CPU time (user and system) this process has used, the embedded
// database included.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
