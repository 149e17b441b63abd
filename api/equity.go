package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/equity"
	"equitrial/jobs"
	"equitrial/store"
)

// EquityDeps are what the equity, alert, webhook and job endpoints need.
type EquityDeps struct {
	DB      *store.DB
	Monitor *jobs.Monitor   // computes a dashboard on demand for a trial the monitor has not reached; nil: a plain one over DB
	Jobs    *jobs.Scheduler // nil: the job endpoints answer 503
}

const maxEventsPerRequest = 10000

// getEquity serves a trial's equity dashboard: the one stored by the last monitor
// pass, or, for a trial the monitor has not reached yet (events or targets just
// posted), one computed now and not stored. Alerts are always read fresh, since
// users acknowledge them between passes. Sponsors get the disclosure-controlled view.
func (s *Server) getEquity(c *gin.Context) error {
	_, d, err := s.dashboardFromPath(c)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, d)
	return nil
}

// dashboardFromPath is the dashboard of the trial the path names, after the checks
// of trialFromPath: the JSON and CSV views serve the same dashboard, so they share
// this.
func (s *Server) dashboardFromPath(c *gin.Context) (string, equity.Dashboard, error) {
	id, err := s.trialFromPath(c)
	if err != nil {
		return "", equity.Dashboard{}, err
	}
	d, err := s.dashboardFor(c, id)
	return id, d, err
}

// dashboardFor is a trial's dashboard as the caller may see it, with its open
// alerts: the stored one (or one computed now), through equityResponse.
func (s *Server) dashboardFor(c *gin.Context, id string) (equity.Dashboard, error) {
	ctx := c.Request.Context()
	db := s.Equity.DB
	d, err := db.Dashboards.Get(ctx, id)
	if equitrial.Is(equitrial.KindNotFound, err) {
		d, err = s.monitor().Compute(ctx, id)
		c.Header("X-Equitrial-Dashboard", "computed-now")
	} else if err == nil {
		c.Header("X-Equitrial-Dashboard", "monitor")
	}
	if err != nil {
		return d, err
	}
	if d.Alerts, err = db.Alerts.List(ctx, id, false); err != nil {
		return d, err
	}
	if d.Alerts == nil {
		d.Alerts = []equity.Alert{}
	}
	return equityResponse(d, exactCounts(c)), nil
}

// equityResponse is the last step of every view of a dashboard: site staff and
// admins see exact counts; everyone else the sponsor's view, with counts below 8
// withheld and others rounded to 5, and every figure recomputed from those. Either
// way the alerts shown with it take their groups' statuses from the same figures.
func equityResponse(d equity.Dashboard, exact bool) equity.Dashboard {
	if exact {
		d.Alerts = equity.AlertsFor(d, d.Alerts)
		return d
	}
	return equity.SponsorView(d)
}

func (s *Server) monitor() *jobs.Monitor {
	if s.Equity.Monitor != nil {
		return s.Equity.Monitor
	}
	return &jobs.Monitor{DB: s.Equity.DB}
}

// trialFromPath is the trial the path names (:nctId), once the caller may see it
// and the store has it: every per-trial equity endpoint opens with these checks,
// in this order (403 before 404), so they share this.
func (s *Server) trialFromPath(c *gin.Context) (string, error) {
	id := c.Param("nctId")
	if err := s.requireTrialAccess(c, id); err != nil {
		return "", err
	}
	if err := s.requireTrial(c, id); err != nil {
		return "", err
	}
	return id, nil
}

// requireTrial answers 404 for a trial not in the store.
func (s *Server) requireTrial(c *gin.Context, id string) error {
	if s.Equity.DB == nil {
		return equitrial.Errorf(equitrial.KindUnavailable, "equity monitoring is not configured")
	}
	_, err := s.Equity.DB.Trials.Get(c.Request.Context(), id)
	return err
}

func (s *Server) getTargets(c *gin.Context) error {
	id, err := s.trialFromPath(c)
	if err != nil {
		return err
	}
	t, found, err := s.Equity.DB.Targets.Get(c.Request.Context(), id)
	if err != nil {
		return err
	}
	if !found {
		return equitrial.Errorf(equitrial.KindNotFound, "no targets are set for %s: its dashboard uses the defaults (IMD 20%% per quintile, 2021 census ethnicity, no SMI target)", id)
	}
	c.JSON(http.StatusOK, t)
	return nil
}

func (s *Server) putTargets(c *gin.Context) error {
	id, err := s.trialFromPath(c)
	if err != nil {
		return err
	}
	var t equity.Targets
	if err := decodeJSON(c, &t); err != nil {
		return err
	}
	if t.Region != "" {
		table, err := s.Equity.DB.RegionalShares.Table(c.Request.Context())
		if err != nil {
			return err
		}
		if _, ok := table[t.Region]; !ok {
			return equitrial.Invalid("", equitrial.FieldError{Field: "region",
				Detail: regionChoices(table)})
		}
	}
	if err := s.Equity.DB.Targets.Put(c.Request.Context(), id, t, callerName(callerOf(c))); err != nil {
		return err
	}
	// The dashboard (and its alerts) follow the new targets at once, not at the
	// next monitor pass. The targets are saved either way.
	if _, err := s.monitor().Refresh(c.Request.Context(), id); err != nil {
		s.log.Error("recomputing a dashboard after its targets changed", "trial", id, "error", err.Error())
		c.Header("X-Equitrial-Dashboard", "stale")
	}
	c.JSON(http.StatusOK, t)
	return nil
}

func callerName(c Caller) string {
	if c.UserID != "" {
		return c.UserID
	}
	return string(c.Role)
}

// eventInput is an event as a client sends it: the trial comes from the path and
// the id from the store, so neither may be given.
type eventInput struct {
	Stage     equity.Stage   `json:"stage"`
	At        string         `json:"at"`
	Site      string         `json:"site"`
	PatientID string         `json:"patientId,omitempty"`
	Strata    *equity.Strata `json:"strata,omitempty"`
	RowKey    string         `json:"rowKey,omitempty"`
	Reasons   []string       `json:"reasons,omitempty"`
}

// parseTime reads an RFC 3339 time or a date (taken as midnight UTC).
func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

func parseEvent(item json.RawMessage, trialID string) (equity.Event, []equitrial.FieldError) {
	var in eventInput
	if err := DecodeStrict(item, &in); err != nil {
		var e *equitrial.Error
		if errors.As(err, &e) && len(e.Fields) > 0 {
			return equity.Event{}, e.Fields
		}
		return equity.Event{}, []equitrial.FieldError{{Field: "event", Detail: err.Error()}}
	}
	e := equity.Event{TrialID: trialID, Stage: in.Stage, Site: in.Site, PatientID: in.PatientID, Strata: in.Strata,
		RowKey: in.RowKey, Reasons: in.Reasons}
	var fields []equitrial.FieldError
	if in.At != "" {
		t, ok := parseTime(in.At)
		if !ok {
			fields = append(fields, equitrial.FieldError{Field: "at", Detail: "must be a time (RFC 3339, e.g. 2025-03-01T10:30:00Z) or a date (YYYY-MM-DD)"})
		}
		e.At = t
	}
	var ve *equitrial.Error
	if errors.As(e.Validate(), &ve) {
		for _, f := range ve.Fields {
			if f.Field == "at" && len(fields) > 0 {
				continue // already said why
			}
			fields = append(fields, f)
		}
	}
	if !e.At.IsZero() && e.At.After(time.Now().Add(24*time.Hour)) {
		fields = append(fields, equitrial.FieldError{Field: "at", Detail: "is in the future"})
	}
	return e, fields
}

func (s *Server) appendEvents(c *gin.Context, events []equity.Event) error {
	ids, err := s.Equity.DB.Events.Append(c.Request.Context(), events)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"stored": len(ids), "ids": ids})
	return nil
}

func (s *Server) listAlerts(c *gin.Context) error {
	id, err := s.trialFromPath(c)
	if err != nil {
		return err
	}
	all := c.Query("status") == "all"
	alerts, err := s.Equity.DB.Alerts.List(c.Request.Context(), id, all)
	if err != nil {
		return err
	}
	if alerts == nil {
		alerts = []equity.Alert{}
	}
	// Open alerts read with their groups' statuses on the dashboard the caller sees,
	// so the list and the dashboard never disagree.
	d, err := s.dashboardFor(c, id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"alerts": equity.AlertsFor(d, alerts)})
	return nil
}

// jobStatus is a job with its schedule and latest runs.
type jobStatus struct {
	jobs.JobInfo
	Runs []store.JobRun `json:"runs"`
}

func (s *Server) listJobs(c *gin.Context) error {
	sched := s.Equity.Jobs
	if sched == nil {
		return equitrial.Errorf(equitrial.KindUnavailable, "the job scheduler is not running in this process")
	}
	var out []jobStatus
	for _, j := range sched.Jobs() {
		runs, err := sched.Runs().Recent(c.Request.Context(), j.Name, 10)
		if err != nil {
			return err
		}
		if runs == nil {
			runs = []store.JobRun{}
		}
		out = append(out, jobStatus{JobInfo: j, Runs: runs})
	}
	c.JSON(http.StatusOK, gin.H{"holder": sched.Holder(), "timezone": "Europe/London", "jobs": out})
	return nil
}

func (s *Server) runJob(c *gin.Context) error {
	sched := s.Equity.Jobs
	if sched == nil {
		return equitrial.Errorf(equitrial.KindUnavailable, "the job scheduler is not running in this process")
	}
	id, err := sched.Trigger(c.Request.Context(), c.Param("name"))
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/jobs/"+c.Param("name")+"/runs/"+id)
	c.JSON(http.StatusAccepted, gin.H{"job": c.Param("name"), "runId": id})
	return nil
}

func (s *Server) getJobRun(c *gin.Context) error {
	sched := s.Equity.Jobs
	if sched == nil {
		return equitrial.Errorf(equitrial.KindUnavailable, "the job scheduler is not running in this process")
	}
	r, err := sched.Runs().Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if r.Job != c.Param("name") {
		return equitrial.Errorf(equitrial.KindNotFound, "no run %s of job %s", c.Param("id"), c.Param("name"))
	}
	c.JSON(http.StatusOK, r)
	return nil
}

// webhookInput is how a sponsor (or an admin for them) sets their webhook.
type webhookInput struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
}

// requireOrg lets admins act for any organisation and sponsors for their own.
func requireOrg(c *gin.Context, org string) error {
	caller := callerOf(c)
	if caller.Role == Admin || (caller.Role == Sponsor && caller.Org == org) {
		return nil
	}
	return equitrial.Errorf(equitrial.KindForbidden, "you may not change the webhook of %s", org)
}

func (s *Server) putWebhook(c *gin.Context) error {
	org := c.Param("org")
	if err := requireOrg(c, org); err != nil {
		return err
	}
	var in webhookInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	w := store.Webhook{Org: org, URL: in.URL, Secret: in.Secret}
	if err := s.Equity.DB.Webhooks.Put(c.Request.Context(), w); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"org": org, "url": in.URL})
	return nil
}

func (s *Server) getWebhook(c *gin.Context) error {
	org := c.Param("org")
	if err := requireOrg(c, org); err != nil {
		return err
	}
	ctx := c.Request.Context()
	w, ok, err := s.Equity.DB.Webhooks.Get(ctx, org)
	if err != nil {
		return err
	}
	if !ok {
		return equitrial.Errorf(equitrial.KindNotFound, "%s has no webhook", org)
	}
	ds, err := s.Equity.DB.Webhooks.Deliveries(ctx, org, 20)
	if err != nil {
		return err
	}
	// A plain message and a status for each failed attempt, never the connection
	// error (which can describe the service's own network).
	for i := range ds {
		for j := range ds[i].Attempts {
			ds[i].Attempts[j].Error = jobs.PublicAttemptError(ds[i].Attempts[j].Error)
		}
	}
	c.JSON(http.StatusOK, gin.H{"org": org, "url": w.URL, "updatedAt": w.UpdatedAt, "deliveries": ds})
	return nil
}

// regionChoices tells a sponsor which regions the regional table has.
func regionChoices(table map[string]map[string]float64) string {
	if len(table) == 0 {
		return "no regional table is loaded (equitrial refdata load --ethnicity FILE); leave region out to use the national shares"
	}
	names := make([]string, 0, len(table))
	for r := range table {
		names = append(names, r)
	}
	sort.Strings(names)
	return "must be one of the regions in the regional table: " + strings.Join(names, ", ")
}

// listRegions names the regions of the regional table of ethnic groups, which a
// trial's targets may choose for their default ethnicity shares.
func (s *Server) listRegions(c *gin.Context) error {
	table, err := s.Equity.DB.RegionalShares.Table(c.Request.Context())
	if err != nil {
		return err
	}
	names := make([]string, 0, len(table))
	for r := range table {
		names = append(names, r)
	}
	sort.Strings(names)
	c.JSON(http.StatusOK, gin.H{"regions": names})
	return nil
}
