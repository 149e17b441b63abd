package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
)

// User is a staff account: a nurse, a sponsor's staff member or an administrator.
type User struct {
	ID                 string    `json:"id" bson:"_id"`
	Email              string    `json:"email" bson:"email"` // lower case
	Role               string    `json:"role" bson:"role"`
	Org                string    `json:"org" bson:"org"`
	PasswordHash       string    `json:"-" bson:"passwordHash"`
	MustChangePassword bool      `json:"mustChangePassword" bson:"mustChangePassword"`
	Disabled           bool      `json:"disabled" bson:"disabled"`
	FailedLogins       int       `json:"-" bson:"failedLogins"`
	LockedUntil        time.Time `json:"-" bson:"lockedUntil"`
	CreatedAt          time.Time `json:"createdAt" bson:"createdAt"`
}

// Users is the repository of staff accounts.
type Users struct {
	c *mongo.Collection
}

func (u *Users) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, u.c, mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true)})
}

// NewID returns a random identifier for a record.
func NewID(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Create stores a new account; an email already in use is a conflict.
func (u *Users) Create(ctx context.Context, user *User) error {
	user.Email = strings.ToLower(strings.TrimSpace(user.Email))
	if user.ID == "" {
		user.ID = NewID("u_")
	}
	if user.CreatedAt.IsZero() {
		user.CreatedAt = time.Now().UTC()
	}
	_, err := u.c.InsertOne(ctx, user)
	if isDuplicate(err) {
		return equitrial.Errorf(equitrial.KindConflict, "an account with that email already exists")
	}
	return err
}

// ByEmail finds an account by email, case-insensitively.
func (u *Users) ByEmail(ctx context.Context, email string) (*User, error) {
	return u.find(ctx, bson.M{"email": strings.ToLower(strings.TrimSpace(email))})
}

// ByID finds an account by id.
func (u *Users) ByID(ctx context.Context, id string) (*User, error) {
	return u.find(ctx, bson.M{"_id": id})
}

func (u *Users) find(ctx context.Context, filter bson.M) (*User, error) {
	var user User
	err := u.c.FindOne(ctx, filter).Decode(&user)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, equitrial.Errorf(equitrial.KindNotFound, "no such account")
	}
	return &user, err
}

// RecordFailedLogin counts a failed sign-in and locks the account for lockFor once
// maxFailures is reached, so passwords cannot be guessed one account at a time
// however many addresses the guesses come from.
func (u *Users) RecordFailedLogin(ctx context.Context, id string, maxFailures int, lockFor time.Duration) error {
	var user User
	err := u.c.FindOneAndUpdate(ctx, bson.M{"_id": id}, bson.M{"$inc": bson.M{"failedLogins": 1}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&user)
	if err != nil {
		return err
	}
	if user.FailedLogins >= maxFailures {
		_, err = u.c.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"lockedUntil": time.Now().UTC().Add(lockFor), "failedLogins": 0}})
	}
	return err
}

// RecordLogin clears the failure count after a successful sign-in.
func (u *Users) RecordLogin(ctx context.Context, id string) error {
	_, err := u.c.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"failedLogins": 0}})
	return err
}

// SetPassword replaces the password hash and clears the must-change flag.
func (u *Users) SetPassword(ctx context.Context, id, hash string, mustChange bool) error {
	res, err := u.c.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"passwordHash": hash, "mustChangePassword": mustChange}})
	if err == nil && res.MatchedCount == 0 {
		return equitrial.Errorf(equitrial.KindNotFound, "no such account")
	}
	return err
}
