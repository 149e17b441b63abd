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
// its recruitment log, opens, updates and resolves alerts, and queues webhooks for
// alerts opened and resolved (the Sender sends them in the background).
type Monitor struct {
	DB         *store.DB
	Strata     PatientStrata
	Impact     ImpactSource
	ImpactRule equity.ImpactRule // zero: 1.5× the overall rate, at least 10 in the group
	Defaults   *equity.Targets   // for dimensions a trial sets no target for; nil: equity.DefaultTargets()
	// OrgsOf names the organisations whose webhooks hear about a trial's alerts. nil:
	// the sponsor organisations whose trial lists include it (store.Orgs).
	OrgsOf func(ctx context.Context, nctID string) ([]string, error)
	// Sender is woken when a pass queues deliveries; its Run sends them in the
	// background. nil: deliveries are queued for whichever sender runs.
	Sender *Sender
	Now    func() time.Time
	Log    *slog.Logger

	faults func(step string) error // tests: fail a pass between its writes

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
//
// Its writes come in an order that makes the published dashboards the commit
// point: the new dashboards are stored unpublished, then alerts are opened,
// updated and resolved (each opening or resolution carrying the duty to tell
// sponsors), then the webhook deliveries those duties call for are queued in the
// outbox, and only then are the dashboards — whose statuses the next pass compares
// against — published. A pass that stops or fails anywhere before that leaves the
// previous statuses in force, so the next pass plans the same alerts again; a duty
// left undone is carried out by the next pass. Deliveries are sent by the Sender's
// background worker, never here: a dead receiver cannot hold up a pass.
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
		p := equity.PlanAlerts(id, prev[id], equity.AlertStatuses(d), open[id], now)
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
	opened, err := m.writeAlerts(ctx, plan)
	res.Opened, res.Updated, res.Resolved = opened, len(plan.Update), len(plan.Resolve)
	if err != nil {
		return res, err
	}
	res.Write += time.Since(w)
	ds := time.Now()
	if res.Queued, err = m.queueNotices(ctx); err != nil {
		return res, fmt.Errorf("queueing webhooks: %w", err)
	}
	res.Deliveries = time.Since(ds)
	w = time.Now()
	if err := m.fault("publish"); err != nil {
		return res, err
	}
	if err := m.DB.Dashboards.Publish(ctx, pass); err != nil {
		return res, fmt.Errorf("publishing dashboards: %w", err)
	}
	res.Write += time.Since(w)
	if m.Sender != nil && res.Queued > 0 {
		m.Sender.Kick()
	}
	return res, nil
}

// fault is the test hook between a pass's writes: an error from it stops the pass
// there, as a crash or a failed write would.
func (m *Monitor) fault(step string) error {
	if m.faults == nil {
		return nil
	}
	return m.faults(step)
}

// writeAlerts stores a plan: alerts opened (with their duty to notify), updated and
// resolved. It returns how many were opened.
func (m *Monitor) writeAlerts(ctx context.Context, plan equity.AlertPlan) (int, error) {
	if err := m.fault("alerts"); err != nil {
		return 0, err
	}
	opened, err := m.DB.Alerts.Open(ctx, plan.Open)
	if err != nil {
		return 0, fmt.Errorf("opening alerts: %w", err)
	}
	if err := m.DB.Alerts.Update(ctx, plan.Update); err != nil {
		return len(opened), fmt.Errorf("updating alerts: %w", err)
	}
	if err := m.DB.Alerts.Resolve(ctx, plan.Resolve); err != nil {
		return len(opened), fmt.Errorf("resolving alerts: %w", err)
	}
	return len(opened), nil
}

// Refresh recomputes one trial's dashboard now, as a pass would (its alerts
// planned, written and queued for webhooks the same way), and puts it in the
// published pass so it is served at once: what saving a trial's targets does.
func (m *Monitor) Refresh(ctx context.Context, nctID string) (equity.Dashboard, error) {
	d, err := m.Compute(ctx, nctID)
	if err != nil {
		return d, err
	}
	prev, err := m.DB.Dashboards.StatusesOf(ctx, nctID)
	if err != nil {
		return d, err
	}
	open, err := m.DB.Alerts.List(ctx, nctID, false)
	if err != nil {
		return d, err
	}
	plan := equity.PlanAlerts(nctID, prev, equity.AlertStatuses(d), open, m.now())
	if _, err := m.writeAlerts(ctx, plan); err != nil {
		return d, err
	}
	queued, err := m.queueNotices(ctx)
	if err != nil {
		return d, fmt.Errorf("queueing webhooks: %w", err)
	}
	if err := m.DB.Dashboards.Replace(ctx, &d); err != nil {
		return d, err
	}
	if m.Sender != nil && queued > 0 {
		m.Sender.Kick()
	}
	return d, nil
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

// AlertEvent is the JSON body of a webhook delivery. Its alert's status is the one
// alerts are judged on (equity.AlertStatuses): the sponsor's dashboard's.
type AlertEvent struct {
	Event  string       `json:"event"` // alert.opened or alert.resolved
	NCTID  string       `json:"nctId"`
	Alert  equity.Alert `json:"alert"`
	SentAt time.Time    `json:"createdAt"`
}

// queueNotices puts in the outbox a webhook delivery for every alert whose opening
// or resolution is not yet queued, for every organisation with a webhook that
// hears about the trial, then records the duties done. Queueing is idempotent (one
// delivery per organisation, alert and event), so a pass stopped between the two
// writes sends nothing twice.
func (m *Monitor) queueNotices(ctx context.Context) (int, error) {
	if err := m.fault("outbox"); err != nil {
		return 0, err
	}
	notices, err := m.DB.Alerts.Unnotified(ctx)
	if err != nil || len(notices) == 0 {
		return 0, err
	}
	sponsors, err := m.sponsorsOf(ctx)
	if err != nil {
		return 0, err
	}
	hooks := map[string]bool{}
	orgsOf := map[string][]string{}
	var out []store.Delivery
	for _, n := range notices {
		a := n.Alert
		orgs, ok := orgsOf[a.TrialID]
		if !ok {
			if orgs, err = sponsors(ctx, a.TrialID); err != nil {
				return 0, err
			}
			orgsOf[a.TrialID] = orgs
		}
		for _, org := range orgs {
			has, seen := hooks[org]
			if !seen {
				_, ok, err := m.DB.Webhooks.Get(ctx, org)
				if err != nil {
					return 0, err
				}
				has, hooks[org] = ok, ok
			}
			if !has {
				continue
			}
			body, err := json.Marshal(AlertEvent{Event: n.Event, NCTID: a.TrialID, Alert: a, SentAt: m.now()})
			if err != nil {
				return 0, err
			}
			out = append(out, store.Delivery{Org: org, Event: n.Event, TrialID: a.TrialID, AlertID: a.ID, Payload: string(body)})
		}
	}
	q, err := m.DB.Webhooks.Queue(ctx, out)
	if err != nil {
		return 0, err
	}
	if err := m.fault("notified"); err != nil {
		return len(q), err
	}
	return len(q), m.DB.Alerts.Notified(ctx, notices)
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
