package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
)

// List returns every staff account, by email.
func (u *Users) List(ctx context.Context) ([]User, error) {
	cur, err := u.c.Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "email", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := []User{}
	return out, cur.All(ctx, &out)
}

// SetDisabled turns an account off (it can no longer sign in) or back on.
func (u *Users) SetDisabled(ctx context.Context, id string, disabled bool) error {
	res, err := u.c.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"disabled": disabled}})
	if err == nil && res.MatchedCount == 0 {
		return equitrial.Errorf(equitrial.KindNotFound, "no such account")
	}
	return err
}
