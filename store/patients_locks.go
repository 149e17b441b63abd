package store

import (
	"context"
	"hash/fnv"
	"sync"
)

// recordLocks serialise the writes to one patient record within this process.
// Each write reads the record and then writes it with the version it read in the
// filter; on MongoDB that conditional write is atomic, but FerretDB answers it as
// a read and a write of its own, so an update racing a withdrawal could write the
// record back un-withdrawn. A lock per record (striped) closes the window between
// this process's writers; the shared lock in the store (Locks) closes it between
// replicas, and is taken only on FerretDB.
type recordLocks [64]sync.Mutex

// lock takes the lock of record id and returns its release.
func (l *recordLocks) lock(id string) func() {
	h := fnv.New32a()
	h.Write([]byte(id))
	m := &l[h.Sum32()%uint32(len(l))]
	m.Lock()
	return m.Unlock
}

// lock takes patient id's locks: this process's, then, on FerretDB, the one
// every replica shares. It returns their release.
func (s *Patients) lock(ctx context.Context, id string) (func(), error) {
	unlock := s.locks.lock(id)
	if s.shared == nil || !updatesReadThenWrite(ctx, s.c) {
		return unlock, nil
	}
	release, err := s.shared.Lock(ctx, "patients/"+id)
	if err != nil {
		unlock()
		return nil, err
	}
	return func() { release(); unlock() }, nil
}
