package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"equitrial/store"
)

// Converger keeps one replica's in-memory state — its search index, compiled
// trials, patient index and reference data — in step with the store, which every
// replica shares. It runs on every replica, not under a lease: each replica's
// state is its own.
//
// Every Interval it reads the store's change log (store.Changes) from its own
// watermark — the greatest updatedAt among the marks it has taken in (never past
// its own clock), less Margin for marks written late by a write in flight or by
// a replica whose clock is behind — and re-reads, by `_id`, the records the new
// marks name, applying them through its Sources. A mark is written before its
// write, so a record read at an older version than its mark stays pending and is
// read again on later ticks, until it is current, or gone for a deletion, or the
// mark expires from the log. A change is therefore in every replica's memory
// within about Interval plus the time to apply it. Marks this process wrote for
// records it has already applied in memory (Applied) are not read again.
type Converger struct {
	Changes *store.Changes
	Sources []Source
	// Watch functions run on every tick after the marks: cheap checks of state
	// kept outside the change log (the reference data's generation).
	Watch []func(ctx context.Context) error
	// Resync reloads everything from the store. It runs when this replica has not
	// read the log for nearly as long as the log keeps marks (a long pause), since
	// marks it never read may have been pruned.
	Resync func(ctx context.Context) error
	// Reload, if set, runs every ReloadEvery (default a day): reloading the
	// patient index keeps ages in step with birthdays on every replica.
	Reload      func(ctx context.Context) error
	ReloadEvery time.Duration
	Interval    time.Duration // default 5 s
	Margin      time.Duration // default 30 s
	Log         *slog.Logger
	Now         func() time.Time // default time.Now

	// Tick's state: only the goroutine running Tick touches it.
	wm, lastOK, lastPrune, lastReload time.Time
	pending                           map[bson.ObjectID]*pendingMark
	done                              map[bson.ObjectID]time.Time // resolved marks still inside the window

	localMu sync.Mutex
	local   map[string]time.Time // kind + "\x00" + id → when this process applied its own write of it

	stop func()
}

// Source applies one kind of record (store.ChangeTrials, store.ChangePatients).
type Source struct {
	Kind string
	// Apply reads ids from the store, applies what it finds to this replica's
	// memory, and returns the version of each id it applied; ids not stored (or
	// not applied this time) are absent, and are read again later.
	Apply func(ctx context.Context, ids []string) (map[string]Found, error)
	// Gone applies deletions: ids a delete mark names that the store no longer
	// holds. Nil for kinds never deleted.
	Gone func(ids []string)
}

// Found is the version of a record as read from the store.
type Found struct {
	UpdatedAt time.Time
	Final     bool // no later write can change it (a withdrawn patient)
}

// pendingMark is a mark some of whose records are not yet read at its version.
type pendingMark struct {
	store.Change
	left map[string]bool
	// A record read at an older version is being written (or its write failed):
	// it is read again after one interval, then after two, four… up to
	// pendingBackoff intervals, so that a large import in flight is not read over
	// and over while it is written.
	reads int
	next  time.Time
}

// pendingBackoff caps the wait between reads of a pending mark, in intervals.
const pendingBackoff = 8

// Defaults of a Converger's timing.
const (
	DefaultConvergeInterval = 5 * time.Second
	DefaultConvergeMargin   = 30 * time.Second
)

func (c *Converger) interval() time.Duration { return orDefault(c.Interval, DefaultConvergeInterval) }
func (c *Converger) margin() time.Duration   { return orDefault(c.Margin, DefaultConvergeMargin) }

// ownGrace is how long this process's own write may take to reach its memory
// (an import batch is stored, then indexed and compiled) before its mark is read
// back from the store instead.
func (c *Converger) ownGrace() time.Duration { return max(c.margin(), time.Minute) }

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (c *Converger) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Converger) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Init sets the state the first tick starts from: loadedAt is when this replica
// started loading its state from the store, so the first tick reads the marks
// written since (less Margin). With catchUp, it reads every mark the log still
// holds instead: a replica that kept its search index on disk from an earlier
// run then also catches up with what changed while it was down (within
// store.Retention; EnsureIndexed rebuilds the index when the number of trials
// differs).
func (c *Converger) Init(loadedAt time.Time, catchUp bool) {
	c.wm = loadedAt
	if catchUp {
		c.wm = loadedAt.Add(-store.Retention + c.margin())
	}
	c.lastOK, c.lastReload = loadedAt, loadedAt
	c.pending, c.done = map[bson.ObjectID]*pendingMark{}, map[bson.ObjectID]time.Time{}
}

// Start runs Tick every Interval in the background until Stop. Call Init first.
func (c *Converger) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(c.interval())
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := c.Tick(ctx); err != nil && ctx.Err() == nil {
				c.log().Warn("replica convergence", "error", err.Error())
			}
		}
	}()
	c.stop = func() { cancel(); <-done }
}

// Stop ends the background loop and waits for a tick in progress.
func (c *Converger) Stop() {
	if c.stop != nil {
		c.stop()
	}
}

// Applied records that this process has just applied its own write of ids in
// memory (the catalog's and the patient store's notifications), so that the marks
// it wrote for them need not be read back.
func (c *Converger) Applied(kind string, ids ...string) {
	now := c.now()
	c.localMu.Lock()
	defer c.localMu.Unlock()
	if c.local == nil {
		c.local = map[string]time.Time{}
	}
	for _, id := range ids {
		c.local[kind+"\x00"+id] = now
	}
}

// appliedSince reports whether this process applied kind/id at or after t.
func (c *Converger) appliedSince(kind, id string, t time.Time) bool {
	c.localMu.Lock()
	defer c.localMu.Unlock()
	at, ok := c.local[kind+"\x00"+id]
	return ok && !at.Before(t)
}
