package ctgov

import (
	"context"
	"sync"
	"time"
)

// DefaultRatePerMinute keeps a sync under the registry's published limit of
// about 50 requests a minute per IP, with room for a person using the website
// from the same address.
const DefaultRatePerMinute = 45

// Limiter is a token bucket: it holds up to burst tokens, refilled at a steady
// rate, and each request takes one, waiting for it when the bucket is empty.
type Limiter struct {
	mu     sync.Mutex
	perSec float64
	burst  float64
	tokens float64
	last   time.Time
}

// NewLimiter allows perMinute requests a minute on average and at most burst at
// once (at least 1). The bucket starts full.
func NewLimiter(perMinute float64, burst int) *Limiter {
	b := float64(max(burst, 1))
	return &Limiter{perSec: perMinute / 60, burst: b, tokens: b}
}

// Wait blocks until a request may be sent, or ctx ends. A nil Limiter never waits.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return ctx.Err()
	}
	for {
		wait := l.take()
		if wait == 0 {
			return ctx.Err()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// take takes a token and returns 0, or returns how long until one is due.
func (l *Limiter) take() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if !l.last.IsZero() {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.perSec)
	}
	l.last = now
	if l.tokens >= 1 {
		l.tokens--
		return 0
	}
	if l.perSec <= 0 {
		return time.Hour // no rate at all: wait for cancellation
	}
	return max(time.Duration((1-l.tokens)/l.perSec*float64(time.Second)), time.Millisecond)
}
