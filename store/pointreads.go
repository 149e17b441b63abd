package store

import (
	"context"
	"errors"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ferretClients caches, per client, whether the server is FerretDB: its SQLite
// backend pushes down only a plain `_id` equality, and answers any other filter
// (`_id $in` included) by reading and decoding the whole collection.
var ferretClients sync.Map // *mongo.Client → bool

// onFerretDB reports whether c's server is FerretDB, which the store treats
// differently from MongoDB: documents are asked for by `_id` equality only, not
// by `_id $in` (pointreads.go), and bulk writes go in small chunks
// (bulkwrite.go).
func onFerretDB(ctx context.Context, c *mongo.Collection) bool {
	client := c.Database().Client()
	if v, ok := ferretClients.Load(client); ok {
		return v.(bool)
	}
	var info bson.M
	if err := c.Database().RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false // not cached: asked again next time
	}
	_, ferret := info["ferretdbVersion"]
	ferretClients.Store(client, ferret)
	return ferret
}

// pointReadWorkers is how many `_id` lookups run at once: enough to keep both the
// driver and the server busy on a small machine.
const pointReadWorkers = 8

// findEachByID looks up each of ids by `_id` equality, several at a time, and
// calls fn (from several goroutines) with each document found.
func findEachByID(ctx context.Context, c *mongo.Collection, ids []string, projection any, fn func(bson.Raw) error) error {
	if len(ids) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan string)
	errs := make(chan error, pointReadWorkers)
	var wg sync.WaitGroup
	for range min(pointReadWorkers, len(ids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opts := options.FindOne()
			if projection != nil {
				opts.SetProjection(projection)
			}
			for id := range next {
				raw, err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, opts).Raw()
				if errors.Is(err, mongo.ErrNoDocuments) {
					continue
				}
				if err == nil {
					err = fn(raw)
				}
				if err != nil {
					errs <- err
					cancel()
					for range next {
					}
					return
				}
			}
		}()
	}
feed:
	for _, id := range ids {
		select {
		case next <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}
