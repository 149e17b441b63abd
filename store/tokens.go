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

// Token is an API bearer token for an integration, scoped to a role and an
// organisation. Only a hash of its secret is stored.
type Token struct {
	ID         string    `json:"id" bson:"_id"`
	Name       string    `json:"name,omitempty" bson:"name,omitempty"`
	SecretHash string    `json:"-" bson:"secretHash"`
	Role       string    `json:"role" bson:"role"`
	Org        string    `json:"org" bson:"org"`
	CreatedAt  time.Time `json:"createdAt" bson:"createdAt"`
	ExpiresAt  time.Time `json:"expiresAt" bson:"expiresAt"`
	RevokedAt  time.Time `json:"revokedAt,omitzero" bson:"revokedAt,omitempty"`
}

// Tokens is the repository of API tokens.
type Tokens struct {
	c *mongo.Collection
}

// Create stores a token record.
func (t *Tokens) Create(ctx context.Context, tok *Token) error {
	_, err := t.c.InsertOne(ctx, tok)
	return err
}

// Get returns a token by id, whatever its state.
func (t *Tokens) Get(ctx context.Context, id string) (*Token, error) {
	var tok Token
	err := t.c.FindOne(ctx, bson.M{"_id": id}).Decode(&tok)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, equitrial.Errorf(equitrial.KindNotFound, "no such token")
	}
	return &tok, err
}

// Revoke marks a token revoked from now on.
func (t *Tokens) Revoke(ctx context.Context, id string) error {
	res, err := t.c.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"revokedAt": time.Now().UTC()}})
	if err == nil && res.MatchedCount == 0 {
		return equitrial.Errorf(equitrial.KindNotFound, "no such token")
	}
	return err
}

// List returns every token, newest first.
func (t *Tokens) List(ctx context.Context) ([]Token, error) {
	cur, err := t.c.Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}))
	if err != nil {
		return nil, err
	}
	out := []Token{}
	return out, cur.All(ctx, &out)
}

// DeleteExpired removes API tokens that expired or were revoked before t.
func (t *Tokens) DeleteExpired(ctx context.Context, before time.Time) (int64, error) {
	res, err := t.c.DeleteMany(ctx, bson.M{"$or": []bson.M{{"expiresAt": bson.M{"$lt": before}}, {"revokedAt": bson.M{"$lt": before}}}})
	if err != nil {
		return 0, err
	}
	return res.DeletedCount, nil
}
