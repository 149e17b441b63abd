package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"equitrial"
	"equitrial/equity"
	"equitrial/jobs"
	"equitrial/store"
	"equitrial/store/storetest"
)

// receiver is a test webhook endpoint that verifies signatures and can fail the
// first few requests.
type receiver struct {
	secret   string
	failures atomic.Int32 // answer 500 to this many requests first
	mu       sync.Mutex
	got      []jobs.AlertEvent
	bad      int
	requests atomic.Int32
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.requests.Add(1)
	body, _ := io.ReadAll(req.Body)
	if err := jobs.Verify(r.secret, req.Header.Get(jobs.HeaderSignature), req.Header.Get(jobs.HeaderTimestamp), body, time.Now(), 5*time.Minute); err != nil {
		r.mu.Lock()
		r.bad++
		r.mu.Unlock()
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if r.failures.Add(-1) >= 0 {
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	var ev jobs.AlertEvent
	json.Unmarshal(body, &ev)
	r.mu.Lock()
	r.got = append(r.got, ev)
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func TestSignAndVerify(t *testing.T) {
	now := time.Unix(1700000000, 0)
	body := []byte(`{"event":"alert.opened"}`)
	sig := jobs.Sign("s3cret-s3cret-s3cret", now.Unix(), body)
	ts := fmt.Sprint(now.Unix())
	if err := jobs.Verify("s3cret-s3cret-s3cret", sig, ts, body, now, time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, check := range map[string]error{
		"other secret": jobs.Verify("another-secret-here", sig, ts, body, now, time.Minute),
		"other body":   jobs.Verify("s3cret-s3cret-s3cret", sig, ts, []byte(`{"event":"alert.resolved"}`), now, time.Minute),
		"replayed":     jobs.Verify("s3cret-s3cret-s3cret", sig, ts, body, now.Add(time.Hour), time.Minute),
		"new stamp":    jobs.Verify("s3cret-s3cret-s3cret", sig, fmt.Sprint(now.Unix()+30), body, now, time.Minute),
	} {
		if check == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

// The webhook is retried after a 500 and delivered, each attempt recorded; a 400 is
// not retried.
func TestWebhookRetriedAfterFailure(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	rec := &receiver{secret: "0123456789abcdef-secret"}
	rec.failures.Store(2)
	srv := httptest.NewServer(rec)
	defer srv.Close()
	if err := db.Webhooks.Put(ctx, store.Webhook{Org: "Acme", URL: srv.URL, Secret: rec.secret}); err != nil {
		t.Fatal(err)
	}
	refuses := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadRequest) }))
	defer refuses.Close()
	db.Webhooks.Put(ctx, store.Webhook{Org: "Picky", URL: refuses.URL, Secret: "0123456789abcdef-other"})
	q, err := db.Webhooks.Queue(ctx, []store.Delivery{
		{Org: "Acme", Event: "alert.opened", TrialID: "NCT1", Payload: `{"event":"alert.opened","nctId":"NCT1"}`},
		{Org: "Picky", Event: "alert.opened", TrialID: "NCT1", Payload: `{}`},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &jobs.Sender{Webhooks: db.Webhooks, Backoff: 10 * time.Millisecond, MaxAttempts: 4, AllowPrivateNetworks: true}
	delivered, failed, err := s.SendPending(ctx)
	if err != nil || delivered != 1 || failed != 1 {
		t.Fatalf("SendPending = %d delivered, %d failed, %v", delivered, failed, err)
	}
	if len(rec.got) != 1 || rec.got[0].NCTID != "NCT1" || rec.bad != 0 {
		t.Fatalf("receiver got %+v, %d badly signed", rec.got, rec.bad)
	}
	byID := map[string]store.Delivery{}
	for _, org := range []string{"Acme", "Picky"} {
		ds, _ := db.Webhooks.Deliveries(ctx, org, 10)
		for _, d := range ds {
			byID[d.ID] = d
		}
	}
	ok, picky := byID[q[0].ID], byID[q[1].ID]
	if ok.Status != store.DeliveryDelivered || len(ok.Attempts) != 3 || ok.Attempts[0].StatusCode != 500 || ok.Attempts[2].StatusCode != 204 {
		t.Fatalf("retried delivery: %+v", ok)
	}
	if picky.Status != store.DeliveryFailed || len(picky.Attempts) != 1 || picky.Attempts[0].StatusCode != 400 {
		t.Fatalf("refused delivery: %+v", picky)
	}
	if p, _ := db.Webhooks.Pending(ctx, 10); len(p) != 0 {
		t.Fatalf("still pending: %+v", p)
	}
}

// enrol makes n enrolment events for anonymous participants with the given strata.
func enrol(trial string, n int, at time.Time, s equity.Strata) []equity.Event {
	out := make([]equity.Event, n)
	for i := range out {
		st := s
		out[i] = equity.Event{TrialID: trial, Stage: equity.StageEnrolled, At: at.Add(time.Duration(i) * time.Minute), Site: "RXX01", Strata: &st}
	}
	return out
}

// The monitor opens one alert per under-represented group, does not duplicate it
// on the next pass, resolves it when the group recovers, and tells the sponsor's
// webhook both times.
func TestMonitorAlertsOpenDedupeResolve(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	now := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	rec := &receiver{secret: "0123456789abcdef-secret"}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	db.Webhooks.Put(ctx, store.Webhook{Org: "Acme", URL: srv.URL, Secret: rec.secret})
	if err := db.Targets.Put(ctx, "NCT1", equity.Targets{Total: 400, EndDate: "2026-06-30",
		Shares: map[string]map[string]float64{equity.DimSMI: {"yes": 0.3, "no": 0.7}}}, "t"); err != nil {
		t.Fatal(err)
	}
	// 100 enrolled, 5 with SMI against a 30% target: under.
	evs := append(enrol("NCT1", 95, now.AddDate(0, -3, 0), equity.Strata{SMI: "no"}), enrol("NCT1", 5, now.AddDate(0, -2, 0), equity.Strata{SMI: "yes"})...)
	evs = append(evs, enrol("NCT2", 10, now.AddDate(0, -1, 0), equity.Strata{SMI: "no"})...)
	if _, err := db.Events.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	m := &jobs.Monitor{DB: db, Now: func() time.Time { return now },
		OrgsOf: func(_ context.Context, id string) ([]string, error) { return []string{"Acme"}, nil },
		Sender: &jobs.Sender{Webhooks: db.Webhooks, Backoff: 5 * time.Millisecond, AllowPrivateNetworks: true}}
	res, err := m.Pass(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if delivered, _, err := m.Sender.SendPending(ctx); err != nil || delivered != res.Queued {
		t.Fatalf("first pass: %s; %d delivered, %v", res, delivered, err)
	}
	if res.Trials != 2 || res.Events != 110 {
		t.Fatalf("first pass: %s", res)
	}
	open, _ := db.Alerts.List(ctx, "NCT1", false)
	var smi *equity.Alert
	for i := range open {
		if open[i].Dimension == equity.DimSMI && open[i].Group == "yes" {
			smi = &open[i]
		}
	}
	if smi == nil || smi.Status != equity.StatusUnder {
		t.Fatalf("no SMI alert among %+v", open)
	}
	d, err := db.Dashboards.Get(ctx, "NCT1")
	if err != nil || d.Dimensions[equity.DimSMI]["yes"].Status != equity.StatusUnder || d.Enrolled != 100 {
		t.Fatalf("stored dashboard: %+v, %v", d.Dimensions[equity.DimSMI], err)
	}
	opened := len(open)

	// Second pass, nothing changed: no new alert, no webhook.
	before := rec.requests.Load()
	res, err = m.Pass(ctx)
	if err != nil || res.Opened != 0 || res.Queued != 0 {
		t.Fatalf("second pass: %s, %v", res, err)
	}
	if again, _ := db.Alerts.List(ctx, "NCT1", false); len(again) != opened || rec.requests.Load() != before {
		t.Fatalf("second pass changed alerts: %d open (was %d), %d webhook requests", len(again), opened, rec.requests.Load()-before)
	}

	// The group recovers: 60 more SMI participants (65 of 160 ≈ 41%).
	now = now.Add(24 * time.Hour)
	db.Events.Append(ctx, enrol("NCT1", 60, now.Add(-12*time.Hour), equity.Strata{SMI: "yes"}))
	if res, err = m.Pass(ctx); err != nil || res.Resolved == 0 {
		t.Fatalf("recovery pass: %s, %v", res, err)
	}
	m.Sender.SendPending(ctx)
	got, _ := db.Alerts.Get(ctx, smi.ID)
	if got.IsOpen() || got.Status == equity.StatusUnder {
		t.Fatalf("the SMI alert was not resolved: %+v", got)
	}
	events := map[string]int{}
	for _, ev := range rec.got {
		if ev.Alert.Dimension == equity.DimSMI && ev.Alert.Group == "yes" {
			events[ev.Event]++
		}
	}
	if events["alert.opened"] != 1 || events["alert.resolved"] != 1 || rec.bad != 0 {
		t.Fatalf("webhooks for the SMI alert: %v (%d badly signed)", events, rec.bad)
	}
	if _, err := db.Alerts.Acknowledge(ctx, smi.ID, "nurse", now); !equitrial.Is(equitrial.KindConflict, err) {
		t.Fatalf("acknowledging a resolved alert: %v", err)
	}
}

// The monitor runs as a job under the scheduler, recording what it did.
func TestMonitorAsJob(t *testing.T) {
	db := storetest.NewDB(t)
	ctx := context.Background()
	db.Events.Append(ctx, enrol("NCT9", 20, time.Now().Add(-48*time.Hour), equity.Strata{EthnicGroup: "White"}))
	s := newScheduler(t, db, "h", time.Minute)
	m := &jobs.Monitor{DB: db}
	if err := s.Register(m.Job("*/15 * * * *")); err != nil {
		t.Fatal(err)
	}
	id, err := s.Trigger(ctx, jobs.JobEquityMonitor)
	if err != nil {
		t.Fatal(err)
	}
	r := waitRun(t, db, id)
	if r.Outcome != store.RunSucceeded || r.Detail == "" {
		t.Fatalf("monitor run: %+v", r)
	}
	if d, err := db.Dashboards.Get(ctx, "NCT9"); err != nil || d.Enrolled != 20 {
		t.Fatalf("dashboard after the job: %v, %v", d.Enrolled, err)
	}
}
