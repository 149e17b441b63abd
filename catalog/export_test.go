package catalog

// SetAfterStore sets the hook Import runs between a batch's store write and its
// index write (tests only).
func SetAfterStore(c *Catalog, f func()) { c.afterStore = f }

// SetAfterRefreshRead sets the hook Refresh runs between its store read and its
// index write (tests only).
func SetAfterRefreshRead(c *Catalog, f func()) { c.afterRefreshRead = f }
