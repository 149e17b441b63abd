package jobs

// InjectFault makes m's passes call f between their writes ("alerts", "outbox",
// "notified", "publish"); an error from f stops the pass there.
func InjectFault(m *Monitor, f func(step string) error) { m.faults = f }
