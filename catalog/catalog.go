// Package catalog keeps the trial store and the search index in step: every import
// writes the store (the source of truth) and then the index, and the index can be
// rebuilt from the store at any time.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"equitrial"
	"equitrial/ctgov"
	"equitrial/matcher"
	"equitrial/store"
)

// Catalog is the trial store and its index.
type Catalog struct {
	Store *store.Trials
	Index *matcher.Index
	Log   *slog.Logger
	// Changed, if set, hears about every trial written to the index (by Import and
	// Rebuild), after it is indexed: matching keeps its compiled criteria current
	// through it. The slice is reused after the call returns; keep the trials, not it.
	// It may be called from several goroutines at once, with distinct trials.
	Changed func([]*equitrial.Trial)
	// Counted, if set, hears each import's summary when it ends (the metrics).
	Counted func(Summary)

	// mu is held across each import batch's store write and index write, and across
	// the orphan check and delete, so that in this process the index hears about
	// versions in the order the store took them, and never loses a trial the store
	// holds.
	mu sync.Mutex
	// afterStore, when set (tests), runs in Import between a batch's store write
	// and its index write.
	afterStore func()

	// While Refresh reads from the store (without mu), written collects the ids
	// imports write meanwhile (refresh.go); refreshing counts the reads under way.
	refreshing int
	written    map[string]bool
	// afterRefreshRead, when set (tests), runs in Refresh between its store read
	// and its index write.
	afterRefreshRead func()
	// rebuilt says whether EnsureIndexed last rebuilt the index.
	rebuilt bool
	// unindexed: the batch an import stored last, still to go to the index and
	// Changed (flush); guarded by mu.
	unindexed []*equitrial.Trial
}

// batchSize is how many records are written to the store and index at once: large
// enough to amortise round trips, small enough that progress shows.
const batchSize = 1000

// maxRejectionsListed bounds the rejections kept in a summary; all are counted.
const maxRejectionsListed = 200

// Summary says what an import did.
type Summary struct {
	Imported   int         `json:"imported"`
	Updated    int         `json:"updated"`
	Unchanged  int         `json:"unchanged"`
	Rejected   int         `json:"rejected"`
	Rejections []Rejection `json:"rejections"`
	TookMs     int64       `json:"took_ms"`
}

// Rejection is one record that was not imported, and where it is.
type Rejection struct {
	Source   string `json:"source"`
	Position string `json:"position,omitempty"`
	Reason   string `json:"reason"`
}

// Total is the number of records read.
func (s Summary) Total() int { return s.Imported + s.Updated + s.Unchanged + s.Rejected }

func (s Summary) String() string {
	return fmt.Sprintf("%d imported, %d updated, %d unchanged, %d rejected", s.Imported, s.Updated, s.Unchanged, s.Rejected)
}

// Reader yields records to each, as ctgov.ReadPaths and ctgov.Read do.
type Reader func(each func(ctgov.Record) error) error

// Import reads every record from read, upserts the good ones and indexes what
// changed; bad records are counted, listed and skipped. progress, if not nil, is
// called after each batch with the number of records handled so far, from another
// goroutine than read's.
//
// Reading and decoding run on one goroutine, the store writes of one batch on a
// second and the index writes of the batch before it on a third (flush), so both
// cores work while the store waits on its disk. Each batch costs one version
// lookup per record, one bulk insert (and a replace per changed record) and one
// bleve batch: nothing grows with what is already stored.
func (c *Catalog) Import(ctx context.Context, read Reader, progress func(done int)) (Summary, error) {
	start := time.Now()
	var sum Summary
	var mu sync.Mutex // guards sum between the reader and the writer

	batches := make(chan []*equitrial.Trial, 2)
	stop := make(chan struct{})
	writeErr := make(chan error, 1)
	go func() {
		var err error
		for batch := range batches {
			if err != nil {
				continue // drain
			}
			if err = c.flush(ctx, batch, &sum, &mu); err != nil {
				close(stop)
				continue
			}
			if progress != nil {
				mu.Lock()
				done := sum.Total()
				mu.Unlock()
				progress(done)
			}
		}
		// the last batch stored goes to the index before Import returns, even
		// after an error: what is stored must be found
		c.mu.Lock()
		if derr := c.drainLocked(); err == nil {
			err = derr
		}
		c.mu.Unlock()
		writeErr <- err
	}()

	errStopped := errors.New("import stopped")
	var batch []*equitrial.Trial
	send := func() error {
		if len(batch) == 0 {
			return nil
		}
		select {
		case batches <- batch:
		case <-stop:
			return errStopped
		}
		batch = make([]*equitrial.Trial, 0, batchSize)
		return nil
	}
	err := read(func(r ctgov.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if r.Err != nil {
			mu.Lock()
			sum.Rejected++
			if len(sum.Rejections) < maxRejectionsListed {
				sum.Rejections = append(sum.Rejections, Rejection{Source: r.Source, Position: r.Position, Reason: r.Err.Error()})
			}
			mu.Unlock()
			return nil
		}
		batch = append(batch, r.Trial)
		if len(batch) >= batchSize {
			return send()
		}
		return nil
	})
	if err == nil {
		err = send()
	}
	close(batches)
	if werr := <-writeErr; werr != nil {
		err = werr
	} else if errors.Is(err, errStopped) {
		err = nil
	}
	sum.TookMs = time.Since(start).Milliseconds()
	if sum.Rejections == nil {
		sum.Rejections = []Rejection{}
	}
	if c.Counted != nil {
		c.Counted(sum)
	}
	return sum, err
}

// flush writes one batch to the store while the batch stored before it (by any
// import) goes to the index and to Changed, so that the store's waits and the
// index's work overlap. Both happen under mu, one batch behind the other, so the
// index follows the store's order across imports; whatever takes mu next
// (another batch, the end of an import, Refresh, DeleteOrphans) drains the batch
// left behind first.
func (c *Catalog) flush(ctx context.Context, batch []*equitrial.Trial, sum *Summary, mu *sync.Mutex) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	behind := c.unindexed
	c.unindexed = nil
	indexed := make(chan error, 1)
	go func() { indexed <- c.indexAndTell(behind) }()
	outcomes, err := c.Store.Upsert(ctx, batch)
	if ierr := <-indexed; ierr != nil {
		c.unindexed = behind // still to do; the next holder of mu tries again
		return fmt.Errorf("import: index: %w", ierr)
	}
	if err != nil {
		return fmt.Errorf("import: store: %w", err)
	}
	if c.afterStore != nil {
		c.afterStore()
	}
	var changed []*equitrial.Trial
	mu.Lock()
	for i, o := range outcomes {
		switch o {
		case store.Imported:
			sum.Imported++
		case store.Updated:
			sum.Updated++
		case store.Unchanged:
			sum.Unchanged++
			continue
		}
		changed = append(changed, batch[i])
	}
	mu.Unlock()
	if c.refreshing > 0 {
		for _, t := range changed {
			c.written[t.NCTID] = true
		}
	}
	c.unindexed = lastOfEach(changed)
	return nil
}

// indexAndTell tells Changed (matching's cache) about trials, then writes them
// to the index: once search finds a trial, trial → patients knows it. Imports
// and Refresh both apply trials this way.
func (c *Catalog) indexAndTell(trials []*equitrial.Trial) error {
	if len(trials) == 0 {
		return nil
	}
	c.changedParallel(trials)
	return c.Index.Put(trials...)
}

// drainLocked indexes the batch an import stored last and left for the next
// holder of mu. Callers hold mu.
func (c *Catalog) drainLocked() error {
	behind := c.unindexed
	c.unindexed = nil
	if err := c.indexAndTell(behind); err != nil {
		c.unindexed = behind
		return fmt.Errorf("import: index: %w", err)
	}
	return nil
}

// lastOfEach keeps, of several versions of one id written in a batch, the last
// (the one the store kept), so the rest can be handled in any order.
func lastOfEach(trials []*equitrial.Trial) []*equitrial.Trial {
	last := make(map[string]int, len(trials))
	for i, t := range trials {
		last[t.NCTID] = i
	}
	if len(last) == len(trials) {
		return trials
	}
	out := trials[:0:0]
	for i, t := range trials {
		if last[t.NCTID] == i {
			out = append(out, t)
		}
	}
	return out
}

// changedParallel tells Changed about trials in a few slices at once, so that
// compiling their criteria (what matching's hook does) uses every core. The ids
// are distinct, so the order between slices does not matter.
func (c *Catalog) changedParallel(trials []*equitrial.Trial) {
	if c.Changed == nil || len(trials) == 0 {
		return
	}
	n := min(runtime.GOMAXPROCS(0), (len(trials)+31)/32)
	if n <= 1 {
		c.Changed(trials)
		return
	}
	var wg sync.WaitGroup
	per := (len(trials) + n - 1) / n
	for start := 0; start < len(trials); start += per {
		part := trials[start:min(start+per, len(trials))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Changed(part)
		}()
	}
	wg.Wait()
}

// Rebuild indexes every trial in the store.
func (c *Catalog) Rebuild(ctx context.Context) (int, error) {
	var n int
	var batch []*equitrial.Trial
	err := c.Store.Each(ctx, time.Time{}, func(t *equitrial.Trial) error {
		batch = append(batch, t)
		if len(batch) < batchSize {
			return nil
		}
		n += len(batch)
		err := c.Index.Put(batch...)
		if err == nil {
			c.changed(batch)
		}
		batch = batch[:0]
		return err
	})
	if err == nil && len(batch) > 0 {
		n += len(batch)
		if err = c.Index.Put(batch...); err == nil {
			c.changed(batch)
		}
	}
	if err != nil {
		return n, fmt.Errorf("rebuild index: %w", err)
	}
	return n, nil
}

// DeleteOrphans removes from the index those of ids (index documents found with no
// stored trial) that the store still does not hold, checked now: a trial stored
// since the caller looked (an import during a full index sync) stays. It returns
// the ids removed.
func (c *Catalog) DeleteOrphans(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	c.mu.Lock() // no import between the check and the delete
	defer c.mu.Unlock()
	if err := c.drainLocked(); err != nil {
		return nil, err
	}
	stored, err := c.Store.Stored(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("checking orphans against the store: %w", err)
	}
	var gone []string
	for _, id := range ids {
		if !stored[id] {
			gone = append(gone, id)
		}
	}
	if len(gone) == 0 {
		return nil, nil
	}
	if err := c.Index.Delete(gone...); err != nil {
		return nil, fmt.Errorf("deleting orphans from the index: %w", err)
	}
	return gone, nil
}

func (c *Catalog) changed(trials []*equitrial.Trial) {
	if c.Changed != nil && len(trials) > 0 {
		c.Changed(trials)
	}
}

// EnsureIndexed rebuilds the index from the store when it was just created or
// when it does not hold as many trials as the store (say, after a crash between a
// store write and its index write).
func (c *Catalog) EnsureIndexed(ctx context.Context, needsRebuild bool) error {
	stored, err := c.Store.Count(ctx)
	if err != nil {
		return err
	}
	indexed, err := c.Index.Count()
	if err != nil {
		return err
	}
	c.rebuilt = needsRebuild || indexed != uint64(stored)
	if !c.rebuilt {
		return nil
	}
	start := time.Now()
	n, err := c.Rebuild(ctx)
	if c.Log != nil {
		c.Log.Info("index rebuilt from store", "trials", n, "reason", rebuildReason(needsRebuild), "took_ms", time.Since(start).Milliseconds())
	}
	return err
}

// Rebuilt reports whether EnsureIndexed rebuilt the index from the store, rather
// than keep the one on disk (which may miss what changed while it was closed).
func (c *Catalog) Rebuilt() bool { return c.rebuilt }

func rebuildReason(needsRebuild bool) string {
	if needsRebuild {
		return "index missing or built by an older mapping"
	}
	return "index and store counts differ"
}
