package matcher

import (
	"strconv"
	"sync"
)

// candidateMemo remembers the search index's candidate trials for a combination of
// filters (age in whole years, sex, with or without them) until the catalogue
// changes. Patients share few such combinations — about a hundred ages times three
// sexes — so nearly every match reuses one, and skips the index's cost of turning
// thousands of internal document numbers back into NCT ids.
type candidateMemo struct {
	mu      sync.Mutex
	version uint64
	sets    map[string][]*CompiledTrial
}

// memoLimit bounds the combinations kept; past it the memo starts again.
const memoLimit = 512

func memoKey(q Query) string {
	k := q.Sex + "|"
	if q.Age != nil {
		k += strconv.FormatFloat(*q.Age, 'f', -1, 64)
	}
	return k
}

func (m *candidateMemo) get(key string, version uint64) ([]*CompiledTrial, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.version != version {
		return nil, false
	}
	s, ok := m.sets[key]
	return s, ok
}

func (m *candidateMemo) put(key string, version uint64, set []*CompiledTrial) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.version != version || m.sets == nil || len(m.sets) >= memoLimit {
		m.version, m.sets = version, map[string][]*CompiledTrial{}
	}
	m.sets[key] = set
}

func (m *candidateMemo) reset() {
	m.mu.Lock()
	m.sets = nil
	m.mu.Unlock()
}
