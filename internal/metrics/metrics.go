// Package metrics holds equitrial's Prometheus metrics: one registry per assembled
// service (internal/app), so that tests building several services in one process
// never share or collide. Every method is safe on a nil *Metrics, which records
// nothing, so hooks can be called unconditionally.
//
// Labels are bounded: route patterns (never raw paths, which can carry ids and
// postcodes), status codes, job names, fixed outcome words.
package metrics

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Match directions, the values of the direction label of equitrial_match_duration_seconds.
const (
	PatientToTrials = "patient_to_trials"
	TrialToPatients = "trial_to_patients"
)

// Metrics are the service's collectors and the registry that serves them.
type Metrics struct {
	Registry *prometheus.Registry

	requests       *prometheus.HistogramVec
	jobDuration    *prometheus.HistogramVec
	jobLastSuccess *prometheus.GaugeVec
	jobFailures    *prometheus.CounterVec
	imports        *prometheus.CounterVec
	match          *prometheus.HistogramVec
	webhooks       *prometheus.CounterVec
}

// New returns the service's metrics, with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "equitrial_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by method, route pattern (API or web page) and status.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"method", "route", "status"})
	m.jobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "equitrial_job_duration_seconds",
		Help:    "Time a scheduled job's run took, by job and outcome (succeeded, failed, skipped).",
		Buckets: []float64{.1, .5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600},
	}, []string{"job", "outcome"})
	m.jobLastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "equitrial_job_last_success_timestamp_seconds",
		Help: "Unix time at which the job last finished successfully on this replica.",
	}, []string{"job"})
	m.jobFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "equitrial_job_failures_total",
		Help: "Runs of the job that failed on this replica.",
	}, []string{"job"})
	m.imports = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "equitrial_import_records_total",
		Help: "Trial records imported, by outcome (imported, updated, unchanged, rejected).",
	}, []string{"outcome"})
	m.match = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "equitrial_match_duration_seconds",
		Help:    "Time to answer a matching request (patient_to_trials, trial_to_patients), successful answers only.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"direction"})
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "equitrial_webhook_deliveries_total",
		Help: "Alert webhook deliveries by outcome: delivered, failed (given up), retrying (an attempt failed and will be retried).",
	}, []string{"outcome"})
	m.Registry.MustRegister(m.requests, m.jobDuration, m.jobLastSuccess, m.jobFailures, m.imports, m.match, m.webhooks,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Import outcomes are known in advance: show them at 0 before the first import.
	for _, o := range []string{"imported", "updated", "unchanged", "rejected"} {
		m.imports.WithLabelValues(o)
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveRequest records one HTTP request. route must be a pattern, never a raw path.
func (m *Metrics) ObserveRequest(method, route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Observe(took.Seconds())
}

// ObserveJob records one finished run of a scheduled job; outcome is succeeded,
// failed or skipped.
func (m *Metrics) ObserveJob(job, outcome string, took time.Duration, end time.Time) {
	if m == nil {
		return
	}
	m.jobDuration.WithLabelValues(job, outcome).Observe(took.Seconds())
	switch outcome {
	case "succeeded":
		m.jobLastSuccess.WithLabelValues(job).Set(float64(end.UnixNano()) / 1e9)
	case "failed":
		m.jobFailures.WithLabelValues(job).Inc()
	}
}

// DeclareJob makes a job's failure counter show (at 0) before its first run.
func (m *Metrics) DeclareJob(job string) {
	if m == nil {
		return
	}
	m.jobFailures.WithLabelValues(job)
}

// CountImport adds one import's counts.
func (m *Metrics) CountImport(imported, updated, unchanged, rejected int) {
	if m == nil {
		return
	}
	m.imports.WithLabelValues("imported").Add(float64(imported))
	m.imports.WithLabelValues("updated").Add(float64(updated))
	m.imports.WithLabelValues("unchanged").Add(float64(unchanged))
	m.imports.WithLabelValues("rejected").Add(float64(rejected))
}

// ObserveMatch records the time to answer one matching request.
func (m *Metrics) ObserveMatch(direction string, took time.Duration) {
	if m == nil {
		return
	}
	m.match.WithLabelValues(direction).Observe(took.Seconds())
}

// CountWebhook counts one webhook delivery outcome.
func (m *Metrics) CountWebhook(outcome string) {
	if m == nil {
		return
	}
	m.webhooks.WithLabelValues(outcome).Inc()
}

// IndexDocuments reports the search index's document count, read at each scrape.
func (m *Metrics) IndexDocuments(count func() (uint64, error)) {
	if m == nil {
		return
	}
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "equitrial_index_documents",
		Help: "Trials in this replica's search index.",
	}, func() float64 {
		n, err := count()
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	}))
}
