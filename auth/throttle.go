package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"equitrial"
)

// Password guessing is slowed, never stopped outright, by exponential back-off on
// three counts kept in the store (so every replica sees them):
//
//   - the account and client address together: the attacker's own guesses at one
//     account. A few are free, then each failure doubles the wait.
//   - the client address alone, whatever account it names: spraying one password
//     over many accounts.
//   - the account from anywhere: guesses spread over many addresses. Each address
//     adds at most PerClientShare failures to it, so no single client (an attacker's
//     or the user's own) can slow the account for others; its wait is capped short.
//
// Every count is kept for any email address, whether or not an account has it, and
// the answer while waiting (429, "try again in N seconds", Retry-After) is the same
// for both: the throttle tells nobody which accounts exist. A successful sign-in
// clears the account's counts (not the address's). The current-password check of a
// password change has its own account count and shares the address count.
type ThrottlePolicy struct {
	Free   int           // failures allowed before any wait
	Base   time.Duration // the first wait; each further failure doubles it
	Max    time.Duration // the longest wait
	Window time.Duration // a count restarts when its last failure is older than this
}

// Delay is the wait after n failures.
func (p ThrottlePolicy) Delay(n int) time.Duration {
	if n < p.Free || p.Base <= 0 {
		return 0
	}
	shift := n - p.Free
	if shift > 30 {
		return p.Max
	}
	d := p.Base << shift
	if d > p.Max || d <= 0 {
		d = p.Max
	}
	return d
}

// Throttling is the back-off for each count (see ThrottlePolicy).
type Throttling struct {
	AccountClient  ThrottlePolicy
	Client         ThrottlePolicy
	Account        ThrottlePolicy
	PerClientShare int // how many failures one client adds to the account's count
}

// DefaultThrottling: three free guesses per account per client, then 1 s, 2 s, 4 s …
// up to 15 minutes; twenty per client address (a hospital's shared address) then up
// to 5 minutes; ten from three or more addresses per account, then up to 1 minute.
func DefaultThrottling() Throttling {
	return Throttling{
		AccountClient:  ThrottlePolicy{Free: 3, Base: time.Second, Max: 15 * time.Minute, Window: 24 * time.Hour},
		Client:         ThrottlePolicy{Free: 20, Base: time.Second, Max: 5 * time.Minute, Window: time.Hour},
		Account:        ThrottlePolicy{Free: 10, Base: time.Second, Max: time.Minute, Window: 24 * time.Hour},
		PerClientShare: 3,
	}
}

// ThrottledError is the answer to a password check made too soon after failures.
type ThrottledError struct {
	Wait time.Duration
}

// RetryAfter is the wait in whole seconds, at least 1.
func (e *ThrottledError) RetryAfter() int { return max(1, int(math.Ceil(e.Wait.Seconds()))) }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed attempts: try again in %d seconds", e.RetryAfter())
}

// Kind makes the error a KindTooMany (429).
func (e *ThrottledError) Unwrap() error {
	return equitrial.Errorf(equitrial.KindTooMany, "%s", e.Error())
}

// throttleKey names a count without keeping what it counts in the clear.
func throttleKey(kind string, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return kind + ":" + hex.EncodeToString(sum[:16])
}

// checkKeys are the counts a password check consults.
type checkKeys struct {
	accountClient, client, account string
	pol                            Throttling
}

func (s *Service) loginKeys(email, client string) checkKeys {
	email = strings.ToLower(strings.TrimSpace(email))
	return checkKeys{accountClient: throttleKey("ac", email, client), client: throttleKey("c", client),
		account: throttleKey("a", email), pol: s.Throttling}
}

// passwordChangeKeys: the signed-in account's own count (only its sessions can
// reach the check) and the shared client count.
func (s *Service) passwordChangeKeys(userID, client string) checkKeys {
	return checkKeys{accountClient: throttleKey("pw", userID), client: throttleKey("c", client), pol: s.Throttling}
}

func (k checkKeys) all() []string {
	out := []string{k.accountClient, k.client}
	if k.account != "" {
		out = append(out, k.account)
	}
	return out
}

// wait returns a ThrottledError while any of the counts asks for a wait.
func (s *Service) wait(ctx context.Context, k checkKeys) error {
	if s.Throttle == nil {
		return nil
	}
	now := s.Now()
	s.maybePurge(ctx, now)
	entries, err := s.Throttle.Get(ctx, k.all())
	if err != nil {
		return err
	}
	var longest time.Duration
	for _, e := range entries {
		longest = max(longest, e.Until.Sub(now))
	}
	if longest > 0 {
		return &ThrottledError{Wait: longest}
	}
	return nil
}

// failed counts a failed check against each count.
func (s *Service) failed(ctx context.Context, k checkKeys) error {
	if s.Throttle == nil {
		return nil
	}
	now := s.Now()
	n, err := s.Throttle.Fail(ctx, k.accountClient, now, k.pol.AccountClient.Window, k.pol.AccountClient.Delay)
	if err != nil {
		return err
	}
	if _, err := s.Throttle.Fail(ctx, k.client, now, k.pol.Client.Window, k.pol.Client.Delay); err != nil {
		return err
	}
	if k.account != "" && n <= k.pol.PerClientShare {
		if _, err := s.Throttle.Fail(ctx, k.account, now, k.pol.Account.Window, k.pol.Account.Delay); err != nil {
			return err
		}
	}
	return nil
}

// succeeded clears the account's counts; the client's stays, or an attacker could
// clear it by signing in to an account of their own between guesses.
func (s *Service) succeeded(ctx context.Context, k checkKeys) error {
	if s.Throttle == nil {
		return nil
	}
	keys := []string{k.accountClient}
	if k.account != "" {
		keys = append(keys, k.account)
	}
	return s.Throttle.Clear(ctx, keys...)
}

// maybePurge removes old counts now and then (at most every ten minutes per process).
func (s *Service) maybePurge(ctx context.Context, now time.Time) {
	s.purgeMu.Lock()
	due := now.Sub(s.lastPurge) > 10*time.Minute
	if due {
		s.lastPurge = now
	}
	s.purgeMu.Unlock()
	if !due {
		return
	}
	longest := max(s.Throttling.AccountClient.Window, s.Throttling.Client.Window, s.Throttling.Account.Window)
	if _, err := s.Throttle.Purge(ctx, now.Add(-longest), now); err != nil && !errors.Is(err, context.Canceled) {
		slog.Warn("purging old sign-in throttle counts", "error", err.Error())
	}
}
