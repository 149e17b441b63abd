package store

import "context"

// openEquity sets up the repositories of equity monitoring and scheduled jobs and
// returns their index builders, for Connect to run one by one.
func (d *DB) openEquity() []func(context.Context) error {
	d.Events = &Events{c: d.db.Collection("equity_events"), segments: d.db.Collection("equity_event_segments")}
	d.Targets = &Targets{c: d.db.Collection("equity_targets")}
	d.Alerts = &Alerts{c: d.db.Collection("equity_alerts")}
	d.Dashboards = &Dashboards{c: d.db.Collection("equity_dashboards"), meta: d.db.Collection("equity_dashboard_passes")}
	d.JobRuns = &JobRuns{c: d.db.Collection("job_runs")}
	d.Leases = &Leases{c: d.db.Collection("job_leases")}
	d.RegionalShares = &RegionalShares{c: d.db.Collection("regional_ethnicity")}
	d.Webhooks = &Webhooks{c: d.db.Collection("webhooks"), deliveries: d.db.Collection("webhook_deliveries")}
	return []func(context.Context) error{d.Events.ensureIndexes, d.Alerts.ensureIndexes, d.JobRuns.ensureIndexes,
		d.Webhooks.ensureIndexes}
}
