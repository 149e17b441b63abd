package ctgov

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retry says how often and how patiently a request is tried again after a 429, a
// 5xx, a network error or a half-received page. Zero fields take the defaults.
type Retry struct {
	Attempts int           // tries per request, the first included; default 6
	Base     time.Duration // the first back-off; default 2s, doubling each time
	Max      time.Duration // the longest back-off; default 2m
	// MaxRetryAfter is the longest Retry-After honoured; a registry that asks for
	// longer ends the run (its cursor is saved, so the next run resumes). Default 10m.
	MaxRetryAfter time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 6
	}
	if r.Base <= 0 {
		r.Base = 2 * time.Second
	}
	if r.Max <= 0 {
		r.Max = 2 * time.Minute
	}
	if r.MaxRetryAfter <= 0 {
		r.MaxRetryAfter = 10 * time.Minute
	}
	return r
}

// backoff is the wait before try number attempt+1 (attempt counts from 1):
// exponential, capped, with "equal jitter" (half fixed, half random), so that many
// clients failing at once do not all come back at once, yet none retries at once.
func (r Retry) backoff(attempt int) time.Duration {
	d := r.Base
	for i := 1; i < attempt && d < r.Max; i++ {
		d *= 2
	}
	d = min(d, r.Max)
	half := d / 2
	return half + rand.N(half+1)
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date. ok is false
// when there is none or it cannot be read.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
