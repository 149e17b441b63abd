package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"equitrial"
	"equitrial/api"
	"equitrial/equity"
	"equitrial/internal/app"
	"equitrial/store"
	"equitrial/synth"
)

// equityService is the service with its job scheduler running, as `serve` runs it.
type equityService struct {
	*service
}

func newEquityService(t *testing.T) *equityService {
	t.Helper()
	return &equityService{newServiceWith(t, func(cfg *app.Config) { cfg.StartJobs = true })}
}

// tokenFor makes an API token acting as role for org; "admin" is the admin token.
func (s *equityService) tokenFor(role, org string) string {
	s.t.Helper()
	if role == "admin" {
		return adminToken
	}
	res, body := s.request("POST", "/api/v1/tokens", map[string]string{"name": role + " test", "role": role, "org": org, "ttl": "1h"},
		map[string]string{"Authorization": "Bearer " + adminToken})
	if res.StatusCode != http.StatusCreated {
		s.t.Fatalf("token for %s: %d %s", role, res.StatusCode, body)
	}
	var tok struct{ Token string }
	json.Unmarshal(body, &tok)
	return tok.Token
}

// call sends body (JSON unless raw bytes) with a bearer token and decodes the answer.
func (s *equityService) call(method, path, token string, body any, out any) int {
	s.t.Helper()
	var r *bytes.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
		r = bytes.NewReader(nil)
	case []byte:
		r, ct = bytes.NewReader(b), "text/csv"
	default:
		data, _ := json.Marshal(b)
		r = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, s.url+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", ct)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	if out != nil {
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			s.t.Fatalf("%s %s: %v in %s", method, path, err, buf.String())
		}
	}
	return res.StatusCode
}

// runMonitor triggers the monitor through the API and waits for its run to end.
func (s *equityService) runMonitor(token string) {
	s.t.Helper()
	var started struct{ RunID string }
	if code := s.call("POST", "/api/v1/jobs/equity-monitor/run", token, nil, &started); code != http.StatusAccepted {
		s.t.Fatalf("trigger monitor: %d", code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var run store.JobRun
		s.call("GET", "/api/v1/jobs/equity-monitor/runs/"+started.RunID, token, nil, &run)
		if run.Outcome == store.RunSucceeded {
			return
		}
		if run.Outcome != store.RunRunning || time.Now().After(deadline) {
			s.t.Fatalf("monitor run: %+v", run)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type equityDoc struct {
	View       string                                        `json:"view"`
	Enrolled   *int                                          `json:"enrolled"`
	Dimensions map[string]map[string]map[string]any          `json:"dimensions"`
	Series     struct{ Groups map[string]map[string][]*int } `json:"series"`
	Alerts     []equity.Alert                                `json:"alerts"`
	Notes      []string                                      `json:"notes"`
}

func (d equityDoc) status(dim, group string) string {
	s, _ := d.Dimensions[dim][group]["status"].(string)
	return s
}

func (d equityDoc) alert(dim, group string) *equity.Alert {
	for i := range d.Alerts {
		if d.Alerts[i].Dimension == dim && d.Alerts[i].Group == group {
			return &d.Alerts[i]
		}
	}
	return nil
}

// The monitor end to end through the API: targets, events (JSON and CSV), a
// triggered monitor run, the dashboard as staff and as the sponsor, alerts
// acknowledged and resolved when the group recovers.
func TestEquityMonitorThroughTheAPI(t *testing.T) {
	s := newEquityService(t)
	ctx := context.Background()
	sum, err := s.cat.Import(ctx, synth.Reader(synth.Trials(3, 7)), nil)
	if err != nil || sum.Imported != 3 {
		t.Fatalf("import: %v %v", sum, err)
	}
	var ids []string
	s.db.Trials.Each(ctx, time.Time{}, func(tr *equitrial.Trial) error { ids = append(ids, tr.NCTID); return nil })
	trial, other := ids[0], ids[1]
	s.db.Orgs.Put(ctx, &store.Org{ID: "acme", Name: "Acme Pharma", Kind: "sponsor", Trials: []string{trial}})
	s.db.Orgs.Put(ctx, &store.Org{ID: "site-a", Name: "Site A", Kind: "site", Trials: []string{trial}}) // site A recruits to it
	admin, nurse, sponsor := s.tokenFor("admin", ""), s.tokenFor("nurse", "site-a"), s.tokenFor("sponsor", "acme")
	base := "/api/v1/trials/" + trial

	// Targets: the sponsor sets them for its own trial only; bad ones name the fields.
	targets := map[string]any{"total": 300, "endDate": time.Now().AddDate(1, 0, 0).Format("2006-01-02"), "source": "diversity_plan",
		"shares": map[string]any{"smi": map[string]float64{"yes": 0.25, "no": 0.75},
			"ethnicGroup": map[string]float64{"Asian": 0.093, "Black": 0.04, "Mixed": 0.029, "White": 0.817, "Other": 0.021}}}
	if code := s.call("PUT", base+"/targets", sponsor, targets, nil); code != http.StatusOK {
		t.Fatalf("sponsor PUT targets: %d", code)
	}
	if code := s.call("PUT", "/api/v1/trials/"+other+"/targets", sponsor, targets, nil); code != http.StatusForbidden {
		t.Fatalf("sponsor PUT targets of another's trial: %d, want 403", code)
	}
	if code := s.call("PUT", base+"/targets", nurse, targets, nil); code != http.StatusForbidden {
		t.Fatalf("nurse PUT targets: %d, want 403", code)
	}
	var p problem
	bad := map[string]any{"total": -5, "shares": map[string]any{"smi": map[string]float64{"yes": 0.5, "no": 0.2}, "imdQuintile": map[string]float64{"6": 1}}}
	if code := s.call("PUT", base+"/targets", admin, bad, &p); code != http.StatusBadRequest || !hasField(p, "total", "shares.smi", "shares.imdQuintile.6") {
		t.Fatalf("bad targets: %d %+v", code, p)
	}
	var got equity.Targets
	if s.call("GET", base+"/targets", sponsor, nil, &got); got.Total != 300 || got.Shares["smi"]["yes"] != 0.25 {
		t.Fatalf("GET targets: %+v", got)
	}

	// Events: one, then an array; a bad array stores nothing and names each bad event.
	day := func(d int) string { return time.Now().UTC().AddDate(0, 0, -d).Format(time.RFC3339) }
	one := map[string]any{"stage": "enrolled", "at": day(60), "site": "RXX01", "strata": map[string]any{"ethnicGroup": "White", "smi": "no", "imdQuintile": 3}}
	if code := s.call("POST", base+"/events", nurse, one, nil); code != http.StatusCreated {
		t.Fatalf("POST one event: %d", code)
	}
	var arr []map[string]any
	for i := range 89 {
		arr = append(arr, map[string]any{"stage": "enrolled", "at": day(59 - i%50), "site": "RXX01",
			"strata": map[string]any{"ethnicGroup": []string{"White", "White", "Asian"}[i%3], "smi": "no", "imdQuintile": 1 + i%5, "sex": "female", "ageBand": "50-64"}})
	}
	arr = append(arr, map[string]any{"stage": "declined", "at": day(3), "site": "RXX01", "strata": map[string]any{"ethnicGroup": "Black"}, "reasons": []string{"travel_cost"}})
	badArr := append([]map[string]any{arr[0]}, map[string]any{"stage": "joined", "at": day(1), "site": "RXX01", "strata": map[string]any{}},
		map[string]any{"stage": "enrolled", "at": "last week", "site": "RXX01", "patientId": "P-2"})
	if code := s.call("POST", base+"/events", nurse, badArr, &p); code != http.StatusBadRequest || !hasField(p, "[1].stage", "[2].at") {
		t.Fatalf("bad events: %d %+v", code, p)
	}
	if n, _ := s.db.Events.Count(ctx, trial); n != 1 {
		t.Fatalf("%d events stored after a rejected batch, want 1", n)
	}
	if code := s.call("POST", base+"/events", nurse, arr, &p); code != http.StatusCreated {
		t.Fatalf("POST events: %d %+v", code, p)
	}
	if code := s.call("POST", base+"/events", sponsor, one, nil); code != http.StatusForbidden {
		t.Fatalf("sponsor POST events: %d, want 403", code)
	}
	if code := s.call("POST", "/api/v1/trials/NCT00000000/events", nurse, one, nil); code != http.StatusNotFound {
		t.Fatalf("events for an unknown trial: %d, want 404", code)
	}
	// CSV rows: 10 with SMI (10 of 100 against a 25% target: under).
	var csv strings.Builder
	csv.WriteString("stage,at,site,ethnicGroup,imdQuintile,smi,sex,ageBand,reasons,rowKey\n")
	for i := range 10 {
		fmt.Fprintf(&csv, "enrolled,%s,RXX02,%s,%d,yes,F,35-49,,row-%d\n", day(20+i), []string{"Black", "Mixed"}[i%2], 1+i%2, i)
	}
	badCSV := "stage,at,site,ethnicGroup,smi\nenrolled,2025-01-01,RXX02,Martian,yes\nenrolled,yesterday,RXX02,White,no\n"
	if code := s.call("POST", base+"/events/csv", nurse, []byte(badCSV), &p); code != http.StatusBadRequest || !hasField(p, "line 2: ethnicGroup", "line 3: at") {
		t.Fatalf("bad CSV: %d %+v", code, p)
	}
	if code := s.call("POST", base+"/events/csv", nurse, []byte(csv.String()), nil); code != http.StatusCreated {
		t.Fatalf("POST CSV: %d", code)
	}

	// Before any monitor pass the dashboard is computed on demand.
	var doc equityDoc
	if code := s.call("GET", base+"/equity", admin, nil, &doc); code != http.StatusOK || *doc.Enrolled != 100 || doc.status("smi", "yes") != equity.StatusUnder {
		t.Fatalf("on-demand dashboard: %d enrolled=%v smi=%q", code, doc.Enrolled, doc.status("smi", "yes"))
	}

	s.runMonitor(admin)
	doc = equityDoc{}
	s.call("GET", base+"/equity", nurse, nil, &doc)
	if doc.View != equity.ViewExact || doc.status("smi", "yes") != equity.StatusUnder || doc.alert("smi", "yes") == nil {
		t.Fatalf("after the monitor: view %q, smi %q, alerts %+v", doc.View, doc.status("smi", "yes"), doc.Alerts)
	}
	if e := doc.Dimensions["smi"]["yes"]; e["enrolled"] != float64(10) || e["pprHigh"] == nil || e["neededShare"] == nil || e["probReach"] == nil {
		t.Fatalf("smi yes figures: %v", e)
	}
	if len(doc.Series.Groups["smi"]["yes"]) == 0 || doc.status("imdQuintile", "1") == "" {
		t.Fatalf("series or IMD missing: %+v", doc.Series)
	}

	// The sponsor sees its trial with counts of 1–7 withheld and others rounded;
	// nothing of another sponsor's trial.
	res, body := s.request("GET", base+"/equity", nil, map[string]string{"Authorization": "Bearer " + sponsor})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sponsor GET equity: %d", res.StatusCode)
	}
	if small := api.SmallCounts(body); len(small) > 0 {
		t.Fatalf("counts of 1–7 in the sponsor's response: %v", small)
	}
	var sp equityDoc
	json.Unmarshal(body, &sp)
	if sp.View != equity.ViewSponsor || sp.Dimensions["ethnicGroup"]["Black"]["enrolled"] != nil || sp.Dimensions["smi"]["yes"]["enrolled"] != float64(10) {
		t.Fatalf("sponsor view: %s", body)
	}
	if code := s.call("GET", "/api/v1/trials/"+other+"/equity", sponsor, nil, nil); code != http.StatusForbidden {
		t.Fatalf("sponsor GET another's equity: %d, want 403", code)
	}

	// Acknowledge, as the nurse; a second monitor pass opens no duplicate.
	alert := doc.alert("smi", "yes")
	var acked equity.Alert
	if code := s.call("POST", "/api/v1/alerts/"+alert.ID+"/acknowledge", nurse, nil, &acked); code != http.StatusOK || acked.AcknowledgedAt.IsZero() {
		t.Fatalf("acknowledge: %d %+v", code, acked)
	}
	s.runMonitor(admin)
	var list struct{ Alerts []equity.Alert }
	s.call("GET", base+"/alerts", sponsor, nil, &list)
	count := 0
	for _, a := range list.Alerts {
		if a.Dimension == "smi" && a.Group == "yes" {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("%d open SMI alerts after a second pass, want 1", count)
	}

	// The group recovers: 60 more with SMI (70 of 160); the alert resolves.
	csv.Reset()
	csv.WriteString("rowKey,stage,at,site,smi\n")
	for i := range 60 {
		fmt.Fprintf(&csv, "more-%d,enrolled,%s,RXX02,yes\n", i, day(1+i%10))
	}
	if code := s.call("POST", base+"/events/csv", nurse, []byte(csv.String()), nil); code != http.StatusCreated {
		t.Fatalf("POST more CSV: %d", code)
	}
	s.runMonitor(admin)
	doc = equityDoc{}
	s.call("GET", base+"/equity", admin, nil, &doc)
	if doc.alert("smi", "yes") != nil || doc.status("smi", "yes") == equity.StatusUnder {
		t.Fatalf("after recovery: smi %q, alerts %+v", doc.status("smi", "yes"), doc.Alerts)
	}
	s.call("GET", base+"/alerts?status=all", admin, nil, &list)
	for _, a := range list.Alerts {
		if a.ID == alert.ID && (a.IsOpen() || a.AcknowledgedBy == "") {
			t.Fatalf("the SMI alert after recovery: %+v", a)
		}
	}

	// Jobs: admins only, with schedules and recorded runs.
	var jl struct {
		Jobs []struct {
			Name, Schedule string
			Runs           []store.JobRun
		}
	}
	code := s.call("GET", "/api/v1/jobs", admin, nil, &jl)
	monitorRuns := -1
	for _, j := range jl.Jobs {
		if j.Name == "equity-monitor" && j.Schedule != "" {
			monitorRuns = len(j.Runs)
		}
	}
	if code != http.StatusOK || monitorRuns != 3 {
		t.Fatalf("GET jobs: %d %+v; want the equity monitor listed with its 3 runs", code, jl)
	}
	if code := s.call("GET", "/api/v1/jobs", nurse, nil, nil); code != http.StatusForbidden {
		t.Fatalf("nurse GET jobs: %d, want 403", code)
	}
}

func hasField(p problem, fields ...string) bool {
	have := map[string]bool{}
	for _, e := range p.Errors {
		have[e.Field] = true
	}
	for _, f := range fields {
		if !have[f] {
			return false
		}
	}
	return true
}

// Saving targets recomputes the trial's dashboard at once (not at the next monitor
// pass), alerts included; the sponsor's dashboard, its alerts, the alert list and
// the webhook's payload all say the same status, from the disclosed figures, and
// every group is in the sponsor's series (issue 10: item 1 and its UX
// consequences).
func TestTargetsRecomputeAndSponsorViewsAgree(t *testing.T) {
	s := newEquityService(t)
	ctx := context.Background()
	sum, err := s.cat.Import(ctx, synth.Reader(synth.Trials(2, 11)), nil)
	if err != nil || sum.Imported != 2 {
		t.Fatalf("import: %v %v", sum, err)
	}
	var ids []string
	s.db.Trials.Each(ctx, time.Time{}, func(tr *equitrial.Trial) error { ids = append(ids, tr.NCTID); return nil })
	trial := ids[0]
	s.db.Orgs.Put(ctx, &store.Org{ID: "acme", Name: "Acme Pharma", Kind: "sponsor", Trials: []string{trial}})
	admin, sponsor := s.tokenFor("admin", ""), s.tokenFor("sponsor", "acme")
	base := "/api/v1/trials/" + trial
	// 100 enrolled: 90 without SMI, 10 with; 3 Black, no one Mixed.
	var evs []equity.Event
	at := time.Now().UTC().Add(-72 * time.Hour)
	for i := range 100 {
		st := equity.Strata{EthnicGroup: "White", SMI: "no", IMDQuintile: 1 + i%5, Sex: "female", AgeBand: "50-64"}
		if i < 10 {
			st.SMI = "yes"
		}
		if i >= 97 {
			st.EthnicGroup = "Black"
		}
		evs = append(evs, equity.Event{TrialID: trial, Stage: equity.StageEnrolled, At: at.Add(time.Duration(i) * time.Minute), Site: "A", Strata: &st})
	}
	if _, err := s.db.Events.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	s.runMonitor(admin)
	var doc equityDoc
	s.call("GET", base+"/equity", sponsor, nil, &doc)
	if doc.status("smi", "yes") != equity.StatusTargetNotSet || doc.alert("smi", "yes") != nil {
		t.Fatalf("before SMI targets: %q, alerts %+v", doc.status("smi", "yes"), doc.Alerts)
	}
	// An empty group and a withheld one read the same, in the table and the series.
	black, mixed := doc.Dimensions["ethnicGroup"]["Black"], doc.Dimensions["ethnicGroup"]["Mixed"]
	if black["enrolled"] != nil || mixed["enrolled"] != nil || black["suppressed"] != true || mixed["suppressed"] != true {
		t.Fatalf("Black (3) %v and Mixed (0) %v must both be withheld", black, mixed)
	}
	for _, dim := range equity.Dimensions {
		if got, want := len(doc.Series.Groups[dim]), len(equity.Groups(dim))+2; got != want {
			t.Errorf("the sponsor's series lists %d groups of %s, want all %d", got, dim, want)
		}
	}

	// Targets saved: the dashboard follows at once, and the alert opens with it.
	targets := map[string]any{"total": 300, "endDate": time.Now().AddDate(1, 0, 0).Format("2006-01-02"),
		"shares": map[string]any{"smi": map[string]float64{"yes": 0.4, "no": 0.6}}}
	if code := s.call("PUT", base+"/targets", sponsor, targets, nil); code != http.StatusOK {
		t.Fatalf("PUT targets: %d", code)
	}
	doc = equityDoc{}
	res, body := s.request("GET", base+"/equity", nil, map[string]string{"Authorization": "Bearer " + sponsor})
	json.Unmarshal(body, &doc)
	if res.Header.Get("X-Equitrial-Dashboard") != "monitor" || doc.status("smi", "yes") != equity.StatusUnder {
		t.Fatalf("right after saving targets: %s dashboard, SMI %q; want the stored dashboard recomputed (under)",
			res.Header.Get("X-Equitrial-Dashboard"), doc.status("smi", "yes"))
	}
	a := doc.alert("smi", "yes")
	if a == nil || a.Status != doc.status("smi", "yes") {
		t.Fatalf("the SMI alert beside the dashboard: %+v", a)
	}
	// Every open alert on every surface has its group's status on the sponsor's dashboard.
	var list struct{ Alerts []equity.Alert }
	s.call("GET", base+"/alerts", sponsor, nil, &list)
	for _, al := range append(doc.Alerts, list.Alerts...) {
		if st := doc.status(al.Dimension, al.Group); al.Status != st {
			t.Errorf("alert on %s %s says %q, the dashboard %q", al.Dimension, al.Group, al.Status, st)
		}
	}
	notices, _ := s.db.Alerts.Unnotified(ctx)
	if len(notices) != 0 {
		t.Errorf("alerts opened on saving targets were not queued for webhooks: %+v", notices)
	}
}
