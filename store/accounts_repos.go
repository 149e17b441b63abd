package store

import "context"

// openAccounts opens the repositories of people and access: staff accounts,
// sessions, API tokens and organisations. It returns their index builders.
func (d *DB) openAccounts() []func(context.Context) error {
	d.Users = &Users{c: d.db.Collection("users")}
	d.Sessions = &Sessions{c: d.db.Collection("sessions")}
	d.Tokens = &Tokens{c: d.db.Collection("tokens")}
	d.Orgs = &Orgs{c: d.db.Collection("orgs")}
	return []func(context.Context) error{d.Users.ensureIndexes, d.Sessions.ensureIndexes, d.Orgs.ensureIndexes}
}
