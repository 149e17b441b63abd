package store

import "go.mongodb.org/mongo-driver/v2/mongo"

func RawDB(d *DB) *mongo.Database { return d.db }
