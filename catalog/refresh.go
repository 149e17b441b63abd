package catalog

import (
	"context"
	"fmt"
	"time"

	"equitrial"
)

// Refresh reads trials from the store by id and writes them to the index and to
// Changed: how a replica applies the trials another replica wrote (the change log
// names them). It returns the stored updatedAt of each id it applied; ids not
// stored, or not applied, are absent, and the caller reads them again later.
//
// The read runs without the import lock, so that a large refresh does not hold
// up imports; a trial that an import in this process writes while the read is
// under way is not applied, since the version read may be older than the one the
// import indexed (and the index must never go back to an older version).
func (c *Catalog) Refresh(ctx context.Context, ids []string) (map[string]time.Time, error) {
	if len(ids) == 0 {
		return map[string]time.Time{}, nil
	}
	c.mu.Lock()
	if c.refreshing++; c.written == nil {
		c.written = map[string]bool{}
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if c.refreshing--; c.refreshing == 0 {
			c.written = nil
		}
		c.mu.Unlock()
	}()
	stored, err := c.Store.ByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("refresh: store: %w", err)
	}
	if c.afterRefreshRead != nil {
		c.afterRefreshRead()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// what an import stored before this read's version goes to the index first
	if err := c.drainLocked(); err != nil {
		return nil, fmt.Errorf("refresh: %w", err)
	}
	versions := make(map[string]time.Time, len(stored))
	trials := make([]*equitrial.Trial, 0, len(stored))
	for _, s := range stored {
		if c.written[s.Trial.NCTID] {
			continue
		}
		trials, versions[s.Trial.NCTID] = append(trials, s.Trial), s.UpdatedAt
	}
	if err := c.indexAndTell(trials); err != nil {
		return nil, fmt.Errorf("refresh: index: %w", err)
	}
	return versions, nil
}
