package store

import (
	"context"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Matches records each patient–trial match the re-match job finds, with when it was
// first and last seen, so that nurses can see what is new since their last visit.
// A match is keyed by trial and patient; it holds ids and a status, nothing else
// about the patient.
type Matches struct {
	c *mongo.Collection
}

// Match is one recorded patient–trial match.
type Match struct {
	TrialID     string    `bson:"trialId" json:"trialId"`
	PatientID   string    `bson:"patientId" json:"patientId"`
	Status      string    `bson:"status" json:"status"` // eligible or potentially_eligible
	FirstSeenAt time.Time `bson:"firstSeenAt" json:"firstSeenAt"`
	LastSeenAt  time.Time `bson:"lastSeenAt" json:"lastSeenAt"`
}

// openMatches creates the matches repository and returns its index builder.
func (d *DB) openMatches() []func(context.Context) error {
	d.Matches = &Matches{c: d.db.Collection("matches")}
	return []func(context.Context) error{d.Matches.ensureIndexes}
}

func (s *Matches) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, s.c,
		mongo.IndexModel{Keys: bson.D{{Key: "trialId", Value: 1}, {Key: "patientId", Value: 1}}, Options: options.Index().SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "patientId", Value: 1}}},
	)
}

// matchBatch is how many upserts go in one bulk write.
const matchBatch = 1000

// Record upserts one trial's matches as seen at `at` (patient id → status):
// status and last-seen time are set, the first-seen time only when the match is
// new. It returns how many were new.
func (s *Matches) Record(ctx context.Context, trialID string, statuses map[string]string, at time.Time) (int, error) {
	at = ms(at)
	ids := make([]string, 0, len(statuses))
	for id := range statuses {
		ids = append(ids, id)
	}
	slices.Sort(ids) // a stable write order, batch by batch
	var n int
	for lo := 0; lo < len(ids); lo += matchBatch {
		batch := ids[lo:min(lo+matchBatch, len(ids))]
		models := make([]mongo.WriteModel, len(batch))
		for i, id := range batch {
			models[i] = mongo.NewUpdateOneModel().
				SetFilter(bson.M{"trialId": trialID, "patientId": id}).
				SetUpdate(bson.M{
					"$set":         bson.M{"status": statuses[id], "lastSeenAt": at},
					"$setOnInsert": bson.M{"firstSeenAt": at},
				}).SetUpsert(true)
		}
		res, err := s.c.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		if err != nil {
			return n, err
		}
		n += int(res.UpsertedCount)
	}
	return n, nil
}

// FirstSeen gives the first-seen time of the recorded matches between one trial
// and the given patients, or one patient and the given trials: set trialID or
// patientID and list the other side's ids.
func (s *Matches) FirstSeen(ctx context.Context, trialID, patientID string, others []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(others) == 0 {
		return out, nil
	}
	filter, key := bson.M{"trialId": trialID, "patientId": bson.M{"$in": others}}, "patientId"
	if trialID == "" {
		filter, key = bson.M{"patientId": patientID, "trialId": bson.M{"$in": others}}, "trialId"
	}
	cur, err := s.c.Find(ctx, filter, options.Find().SetProjection(bson.M{key: 1, "firstSeenAt": 1}))
	if err != nil {
		return nil, err
	}
	var docs []Match
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	for _, d := range docs {
		id := d.PatientID
		if trialID == "" {
			id = d.TrialID
		}
		out[id] = d.FirstSeenAt
	}
	return out, nil
}

// ForPatient lists a patient's recorded matches.
func (s *Matches) ForPatient(ctx context.Context, patientID string) ([]Match, error) {
	cur, err := s.c.Find(ctx, bson.M{"patientId": patientID}, options.Find().SetSort(bson.D{{Key: "trialId", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var out []Match
	err = cur.All(ctx, &out)
	return out, err
}

// DeletePatient erases a patient's matches (on withdrawal or deletion).
func (s *Matches) DeletePatient(ctx context.Context, patientID string) error {
	_, err := s.c.DeleteMany(ctx, bson.M{"patientId": patientID})
	return err
}
