package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"equitrial"
	"equitrial/equity"
	"equitrial/internal/app"
	"equitrial/store"
	"equitrial/synth"
)

// TestMetricsAfterTraffic sends API requests, web pages, an import, matching in both
// directions, a job run and an alert webhook through the whole service, then
// scrapes /metrics (on EQUITRIAL_METRICS_ADDR, and on the main address as an admin)
// and finds each series with the right labels.
func TestMetricsAfterTraffic(t *testing.T) {
	var received atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		received.Add(1)
	}))
	defer recv.Close()
	env := map[string]string{"EQUITRIAL_METRICS_ADDR": "127.0.0.1:0", "EQUITRIAL_WEBHOOK_ALLOW_PRIVATE": "true"}
	s := &equityService{newServiceWith(t, func(cfg *app.Config) {
		cfg.StartJobs = true
		cfg.Getenv = func(k string) string { return env[k] }
	})}
	ctx := context.Background()
	admin := adminToken

	// Imports: three new trials, then the same three again.
	for range 2 {
		if _, err := s.cat.Import(ctx, synth.Reader(synth.Trials(3, 11)), nil); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	s.db.Trials.Each(ctx, time.Time{}, func(tr *equitrial.Trial) error { ids = append(ids, tr.NCTID); return nil })
	trial := ids[0]
	s.db.Orgs.Put(ctx, &store.Org{ID: "site-a", Name: "Site A", Kind: "site", Trials: []string{trial}})
	s.db.Orgs.Put(ctx, &store.Org{ID: "acme", Name: "Acme Pharma", Kind: "sponsor", Trials: []string{trial}})

	// API routes, an unmatched path and web pages.
	s.call("GET", "/api/v1/trials?q=trial", admin, nil, nil)
	s.call("GET", "/api/v1/no-such-thing", admin, nil, nil)
	for _, page := range []string{"/", "/sign-in", "/trials/" + trial} {
		res, _ := s.request("GET", page, nil, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", page, res.StatusCode)
		}
	}

	// Matching both ways.
	patient := map[string]any{"givenName": "Metric", "familyName": "Patient", "birthDate": "1970-01-01", "sex": "female",
		"postcode": "LS1 3EX", "consent": map[string]any{"contact": true, "date": "2026-01-01", "version": "v1", "channel": "web"}}
	var created struct{ ID string }
	if code := s.call("POST", "/api/v1/patients?org=site-a", admin, patient, &created); code != http.StatusCreated {
		t.Fatalf("create patient: %d", code)
	}
	if code := s.call("GET", "/api/v1/patients/"+created.ID+"/matches", admin, nil, nil); code != http.StatusOK {
		t.Fatalf("matches: %d", code)
	}
	if code := s.call("GET", "/api/v1/trials/"+trial+"/candidates", admin, nil, nil); code != http.StatusOK {
		t.Fatalf("candidates: %d", code)
	}

	// An alert and its webhook: 10 of 100 enrolled with SMI against a target of 40%.
	if code := s.call("PUT", "/api/v1/orgs/acme/webhook", admin, map[string]string{"url": recv.URL + "/hook", "secret": "a-webhook-secret-of-some-length"}, nil); code != http.StatusOK {
		t.Fatalf("PUT webhook: %d", code)
	}
	var evs []equity.Event
	at := time.Now().UTC().Add(-72 * time.Hour)
	for i := range 100 {
		st := equity.Strata{EthnicGroup: "White", SMI: "no", IMDQuintile: 1 + i%5, Sex: "female", AgeBand: "50-64"}
		if i < 10 {
			st.SMI = "yes"
		}
		evs = append(evs, equity.Event{TrialID: trial, Stage: equity.StageEnrolled, At: at.Add(time.Duration(i) * time.Minute), Site: "A", Strata: &st})
	}
	if _, err := s.db.Events.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	targets := map[string]any{"total": 300, "endDate": time.Now().AddDate(1, 0, 0).Format("2006-01-02"),
		"shares": map[string]any{"smi": map[string]float64{"yes": 0.4, "no": 0.6}}}
	if code := s.call("PUT", "/api/v1/trials/"+trial+"/targets", admin, targets, nil); code != http.StatusOK {
		t.Fatalf("PUT targets: %d", code)
	}
	s.runMonitor(admin) // a job run; it also kicks the webhook sender

	// The separate address needs no credentials; the main one is for admins only.
	if code := s.call("GET", "/metrics", "", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("anonymous GET /metrics on the main address: %d, want 401", code)
	}
	var fams map[string]*dto.MetricFamily
	deadline := time.Now().Add(30 * time.Second)
	for {
		fams = scrape(t, "http://"+s.app.MetricsAddr+"/metrics", "")
		if value(fams, "equitrial_webhook_deliveries_total", "outcome", "delivered") >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	main := scrape(t, s.url+"/metrics", admin)
	if main["equitrial_index_documents"] == nil {
		t.Errorf("the main address's /metrics (admin) lacks equitrial_index_documents")
	}

	histogram := func(name string, labels ...string) {
		t.Helper()
		if n := count(fams, name, labels...); n < 1 {
			t.Errorf("%s%v: no observations", name, labels)
		}
	}
	histogram("equitrial_http_request_duration_seconds", "method", "GET", "route", "/api/v1/trials", "status", "200")
	histogram("equitrial_http_request_duration_seconds", "method", "GET", "route", "/api/v1/trials/:nctId/candidates", "status", "200")
	histogram("equitrial_http_request_duration_seconds", "method", "POST", "route", "/api/v1/patients", "status", "201")
	histogram("equitrial_http_request_duration_seconds", "method", "GET", "route", "(unmatched)", "status", "404")
	// web pages, by their ServeMux pattern
	histogram("equitrial_http_request_duration_seconds", "method", "GET", "route", "/{$}", "status", "200")
	histogram("equitrial_http_request_duration_seconds", "method", "GET", "route", "/sign-in", "status", "200")
	histogram("equitrial_http_request_duration_seconds", "method", "GET", "route", "/trials/{nctId}", "status", "200")
	histogram("equitrial_job_duration_seconds", "job", "equity-monitor", "outcome", "succeeded")
	histogram("equitrial_match_duration_seconds", "direction", "patient_to_trials")
	histogram("equitrial_match_duration_seconds", "direction", "trial_to_patients")

	if v := value(fams, "equitrial_job_last_success_timestamp_seconds", "job", "equity-monitor"); v < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("equity-monitor last success %v", v)
	}
	if v := value(fams, "equitrial_job_failures_total", "job", "equity-monitor"); v != 0 {
		t.Errorf("equity-monitor failures %v, want 0", v)
	}
	if v := value(fams, "equitrial_job_failures_total", "job", "purge"); v != 0 {
		t.Errorf("purge failures %v, want a 0 series", v)
	}
	if v := value(fams, "equitrial_index_documents"); v != 3 {
		t.Errorf("index documents %v, want 3", v)
	}
	for outcome, want := range map[string]float64{"imported": 3, "updated": 0, "unchanged": 3, "rejected": 0} {
		if v := value(fams, "equitrial_import_records_total", "outcome", outcome); v != want {
			t.Errorf("import records %s: %v, want %v", outcome, v, want)
		}
	}
	if v := value(fams, "equitrial_webhook_deliveries_total", "outcome", "delivered"); v < 1 || received.Load() < 1 {
		t.Errorf("webhook deliveries delivered %v, received %d", v, received.Load())
	}
	// Labels are patterns, never paths with ids.
	for _, m := range fams["equitrial_http_request_duration_seconds"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" && (strings.Contains(l.GetValue(), trial) || strings.Contains(l.GetValue(), created.ID)) {
				t.Errorf("route label %q carries an id", l.GetValue())
			}
		}
	}
}

// scrape fetches and parses a Prometheus text exposition.
func scrape(t *testing.T, url, token string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parsing %s: %v", url, err)
	}
	return fams
}

// find returns the metric of the family with all the given label pairs.
func find(fams map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		return m
	}
	return nil
}

// value is a counter's or gauge's value, -1 when there is no such series.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	m := find(fams, name, labels...)
	switch {
	case m == nil:
		return -1
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	return -1
}

// count is a histogram's number of observations, 0 when there is no such series.
func count(fams map[string]*dto.MetricFamily, name string, labels ...string) uint64 {
	if m := find(fams, name, labels...); m != nil && m.Histogram != nil {
		return m.Histogram.GetSampleCount()
	}
	return 0
}
