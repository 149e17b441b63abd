package store

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
)

// Org is an organisation: a research site (whose nurses see its patients) or a
// sponsor (whose staff see its trials' aggregates).
//
// Trials are, for a sponsor, the trials it owns; for a site, the trials it is a
// listed recruiting site of (its nurses see those trials' exact counts and act on
// their alerts from the start, before the site has recorded any event).
//
// SelfRegistration says whether a site takes patients' own registrations through
// its link (POST /api/v1/register?org=ID). Off unless an administrator turns it on:
// a registration cannot name any organisation it likes.
type Org struct {
	ID               string   `json:"id" bson:"_id"`
	Name             string   `json:"name" bson:"name"`
	Kind             string   `json:"kind" bson:"kind"`                         // site or sponsor
	Trials           []string `json:"trials,omitempty" bson:"trials,omitempty"` // NCT ids a sponsor owns, or a site recruits to
	SelfRegistration bool     `json:"selfRegistration,omitempty" bson:"selfReg,omitempty"`
}

// Orgs is the repository of organisations.
type Orgs struct {
	c *mongo.Collection
}

func (o *Orgs) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, o.c, mongo.IndexModel{Keys: bson.D{{Key: "trials", Value: 1}}})
}

// Put creates or replaces an organisation.
func (o *Orgs) Put(ctx context.Context, org *Org) error {
	_, err := o.c.ReplaceOne(ctx, bson.M{"_id": org.ID}, org, options.Replace().SetUpsert(true))
	return err
}

// Get returns an organisation.
func (o *Orgs) Get(ctx context.Context, id string) (*Org, error) {
	var org Org
	err := o.c.FindOne(ctx, bson.M{"_id": id}).Decode(&org)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, equitrial.Errorf(equitrial.KindNotFound, "no organisation %q", id)
	}
	return &org, err
}

// List returns every organisation.
func (o *Orgs) List(ctx context.Context) ([]Org, error) {
	cur, err := o.c.Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := []Org{}
	return out, cur.All(ctx, &out)
}

// Sponsors reports whether org is a sponsor that owns trial nctID.
func (o *Orgs) Sponsors(ctx context.Context, org, nctID string) bool {
	if org == "" {
		return false
	}
	n, err := o.c.CountDocuments(ctx, bson.M{"_id": org, "kind": "sponsor", "trials": nctID})
	return err == nil && n > 0
}

// ListsSite reports whether org is a site listed as recruiting to trial nctID.
func (o *Orgs) ListsSite(ctx context.Context, org, nctID string) (bool, error) {
	if org == "" {
		return false, nil
	}
	n, err := o.c.CountDocuments(ctx, bson.M{"_id": org, "kind": "site", "trials": nctID})
	return n > 0, err
}

// TakesSelfRegistration reports whether org is a site that accepts patients'
// own registrations. An organisation that does not exist does not.
func (o *Orgs) TakesSelfRegistration(ctx context.Context, org string) (bool, error) {
	if org == "" {
		return false, nil
	}
	n, err := o.c.CountDocuments(ctx, bson.M{"_id": org, "kind": "site", "selfReg": true})
	return n > 0, err
}
