package api

import (
	"sync"
	"time"
)

// limiter is a token bucket per client key: burst requests at once, then one every
// interval. It is per process on purpose: it guards this replica's own resources
// (the password hashing a sign-in costs, the writes a registration makes) against
// bursts, as a connection limit would, and sharing it would put a store write in
// front of every sign-in and registration, legitimate ones included. With N
// replicas a client can make N times as many requests. What must hold across
// replicas is kept in the store: the sign-in back-off (auth.Throttling, counted
// exactly even on FerretDB), which bounds password guessing however the requests
// are spread, and the NHS-number claims that stop a registration creating a second
// record. A limit that must be global belongs in front of the replicas, at the
// load balancer.
type limiter struct {
	burst    float64
	interval time.Duration
	mu       sync.Mutex
	buckets  map[string]*bucket
	lastGC   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(burst int, interval time.Duration) *limiter {
	return &limiter{burst: float64(burst), interval: interval, buckets: map[string]*bucket{}}
}

func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastGC) > 10*time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.at) > time.Duration(l.burst)*l.interval {
				delete(l.buckets, k)
			}
		}
		l.lastGC = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.interval))
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
