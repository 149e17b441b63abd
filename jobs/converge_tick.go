package jobs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"equitrial/store"
)

// Tick takes in the marks written since the watermark, applies the records that
// pending marks name, and forgets what the log and this replica no longer need.
func (c *Converger) Tick(ctx context.Context) error {
	if c.pending == nil {
		c.Init(c.now(), false)
	}
	start := c.now()
	if behind := start.Sub(c.lastOK); c.Resync != nil && behind > store.Retention-c.margin()-c.interval() {
		// Marks this replica never read may have been pruned: start again from
		// the store. Marks written from now on are read as usual.
		c.log().Warn("replica fell behind the change log; reloading its state from the store", "behind", behind.String())
		if err := c.Resync(ctx); err != nil {
			return fmt.Errorf("resync: %w", err)
		}
		c.wm, c.lastOK = maxTime(c.wm, start), start
	}
	marks, err := c.Changes.Since(ctx, c.wm.Add(-c.margin()))
	if err != nil {
		return fmt.Errorf("reading the change log: %w", err)
	}
	c.lastOK = start
	expired := start.Add(-store.Retention)
	for _, m := range marks {
		if _, ok := c.done[m.ID]; ok || c.pending[m.ID] != nil || m.At.Before(expired) {
			continue
		}
		p := &pendingMark{Change: m, left: make(map[string]bool, len(m.IDs))}
		for _, id := range m.IDs {
			p.left[id] = true
		}
		c.pending[m.ID] = p
		// Never past this replica's own clock: a writer whose clock runs ahead
		// must not carry the window past marks that other writers stamp now.
		c.wm = maxTime(c.wm, minTime(m.At, start))
	}
	var errs []error
	applied := 0
	for _, src := range c.Sources {
		n, err := c.apply(ctx, src, start)
		applied += n
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", src.Kind, err))
		}
	}
	c.forget(start)
	if start.Sub(c.lastPrune) > time.Minute {
		if _, err := c.Changes.Prune(ctx, expired); err != nil {
			errs = append(errs, fmt.Errorf("pruning the change log: %w", err))
		} else {
			c.lastPrune = start
		}
	}
	for _, w := range c.Watch {
		if err := w(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Reload != nil && start.Sub(c.lastReload) > orDefault(c.ReloadEvery, 24*time.Hour) {
		if err := c.Reload(ctx); err != nil {
			errs = append(errs, fmt.Errorf("reload: %w", err))
		} else {
			c.lastReload = start
		}
	}
	if applied > 0 {
		c.log().Debug("replica converged", "records", applied, "pending_marks", len(c.pending), "took_ms", c.now().Sub(start).Milliseconds())
	}
	return errors.Join(errs...)
}

// apply reads and applies the records of src's kind that pending marks name, and
// crosses off those now read at (or past) their mark's version. It returns how
// many records it read.
func (c *Converger) apply(ctx context.Context, src Source, now time.Time) (int, error) {
	own := c.Changes.Origin()
	want := map[string]bool{}
	reading := map[*pendingMark]bool{} // marks whose records this tick reads
	for _, p := range c.pending {
		if p.Kind != src.Kind {
			continue
		}
		// This process's own writes reach its memory as they are made (Applied).
		// Their marks are read back only when that has not happened within
		// ownGrace: the write failed after its mark, or its notification did (an
		// import whose index write failed). (A refresh mark is written after its
		// writes, so their notifications predate it: it is always read.)
		mine := p.Origin == own && p.Op != store.OpRefresh
		due := !now.Before(p.next)
		for id := range p.left {
			switch {
			case mine && c.appliedSince(src.Kind, id, p.At):
				delete(p.left, id)
			case mine && now.Sub(p.At) < c.ownGrace():
				// not yet: the write may still be in flight
			case due:
				want[id] = true
				reading[p] = true
			}
		}
	}
	if len(want) == 0 {
		return 0, nil
	}
	ids := slices.Sorted(maps.Keys(want))
	found, err := src.Apply(ctx, ids)
	if err != nil {
		return 0, err
	}
	var gone []string
	for p := range reading {
		for id := range p.left {
			f, ok := found[id]
			if !resolves(p.Change, f, ok) {
				continue // written at an older version: read again next tick
			}
			delete(p.left, id)
			if p.Op == store.OpDelete {
				gone = append(gone, id)
			}
		}
		if len(p.left) > 0 {
			p.reads++
			p.next = now.Add(c.interval() * time.Duration(min(1<<(p.reads-1), pendingBackoff)))
		}
	}
	if len(gone) > 0 && src.Gone != nil {
		src.Gone(gone)
	}
	return len(ids), nil
}

// resolves reports whether reading a record (found, at version f) settles what
// mark m announced about it.
func resolves(m store.Change, f Found, found bool) bool {
	switch m.Op {
	case store.OpDelete:
		return !found
	case store.OpRefresh:
		return true // written before the mark: this read saw it
	}
	return found && (f.Final || !f.UpdatedAt.Before(m.At))
}

// forget settles marks whose records are all read, gives up on marks older than
// the log keeps (their write failed, or lost to another), and drops what no
// later tick can need.
func (c *Converger) forget(now time.Time) {
	for id, p := range c.pending {
		switch {
		case len(p.left) == 0:
			delete(c.pending, id)
			c.done[id] = p.At
		case p.At.Before(now.Add(-store.Retention)):
			c.log().Info("a change announced in the log never reached the store (its write failed)",
				"kind", p.Kind, "records", len(p.left), "at", p.At.Format(time.RFC3339))
			delete(c.pending, id)
		}
	}
	floor := c.wm.Add(-c.margin()) // the next tick reads no mark older than this
	for id, at := range c.done {
		if at.Before(floor) {
			delete(c.done, id)
		}
	}
	// This process's own marks are settled within ownGrace; forgetting too
	// early would cost only a needless read.
	cutoff := now.Add(-(c.ownGrace() + 4*c.interval()))
	c.localMu.Lock()
	for k, at := range c.local {
		if at.Before(cutoff) {
			delete(c.local, k)
		}
	}
	c.localMu.Unlock()
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
