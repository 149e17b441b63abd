package jobs

// SetIndexSyncAfterScan sets the hook Full runs between its store scan and its
// orphan check (tests only).
func SetIndexSyncAfterScan(x *IndexSync, f func()) { x.afterScan = f }
