package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"equitrial/internal/app"
	"equitrial/store"
	"equitrial/synth"
)

// client calls the service over HTTP as one client address (X-Forwarded-For
// from a trusted proxy), so that per-client rate limits do not get in the way.
type client struct {
	t   *testing.T
	url string
	ip  string
}

type reply struct {
	code   int
	header http.Header
	body   []byte
	took   time.Duration
}

func (cl client) call(method, path, bearer, contentType string, body []byte, header map[string]string) reply {
	cl.t.Helper()
	req, _ := http.NewRequest(method, cl.url+path, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if cl.ip != "" {
		req.Header.Set("X-Forwarded-For", cl.ip)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cl.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, res.Header, data, time.Since(start)}
}

func behindProxy(cfg *app.Config) { cfg.TrustedProxies = []string{"127.0.0.1/32", "::1/128"} }

func registration(nhs, email string) []byte {
	b, _ := json.Marshal(map[string]any{"givenName": "Ada", "familyName": "Okafor", "birthDate": "1971-03-04", "sex": "female",
		"postcode": "LS1 3EX", "nhsNumber": nhs, "email": email,
		"consent": map[string]any{"contact": true, "date": "2026-01-01", "version": "v1", "channel": "web"}})
	return b
}

// keysOf lists a JSON object's members, and those of its object members, as paths.
func keysOf(t *testing.T, data []byte) []string {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%v in %s", err, data)
	}
	var out []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			out = append(out, prefix+k)
			if sub, ok := v.(map[string]any); ok {
				walk(prefix+k+".", sub)
			}
		}
	}
	walk("", m)
	sort.Strings(out)
	return out
}

// A registration with an NHS number already registered answers exactly as a new
// one: same status, members, headers and time; no internal id; no second record;
// a notice queued for the existing record (issue 10, item 2).
func TestRegisterNHSNumberIsNoOracle(t *testing.T) {
	ctx := context.Background()
	svc := newServiceWith(t, behindProxy)
	db := svc.db
	db.Orgs.Put(ctx, &store.Org{ID: "site-open", Name: "Open site", Kind: "site", SelfRegistration: true})
	db.Orgs.Put(ctx, &store.Org{ID: "site-closed", Name: "Closed site", Kind: "site"})
	db.Orgs.Put(ctx, &store.Org{ID: "sponsor-x", Name: "Sponsor", Kind: "sponsor", SelfRegistration: true})
	ip := 0
	register := func(path string, body []byte) reply {
		ip++
		return client{t, svc.url, fmt.Sprintf("203.0.113.%d", ip)}.call("POST", path, "", "application/json", body, nil)
	}
	numbers := []string{"9434765919", "4010232137", "9990000018", "9990000026", "9990000034"}
	first := register("/api/v1/register", registration(numbers[0], "ada@example.org"))
	if first.code != http.StatusCreated {
		t.Fatalf("first registration: %d %s", first.code, first.body)
	}
	var orig struct {
		Patient struct{ ID string } `json:"patient"`
	}
	json.Unmarshal(first.body, &orig)

	var newTimes, againTimes []time.Duration
	for i, nhs := range numbers[1:] {
		fresh := register("/api/v1/register", registration(nhs, "someone@example.org"))
		again := register("/api/v1/register", registration(numbers[0], fmt.Sprintf("prober%d@example.net", i)))
		if fresh.code != http.StatusCreated || again.code != fresh.code {
			t.Fatalf("new number: %d; registered number: %d %s", fresh.code, again.code, again.body)
		}
		if a, b := keysOf(t, fresh.body), keysOf(t, again.body); !slices.Equal(a, b) {
			t.Fatalf("the answers have different members:\nnew:        %v\nregistered: %v", a, b)
		}
		for _, h := range []string{"Content-Type", "Cache-Control", "Location", "Content-Length"} {
			if h == "Content-Length" {
				continue // the echoed email differs in length
			}
			if fresh.header.Get(h) != again.header.Get(h) {
				t.Errorf("header %s: %q for a new number, %q for a registered one", h, fresh.header.Get(h), again.header.Get(h))
			}
		}
		if strings.Contains(string(again.body), orig.Patient.ID) {
			t.Fatalf("the reply names the existing record %s: %s", orig.Patient.ID, again.body)
		}
		var out struct {
			AccessToken string `json:"accessToken"`
		}
		json.Unmarshal(again.body, &out)
		if res := (client{t, svc.url, ""}).call("GET", "/api/v1/patients/"+orig.Patient.ID, out.AccessToken, "", nil, nil); res.code == http.StatusOK {
			t.Fatal("the second registration's link opens the existing record")
		}
		newTimes = append(newTimes, fresh.took)
		againTimes = append(againTimes, again.took)
	}
	median := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	if a, b := median(newTimes), median(againTimes); a-b > 100*time.Millisecond || b-a > 100*time.Millisecond {
		t.Errorf("median time: %v for new numbers, %v for a registered one", a, b)
	}
	// One record for the number; a notice per repeat, for the existing record's email.
	if p, err := db.Patients.ByNHSNumber(ctx, "", numbers[0]); err != nil || p.ID != orig.Patient.ID || p.Email != "ada@example.org" {
		t.Fatalf("the existing record changed: %+v, %v", p, err)
	}
	if n, _ := db.Collection("patients").CountDocuments(ctx, bson.M{}); n != int64(len(numbers)) {
		t.Fatalf("%d patient records, want %d (no duplicates)", n, len(numbers))
	}
	notices, err := db.RegistrationNotices().Pending(ctx, "")
	if err != nil || len(notices) != len(numbers)-1 || notices[0].PatientID != orig.Patient.ID || notices[0].Route != "email" {
		t.Fatalf("notices: %+v, %v", notices, err)
	}
	entries, _ := db.Audit.Find(ctx, store.AuditQuery{SubjectID: orig.Patient.ID})
	again := 0
	for _, e := range entries {
		if e.Action == "register-again" {
			again++
		}
	}
	if again != len(numbers)-1 {
		t.Fatalf("audit: %d register-again entries for the existing record, want %d", again, len(numbers)-1)
	}

	// ?org= only for sites that take self-registration.
	for org, want := range map[string]int{"site-open": 201, "site-closed": 400, "sponsor-x": 400, "no-such-org": 400, "": 400} {
		res := register("/api/v1/register?org="+url.QueryEscape(org), registration("", "x"+org+"@example.org"))
		if res.code != want {
			t.Errorf("?org=%s: %d, want %d: %s", org, res.code, want, res.body)
		}
		if want == 400 && !strings.Contains(string(res.body), `"org"`) {
			t.Errorf("?org=%s: the problem does not name org: %s", org, res.body)
		}
	}
	// The same number at the open site is registered there (a new record), then answered alike.
	a := register("/api/v1/register?org=site-open", registration(numbers[0], "ada@example.org"))
	b := register("/api/v1/register?org=site-open", registration(numbers[0], "ada@example.org"))
	if a.code != 201 || b.code != 201 || !slices.Equal(keysOf(t, a.body), keysOf(t, b.body)) {
		t.Fatalf("at the open site: %d %s / %d %s", a.code, a.body, b.code, b.body)
	}

	// The web form: a registered number gets the same confirmation page, not a 500.
	form := url.Values{"given-name": {"Ada"}, "family-name": {"Okafor"}, "dob-day": {"4"}, "dob-month": {"3"}, "dob-year": {"1971"},
		"postcode": {"LS1 3EX"}, "email": {"ada@example.org"}, "nhs-number": {numbers[0]}, "consent": {"yes"}, "sex": {"female"}}
	var pages []reply
	for _, nhs := range []string{"9990000042", numbers[0]} {
		form.Set("nhs-number", nhs)
		req, _ := http.NewRequest("POST", svc.url+"/register", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		ip++
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", ip))
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(r.Body)
		r.Body.Close()
		pages = append(pages, reply{code: r.StatusCode, body: data})
	}
	for i, p := range pages {
		if p.code != http.StatusCreated || !strings.Contains(string(p.body), "/my/ptl_") {
			t.Fatalf("web form %d: %d %.300s", i, p.code, p.body)
		}
	}
}

// eventsWorld is a trial with a sponsor, three sites and an admin, over HTTP.
type eventsWorld struct {
	svc                            *service
	trial                          string
	admin, sponsor, nurseA, nurseB string
	nurseC                         string // a nurse of a site listed for the trial that has recorded nothing
	pa, pb                         string // a patient of site A, of site B
}

func newEventsWorld(t *testing.T) *eventsWorld {
	ctx := context.Background()
	svc := newServiceWith(t, behindProxy)
	if _, err := svc.app.Catalog.Import(ctx, synth.Reader(synth.Trials(5, 3)), nil); err != nil {
		t.Fatal(err)
	}
	w := &eventsWorld{svc: svc, trial: "NCT99000001"}
	db := svc.db
	db.Orgs.Put(ctx, &store.Org{ID: "site-b", Name: "Site B", Kind: "site"})
	db.Orgs.Put(ctx, &store.Org{ID: "site-c", Name: "Site C", Kind: "site", Trials: []string{w.trial}})
	db.Orgs.Put(ctx, &store.Org{ID: "site-a", Name: "Site A", Kind: "site", Trials: []string{w.trial}})
	db.Orgs.Put(ctx, &store.Org{ID: "sponsor-a", Name: "Sponsor A", Kind: "sponsor", Trials: []string{w.trial}})
	tok := func(role, org string) string {
		s, _, err := svc.auth.CreateToken(ctx, "events "+role+" "+org, role, org, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	w.admin, w.sponsor = tok("admin", ""), tok("sponsor", "sponsor-a")
	w.nurseA, w.nurseB, w.nurseC = tok("nurse", "site-a"), tok("nurse", "site-b"), tok("nurse", "site-c")
	mk := func(nurse string) string {
		body, _ := json.Marshal(map[string]any{"givenName": "Ola", "familyName": "Site", "birthDate": "1980-02-02", "sex": "female",
			"ethnicCategory": "N", "postcode": "LS1 3EX", "consent": map[string]any{"contact": true, "date": "2026-01-01", "version": "v1", "channel": "paper"}})
		res := w.cl(t).call("POST", "/api/v1/patients", nurse, "application/json", body, nil)
		var p struct{ ID string }
		json.Unmarshal(res.body, &p)
		if res.code != http.StatusCreated || p.ID == "" {
			t.Fatalf("creating a patient: %d %s", res.code, res.body)
		}
		return p.ID
	}
	w.pa, w.pb = mk(w.nurseA), mk(w.nurseB)
	return w
}

func (w *eventsWorld) cl(t *testing.T) client { return client{t, w.svc.url, ""} }

func (w *eventsWorld) post(t *testing.T, bearer string, body any, header map[string]string) reply {
	b, _ := json.Marshal(body)
	return w.cl(t).call("POST", "/api/v1/trials/"+w.trial+"/events", bearer, "application/json", b, header)
}

func enrolled(patientID string, at string) map[string]any {
	return map[string]any{"stage": "enrolled", "at": at, "site": "A", "patientId": patientID}
}

func anonymous(at string) map[string]any {
	return map[string]any{"stage": "enrolled", "at": at, "site": "A", "strata": map[string]any{"ethnicGroup": "Black", "imdQuintile": 1}}
}

// A nurse can record events only for their organisation's patients; every write is
// attributed and audited; exact counts and alerts are for recruiting sites only
// (issue 10, item 3).
func TestEventsCrossOrganisation(t *testing.T) {
	ctx := context.Background()
	w := newEventsWorld(t)
	db := w.svc.db

	other := w.post(t, w.nurseA, enrolled(w.pb, "2026-01-05"), nil)
	unknown := w.post(t, w.nurseA, enrolled("pt_nosuchpatient00000", "2026-01-05"), nil)
	mixed := w.post(t, w.nurseA, []any{enrolled(w.pa, "2026-01-05"), enrolled(w.pb, "2026-01-05")}, nil)
	for name, res := range map[string]reply{"another site's patient": other, "an unknown id": unknown, "a batch naming another site's patient": mixed} {
		var p problem
		json.Unmarshal(res.body, &p)
		if res.code != http.StatusBadRequest || len(p.Errors) != 1 || !strings.HasSuffix(p.Errors[0].Field, "patientId") ||
			!strings.Contains(p.Errors[0].Detail, "not a patient of your organisation") {
			t.Errorf("%s: %d %s, want a 400 naming patientId", name, res.code, res.body)
		}
	}
	if !strings.Contains(string(mixed.body), `"[1].patientId"`) {
		t.Errorf("the batch's error does not name the event: %s", mixed.body)
	}
	var po, pu problem
	json.Unmarshal(other.body, &po)
	json.Unmarshal(unknown.body, &pu)
	if len(po.Errors) == 1 && len(pu.Errors) == 1 && po.Errors[0] != pu.Errors[0] {
		t.Errorf("another site's patient and an unknown id are told apart: %+v / %+v", po.Errors, pu.Errors)
	}
	if n, _ := db.Events.Count(ctx, w.trial); n != 0 {
		t.Fatalf("%d events stored by refused requests", n)
	}
	if res := w.post(t, w.nurseA, enrolled(w.pa, "2026-01-05"), nil); res.code != http.StatusCreated {
		t.Fatalf("own patient: %d %s", res.code, res.body)
	}
	if res := w.post(t, w.admin, enrolled(w.pb, "2026-01-06"), nil); res.code != http.StatusCreated {
		t.Fatalf("admin, any patient: %d %s", res.code, res.body)
	}
	// Attributed in the store, audited for the trial and the patient, refusals too.
	var doc bson.M
	if err := db.Collection("equity_events").FindOne(ctx, bson.M{"p": w.pa}).Decode(&doc); err != nil || doc["o"] != "site-a" || doc["by"] == "" || doc["by"] == nil {
		t.Fatalf("stored event %v, %v: want it attributed to site A and its token", doc, err)
	}
	entries, _ := db.Audit.Find(ctx, store.AuditQuery{SubjectID: w.trial})
	var ok, refused int
	for _, e := range entries {
		if e.Subject == "recruitment-events" && e.ActorOrg == "site-a" && e.ActorID != "" {
			if e.Status == http.StatusCreated && e.Count == 1 {
				ok++
			} else if e.Status == http.StatusBadRequest {
				refused++
			}
		}
	}
	if ok != 1 || refused != 3 {
		t.Fatalf("audit of the trial's event writes by site A: %d stored, %d refused; want 1 and 3: %+v", ok, refused, entries)
	}
	if entries, _ := db.Audit.Find(ctx, store.AuditQuery{SubjectID: w.pa}); !slices.ContainsFunc(entries, func(e store.AuditEntry) bool {
		return e.Action == "record-event" && e.ActorOrg == "site-a"
	}) {
		t.Fatalf("no record-event entry for patient A: %+v", entries)
	}

	// Enough anonymous recruitment for an alert; then the monitor's dashboard.
	var rows strings.Builder
	rows.WriteString("stage,at,site,ethnicGroup,imdQuintile,smi\n")
	for i := 0; i < 80; i++ {
		imd := 5 // mostly the least deprived: the most deprived quintile is under-represented
		if i%8 == 0 {
			imd = 1
		}
		fmt.Fprintf(&rows, "enrolled,%s,A,White,%d,no\n", time.Now().Add(-time.Duration(1+i%9)*24*time.Hour).Format(time.DateOnly), imd)
	}
	if res := w.cl(t).call("POST", "/api/v1/trials/"+w.trial+"/events/csv", w.admin, "text/csv", []byte(rows.String()), nil); res.code != http.StatusCreated {
		t.Fatalf("CSV: %d %s", res.code, res.body)
	}
	if _, err := w.svc.app.Monitor.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	view := func(bearer string) string {
		res := w.cl(t).call("GET", "/api/v1/trials/"+w.trial+"/equity", bearer, "", nil, nil)
		if res.code != http.StatusOK {
			t.Fatalf("equity: %d %s", res.code, res.body)
		}
		return string(res.body)
	}
	exact, controlled := view(w.admin), view(w.sponsor)
	if exact == controlled {
		t.Fatal("the sponsor's view is the exact one: the test cannot tell them apart")
	}
	for name, v := range map[string]string{"nurse of a recruiting site": view(w.nurseA), "nurse of a listed site": view(w.nurseC)} {
		if v != exact {
			t.Errorf("%s does not see exact counts", name)
		}
	}
	if view(w.nurseB) != controlled {
		t.Error("a nurse of a site that does not recruit to the trial sees more than the sponsor")
	}
	alerts := w.cl(t).call("GET", "/api/v1/trials/"+w.trial+"/alerts", w.nurseA, "", nil, nil)
	var list struct {
		Alerts []struct{ ID string } `json:"alerts"`
	}
	json.Unmarshal(alerts.body, &list)
	if alerts.code != http.StatusOK || len(list.Alerts) == 0 {
		t.Fatalf("alerts for site A: %d %s", alerts.code, alerts.body)
	}
	if res := w.cl(t).call("GET", "/api/v1/trials/"+w.trial+"/alerts", w.nurseB, "", nil, nil); res.code != http.StatusForbidden {
		t.Errorf("alerts for site B: %d, want 403", res.code)
	}
	ack := "/api/v1/alerts/" + list.Alerts[0].ID + "/acknowledge"
	if res := w.cl(t).call("POST", ack, w.nurseB, "application/json", []byte("{}"), nil); res.code != http.StatusForbidden {
		t.Errorf("site B acknowledging: %d, want 403", res.code)
	}
	if res := w.cl(t).call("POST", ack, w.nurseA, "application/json", []byte("{}"), nil); res.code != http.StatusOK {
		t.Errorf("site A acknowledging: %d %s", res.code, res.body)
	}
	// Recording an event does not make site B a recruiter: one made-up row must
	// not unlock a trial's exact counts. Only an administrator's listing does.
	if res := w.post(t, w.nurseB, enrolled(w.pb, "2026-01-07"), nil); res.code != http.StatusCreated {
		t.Fatalf("site B, own patient: %d %s", res.code, res.body)
	}
	if view(w.nurseB) == view(w.admin) {
		t.Error("site B sees exact counts after recording one event")
	}
}

// A retried event post or CSV upload is stored once (issue 10, item 8).
func TestEventsIdempotentUploads(t *testing.T) {
	ctx := context.Background()
	w := newEventsWorld(t)
	count := func() int64 {
		n, err := w.svc.db.Events.Count(ctx, w.trial)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	key := map[string]string{"Idempotency-Key": "6f1c0b1e-2a52-4c1e-9f7e-0d7a1c9e2b11"}
	first := w.post(t, w.nurseA, anonymous("2026-01-05"), key)
	retry := w.post(t, w.nurseA, anonymous("2026-01-05"), key)
	if first.code != http.StatusCreated || retry.code != http.StatusCreated || string(first.body) != string(retry.body) ||
		retry.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("keyed retry: %d %s / %d %s %v", first.code, first.body, retry.code, retry.body, retry.header)
	}
	if res := w.post(t, w.nurseA, anonymous("2026-01-06"), key); res.code != http.StatusConflict {
		t.Fatalf("the key reused for another request: %d %s, want 409", res.code, res.body)
	}
	// Without a key, the request itself is the key.
	w.post(t, w.nurseA, []any{anonymous("2026-01-06"), anonymous("2026-01-06")}, nil)
	w.post(t, w.nurseA, []any{anonymous("2026-01-06"), anonymous("2026-01-06")}, nil)
	if n := count(); n != 3 {
		t.Fatalf("%d events after a keyed post, its retry and an unkeyed pair posted twice; want 3", n)
	}
	csv := "stage,at,site,ethnicGroup\nenrolled,2026-01-02,A,Asian\nenrolled,2026-01-02,A,Asian\nenrolled,2026-01-03,A,Black\n"
	upload := func(h map[string]string) reply {
		return w.cl(t).call("POST", "/api/v1/trials/"+w.trial+"/events/csv", w.nurseA, "text/csv", []byte(csv), h)
	}
	if a, b := upload(nil), upload(nil); a.code != 201 || b.code != 201 || string(a.body) != string(b.body) {
		t.Fatalf("CSV retried: %d %s / %d %s", a.code, a.body, b.code, b.body)
	}
	// Five simultaneous retries with one key.
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res := upload(map[string]string{"Idempotency-Key": "upload-2026-01-03"}); res.code != 201 {
				t.Errorf("concurrent retry: %d %s", res.code, res.body)
			}
		}()
	}
	wg.Wait()
	if n := count(); n != 3+3+3 {
		t.Fatalf("%d events, want 9: each upload once however often retried", n)
	}
	if res := w.post(t, w.nurseA, anonymous("2026-01-05"), map[string]string{"Idempotency-Key": "has space"}); res.code != http.StatusBadRequest {
		t.Fatalf("a bad key: %d, want 400", res.code)
	}
}
