package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"equitrial/api"
	"equitrial/equity"
	"equitrial/internal/app"
	"equitrial/store"
	"equitrial/synth"
)

// Expectations in the matrix: ok means the caller gets past authentication and
// authorisation (any status but 401, 403 or 5xx: a 400 for the empty body is fine).
const ok = 0

var callers = []string{"anonymous", "patient", "nurse", "nurse-other-site", "sponsor-other-org", "sponsor", "admin"}

// row is the expected status for each caller, in the order of callers.
type row [7]int

var (
	public     = row{ok, ok, ok, ok, ok, ok, ok}
	adminOnly  = row{401, 403, 403, 403, 403, 403, ok}
	staffOnly  = row{401, 403, ok, ok, ok, ok, ok}
	sites      = row{401, 403, ok, ok, 403, 403, ok}
	ownPatient = row{401, ok, ok, 404, 403, 403, ok} // a nurse of another site does not learn the record exists
	ownTrial   = row{401, 403, ok, ok, 403, ok, ok}  // sponsors: only their organisation's trials
	sponsorsOf = row{401, 403, 403, 403, 403, ok, ok}
	recruiters = row{401, 403, ok, 403, 403, ok, ok} // nurses only of a site recruiting to the trial (site A is listed)
)

// expected is the authorisation of every route, decided here explicitly: a route
// added to api/routes.go without a row here fails the test.
var expected = map[string]row{
	"GET /healthz":                          public,
	"GET /readyz":                           public,
	"GET /metrics":                          adminOnly,
	"GET /api/openapi.yaml":                 public,
	"GET /api/v1/trials":                    public,
	"GET /api/v1/trials/:nctId":             public,
	"GET /api/v1/trials/:nctId/criteria":    public,
	"POST /api/v1/trials/import":            adminOnly,
	"POST /api/v1/auth/login":               public,
	"POST /api/v1/auth/logout":              public,
	"POST /api/v1/auth/logout-everywhere":   staffOnly,
	"POST /api/v1/auth/password":            staffOnly,
	"GET /api/v1/me":                        public,
	"GET /auth/oidc/:provider/login":        public,
	"GET /auth/oidc/:provider/callback":     public,
	"POST /api/v1/users":                    adminOnly,
	"GET /api/v1/users":                     adminOnly,
	"PATCH /api/v1/users/:id":               adminOnly,
	"POST /api/v1/users/:id/reset-password": adminOnly,
	"GET /api/v1/refdata":                   adminOnly,
	"GET /api/v1/tokens":                    adminOnly,
	"POST /api/v1/tokens":                   adminOnly,
	"DELETE /api/v1/tokens/:id":             adminOnly,
	"GET /api/v1/orgs":                      adminOnly,
	"PUT /api/v1/orgs/:org":                 adminOnly,
	"GET /api/v1/audit":                     adminOnly,
	"POST /api/v1/register":                 public,
	"POST /api/v1/patients":                 sites,
	"GET /api/v1/patients":                  sites,
	"GET /api/v1/patients/:id":              ownPatient,
	"PATCH /api/v1/patients/:id":            ownPatient,
	"DELETE /api/v1/patients/:id":           ownPatient,
	"GET /api/v1/patients/:id/matches":      ownPatient,
	"PUT /api/v1/patients/:id/answers":      ownPatient,
	"GET /api/v1/patients/:id/events":       row{401, 403, ok, 404, 403, 403, ok},
	"GET /api/v1/trials/:nctId/candidates":  sites,
	"GET /api/v1/trials/:nctId/equity":      ownTrial,
	"GET /api/v1/trials/:nctId/equity.csv":  ownTrial,
	"GET /api/v1/trials/:nctId/targets":     ownTrial,
	"PUT /api/v1/trials/:nctId/targets":     row{401, 403, 403, 403, 403, ok, ok},
	"GET /api/v1/regions":                   staffOnly,
	"POST /api/v1/trials/:nctId/events":     sites,
	"POST /api/v1/trials/:nctId/events/csv": sites,
	"GET /api/v1/trials/:nctId/alerts":      recruiters,
	"POST /api/v1/alerts/:id/acknowledge":   recruiters,
	"GET /api/v1/orgs/:org/webhook":         sponsorsOf,
	"PUT /api/v1/orgs/:org/webhook":         sponsorsOf,
	"GET /api/v1/jobs":                      adminOnly,
	"POST /api/v1/jobs/:name/run":           adminOnly,
	"GET /api/v1/jobs/:name/runs/:id":       adminOnly,
}

// TestAuthorisationMatrix calls every registered route as each kind of caller and
// checks the status against the table above.
func TestAuthorisationMatrix(t *testing.T) {
	ctx := context.Background()
	svc := newServiceWith(t, func(cfg *app.Config) { cfg.StartJobs = true; behindProxy(cfg) })
	a, db := svc.app, svc.db
	if _, err := a.Catalog.Import(ctx, synth.Reader(synth.Trials(5, 3)), nil); err != nil {
		t.Fatal(err)
	}
	const trial = "NCT99000001"
	db.Orgs.Put(ctx, &store.Org{ID: "site-a", Name: "Site A", Kind: "site", Trials: []string{trial}, SelfRegistration: true})
	db.Orgs.Put(ctx, &store.Org{ID: "site-b", Name: "Site B", Kind: "site"})
	db.Orgs.Put(ctx, &store.Org{ID: "sponsor-a", Name: "Sponsor A", Kind: "sponsor", Trials: []string{trial}})
	db.Orgs.Put(ctx, &store.Org{ID: "sponsor-b", Name: "Sponsor B", Kind: "sponsor"})
	token := func(role, org string) string {
		secret, _, err := a.Auth.CreateToken(ctx, "matrix", role, org, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	bearer := map[string]string{
		"nurse": token("nurse", "site-a"), "nurse-other-site": token("nurse", "site-b"),
		"sponsor": token("sponsor", "sponsor-a"), "sponsor-other-org": token("sponsor", "sponsor-b"), "admin": token("admin", ""),
	}
	call := func(method, path, caller string, body []byte, contentType string) (int, []byte) {
		req, _ := http.NewRequest(method, svc.url+path, bytes.NewReader(body))
		if body != nil {
			req.Header.Set("Content-Type", contentType)
		}
		if b := bearer[caller]; b != "" {
			req.Header.Set("Authorization", "Bearer "+b)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		return res.StatusCode, data
	}
	// A self-registered patient at site A, whose private link is the patient's credential.
	reg := map[string]any{"givenName": "Matrix", "familyName": "Patient", "birthDate": "1970-01-01", "sex": "female",
		"postcode": "LS1 3EX", "email": "matrix@example.org", "consent": map[string]any{"contact": true, "date": "2026-01-01", "version": "v1", "channel": "web"}}
	body, _ := json.Marshal(reg)
	code, data := call("POST", "/api/v1/register?org=site-a", "anonymous", body, "application/json")
	var registered struct {
		Patient     struct{ ID string } `json:"patient"`
		AccessToken string              `json:"accessToken"`
	}
	json.Unmarshal(data, &registered)
	if code != http.StatusCreated || registered.Patient.ID == "" || registered.AccessToken == "" {
		t.Fatalf("registering the matrix patient: %d %s", code, data)
	}
	bearer["patient"] = registered.AccessToken
	patientID := registered.Patient.ID
	// An open alert on the sponsor's trial, so acknowledging it reaches the scoping check.
	var evs []equity.Event
	for i := 0; i < 80; i++ {
		imd := 5 // and one in eight in the most deprived quintile: a count large enough to be shown, and under target
		if i%8 == 0 {
			imd = 1
		}
		evs = append(evs, equity.Event{TrialID: trial, Stage: equity.StageEnrolled, At: time.Now().Add(-time.Hour), Site: "A",
			RowKey: fmt.Sprint(i), Strata: &equity.Strata{EthnicGroup: equity.EthnicWhite, IMDQuintile: imd, SMI: equity.SMINo}})
	}
	if _, err := db.Events.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Monitor.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	alerts, _ := db.Alerts.List(ctx, trial, false)
	if len(alerts) == 0 {
		t.Fatal("the monitor opened no alert for an all-White, mostly least-deprived enrolment")
	}

	// Each route's path with real ids; DELETE of a patient takes a fresh record
	// made by a nurse (or the patient's own, last), since it erases what it deletes.
	fill := func(path, caller string) string {
		r := strings.NewReplacer(":nctId", trial, ":provider", "staff", ":org", "sponsor-a", ":name", "equity-monitor",
			":id", "x")
		switch {
		case strings.HasPrefix(path, "/api/v1/patients/:id"):
			return strings.Replace(path, ":id", patientID, 1)
		case strings.HasPrefix(path, "/api/v1/alerts/:id"):
			return strings.Replace(path, ":id", alerts[0].ID, 1)
		}
		return r.Replace(path)
	}
	freshPatient := func() string {
		body, _ := json.Marshal(map[string]any{"givenName": "Fresh", "familyName": "Record", "birthDate": "1980-02-02", "sex": "male",
			"consent": map[string]any{"contact": true, "date": "2026-01-01", "version": "v1", "channel": "paper"}})
		code, data := call("POST", "/api/v1/patients", "nurse", body, "application/json")
		var p struct{ ID string }
		json.Unmarshal(data, &p)
		if code != http.StatusCreated || p.ID == "" {
			t.Fatalf("nurse creating a patient: %d %s", code, data)
		}
		return p.ID
	}

	matrixCases(t, svc.url, bearer, trial, patientID) // before the patient deletes their record
	routes := api.Routes()
	sort.SliceStable(routes, func(i, j int) bool { return routes[i].Method != "DELETE" && routes[j].Method == "DELETE" })
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		want, found := expected[key]
		if !found {
			t.Errorf("%s has no row in the authorisation matrix: decide who may call it", key)
			continue
		}
		order := callers
		if key == "DELETE /api/v1/patients/:id" {
			order = append(append([]string{}, callers[2:]...), callers[:2]...) // the patient deletes themself last
		}
		for _, caller := range order {
			i := indexOf(callers, caller)
			path := fill(rt.Path, caller)
			if key == "DELETE /api/v1/patients/:id" && want[i] == ok && caller != "patient" {
				path = "/api/v1/patients/" + freshPatient()
			}
			var body []byte
			ct := "application/json"
			if rt.Method == "POST" || rt.Method == "PUT" || rt.Method == "PATCH" {
				body = []byte("{}")
				if strings.HasSuffix(rt.Path, "/csv") {
					body, ct = []byte("stage,at,site\n"), "text/csv"
				}
			}
			code, data := call(rt.Method, path, caller, body, ct)
			switch {
			case want[i] == ok && (code == 401 || code == 403 || code >= 500):
				t.Errorf("%s as %s: %d, want it allowed: %.200s", key, caller, code, data)
			case want[i] != ok && code != want[i]:
				t.Errorf("%s as %s: %d, want %d: %.200s", key, caller, code, want[i], data)
			}
		}
	}
	for key := range expected {
		if !hasRoute(key) {
			t.Errorf("the matrix has a row for %s, which is not a route", key)
		}
	}
}

// matrixCases are the event, alert and registration cases beyond the route
// table's: the statuses each caller gets for requests whose answer depends on what
// they name (issue 10, items 2 and 3). Here want is the exact status for every caller.
func matrixCases(t *testing.T, url string, bearer map[string]string, trial, sitePatient string) {
	event := func(patientID string) []byte {
		b, _ := json.Marshal(map[string]any{"stage": "screened", "at": "2026-01-02", "site": "A", "patientId": patientID})
		return b
	}
	reg := func(nhs string) []byte { return registration(nhs, "matrix-again@example.org") }
	ip := 0
	send := func(method, path, caller string, body []byte) reply {
		ip++
		return client{t, url, fmt.Sprintf("198.51.100.%d", ip)}.call(method, path, bearer[caller], "application/json", body, nil)
	}
	if res := send("POST", "/api/v1/register?org=site-a", "anonymous", reg("9434765919")); res.code != http.StatusCreated {
		t.Fatalf("registering a patient with an NHS number: %d %s", res.code, res.body)
	}
	for _, tc := range []struct {
		name, method, path string
		body               []byte
		want               row
	}{
		{"event naming site A's patient", "POST", "/api/v1/trials/" + trial + "/events", event(sitePatient), row{401, 403, 201, 400, 403, 403, 201}},
		{"event naming no patient", "POST", "/api/v1/trials/" + trial + "/events", event("pt_aaaaaaaaaaaaaaaaaaaa"), row{401, 403, 400, 400, 403, 403, 400}},
		{"registering at a site taking no registrations", "POST", "/api/v1/register?org=site-b", reg(""), row{400, 400, 400, 400, 400, 400, 400}},
		{"registering with a registered NHS number", "POST", "/api/v1/register?org=site-a", reg("9434765919"), row{201, 201, 201, 201, 201, 201, 201}},
	} {
		for i, caller := range callers {
			if res := send(tc.method, tc.path, caller, tc.body); res.code != tc.want[i] {
				t.Errorf("%s as %s: %d, want %d: %.200s", tc.name, caller, res.code, tc.want[i], res.body)
			}
		}
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func hasRoute(key string) bool {
	for _, r := range api.Routes() {
		if r.Method+" "+r.Path == key {
			return true
		}
	}
	return false
}
