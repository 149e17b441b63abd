package jobs

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"equitrial/internal/metrics"
	"equitrial/store"
)

// Webhook request headers. The signature covers the timestamp and the body
// ("<timestamp>.<body>"), so a captured request cannot be replayed later with a
// fresh timestamp; receivers should refuse timestamps more than a few minutes old.
const (
	HeaderSignature = "X-Equitrial-Signature" // sha256=<hex HMAC-SHA256>
	HeaderTimestamp = "X-Equitrial-Timestamp" // Unix seconds
	HeaderDelivery  = "X-Equitrial-Delivery"  // the delivery id, the same on every attempt
	HeaderEvent     = "X-Equitrial-Event"     // alert.opened, alert.resolved
)

// Sign gives the signature header value for a body sent at timestamp.
func Sign(secret string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a received webhook's signature and that its timestamp is within
// maxAge of now, as a receiver should.
func Verify(secret, signature, timestamp string, body []byte, now time.Time, maxAge time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errors.New("webhook: missing or unreadable timestamp")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > maxAge || d < -maxAge {
		return errors.New("webhook: timestamp too old or in the future")
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature)) {
		return errors.New("webhook: bad signature")
	}
	return nil
}

// noWebhook is the attempt error of a delivery whose organisation removed its webhook.
const noWebhook = "the organisation has no webhook"

// Sender POSTs queued deliveries (the outbox) to organisations' webhooks, retrying
// failures with exponential backoff, and records every attempt. Run sends them in
// the background: the equity monitor only queues them, so a slow or dead receiver
// never holds up monitoring.
type Sender struct {
	Webhooks *store.Webhooks
	Client   *http.Client // default: 10 s timeout, no redirects, no internal addresses
	// AllowPrivateNetworks lets deliveries reach loopback and private addresses, for
	// deployments whose receivers are inside an NHS network (and for tests).
	AllowPrivateNetworks bool
	MaxAttempts          int           // default 5
	Backoff              time.Duration // first wait between attempts, doubling; default 1 s
	Parallel             int           // deliveries sent at once; default 4
	Interval             time.Duration // Run: how often to look for deliveries when not woken; default 30 s
	Lease                time.Duration // how long a claimed delivery is held from other senders; default 5 min
	Log                  *slog.Logger
	Metrics              *metrics.Metrics // deliveries by outcome; nil records nothing

	kickOnce sync.Once
	kick     chan struct{}
}

func (s *Sender) wake() chan struct{} {
	s.kickOnce.Do(func() { s.kick = make(chan struct{}, 1) })
	return s.kick
}

// Kick wakes Run to send what was just queued. It never blocks.
func (s *Sender) Kick() {
	select {
	case s.wake() <- struct{}{}:
	default:
	}
}

// Run sends pending deliveries until ctx ends: when kicked, and every Interval
// (deliveries left by a stopped process, or queued by another replica).
func (s *Sender) Run(ctx context.Context) {
	s.defaults()
	tick := time.NewTicker(s.Interval)
	defer tick.Stop()
	for {
		if _, _, err := s.SendPending(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("sending webhooks", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake():
		case <-tick.C:
		}
	}
}

func (s *Sender) defaults() {
	if s.Client == nil {
		s.Client = webhookClient(s.AllowPrivateNetworks)
	}
	if s.MaxAttempts <= 0 {
		s.MaxAttempts = 5
	}
	if s.Backoff <= 0 {
		s.Backoff = time.Second
	}
	if s.Parallel <= 0 {
		s.Parallel = 4
	}
	if s.Interval <= 0 {
		s.Interval = 30 * time.Second
	}
	if s.Lease <= 0 {
		s.Lease = 5 * time.Minute
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
}

// SendPending delivers the pending deliveries no other sender holds (those just
// queued and any a previous run left behind) and reports how many were delivered
// and how many given up on.
func (s *Sender) SendPending(ctx context.Context) (delivered, failed int, err error) {
	s.defaults()
	pending, err := s.Webhooks.Claim(ctx, 1000, s.Lease)
	if err != nil || len(pending) == 0 {
		return 0, 0, err
	}
	hooks := map[string]*store.Webhook{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.Parallel)
	for _, d := range pending {
		h, seen := hooks[d.Org]
		if !seen {
			w, ok, err := s.Webhooks.Get(ctx, d.Org)
			if err != nil {
				return delivered, failed, err
			}
			if ok {
				h = &w
			}
			hooks[d.Org] = h
		}
		if h == nil { // the organisation removed its webhook since
			s.Webhooks.RecordAttempt(ctx, d.ID, store.Attempt{At: time.Now(), Error: noWebhook}, store.DeliveryFailed)
			s.Metrics.CountWebhook(store.DeliveryFailed)
			failed++
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			ok := s.send(ctx, d, *h)
			mu.Lock()
			if ok {
				delivered++
			} else {
				failed++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return delivered, failed, ctx.Err()
}

// send makes up to MaxAttempts attempts; 2xx delivers, 5xx, 429 and network errors
// are retried, any other status gives up at once (the receiver refused it).
func (s *Sender) send(ctx context.Context, d store.Delivery, h store.Webhook) bool {
	wait := s.Backoff
	for attempt := 1; ; attempt++ {
		code, took, err := s.post(ctx, d, h)
		a := store.Attempt{At: time.Now(), StatusCode: code, DurationMs: took.Milliseconds()}
		if err != nil {
			// The sponsor sees a plain message; the error itself, which can name
			// addresses and details of the service's network, is logged only.
			a.Error = plainDeliveryError(err)
			s.Log.Info("webhook attempt failed", "org", d.Org, "delivery", d.ID, "attempt", attempt, "error", err.Error())
		}
		retry := err != nil || code >= 500 || code == http.StatusTooManyRequests
		status := store.DeliveryPending
		switch {
		case err == nil && code >= 200 && code < 300:
			status = store.DeliveryDelivered
		case !retry || attempt >= s.MaxAttempts:
			status = store.DeliveryFailed
		}
		if rerr := s.Webhooks.RecordAttempt(context.WithoutCancel(ctx), d.ID, a, status); rerr != nil {
			s.Log.Error("recording webhook attempt", "delivery", d.ID, "error", rerr.Error())
		}
		if status == store.DeliveryPending {
			s.Metrics.CountWebhook("retrying")
		} else {
			s.Metrics.CountWebhook(status)
		}
		if status != store.DeliveryPending {
			if status == store.DeliveryFailed {
				s.Log.Warn("webhook delivery failed", "org", d.Org, "delivery", d.ID, "attempts", attempt, "status", code, "error", a.Error)
			}
			return status == store.DeliveryDelivered
		}
		select {
		case <-ctx.Done():
			return false // still pending: the next run tries again
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func (s *Sender) post(ctx context.Context, d store.Delivery, h store.Webhook) (int, time.Duration, error) {
	start := time.Now()
	body := []byte(d.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "equitrial-webhook/1")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(h.Secret, ts, body))
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderEvent, d.Event)
	res, err := s.Client.Do(req)
	if err != nil {
		return 0, time.Since(start), fmt.Errorf("POST failed: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	return res.StatusCode, time.Since(start), nil
}
