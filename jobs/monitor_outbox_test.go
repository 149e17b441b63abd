package jobs_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"equitrial/equity"
	"equitrial/jobs"
	"equitrial/store"
	"equitrial/store/storetest"
)

// underTrial stores a trial whose SMI group is under target (5 of 100 against
// 30%), so a first pass opens an alert on it.
func underTrial(t *testing.T, db *store.DB, now time.Time) {
	t.Helper()
	ctx := context.Background()
	if err := db.Targets.Put(ctx, "NCT1", equity.Targets{Total: 400, EndDate: "2026-06-30",
		Shares: map[string]map[string]float64{equity.DimSMI: {"yes": 0.3, "no": 0.7}}}, "t"); err != nil {
		t.Fatal(err)
	}
	evs := append(enrol("NCT1", 95, now.AddDate(0, -3, 0), equity.Strata{SMI: "no"}), enrol("NCT1", 5, now.AddDate(0, -2, 0), equity.Strata{SMI: "yes"})...)
	if _, err := db.Events.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
}

func smiAlert(t *testing.T, db *store.DB) *equity.Alert {
	t.Helper()
	open, err := db.Alerts.List(context.Background(), "NCT1", false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range open {
		if open[i].Dimension == equity.DimSMI && open[i].Group == "yes" {
			return &open[i]
		}
	}
	return nil
}

// A dead receiver (it accepts the connection and never answers) does not delay a
// monitor pass: the pass only queues the delivery, and the background sender
// tries it (issue 10, item 5).
func TestDeadReceiverDoesNotDelayMonitor(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	now := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	var requests atomic.Int32
	hang := make(chan struct{})
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer dead.Close()
	defer close(hang)
	db.Webhooks.Put(ctx, store.Webhook{Org: "Acme", URL: dead.URL, Secret: "0123456789abcdef-secret"})
	underTrial(t, db, now)
	sender := &jobs.Sender{Webhooks: db.Webhooks, AllowPrivateNetworks: true, Backoff: time.Second, Interval: time.Hour,
		Client: &http.Client{Timeout: 30 * time.Second}}
	m := &jobs.Monitor{DB: db, Now: func() time.Time { return now }, Sender: sender,
		OrgsOf: func(context.Context, string) ([]string, error) { return []string{"Acme"}, nil }}

	start := time.Now()
	res, err := m.Pass(ctx)
	took := time.Since(start)
	if err != nil || res.Opened == 0 || res.Queued == 0 {
		t.Fatalf("pass: %s, %v", res, err)
	}
	if took > 5*time.Second {
		t.Fatalf("the pass took %s with a dead receiver: it must not wait for deliveries", took)
	}
	// The background sender takes the delivery and is stuck on it, not the monitor.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { sender.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for requests.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if requests.Load() == 0 {
		t.Fatal("the background sender never tried the delivery")
	}
	now = now.Add(15 * time.Minute)
	start = time.Now()
	if _, err := m.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("a pass while the sender waits on a dead receiver took %s", took)
	}
	if ds, _ := db.Webhooks.Deliveries(ctx, "Acme", 10); len(ds) != 1 || ds[0].Status != store.DeliveryPending {
		t.Fatalf("deliveries: %+v, want the one still pending", ds)
	}
}

// A sponsor's delivery record never carries the connection error: a refused
// address reads as a plain message.
func TestDeliveryErrorsArePlain(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	db.Webhooks.Put(ctx, store.Webhook{Org: "Acme", URL: srv.URL, Secret: "0123456789abcdef-secret"})
	db.Webhooks.Queue(ctx, []store.Delivery{{Org: "Acme", Event: "alert.opened", TrialID: "NCT1", AlertID: "a1", Payload: `{}`}})
	s := &jobs.Sender{Webhooks: db.Webhooks, MaxAttempts: 2, Backoff: time.Millisecond}
	if _, failed, err := s.SendPending(ctx); err != nil || failed != 1 {
		t.Fatalf("SendPending: %d failed, %v", failed, err)
	}
	ds, _ := db.Webhooks.Deliveries(ctx, "Acme", 10)
	if len(ds) != 1 || ds[0].Status != store.DeliveryFailed || len(ds[0].Attempts) != 2 {
		t.Fatalf("deliveries: %+v", ds)
	}
	host, _, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	for _, a := range ds[0].Attempts {
		if a.Error == "" || strings.Contains(a.Error, host) || strings.Contains(a.Error, "dial") || a.Error != jobs.PublicAttemptError(a.Error) {
			t.Errorf("attempt error shown to the sponsor: %q", a.Error)
		}
	}
}

// A pass that fails between its steps loses no alert and no webhook (issue 10,
// item 9): the dashboards (whose statuses the next pass compares against) are
// published last, so the next pass opens the alert again; a duty to notify left
// undone is done by the next pass; and nothing is queued twice.
func TestAlertsNotLostWhenPassStops(t *testing.T) {
	for _, step := range []string{"alerts", "outbox", "notified", "publish"} {
		t.Run(step, func(t *testing.T) {
			db := storetest.NewDB(t)
			ctx := context.Background()
			now := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
			db.Webhooks.Put(ctx, store.Webhook{Org: "Acme", URL: "https://receiver.example/hook", Secret: "0123456789abcdef-secret"})
			underTrial(t, db, now)
			m := &jobs.Monitor{DB: db, Now: func() time.Time { return now },
				OrgsOf: func(context.Context, string) ([]string, error) { return []string{"Acme"}, nil }}
			stop := errors.New("stopped at " + step)
			jobs.InjectFault(m, func(s string) error {
				if s == step {
					return stop
				}
				return nil
			})
			if _, err := m.Pass(ctx); !errors.Is(err, stop) {
				t.Fatalf("first pass: %v, want it stopped at %s", err, step)
			}
			jobs.InjectFault(m, nil)
			now = now.Add(15 * time.Minute)
			if _, err := m.Pass(ctx); err != nil {
				t.Fatal(err)
			}
			a := smiAlert(t, db)
			if a == nil || a.Status != equity.StatusUnder {
				t.Fatalf("after a pass stopped at %s and one that ran: no SMI alert (%+v)", step, a)
			}
			d, err := db.Dashboards.Get(ctx, "NCT1")
			if err != nil || d.Dimensions[equity.DimSMI]["yes"].Status != equity.StatusUnder {
				t.Fatalf("published dashboard: %v", err)
			}
			ds, _ := db.Webhooks.Deliveries(ctx, "Acme", 100)
			opened := 0
			for _, dl := range ds {
				if dl.AlertID == a.ID && dl.Event == "alert.opened" {
					opened++
				}
			}
			if opened != 1 {
				t.Fatalf("after a pass stopped at %s: %d alert.opened deliveries for the SMI alert, want 1", step, opened)
			}
			if n, _ := db.Alerts.Unnotified(ctx); len(n) != 0 {
				t.Fatalf("duties left undone: %+v", n)
			}
		})
	}
}
