package store

import "go.mongodb.org/mongo-driver/v2/mongo"

// SetTrialsBeforeWrite sets the hook Upsert runs between reading the stored
// versions and writing (tests only).
func SetTrialsBeforeWrite(s *Trials, f func()) { s.beforeWrite = f }

// NewTrialsOn makes a trials repository over c (tests: a client with a command
// monitor).
func NewTrialsOn(c *mongo.Collection) *Trials { return &Trials{c: c} }
