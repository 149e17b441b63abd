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

// Match is one recorded patient–trial match. Its id joins the two ids, so that
// every write and every lookup of known pairs goes by _id: the one filter every
// backend (including FerretDB's SQLite one) answers from an index.
type Match struct {
	ID          string    `bson:"_id" json:"-"`
	TrialID     string    `bson:"trialId" json:"trialId"`
	PatientID   string    `bson:"patientId" json:"patientId"`
	Status      string    `bson:"status" json:"status"` // eligible or potentially_eligible
	FirstSeenAt time.Time `bson:"firstSeenAt" json:"firstSeenAt"`
	StatusAt    time.Time `bson:"statusAt" json:"statusAt"` // when the status was first seen as it is now
}

func matchID(trialID, patientID string) string { return trialID + "|" + patientID }

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

// Record stores one trial's matches as seen at `at` (patient id → status): a new
// match is inserted with its first-seen time; a known one is written only when its
// status changed. A re-match that finds what it found last time writes nothing. It
// returns how many were new.
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
		keys := make([]string, len(batch))
		for i, id := range batch {
			keys[i] = matchID(trialID, id)
		}
		known, err := s.statuses(ctx, keys)
		if err != nil {
			return n, err
		}
		var models []mongo.WriteModel
		for i, id := range batch {
			old, seen := known[keys[i]]
			switch {
			case !seen:
				models = append(models, mongo.NewInsertOneModel().SetDocument(Match{ID: keys[i], TrialID: trialID, PatientID: id,
					Status: statuses[id], FirstSeenAt: at, StatusAt: at}))
				n++
			case old != statuses[id]:
				models = append(models, mongo.NewUpdateOneModel().SetFilter(bson.M{"_id": keys[i]}).
					SetUpdate(bson.M{"$set": bson.M{"status": statuses[id], "statusAt": at}}))
			}
		}
		if len(models) == 0 {
			continue
		}
		if _, err := bulkWrite(ctx, s.c, models); err != nil && !isDuplicate(err) {
			return n, err
		}
	}
	return n, nil
}

// statuses returns the recorded status of each match id that exists.
func (s *Matches) statuses(ctx context.Context, keys []string) (map[string]string, error) {
	cur, err := s.c.Find(ctx, bson.M{"_id": bson.M{"$in": keys}}, options.Find().SetProjection(bson.M{"status": 1}))
	if err != nil {
		return nil, err
	}
	var docs []struct {
		ID     string `bson:"_id"`
		Status string `bson:"status"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(docs))
	for _, d := range docs {
		out[d.ID] = d.Status
	}
	return out, nil
}

// FirstSeen gives the first-seen time of the recorded matches between one trial
// and the given patients, or one patient and the given trials: set trialID or
// patientID and list the other side's ids.
func (s *Matches) FirstSeen(ctx context.Context, trialID, patientID string, others []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(others) == 0 {
		return out, nil
	}
	keys := make([]string, len(others))
	for i, o := range others {
		if trialID != "" {
			keys[i] = matchID(trialID, o)
		} else {
			keys[i] = matchID(o, patientID)
		}
	}
	cur, err := s.c.Find(ctx, bson.M{"_id": bson.M{"$in": keys}}, options.Find().SetProjection(bson.M{"trialId": 1, "patientId": 1, "firstSeenAt": 1}))
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
