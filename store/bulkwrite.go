package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ferretBulkChunk is how many write statements go in one command to FerretDB.
// FerretDB v1.24 (SQLite) stops answering an update command of about a hundred
// statements or more (measured: 90 complete, 100 never return), which hung the
// equity monitor at 10,000 trials; chunks of this size complete.
const ferretBulkChunk = 50

// bulkWrite is an unordered BulkWrite, sent in chunks to FerretDB. Every chunk is
// tried; the counts are summed and the first error is returned.
func bulkWrite(ctx context.Context, c *mongo.Collection, models []mongo.WriteModel) (matched int64, err error) {
	chunk := len(models)
	if onFerretDB(ctx, c) {
		chunk = ferretBulkChunk
	}
	for lo := 0; lo < len(models); lo += chunk {
		res, werr := c.BulkWrite(ctx, models[lo:min(lo+chunk, len(models))], options.BulkWrite().SetOrdered(false))
		if res != nil {
			matched += res.MatchedCount
		}
		if werr != nil && err == nil {
			err = werr
		}
		if ctx.Err() != nil {
			return matched, err
		}
	}
	return matched, err
}
