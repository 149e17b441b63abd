package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"equitrial"
)

// SyncStates keeps where each registry sync has got to (collection sync_state),
// one document per sync, keyed by its name: the query, the since date, the next
// page token, pages done, counts and the high-water mark. A sync saves it after
// every page, so a run that fails resumes where it stopped.
type SyncStates struct {
	c *mongo.Collection
}

// SyncStates returns the sync cursor repository. It needs no index beyond _id,
// so it is made on demand rather than in Connect.
func (d *DB) SyncStates() *SyncStates { return &SyncStates{c: d.db.Collection("sync_state")} }

// SyncState is one sync's cursor.
type SyncState struct {
	Name         string    `json:"name" bson:"_id"`
	Query        string    `json:"query" bson:"query"`
	Since        string    `json:"since,omitempty" bson:"since,omitempty"`
	PageToken    string    `json:"pageToken,omitempty" bson:"pageToken,omitempty"`
	Status       string    `json:"status" bson:"status"`
	Pages        int       `json:"pages" bson:"pages"`
	Fetched      int       `json:"fetched" bson:"fetched"`
	Imported     int       `json:"imported" bson:"imported"`
	Updated      int       `json:"updated" bson:"updated"`
	Unchanged    int       `json:"unchanged" bson:"unchanged"`
	Rejected     int       `json:"rejected" bson:"rejected"`
	RunHighWater string    `json:"runHighWater,omitempty" bson:"runHighWater,omitempty"`
	HighWater    string    `json:"highWater,omitempty" bson:"highWater,omitempty"`
	LastError    string    `json:"lastError,omitempty" bson:"lastError,omitempty"`
	StartedAt    time.Time `json:"startedAt,omitzero" bson:"startedAt,omitempty"`
	UpdatedAt    time.Time `json:"updatedAt,omitzero" bson:"updatedAt,omitempty"`
	CompletedAt  time.Time `json:"completedAt,omitzero" bson:"completedAt,omitempty"`
	// Version counts saves: a save names the version it read, so two runs of one
	// sync (the CLI and a replica's job, say) cannot silently overwrite each other.
	Version int64 `json:"version" bson:"version"`
}

// Get returns the state saved under name; ok is false when there is none.
func (s *SyncStates) Get(ctx context.Context, name string) (st SyncState, ok bool, err error) {
	err = s.c.FindOne(ctx, bson.M{"_id": name}).Decode(&st)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return SyncState{}, false, nil
	}
	if err != nil {
		return SyncState{}, false, err
	}
	st.StartedAt, st.UpdatedAt, st.CompletedAt = syncTime(st.StartedAt), syncTime(st.UpdatedAt), syncTime(st.CompletedAt)
	return st, true, nil
}

// Put saves st if the stored state is still at st.Version (0: none is stored) and
// advances st.Version; a KindConflict error when another save came first.
func (s *SyncStates) Put(ctx context.Context, st *SyncState) error {
	next := *st
	next.Version = st.Version + 1
	next.StartedAt, next.UpdatedAt, next.CompletedAt = ms(st.StartedAt), ms(st.UpdatedAt), ms(st.CompletedAt)
	if st.Version == 0 {
		// The unique _id makes the first save atomic on both backends.
		if _, err := s.c.InsertOne(ctx, next); isDuplicate(err) {
			return s.conflict(st.Name)
		} else if err != nil {
			return err
		}
	} else {
		r, err := s.c.ReplaceOne(ctx, bson.M{"_id": st.Name, "version": st.Version}, next)
		if err != nil {
			return err
		}
		if r.MatchedCount == 0 {
			return s.conflict(st.Name)
		}
	}
	*st = next
	return nil
}

func (s *SyncStates) conflict(name string) error {
	return equitrial.Errorf(equitrial.KindConflict, "sync %s was saved by another run meanwhile (is it running elsewhere?)", name)
}

// syncTime reads a stored time back as UTC; the zero time stays zero.
func syncTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}
