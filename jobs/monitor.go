package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"equitrial/equity"
	"equitrial/store"
)

// Job names.
const (
	JobEquityMonitor = "equity-monitor"
	JobIndexSync     = "index-sync"
	JobIndexSyncFull = "index-sync-full"
	JobRematch       = "rematch"
	JobPurge         = "purge"
)

// PatientStrata gives the strata of equitrial patients by id (patients not known
// are left out of the map). Patient records come with issue 4; until then nil, and
// events' own strata are used.
type PatientStrata func(ctx context.Context, patientIDs []string) (map[string]equity.Strata, error)

// ImpactSource gives a trial's parsed criteria and, for every registered patient
// with the trial's condition, which criteria exclude them. nil: no criterion impact.
type ImpactSource func(ctx context.Context, nctID string) (criteria []string, patients []equity.ImpactPatient, err error)

// Monitor is the equity monitor: each pass recomputes every trial's dashboard from
// its recruitment log, opens, updates and resolves alerts, and sends webhooks for
// alerts opened and resolved.
type Monitor struct {
	DB         *store.DB
	Strata     PatientStrata
	Impact     ImpactSource
	ImpactRule equity.ImpactRule // zero: 1.5× the overall rate, at least 10 in the group
	Defaults   *equity.Targets   // for dimensions a trial sets no target for; nil: equity.DefaultTargets()
	// OrgsOf names the organisations whose webhooks hear about a trial's alerts. nil:
	// the sponsor organisations whose trial lists include it (store.Orgs).
	OrgsOf func(ctx context.Context, nctID string) ([]string, error)
	Sender *Sender // nil: deliveries are queued but not sent
	Now    func() time.Time
	Log    *slog.Logger

	regionalMu sync.Mutex
	regional   map[string]map[string]float64 // the regional table, read at most once a minute
	regionalAt time.Time
}

// regionalTable is the regional table of ethnic groups, read from the store at most
// once a minute: a pass over 10,000 trials must not read it 10,000 times.
func (m *Monitor) regionalTable(ctx context.Context) (map[string]map[string]float64, error) {
	m.regionalMu.Lock()
	defer m.regionalMu.Unlock()
	if m.regional != nil && time.Since(m.regionalAt) < time.Minute {
		return m.regional, nil
	}
	table, err := m.DB.RegionalShares.Table(ctx)
	if err != nil {
		return nil, err
	}
	m.regional, m.regionalAt = table, time.Now()
	return table, nil
}

// PassResult says what a pass did and where its time went.
type PassResult struct {
	Trials     int           `json:"trials"`
	Events     int           `json:"events"`
	Opened     int           `json:"opened"`
	Updated    int           `json:"updated"`
	Resolved   int           `json:"resolved"`
	Queued     int           `json:"queued"`
	Delivered  int           `json:"delivered"`
	Compact    time.Duration `json:"compact"` // packing loose events into segments
	Read       time.Duration `json:"read"`    // reading events, targets, statuses and alerts
	Compute    time.Duration `json:"compute"` // folding and computing
	Write      time.Duration `json:"write"`   // storing dashboards and alerts
	Deliveries time.Duration `json:"deliveries"`
}

func (r PassResult) String() string {
	return fmt.Sprintf("%d trials, %d events; alerts %d opened, %d updated, %d resolved; webhooks %d queued, %d delivered; compact %s, read %s, compute %s, write %s",
		r.Trials, r.Events, r.Opened, r.Updated, r.Resolved, r.Queued, r.Delivered,
		r.Compact.Round(time.Millisecond), r.Read.Round(time.Millisecond), r.Compute.Round(time.Millisecond), r.Write.Round(time.Millisecond))
}

// Job is the monitor as a scheduled job.
func (m *Monitor) Job(schedule string) Job {
	return Job{Name: JobEquityMonitor, Schedule: schedule, Run: func(ctx context.Context) (string, error) {
		r, err := m.Pass(ctx)
		return r.String(), err
	}}
}

func (m *Monitor) now() time.Time {
	if m.Now != nil {
		return m.Now().UTC()
	}
	return time.Now().UTC()
}

func (m *Monitor) log() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.New(slog.DiscardHandler)
}

// dashboardBatch is how many dashboards are written per bulk request.
const dashboardBatch = 500

// Pass runs the monitor once over every trial with recruitment events.
func (m *Monitor) Pass(ctx context.Context) (PassResult, error) {
	var res PassResult
	now := m.now()
	t0 := time.Now()
	// Pack events posted since the last pass, so the scan below reads few documents.
	if _, err := m.DB.Events.Compact(ctx); err != nil {
		return res, fmt.Errorf("compacting events: %w", err)
	}
	res.Compact = time.Since(t0)
	t0 = time.Now()
	targets, err := m.DB.Targets.All(ctx)
	if err != nil {
		return res, fmt.Errorf("reading targets: %w", err)
	}
	prev, err := m.DB.Dashboards.Statuses(ctx)
	if err != nil {
		return res, fmt.Errorf("reading statuses: %w", err)
	}
	open, err := m.DB.Alerts.OpenByTrial(ctx)
	if err != nil {
		return res, fmt.Errorf("reading alerts: %w", err)
	}
	var plan equity.AlertPlan
	pass := m.DB.Dashboards.NewPass()
	batch := make([]*equity.Dashboard, 0, dashboardBatch)
	flush := func() error {
		w := time.Now()
		err := m.DB.Dashboards.Put(ctx, pass, batch)
		res.Write += time.Since(w)
		batch = batch[:0]
		return err
	}
	var inFn time.Duration
	err = m.DB.Events.EachTrial(ctx, func(id string, events []equity.Event) error {
		fnStart := time.Now()
		defer func() { inFn += time.Since(fnStart) }()
		res.Trials++
		res.Events += len(events)
		tg := targets[id]
		d, err := m.compute(ctx, id, events, tg, now)
		if err != nil {
			return err
		}
		p := equity.PlanAlerts(id, prev[id], d.Statuses(), open[id], now)
		plan.Open = append(plan.Open, p.Open...)
		plan.Update = append(plan.Update, p.Update...)
		plan.Resolve = append(plan.Resolve, p.Resolve...)
		res.Compute += time.Since(fnStart)
		batch = append(batch, &d)
		if len(batch) == dashboardBatch {
			return flush()
		}
		return nil
	})
	res.Read = time.Since(t0) - inFn // targets, statuses, alerts and the scan of the log
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	if err != nil {
		return res, err
	}
	w := time.Now()
	if err := m.DB.Dashboards.Publish(ctx, pass); err != nil {
		return res, fmt.Errorf("publishing dashboards: %w", err)
	}
	opened, err := m.DB.Alerts.Open(ctx, plan.Open)
	if err != nil {
		return res, fmt.Errorf("opening alerts: %w", err)
	}
	if err := m.DB.Alerts.Update(ctx, plan.Update); err != nil {
		return res, fmt.Errorf("updating alerts: %w", err)
	}
	if err := m.DB.Alerts.Resolve(ctx, plan.Resolve); err != nil {
		return res, fmt.Errorf("resolving alerts: %w", err)
	}
	res.Opened, res.Updated, res.Resolved = len(opened), len(plan.Update), len(plan.Resolve)
	res.Write += time.Since(w)

	ds := time.Now()
	res.Queued, err = m.queue(ctx, opened, plan.Resolve)
	if err != nil {
		return res, fmt.Errorf("queueing webhooks: %w", err)
	}
	if m.Sender != nil {
		delivered, _, err := m.Sender.SendPending(ctx)
		res.Delivered = delivered
		if err != nil {
			return res, fmt.Errorf("sending webhooks: %w", err)
		}
	}
	res.Deliveries = time.Since(ds)
	return res, nil
}

// compute builds one trial's dashboard: strata looked up for its patients, targets
// with defaults, criterion impact from the impact source.
func (m *Monitor) compute(ctx context.Context, id string, events []equity.Event, targets equity.Targets, now time.Time) (equity.Dashboard, error) {
	opts := equity.Options{Defaults: m.Defaults}
	if targets.Region != "" {
		table, err := m.regionalTable(ctx)
		if err != nil {
			return equity.Dashboard{}, fmt.Errorf("%s: regional table: %w", id, err)
		}
		if def, ok := equity.RegionalDefaults(table, targets.Region); ok {
			opts.Defaults = &def
		}
	}
	if m.Strata != nil {
		var ids []string
		seen := map[string]bool{}
		for i := range events {
			if p := events[i].PatientID; p != "" && !seen[p] {
				seen[p] = true
				ids = append(ids, p)
			}
		}
		if len(ids) > 0 {
			strata, err := m.Strata(ctx, ids)
			if err != nil {
				return equity.Dashboard{}, fmt.Errorf("%s: patient strata: %w", id, err)
			}
			opts.Lookup = func(p string) (equity.Strata, bool) { s, ok := strata[p]; return s, ok }
		}
	}
	d := equity.Compute(events, targets, now, opts)
	d.TrialID = id
	if m.Impact != nil {
		criteria, patients, err := m.Impact(ctx, id)
		if err != nil {
			return equity.Dashboard{}, fmt.Errorf("%s: criterion impact: %w", id, err)
		}
		d.CriterionImpact = equity.Impact(criteria, patients, m.ImpactRule)
	}
	return d, nil
}

// Compute builds a trial's dashboard now, from its stored log and targets, without
// storing anything: what the API serves for a trial the monitor has not reached yet.
func (m *Monitor) Compute(ctx context.Context, nctID string) (equity.Dashboard, error) {
	events, err := m.DB.Events.List(ctx, nctID)
	if err != nil {
		return equity.Dashboard{}, err
	}
	targets, _, err := m.DB.Targets.Get(ctx, nctID)
	if err != nil {
		return equity.Dashboard{}, err
	}
	return m.compute(ctx, nctID, events, targets, m.now())
}

// AlertEvent is the JSON body of a webhook delivery.
type AlertEvent struct {
	Event  string       `json:"event"` // alert.opened or alert.resolved
	NCTID  string       `json:"nctId"`
	Alert  equity.Alert `json:"alert"`
	SentAt time.Time    `json:"createdAt"`
}

// queue records a webhook delivery for each opened and resolved alert, for every
// organisation with a webhook that hears about the trial.
func (m *Monitor) queue(ctx context.Context, opened, resolved []equity.Alert) (int, error) {
	if len(opened)+len(resolved) == 0 {
		return 0, nil
	}
	sponsors, err := m.sponsorsOf(ctx)
	if err != nil {
		return 0, err
	}
	hooks := map[string]bool{}
	orgsOf := map[string][]string{}
	var out []store.Delivery
	add := func(event string, a equity.Alert) error {
		orgs, ok := orgsOf[a.TrialID]
		if !ok {
			var err error
			if orgs, err = sponsors(ctx, a.TrialID); err != nil {
				return err
			}
			orgsOf[a.TrialID] = orgs
		}
		for _, org := range orgs {
			has, seen := hooks[org]
			if !seen {
				_, ok, err := m.DB.Webhooks.Get(ctx, org)
				if err != nil {
					return err
				}
				has, hooks[org] = ok, ok
			}
			if !has {
				continue
			}
			body, err := json.Marshal(AlertEvent{Event: event, NCTID: a.TrialID, Alert: a, SentAt: m.now()})
			if err != nil {
				return err
			}
			out = append(out, store.Delivery{Org: org, Event: event, TrialID: a.TrialID, AlertID: a.ID, Payload: string(body)})
		}
		return nil
	}
	for _, a := range opened {
		if err := add("alert.opened", a); err != nil {
			return 0, err
		}
	}
	for _, a := range resolved {
		if err := add("alert.resolved", a); err != nil {
			return 0, err
		}
	}
	q, err := m.DB.Webhooks.Queue(ctx, out)
	return len(q), err
}

// sponsorsOf returns the default OrgsOf for one pass: the sponsor organisations
// whose trial lists include the trial (read once per pass).
func (m *Monitor) sponsorsOf(ctx context.Context) (func(context.Context, string) ([]string, error), error) {
	if m.OrgsOf != nil {
		return m.OrgsOf, nil
	}
	orgs, err := m.DB.Orgs.List(ctx)
	if err != nil {
		return nil, err
	}
	byTrial := map[string][]string{}
	for _, o := range orgs {
		if o.Kind != "sponsor" {
			continue
		}
		for _, t := range o.Trials {
			byTrial[t] = append(byTrial[t], o.ID)
		}
	}
	return func(_ context.Context, id string) ([]string, error) { return byTrial[id], nil }, nil
}
