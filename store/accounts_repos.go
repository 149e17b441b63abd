package store

import "context"

// openAccounts opens the repositories of people and access: staff accounts,
// sessions, API tokens, organisations and the password-check throttle. It returns
// their index builders.
func (d *DB) openAccounts() []func(context.Context) error {
	d.Users = &Users{c: d.db.Collection("users")}
	d.Sessions = &Sessions{c: d.db.Collection("sessions")}
	d.Tokens = &Tokens{c: d.db.Collection("tokens")}
	d.Orgs = &Orgs{c: d.db.Collection("orgs")}
	d.Throttle = &Throttle{c: d.db.Collection("throttle")}
	return []func(context.Context) error{d.Users.ensureIndexes, d.Sessions.ensureIndexes, d.Orgs.ensureIndexes, d.Throttle.ensureIndexes}
}
