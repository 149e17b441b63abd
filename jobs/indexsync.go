package jobs

import (
	"context"
	"fmt"
	"time"

	"equitrial"
	"equitrial/catalog"
	"equitrial/matcher"
	"equitrial/store"
)

// IndexSync keeps the search index in step with the store, which is the source of
// truth: an incremental pass reindexes trials written since the last successful
// pass, and a full pass (daily) reindexes everything and removes index documents
// whose trial is no longer stored.
type IndexSync struct {
	Catalog *catalog.Catalog
	Runs    *store.JobRuns
	// Margin widens the incremental window back from the last successful pass's
	// start, for writes in flight then and for clock skew between replicas.
	Margin time.Duration // default 2 minutes

	afterScan func() // tests: runs in Full between the store scan and the orphan check
}

const syncBatch = 250

// Job is the incremental pass as a scheduled job.
func (x *IndexSync) Job(schedule string) Job {
	return Job{Name: JobIndexSync, Schedule: schedule, Run: x.Incremental}
}

// FullJob is the full pass as a scheduled job.
func (x *IndexSync) FullJob(schedule string) Job {
	return Job{Name: JobIndexSyncFull, Schedule: schedule, Run: x.Full}
}

// Incremental reindexes trials updated since the last successful incremental pass
// (all of them on the first).
func (x *IndexSync) Incremental(ctx context.Context) (string, error) {
	last, err := x.Runs.LastSucceeded(ctx, JobIndexSync)
	if err != nil {
		return "", err
	}
	since := time.Time{}
	if !last.IsZero() {
		margin := x.Margin
		if margin <= 0 {
			margin = 2 * time.Minute
		}
		since = last.Add(-margin)
	}
	n, err := x.reindex(ctx, since, nil)
	if since.IsZero() {
		return fmt.Sprintf("reindexed all %d trials (first pass)", n), err
	}
	return fmt.Sprintf("reindexed %d trials updated since %s", n, since.Format(time.RFC3339)), err
}

// Full reindexes every stored trial and deletes index documents with no store
// record, asking the store again just before deleting: a trial imported during the
// pass is indexed but was not seen by its scan, and stays.
func (x *IndexSync) Full(ctx context.Context) (string, error) {
	stored := map[string]bool{}
	n, err := x.reindex(ctx, time.Time{}, stored)
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

func (x *IndexSync) reindex(ctx context.Context, since time.Time, seen map[string]bool) (int, error) {
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
	err := x.Catalog.Store.Each(ctx, since, func(t *equitrial.Trial) error {
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
