package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
)

// JobRuns records every run of a scheduled job: when it started and ended, where,
// why, and how it went.
type JobRuns struct {
	c *mongo.Collection
}

// Run outcomes. A job that has nothing to do reports a "skipped: …" outcome.
const (
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunFailed    = "failed"
)

// JobRun is one run of a job.
type JobRun struct {
	ID        string    `json:"id" bson:"-"`
	Job       string    `json:"job" bson:"job"`
	Holder    string    `json:"holder" bson:"holder"`   // the scheduler (replica) that ran it
	Trigger   string    `json:"trigger" bson:"trigger"` // schedule or manual
	StartedAt time.Time `json:"startedAt" bson:"startedAt"`
	EndedAt   time.Time `json:"endedAt,omitzero" bson:"endedAt,omitempty"`
	Outcome   string    `json:"outcome" bson:"outcome"`
	Error     string    `json:"error,omitempty" bson:"error,omitempty"`
	Detail    string    `json:"detail,omitempty" bson:"detail,omitempty"` // what the run did, in a line
}

type jobRunDoc struct {
	ID     bson.ObjectID `bson:"_id"`
	JobRun `bson:",inline"`
}

func (s *JobRuns) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, s.c,
		mongo.IndexModel{Keys: bson.D{{Key: "job", Value: 1}, {Key: "startedAt", Value: -1}}},
	)
}

// Start records that a run has begun and returns its id.
func (s *JobRuns) Start(ctx context.Context, job, holder, trigger string, at time.Time) (string, error) {
	id := bson.NewObjectID()
	_, err := s.c.InsertOne(ctx, jobRunDoc{ID: id, JobRun: JobRun{Job: job, Holder: holder, Trigger: trigger,
		StartedAt: ms(at), Outcome: RunRunning}})
	return id.Hex(), err
}

// Finish records how a run ended.
func (s *JobRuns) Finish(ctx context.Context, id, outcome, errText, detail string, at time.Time) error {
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		return equitrial.Errorf(equitrial.KindNotFound, "no job run with id %s", id)
	}
	set := bson.M{"endedAt": ms(at), "outcome": outcome}
	if errText != "" {
		set["error"] = errText
	}
	if detail != "" {
		set["detail"] = detail
	}
	_, err = s.c.UpdateOne(ctx, bson.M{"_id": oid}, bson.M{"$set": set})
	return err
}

// Get returns one run.
func (s *JobRuns) Get(ctx context.Context, id string) (JobRun, error) {
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		return JobRun{}, equitrial.Errorf(equitrial.KindNotFound, "no job run with id %s", id)
	}
	var d jobRunDoc
	err = s.c.FindOne(ctx, bson.M{"_id": oid}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return JobRun{}, equitrial.Errorf(equitrial.KindNotFound, "no job run with id %s", id)
	}
	if err != nil {
		return JobRun{}, err
	}
	return d.run(), nil
}

func (d *jobRunDoc) run() JobRun {
	r := d.JobRun
	r.ID = d.ID.Hex()
	r.StartedAt = r.StartedAt.UTC()
	if !r.EndedAt.IsZero() {
		r.EndedAt = r.EndedAt.UTC()
	}
	return r
}

// Recent returns a job's latest runs, newest first ("" for all jobs).
func (s *JobRuns) Recent(ctx context.Context, job string, limit int) ([]JobRun, error) {
	filter := bson.M{}
	if job != "" {
		filter["job"] = job
	}
	if limit <= 0 {
		limit = 20
	}
	cur, err := s.c.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "startedAt", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	var docs []jobRunDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]JobRun, len(docs))
	for i := range docs {
		out[i] = docs[i].run()
	}
	return out, nil
}

// LastSucceeded returns the start of a job's latest successful run; zero if none.
func (s *JobRuns) LastSucceeded(ctx context.Context, job string) (time.Time, error) {
	var d jobRunDoc
	err := s.c.FindOne(ctx, bson.M{"job": job, "outcome": RunSucceeded},
		options.FindOne().SetSort(bson.D{{Key: "startedAt", Value: -1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return d.StartedAt.UTC(), nil
}

// DeleteBefore removes job-run records that started before t.
func (s *JobRuns) DeleteBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.c.DeleteMany(ctx, bson.M{"startedAt": bson.M{"$lt": t}})
	if err != nil {
		return 0, err
	}
	return res.DeletedCount, nil
}
