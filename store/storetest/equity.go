package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"equitrial"
	"equitrial/equity"
	"equitrial/store"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func testEvents(t *testing.T, db *store.DB) {
	ctx := context.Background()
	s := &equity.Strata{IMDQuintile: 2, EthnicGroup: "Black", SMI: "yes", Sex: "female", AgeBand: "18-34"}
	in := []equity.Event{
		{TrialID: "NCT1", Stage: equity.StageEnrolled, At: at("2024-03-01T10:00:00Z"), Site: "A", Strata: s, RowKey: "r1"},
		{TrialID: "NCT2", Stage: equity.StageIdentified, At: at("2024-01-01T10:00:00Z"), Site: "B", PatientID: "P1"},
		{TrialID: "NCT1", Stage: equity.StageDeclined, At: at("2024-02-01T10:00:00Z"), Site: "A", PatientID: "P2", Reasons: []string{"travel_cost"}},
		{TrialID: "NCT1", Stage: equity.StageWithdrawn, At: at("2024-03-01T10:00:00Z"), Site: "A", Strata: s, RowKey: "r1"},
	}
	ids, err := db.Events.Append(ctx, in)
	if err != nil || len(ids) != 4 || ids[0] == "" || ids[0] == ids[3] {
		t.Fatalf("Append = %v, %v", ids, err)
	}
	got, err := db.Events.List(ctx, "NCT1")
	if err != nil || len(got) != 3 {
		t.Fatalf("List = %d events, %v; want 3", len(got), err)
	}
	// Time order, and append order for the two events at the same instant.
	if got[0].Stage != equity.StageDeclined || got[1].Stage != equity.StageEnrolled || got[2].Stage != equity.StageWithdrawn {
		t.Fatalf("List order: %v %v %v", got[0].Stage, got[1].Stage, got[2].Stage)
	}
	if *got[1].Strata != *s || got[1].RowKey != "r1" || got[0].Reasons[0] != "travel_cost" || got[0].PatientID != "P2" ||
		!got[1].At.Equal(in[0].At) || got[1].ID != ids[0] || got[1].TrialID != "NCT1" {
		t.Fatalf("round trip lost data: %+v", got)
	}
	// Many events in one call, across the insert batch size.
	var many []equity.Event
	for i := range 5200 {
		many = append(many, equity.Event{TrialID: fmt.Sprintf("NCT%d", 3+i%3), Stage: equity.StageEnrolled,
			At: at("2024-05-01T00:00:00Z"), Site: "C", Strata: &equity.Strata{}})
	}
	if _, err := db.Events.Append(ctx, many); err != nil {
		t.Fatal(err)
	}
	if n, err := db.Events.Count(ctx, ""); err != nil || n != 5204 {
		t.Fatalf("Count = %d, %v; want 5204", n, err)
	}
	var trials []string
	total := 0
	err = db.Events.EachTrial(ctx, func(id string, evs []equity.Event) error {
		trials = append(trials, id)
		total += len(evs)
		for i := range evs {
			if evs[i].TrialID != id {
				return fmt.Errorf("event of %s given with %s", evs[i].TrialID, id)
			}
			if i > 0 && evs[i-1].ID >= evs[i].ID {
				return fmt.Errorf("%s: events not in append order", id)
			}
		}
		if id == "NCT1" && (evs[0].Stage != equity.StageEnrolled || evs[2].Stage != equity.StageWithdrawn) {
			return fmt.Errorf("NCT1 not in append order: %v", evs)
		}
		return nil
	})
	if err != nil || fmt.Sprint(trials) != "[NCT1 NCT2 NCT3 NCT4 NCT5]" || total != 5204 {
		t.Fatalf("EachTrial: %v, %d events, %v", trials, total, err)
	}
	// Compaction packs the loose events without changing what is read.
	db.Events.Append(ctx, []equity.Event{{TrialID: "NCT1", Stage: equity.StageEnrolled, At: at("2024-03-01T10:00:00Z"), Site: "A", Strata: s, RowKey: "r1"}})
	before, _ := db.Events.List(ctx, "NCT1")
	packed, err := db.Events.Compact(ctx)
	if err != nil || packed != 5 {
		t.Fatalf("Compact = %d, %v; want the 5 loose events packed", packed, err)
	}
	if again, err := db.Events.Compact(ctx); err != nil || again != 0 {
		t.Fatalf("second Compact = %d, %v; want nothing to do", again, err)
	}
	after, _ := db.Events.List(ctx, "NCT1")
	if b, a := mustJSON(before), mustJSON(after); a != b || len(after) != 4 || after[3].Stage != equity.StageEnrolled {
		t.Fatalf("List changed by compaction:\n%s\n%s", b, a)
	}
	if n, _ := db.Events.Count(ctx, ""); n != 5205 {
		t.Fatalf("Count after compaction = %d, want 5205", n)
	}
}

func testTargets(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if _, found, err := db.Targets.Get(ctx, "NCT1"); found || err != nil {
		t.Fatalf("Get before Put: found=%v err=%v", found, err)
	}
	bad := equity.Targets{Total: -1, Shares: map[string]map[string]float64{"smi": {"yes": 0.5, "no": 0.2}}}
	if err := db.Targets.Put(ctx, "NCT1", bad, "u"); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Fatalf("Put of invalid targets: %v, want invalid", err)
	}
	good := equity.Targets{Total: 200, EndDate: "2026-01-31", Source: equity.SourceDiversityPlan,
		Shares: map[string]map[string]float64{"smi": {"yes": 0.02, "no": 0.98}, "imdQuintile": {"1": 0.3, "2": 0.2, "3": 0.2, "4": 0.15, "5": 0.15}}}
	if err := db.Targets.Put(ctx, "NCT1", good, "u"); err != nil {
		t.Fatal(err)
	}
	got, found, err := db.Targets.Get(ctx, "NCT1")
	if err != nil || !found || got.Total != 200 || got.EndDate != "2026-01-31" || got.Source != equity.SourceDiversityPlan ||
		got.Shares["smi"]["yes"] != 0.02 || got.Shares["imdQuintile"]["1"] != 0.3 {
		t.Fatalf("Get = %+v, %v, %v", got, found, err)
	}
	good.Total = 300
	if err := db.Targets.Put(ctx, "NCT1", good, "u"); err != nil {
		t.Fatal(err)
	}
	all, err := db.Targets.All(ctx)
	if err != nil || len(all) != 1 || all["NCT1"].Total != 300 {
		t.Fatalf("All = %+v, %v", all, err)
	}
}

func testAlerts(t *testing.T, db *store.DB) {
	ctx := context.Background()
	now := at("2024-06-01T00:00:00Z")
	a := equity.Alert{TrialID: "NCT1", Dimension: "smi", Group: "yes", Status: equity.StatusAtRisk, OpenedAt: now, UpdatedAt: now}
	b := equity.Alert{TrialID: "NCT1", Dimension: "ethnicGroup", Group: "Black", Status: equity.StatusUnder, OpenedAt: now, UpdatedAt: now}
	opened, err := db.Alerts.Open(ctx, []equity.Alert{a, b})
	if err != nil || len(opened) != 2 || opened[0].ID == "" {
		t.Fatalf("Open = %+v, %v", opened, err)
	}
	// Dedupe: the same group again, alone and in a batch with a new one.
	again, err := db.Alerts.Open(ctx, []equity.Alert{a})
	if err != nil || len(again) != 0 {
		t.Fatalf("second Open of an open group = %+v, %v; want none opened", again, err)
	}
	c := equity.Alert{TrialID: "NCT2", Dimension: "smi", Group: "yes", Status: equity.StatusUnder, OpenedAt: now, UpdatedAt: now}
	mixed, err := db.Alerts.Open(ctx, []equity.Alert{a, c})
	if err != nil || len(mixed) != 1 || mixed[0].TrialID != "NCT2" {
		t.Fatalf("Open of a duplicate and a new alert = %+v, %v", mixed, err)
	}
	// Concurrent monitors cannot open duplicates.
	d := equity.Alert{TrialID: "NCT3", Dimension: "sex", Group: "male", Status: equity.StatusUnder, OpenedAt: now, UpdatedAt: now}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := db.Alerts.Open(ctx, []equity.Alert{d})
			if err != nil {
				t.Error(err)
			}
			wins.Add(int32(len(got)))
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent opens of one group succeeded; want 1", wins.Load())
	}

	open, err := db.Alerts.List(ctx, "NCT1", false)
	if err != nil || len(open) != 2 {
		t.Fatalf("List open = %d, %v", len(open), err)
	}
	// Acknowledge, idempotently; a bad id is not found.
	ack, err := db.Alerts.Acknowledge(ctx, opened[0].ID, "nurse-1", now.Add(time.Hour))
	if err != nil || ack.AcknowledgedBy != "nurse-1" || !ack.AcknowledgedAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("Acknowledge = %+v, %v", ack, err)
	}
	if ack2, err := db.Alerts.Acknowledge(ctx, opened[0].ID, "nurse-2", now.Add(2*time.Hour)); err != nil || ack2.AcknowledgedBy != "nurse-1" {
		t.Fatalf("second Acknowledge = %+v, %v; want the first kept", ack2, err)
	}
	if _, err := db.Alerts.Acknowledge(ctx, "000000000000000000000000", "x", now); !equitrial.Is(equitrial.KindNotFound, err) {
		t.Fatalf("Acknowledge of a missing alert: %v", err)
	}
	// An update that is not an escalation, made from a copy read before the
	// acknowledgement, leaves the acknowledgement alone.
	stale := opened[0]
	stale.UpdatedAt = now.Add(90 * time.Minute)
	if err := db.Alerts.Update(ctx, []equity.Alert{stale}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Alerts.Get(ctx, stale.ID); got.AcknowledgedBy != "nurse-1" {
		t.Fatalf("a plain update from a stale copy dropped the acknowledgement: %+v", got)
	}
	// Escalation clears the acknowledgement, so someone looks again.
	up := ack
	up.PreviousStatus, up.Status, up.AcknowledgedAt, up.AcknowledgedBy, up.Escalated = up.Status, equity.StatusUnder, time.Time{}, "", true
	if err := db.Alerts.Update(ctx, []equity.Alert{up}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Alerts.Get(ctx, up.ID); got.Status != equity.StatusUnder || got.PreviousStatus != equity.StatusAtRisk || got.AcknowledgedBy != "" {
		t.Fatalf("escalated alert = %+v", got)
	}
	db.Alerts.Acknowledge(ctx, opened[0].ID, "nurse-1", now.Add(time.Hour))
	// Resolve from a copy read before the acknowledgement: the group may then open a
	// new alert, and the acknowledgement is kept.
	r := opened[0]
	r.Status, r.ResolvedAt, r.UpdatedAt = equity.StatusOnTarget, now.Add(24*time.Hour), now.Add(24*time.Hour)
	if err := db.Alerts.Resolve(ctx, []equity.Alert{r}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Alerts.Acknowledge(ctx, r.ID, "x", now); !equitrial.Is(equitrial.KindConflict, err) {
		t.Fatalf("Acknowledge of a resolved alert: %v, want conflict", err)
	}
	got, err := db.Alerts.Get(ctx, r.ID)
	if err != nil || got.IsOpen() || got.Status != equity.StatusOnTarget || got.AcknowledgedBy != "nurse-1" {
		t.Fatalf("resolved alert = %+v, %v", got, err)
	}
	reopened, err := db.Alerts.Open(ctx, []equity.Alert{a})
	if err != nil || len(reopened) != 1 {
		t.Fatalf("Open after resolve = %+v, %v; want it opened", reopened, err)
	}
	all, err := db.Alerts.List(ctx, "NCT1", true)
	if err != nil || len(all) != 3 {
		t.Fatalf("List all = %d, %v; want 3", len(all), err)
	}
	byTrial, err := db.Alerts.OpenByTrial(ctx)
	if err != nil || len(byTrial["NCT1"]) != 2 || len(byTrial["NCT2"]) != 1 || len(byTrial["NCT3"]) != 1 {
		t.Fatalf("OpenByTrial = %v, %v", byTrial, err)
	}
}

func testDashboards(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if _, err := db.Dashboards.Get(ctx, "NCT1"); !equitrial.Is(equitrial.KindNotFound, err) {
		t.Fatalf("Get before Put: %v", err)
	}
	now := at("2024-06-01T00:00:00Z")
	var evs []equity.Event
	for i := range 30 {
		evs = append(evs, equity.Event{TrialID: "NCT1", Stage: equity.StageEnrolled, At: now.Add(-time.Duration(i) * 24 * time.Hour),
			Site: "A", Strata: &equity.Strata{EthnicGroup: []string{"White", "Asian"}[i%2], SMI: "no"}})
	}
	d := equity.Compute(evs, equity.Targets{Total: 100}, now, equity.Options{})
	pass := db.Dashboards.NewPass()
	if err := db.Dashboards.Put(ctx, pass, []*equity.Dashboard{&d}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Dashboards.Get(ctx, "NCT1"); !equitrial.Is(equitrial.KindNotFound, err) {
		t.Fatalf("Get before Publish: %v", err)
	}
	if err := db.Dashboards.Publish(ctx, pass); err != nil {
		t.Fatal(err)
	}
	got, err := db.Dashboards.Get(ctx, "NCT1")
	if err != nil {
		t.Fatal(err)
	}
	w := got.Dimensions["ethnicGroup"]["Asian"]
	if got.Enrolled != 30 || w.Enrolled != 15 || w.Status != d.Dimensions["ethnicGroup"]["Asian"].Status ||
		!got.AsOf.Equal(now) || len(got.Series.At) != len(d.Series.At) {
		t.Fatalf("round trip: %+v", got)
	}
	if smi := got.Dimensions["smi"]["yes"]; !math.IsNaN(float64(smi.Target)) || smi.Status != equity.StatusTargetNotSet {
		t.Fatalf("an undefined target did not round-trip: %+v", smi)
	}
	st, err := db.Dashboards.Statuses(ctx)
	// The stored statuses are those alerts are judged on: the disclosure-controlled ones.
	judged := equity.AlertStatuses(d)
	asian := equity.GroupKey{Dimension: "ethnicGroup", Group: "Asian"}
	if err != nil || st["NCT1"][asian] != judged[asian] || len(st["NCT1"]) != len(judged) {
		t.Fatalf("Statuses = %v, %v", st, err)
	}
	if one, err := db.Dashboards.StatusesOf(ctx, "NCT1"); err != nil || len(one) != len(judged) || one[asian] != judged[asian] {
		t.Fatalf("StatusesOf = %v, %v", one, err)
	}
	if none, err := db.Dashboards.StatusesOf(ctx, "NCT404"); err != nil || none != nil {
		t.Fatalf("StatusesOf a trial without a dashboard = %v, %v", none, err)
	}
	// Replace puts one trial's recomputed dashboard into the published pass at once.
	r := equity.Compute(evs[:20], equity.Targets{Total: 100}, now, equity.Options{})
	r.TrialID = "NCT1"
	if err := db.Dashboards.Replace(ctx, &r); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Dashboards.Get(ctx, "NCT1"); got.Enrolled != 20 {
		t.Fatalf("after Replace: %d enrolled, want 20", got.Enrolled)
	}
	// A second pass replaces the first once published.
	d2 := equity.Compute(evs[:10], equity.Targets{Total: 100}, now, equity.Options{})
	pass2 := db.Dashboards.NewPass()
	db.Dashboards.Put(ctx, pass2, []*equity.Dashboard{&d2})
	if got, _ := db.Dashboards.Get(ctx, "NCT1"); got.Enrolled != 20 {
		t.Fatalf("an unpublished pass was served: %d enrolled", got.Enrolled)
	}
	db.Dashboards.Publish(ctx, pass2)
	if got, _ := db.Dashboards.Get(ctx, "NCT1"); got.Enrolled != 10 {
		t.Fatalf("after the second pass: %d enrolled, want 10", got.Enrolled)
	}
	if st, _ := db.Dashboards.Statuses(ctx); len(st) != 1 {
		t.Fatalf("Statuses after two passes: %v", st)
	}
}

// Opening or resolving an alert leaves the duty to queue its webhook event with it
// until Notified; a newer duty (resolved after the opening was read) survives.
func testAlertNotices(t *testing.T, db *store.DB) {
	ctx := context.Background()
	now := at("2024-07-01T00:00:00Z")
	a := equity.Alert{TrialID: "NCT7", Dimension: "smi", Group: "yes", Status: equity.StatusUnder, OpenedAt: now, UpdatedAt: now}
	opened, err := db.Alerts.Open(ctx, []equity.Alert{a})
	if err != nil || len(opened) != 1 {
		t.Fatal(opened, err)
	}
	notices, err := db.Alerts.Unnotified(ctx)
	if err != nil || len(notices) != 1 || notices[0].Event != store.EventAlertOpened || notices[0].Alert.ID != opened[0].ID {
		t.Fatalf("Unnotified after Open = %+v, %v", notices, err)
	}
	r := opened[0]
	r.Status, r.ResolvedAt, r.UpdatedAt = equity.StatusOnTarget, now.Add(time.Hour), now.Add(time.Hour)
	if err := db.Alerts.Resolve(ctx, []equity.Alert{r}); err != nil {
		t.Fatal(err)
	}
	if err := db.Alerts.Notified(ctx, notices); err != nil { // the stale "opened" notice
		t.Fatal(err)
	}
	later, err := db.Alerts.Unnotified(ctx)
	if err != nil || len(later) != 1 || later[0].Event != store.EventAlertResolved {
		t.Fatalf("Unnotified after a stale Notified = %+v, %v; want the resolution still due", later, err)
	}
	if err := db.Alerts.Notified(ctx, later); err != nil {
		t.Fatal(err)
	}
	if rest, err := db.Alerts.Unnotified(ctx); err != nil || len(rest) != 0 {
		t.Fatalf("Unnotified after Notified = %+v, %v", rest, err)
	}
}

func testJobRuns(t *testing.T, db *store.DB) {
	ctx := context.Background()
	t0 := at("2024-06-01T00:00:00Z")
	if last, err := db.JobRuns.LastSucceeded(ctx, "j"); err != nil || !last.IsZero() {
		t.Fatalf("LastSucceeded with no runs = %v, %v", last, err)
	}
	id1, err := db.JobRuns.Start(ctx, "j", "h1", "schedule", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.JobRuns.Finish(ctx, id1, store.RunSucceeded, "", "did 3 things", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	id2, _ := db.JobRuns.Start(ctx, "j", "h2", "manual", t0.Add(time.Minute))
	db.JobRuns.Finish(ctx, id2, store.RunFailed, "boom", "", t0.Add(2*time.Minute))
	id3, _ := db.JobRuns.Start(ctx, "other", "h1", "schedule", t0.Add(time.Hour))
	runs, err := db.JobRuns.Recent(ctx, "j", 10)
	if err != nil || len(runs) != 2 || runs[0].ID != id2 || runs[0].Outcome != store.RunFailed || runs[0].Error != "boom" ||
		runs[1].Detail != "did 3 things" || !runs[1].EndedAt.Equal(t0.Add(time.Second)) || runs[0].Trigger != "manual" {
		t.Fatalf("Recent = %+v, %v", runs, err)
	}
	if r, err := db.JobRuns.Get(ctx, id3); err != nil || r.Outcome != store.RunRunning || !r.EndedAt.IsZero() {
		t.Fatalf("Get running = %+v, %v", r, err)
	}
	if all, _ := db.JobRuns.Recent(ctx, "", 10); len(all) != 3 {
		t.Fatalf("Recent of all jobs = %d runs", len(all))
	}
	if last, err := db.JobRuns.LastSucceeded(ctx, "j"); err != nil || !last.Equal(t0) {
		t.Fatalf("LastSucceeded = %v, %v; want the first run's start", last, err)
	}
}

func testLeases(t *testing.T, db *store.DB) {
	ctx := context.Background()
	ok, err := db.Leases.Acquire(ctx, "j", "a", time.Minute)
	if err != nil || !ok {
		t.Fatalf("first Acquire = %v, %v", ok, err)
	}
	if ok, err := db.Leases.Acquire(ctx, "j", "b", time.Minute); err != nil || ok {
		t.Fatalf("Acquire of a live lease by another = %v, %v", ok, err)
	}
	if ok, err := db.Leases.Acquire(ctx, "j", "a", time.Minute); err != nil || !ok {
		t.Fatalf("re-Acquire by the holder = %v, %v", ok, err)
	}
	if ok, err := db.Leases.Renew(ctx, "j", "b", time.Minute); err != nil || ok {
		t.Fatalf("Renew by a non-holder = %v, %v", ok, err)
	}
	if err := db.Leases.Release(ctx, "j", "b"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.Leases.Acquire(ctx, "j", "b", time.Minute); ok {
		t.Fatal("a release by a non-holder freed the lease")
	}
	if err := db.Leases.Release(ctx, "j", "a"); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.Leases.Acquire(ctx, "j", "b", time.Minute); err != nil || !ok {
		t.Fatalf("Acquire after release = %v, %v", ok, err)
	}
	if ok, _ := db.Leases.Renew(ctx, "j", "a", time.Minute); ok {
		t.Fatal("the old holder renewed a lease it lost")
	}
	// A dead holder's lease is taken over after it expires, not before.
	if ok, _ := db.Leases.Acquire(ctx, "k", "dead", 400*time.Millisecond); !ok {
		t.Fatal("could not take a fresh lease")
	}
	if ok, _ := db.Leases.Acquire(ctx, "k", "live", time.Minute); ok {
		t.Fatal("a live lease was taken over")
	}
	time.Sleep(500 * time.Millisecond)
	if ok, err := db.Leases.Acquire(ctx, "k", "live", time.Minute); err != nil || !ok {
		t.Fatalf("an expired lease was not taken over: %v, %v", ok, err)
	}
	if l, ok, err := db.Leases.Get(ctx, "k"); err != nil || !ok || l.Holder != "live" {
		t.Fatalf("Get = %+v, %v, %v", l, ok, err)
	}
	// Concurrent acquisitions, of a new lease and of an expired one: exactly one
	// contender wins each time.
	for round := range 20 {
		job := fmt.Sprintf("race%d", round)
		if round%2 == 1 {
			db.Leases.Acquire(ctx, job, "gone", time.Millisecond)
			time.Sleep(5 * time.Millisecond)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := db.Leases.Acquire(ctx, job, fmt.Sprintf("h%d", i), time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("round %d: %d concurrent acquisitions won; want 1", round, wins.Load())
		}
	}
}

func testWebhooks(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if err := db.Webhooks.Put(ctx, store.Webhook{Org: "o", URL: "ftp://x", Secret: "0123456789abcdef"}); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Fatalf("Put with a bad URL: %v", err)
	}
	if err := db.Webhooks.Put(ctx, store.Webhook{Org: "o", URL: "https://example.org/hook", Secret: "short"}); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Fatalf("Put with a short secret: %v", err)
	}
	if err := db.Webhooks.Put(ctx, store.Webhook{Org: "o", URL: "https://example.org/hook", Secret: "0123456789abcdef"}); err != nil {
		t.Fatal(err)
	}
	w, ok, err := db.Webhooks.Get(ctx, "o")
	if err != nil || !ok || w.Secret != "0123456789abcdef" || w.URL != "https://example.org/hook" {
		t.Fatalf("Get = %+v, %v, %v", w, ok, err)
	}
	if _, ok, _ := db.Webhooks.Get(ctx, "nobody"); ok {
		t.Fatal("Get of an organisation without a webhook found one")
	}
	q, err := db.Webhooks.Queue(ctx, []store.Delivery{{Org: "o", Event: "alert.opened", TrialID: "NCT1", AlertID: "a1", Payload: `{"x":1}`},
		{Org: "o", Event: "alert.resolved", TrialID: "NCT1", AlertID: "a2", Payload: `{"x":2}`}})
	if err != nil || len(q) != 2 || q[0].ID == "" || q[0].Status != store.DeliveryPending {
		t.Fatalf("Queue = %+v, %v", q, err)
	}
	now := time.Now()
	if err := db.Webhooks.RecordAttempt(ctx, q[0].ID, store.Attempt{At: now, StatusCode: 500, DurationMs: 3}, store.DeliveryPending); err != nil {
		t.Fatal(err)
	}
	if err := db.Webhooks.RecordAttempt(ctx, q[0].ID, store.Attempt{At: now, StatusCode: 204, DurationMs: 2}, store.DeliveryDelivered); err != nil {
		t.Fatal(err)
	}
	pending, err := db.Webhooks.Pending(ctx, 10)
	if err != nil || len(pending) != 1 || pending[0].ID != q[1].ID || pending[0].Payload != `{"x":2}` {
		t.Fatalf("Pending = %+v, %v", pending, err)
	}
	ds, err := db.Webhooks.Deliveries(ctx, "o", 10)
	if err != nil || len(ds) != 2 {
		t.Fatalf("Deliveries = %+v, %v", ds, err)
	}
	var done store.Delivery
	for _, d := range ds {
		if d.ID == q[0].ID {
			done = d
		}
	}
	if done.Status != store.DeliveryDelivered || len(done.Attempts) != 2 || done.Attempts[0].StatusCode != 500 || done.DeliveredAt == nil {
		t.Fatalf("delivered = %+v", done)
	}
	// Queueing an alert's event for an organisation again adds nothing.
	again, err := db.Webhooks.Queue(ctx, []store.Delivery{{Org: "o", Event: "alert.resolved", TrialID: "NCT1", AlertID: "a2", Payload: `{"x":3}`},
		{Org: "o", Event: "alert.opened", TrialID: "NCT1", AlertID: "a3", Payload: `{"x":4}`}})
	if err != nil || len(again) != 1 || again[0].AlertID != "a3" {
		t.Fatalf("Queue again = %+v, %v; want only the new one", again, err)
	}
	// Claims: a delivery held by one sender is not given to another until the lease lapses.
	c1, err := db.Webhooks.Claim(ctx, 10, time.Minute)
	if err != nil || len(c1) != 2 {
		t.Fatalf("Claim = %+v, %v; want the 2 pending", c1, err)
	}
	if c2, err := db.Webhooks.Claim(ctx, 10, time.Minute); err != nil || len(c2) != 0 {
		t.Fatalf("second Claim = %+v, %v; want none", c2, err)
	}
	db.Webhooks.RecordAttempt(ctx, c1[0].ID, store.Attempt{At: now, StatusCode: 204}, store.DeliveryDelivered)
	db.Webhooks.RecordAttempt(ctx, c1[1].ID, store.Attempt{At: now, StatusCode: 400}, store.DeliveryFailed)
	if p, _ := db.Webhooks.Pending(ctx, 10); len(p) != 0 {
		t.Fatalf("pending after both were settled: %+v", p)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
