package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"equitrial/matcher"
)

// Targets of issue 11, at 100,000 studies.
const (
	byIDTarget       = 5000.0 // requests/s
	searchRateTarget = 800.0
	httpP99          = 50 * time.Millisecond
)

// endpoint is one kind of request the load sends.
type endpoint struct {
	key, name string
	path      func(i int) string
	token     string  // bearer token; "" for a public route
	target    float64 // requests/s; 0: none
}

func endpoints(w *workspace, sd *serverData) []endpoint {
	var searches []string
	for _, k := range searchKinds() {
		for _, q := range k.queries {
			searches = append(searches, "/api/v1/trials?"+searchParams(q).Encode())
		}
	}
	n := w.cfg.Studies
	return []endpoint{
		{key: "http.id", name: "GET /api/v1/trials/{nctId}", target: byIDTarget,
			path: func(i int) string { return fmt.Sprintf("/api/v1/trials/NCT99%06d", 1+(i*7919)%n) }},
		{key: "http.search", name: "GET /api/v1/trials?… (text, facets, distance)", target: searchRateTarget,
			path: func(i int) string { return searches[i%len(searches)] }},
		{key: "http.matches", name: "GET /api/v1/patients/{id}/matches (a nurse's token)", token: sd.token,
			path: func(i int) string { return "/api/v1/patients/" + sd.patientIDs[i%len(sd.patientIDs)] + "/matches" }},
	}
}

// searchParams writes a search as the API's query string.
func searchParams(q matcher.Query) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Text)
	set("condition", q.Condition)
	for _, s := range q.Status {
		v.Add("status", s)
	}
	for _, s := range q.Phase {
		v.Add("phase", s)
	}
	for _, s := range q.Country {
		v.Add("country", s)
	}
	if q.Near != nil {
		v.Set("near", strconv.FormatFloat(q.Near.Lat, 'f', -1, 64)+","+strconv.FormatFloat(q.Near.Lon, 'f', -1, 64))
		if q.RadiusKm > 0 {
			v.Set("radius_km", strconv.FormatFloat(q.RadiusKm, 'f', -1, 64))
		}
	}
	if q.Age != nil {
		v.Set("age", strconv.FormatFloat(*q.Age, 'f', -1, 64))
	}
	set("sex", q.Sex)
	return v
}

// loadResult is what one endpoint's load measured.
type loadResult struct {
	lat     latencies
	ok, bad int
	elapsed time.Duration
	status  string // the first unexpected answer, for the error
}

// load sends requests for d from workers concurrent clients, each waiting for its
// answer before sending the next (closed loop), after an untimed warm-up.
func load(ctx context.Context, base string, ep endpoint, workers int, d time.Duration) loadResult {
	client := &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxIdleConns: workers, DisableCompression: true}}
	defer client.CloseIdleConnections()
	run := func(d time.Duration) loadResult {
		var mu sync.Mutex
		var out loadResult
		var wg sync.WaitGroup
		start := time.Now()
		stop := start.Add(d)
		for g := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var lat latencies
				ok, bad, status := 0, 0, ""
				for i := g; time.Now().Before(stop) && ctx.Err() == nil; i += workers {
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+ep.path(i), nil)
					if ep.token != "" {
						req.Header.Set("Authorization", "Bearer "+ep.token)
					}
					t0 := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						bad++
						if status == "" {
							status = err.Error()
						}
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					lat = append(lat, time.Since(t0))
					if resp.StatusCode == http.StatusOK {
						ok++
					} else {
						bad++
						if status == "" {
							status = resp.Status + " for " + ep.path(i)
						}
					}
				}
				mu.Lock()
				out.lat = append(out.lat, lat...)
				out.ok, out.bad = out.ok+ok, out.bad+bad
				if out.status == "" {
					out.status = status
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		out.elapsed = time.Since(start)
		return out
	}
	run(min(time.Second, d/4)) // connections, caches
	return run(d)
}

// runHTTP starts `equitrial serve` in a second process on the loaded data
// directory (cfg.Studies studies, cfg.Patients patients), and for each endpoint
// drives cfg.HTTPWorkers concurrent clients on loopback for cfg.HTTPDuration. It
// reports throughput and latency, and leaves the server's peak memory for the
// memory scenario.
func runHTTP(ctx context.Context, w *workspace) ([]Row, error) {
	sd, err := w.serverDir(ctx)
	if err != nil {
		return nil, err
	}
	srv, err := w.startServer(ctx, sd)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	var rows []Row
	for _, ep := range endpoints(w, sd) {
		res := load(ctx, srv.base, ep, w.cfg.HTTPWorkers, w.cfg.HTTPDuration)
		if res.ok == 0 || res.bad*100 > res.ok+res.bad {
			return nil, fmt.Errorf("%s: %d answered 200, %d failed (%s): %s", ep.name, res.ok, res.bad, res.status, tail(srv.logPath))
		}
		p := res.lat.percentiles()
		perSec := float64(res.ok) / res.elapsed.Seconds()
		row := Row{Key: ep.key,
			Measure: fmt.Sprintf("HTTP %s, %d clients on loopback for %s, %s studies, %s patients", ep.name, w.cfg.HTTPWorkers,
				seconds(w.cfg.HTTPDuration), count(w.cfg.Studies), count(sd.patients)),
			Value:   fmt.Sprintf("%s req/s; %s", rate(res.ok, res.elapsed), p),
			Numbers: p.numbers("", map[string]float64{"rate": perSec})}
		if ep.target > 0 {
			row.Target = fmt.Sprintf("≥ %s req/s, p99 ≤ 50 ms", count(int(ep.target)))
			row.Met = met(perSec >= ep.target && p.p99 <= httpP99, w.cfg.Studies >= 100_000)
		}
		if res.bad > 0 {
			row.Value += fmt.Sprintf(" (%d failed: %s)", res.bad, res.status)
		}
		rows = append(rows, row)
	}
	hwm, rss := srv.peakKB()
	w.peak = &peak{hwmKB: hwm, rssKB: rss, ready: srv.ready, after: "after the HTTP load"}
	return rows, nil
}
