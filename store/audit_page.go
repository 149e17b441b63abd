package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// FindPage is one page of the entries q selects, newest first, with how many it
// selects in all, so that the administrator's audit page can say "Showing 1–50 of
// 1,284 entries" and reach the oldest. Page is 1-based; size is at most 1000.
func (a *Audit) FindPage(ctx context.Context, q AuditQuery, page, size int) ([]AuditEntry, int64, error) {
	filter := auditFilter(q)
	if size <= 0 || size > 1000 {
		size = 100
	}
	page = max(page, 1)
	total, err := a.c.CountDocuments(ctx, filter)
	if err != nil {
		return nil, 0, err
	}
	cur, err := a.c.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}).
		SetSkip(int64((page-1)*size)).SetLimit(int64(size)))
	if err != nil {
		return nil, 0, err
	}
	out := []AuditEntry{}
	return out, total, cur.All(ctx, &out)
}

// auditFilter is the query's filter, for Find and FindPage.
func auditFilter(q AuditQuery) bson.M {
	filter := bson.M{}
	if q.SubjectID != "" {
		filter["subjectId"] = q.SubjectID
	}
	if q.ActorID != "" {
		filter["actorId"] = q.ActorID
	}
	at := bson.M{}
	if !q.From.IsZero() {
		at["$gte"] = q.From
	}
	if !q.To.IsZero() {
		at["$lt"] = q.To
	}
	if len(at) > 0 {
		filter["at"] = at
	}
	return filter
}
