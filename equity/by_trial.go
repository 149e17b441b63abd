package equity

// ByTrial splits a recruitment log into per-trial logs, keeping each trial's events
// in the order given (the order they were appended, which Fold uses to break ties).
func ByTrial(events []Event) map[string][]Event {
	counts := make(map[string]int)
	for i := range events {
		counts[events[i].TrialID]++
	}
	out := make(map[string][]Event, len(counts))
	for id, n := range counts {
		out[id] = make([]Event, 0, n)
	}
	for i := range events {
		id := events[i].TrialID
		out[id] = append(out[id], events[i])
	}
	return out
}
