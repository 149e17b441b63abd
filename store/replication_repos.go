package store

import "context"

// openReplication opens what lets several replicas share the store safely — the
// change log they converge from and the locks that make FerretDB's writes safe
// between them — and hands them to the repositories that write through them. It
// runs after the other repositories are opened, and returns its index builders.
func (d *DB) openReplication() []func(context.Context) error {
	d.Changes = newChanges(d.db.Collection("changes"))
	d.Locks = &Locks{c: d.db.Collection("record_locks")}
	d.Trials.changes = d.Changes
	d.Patients.changes = d.Changes
	d.Patients.shared = d.Locks
	d.Throttle.locks = d.Locks
	return []func(context.Context) error{d.Changes.ensureIndexes, d.Locks.ensureIndexes}
}
