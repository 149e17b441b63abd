package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"equitrial/internal/testdata"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"equitrial/internal/app"
	"equitrial/store"
	"equitrial/synth"
)

// A full scenario — self-registration (API and web form), a nurse's reads and
// writes, matching, search near a postcode, errors, consent withdrawal, the equity
// monitor — and then not one log line may hold a name, NHS number, email, phone
// number or postcode that the scenario used.
func TestNoPersonalDataInLogs(t *testing.T) {
	ctx := context.Background()
	var logs testdata.SyncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc := newServiceWith(t, func(cfg *app.Config) { cfg.Log, cfg.StartJobs = log, true })
	a, db := svc.app, svc.db
	if _, err := a.Catalog.Import(ctx, synth.Reader(synth.Trials(30, 5)), nil); err != nil {
		t.Fatal(err)
	}
	db.Orgs.Put(ctx, &store.Org{ID: "site-a", Name: "Site A", Kind: "site", SelfRegistration: true})
	nurse, _, _ := a.Auth.CreateToken(ctx, "", "nurse", "site-a", time.Hour)

	personal := []string{"Oluwaseun", "Featherstonehaugh", "9434765919", "943 476 5919", "seun.f@example.org",
		"07700900123", "+447700900123", "LS1 3EX", "LS13EX", "ls1 3ex", "Grisewood", "Marjoribanks", "4010232137",
		"m.grisewood@example.org", "SW1A 1AA", "SW1A1AA", "1969-04-21"}
	do := func(method, path, bearer string, body any) (int, []byte) {
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, svc.url+path, r)
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		return res.StatusCode, data
	}
	consent := map[string]any{"contact": true, "date": "2026-01-01", "version": "v1", "channel": "web"}
	code, data := do("POST", "/api/v1/register?org=site-a", "", map[string]any{"givenName": "Oluwaseun", "familyName": "Featherstonehaugh",
		"birthDate": "1969-04-21", "nhsNumber": "943 476 5919", "email": "seun.f@example.org", "phone": "07700900123",
		"postcode": "ls1 3ex", "sex": "female", "ethnicCategory": "N", "consent": consent,
		"conditions": []map[string]string{{"text": "type 2 diabetes"}}})
	var reg struct {
		Patient     struct{ ID string } `json:"patient"`
		AccessToken string              `json:"accessToken"`
	}
	json.Unmarshal(data, &reg)
	if code != http.StatusCreated {
		t.Fatalf("register: %d %s", code, data)
	}
	// A bad registration whose errors concern the personal values.
	do("POST", "/api/v1/register", "", map[string]any{"givenName": "Grisewood", "nhsNumber": "4010232138", "email": "m.grisewood@example",
		"postcode": "SW1A 1AAX", "birthDate": "2999-01-01", "consent": consent})
	code, data = do("POST", "/api/v1/patients", nurse, map[string]any{"givenName": "Marjoribanks", "familyName": "Grisewood",
		"birthDate": "1950-01-01", "nhsNumber": "4010232137", "email": "m.grisewood@example.org", "postcode": "SW1A1AA",
		"sex": "male", "consent": consent})
	var created struct{ ID string }
	json.Unmarshal(data, &created)
	if code != http.StatusCreated {
		t.Fatalf("nurse create: %d %s", code, data)
	}
	for _, step := range []struct{ method, path, bearer string }{
		{"GET", "/api/v1/patients", nurse},
		{"GET", "/api/v1/patients/" + created.ID, nurse},
		{"GET", "/api/v1/patients/" + created.ID + "/matches", nurse},
		{"GET", "/api/v1/patients/" + reg.Patient.ID, reg.AccessToken},
		{"GET", "/api/v1/patients/" + reg.Patient.ID + "/matches", reg.AccessToken},
		{"GET", "/api/v1/trials?near=" + url.QueryEscape("LS1 3EX") + "&radius_km=50", ""},
		{"GET", "/api/v1/trials/NCT99000001/candidates", nurse},
		{"POST", "/api/v1/auth/login", ""},
	} {
		do(step.method, step.path, step.bearer, nil)
	}
	do("POST", "/api/v1/auth/login", "", map[string]string{"email": "seun.f@example.org", "password": "Featherstonehaugh"})
	do("PATCH", "/api/v1/patients/"+created.ID, nurse, map[string]any{"phone": "+447700900123"})
	// The web registration form, as a person would send it.
	form := url.Values{"given-name": {"Oluwaseun"}, "family-name": {"Featherstonehaugh"}, "dob-day": {"21"}, "dob-month": {"4"},
		"dob-year": {"1969"}, "postcode": {"LS1 3EX"}, "email": {"seun.f@example.org"}, "nhs-number": {"9434765919"}}
	res, err := http.PostForm(svc.url+"/register", form)
	if err == nil {
		res.Body.Close()
	}
	if _, err := a.Monitor.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if code, data := do("DELETE", "/api/v1/patients/"+reg.Patient.ID, reg.AccessToken, nil); code >= 300 {
		t.Fatalf("withdraw: %d %s", code, data)
	}

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) < 15 {
		t.Fatalf("only %d log lines: the scenario did not run", len(lines))
	}
	for _, line := range lines {
		low := strings.ToLower(line)
		for _, p := range personal {
			for _, form := range []string{p, url.QueryEscape(p), url.PathEscape(p)} {
				if strings.Contains(low, strings.ToLower(form)) {
					t.Errorf("a log line holds %q: %s", form, line)
				}
			}
		}
		if strings.Contains(line, reg.AccessToken) || strings.Contains(line, nurse) {
			t.Errorf("a log line holds a credential: %s", line)
		}
	}
}
