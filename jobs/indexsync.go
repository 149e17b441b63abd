package jobs

import (
	"context"
	"fmt"
	"time"

	"equitrial"
	"equitrial/catalog"
	"equitrial/matcher"
)

// IndexSync mends the search index against the store, which is the source of
// truth: a full pass (daily, scheduled) reindexes every trial and removes index
// documents whose trial is no longer stored.
//
// Trials written since are not its concern: every replica keeps its own index
// current from the store's change log within seconds (Converger), whichever
// replica wrote them. (An incremental pass used to run here under the job's
// lease, from one watermark shared by all replicas — the start of the job's last
// successful run — so only the replica that happened to hold the lease reindexed,
// and the others never picked up an import they did not make.) The full pass
// also runs on one replica at a time, the lease holder, and mends that replica's
// index; each replica's own convergence is what keeps the others current.
type IndexSync struct {
	Catalog *catalog.Catalog

	afterScan func() // tests: runs in Full between the store scan and the orphan check
}

const syncBatch = 250

// FullJob is the full pass as a scheduled job.
func (x *IndexSync) FullJob(schedule string) Job {
	return Job{Name: JobIndexSyncFull, Schedule: schedule, Run: x.Full}
}

// Full reindexes every stored trial and deletes index documents with no store
// record, asking the store again just before deleting: a trial imported during the
// pass is indexed but was not seen by its scan, and stays.
func (x *IndexSync) Full(ctx context.Context) (string, error) {
	stored := map[string]bool{}
	n, err := x.reindex(ctx, stored)
	if err != nil {
		return "", err
	}
	if x.afterScan != nil {
		x.afterScan()
	}
	// A trial imported since the scan passed its id is indexed but not in stored:
	// DeleteOrphans asks the store again before deleting anything.
	orphans, err := x.indexedNotIn(ctx, stored)
	if err != nil {
		return "", err
	}
	removed, err := x.Catalog.DeleteOrphans(ctx, orphans)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("reindexed %d trials, removed %d index documents with no stored trial", n, len(removed)), nil
}

func (x *IndexSync) reindex(ctx context.Context, seen map[string]bool) (int, error) {
	n := 0
	var batch []*equitrial.Trial
	put := func() error {
		if len(batch) == 0 {
			return nil
		}
		n += len(batch)
		err := x.Catalog.Index.Put(batch...)
		batch = batch[:0]
		return err
	}
	err := x.Catalog.Store.Each(ctx, time.Time{}, func(t *equitrial.Trial) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if seen != nil {
			seen[t.NCTID] = true
		}
		batch = append(batch, t)
		if len(batch) >= syncBatch {
			return put()
		}
		return nil
	})
	if err == nil {
		err = put()
	}
	return n, err
}

// indexedNotIn pages through every index document (the index offers no id listing;
// a match-all search in a fixed order does) and returns ids not in stored.
func (x *IndexSync) indexedNotIn(ctx context.Context, stored map[string]bool) ([]string, error) {
	const page = 1000
	var ids []string
	for p := 1; ; p++ {
		res, err := x.Catalog.Index.Search(ctx, matcher.Query{Page: p, Size: page})
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			if !stored[h.NCTID] {
				ids = append(ids, h.NCTID)
			}
		}
		if len(res.Hits) < page || uint64(p*page) >= res.Total {
			return ids, nil
		}
	}
}

// Placeholder is a job whose work belongs to another part of the service and is not
// configured in this process: each run is recorded as "skipped: not configured".
// The owner replaces it with Scheduler.Register(Job{Name: name, …}).
func Placeholder(name, schedule string) Job {
	return Job{Name: name, Schedule: schedule, Run: func(context.Context) (string, error) {
		return "", Skip("not configured")
	}}
}
