package store

// SetTrialsBeforeWrite sets the hook Upsert runs between reading the stored
// versions and writing (tests only).
func SetTrialsBeforeWrite(s *Trials, f func()) { s.beforeWrite = f }
