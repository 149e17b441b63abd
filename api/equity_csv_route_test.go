package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"equitrial"
	"equitrial/equity"
	"equitrial/store"
	"equitrial/synth"
)

// The route serves the caller's own view of the dashboard as CSV: a sponsor's rows
// agree with their JSON dashboard, small groups withheld; an admin's are exact.
func TestEquityCSVThroughTheAPI(t *testing.T) {
	s := newEquityService(t)
	ctx := context.Background()
	if _, err := s.cat.Import(ctx, synth.Reader(synth.Trials(2, 7)), nil); err != nil {
		t.Fatal(err)
	}
	var ids []string
	s.db.Trials.Each(ctx, time.Time{}, func(tr *equitrial.Trial) error { ids = append(ids, tr.NCTID); return nil })
	trial := ids[0]
	s.db.Orgs.Put(ctx, &store.Org{ID: "acme", Name: "Acme", Kind: "sponsor", Trials: []string{trial}})
	var evs []equity.Event
	for i := range 43 {
		g := "White"
		if i >= 40 {
			g = "Black"
		}
		evs = append(evs, equity.Event{TrialID: trial, Stage: equity.StageEnrolled, At: time.Now().Add(-time.Duration(i+1) * time.Hour),
			Site: "RXX01", RowKey: strconv.Itoa(i), Strata: &equity.Strata{EthnicGroup: g, IMDQuintile: 3, SMI: "no", Sex: "female", AgeBand: "50-64"}})
	}
	if _, err := s.db.Events.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	get := func(token string) (string, []byte) {
		req, _ := http.NewRequest("GET", s.url+"/api/v1/trials/"+trial+"/equity.csv", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET equity.csv: %d %s", res.StatusCode, body)
		}
		return res.Header.Get("Content-Type"), body
	}
	sponsor := s.tokenFor("sponsor", "acme")
	ct, body := get(sponsor)
	if !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	var dash struct {
		Dimensions map[string]map[string]struct {
			Enrolled *int
			Status   string
		}
	}
	if code := s.call("GET", "/api/v1/trials/"+trial+"/equity", sponsor, nil, &dash); code != http.StatusOK {
		t.Fatalf("GET equity: %d", code)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, r := range rows[1:] {
		if r[0] != "Ethnic group" {
			continue
		}
		seen++
		g := dash.Dimensions["ethnicGroup"][r[1]]
		want := equity.SuppressedText
		if g.Enrolled != nil {
			want = strconv.Itoa(*g.Enrolled)
		}
		if r[3] != want || r[12] != equity.StatusLabel(g.Status) {
			t.Errorf("%s: CSV %q, dashboard enrolled %s status %s", r[1], r, want, g.Status)
		}
	}
	for _, r := range rows[1:] {
		if n, err := strconv.Atoi(r[3]); err == nil && n > 0 && n < equity.SuppressBelow {
			t.Errorf("a count of %d reaches the sponsor: %q", n, r)
		}
	}
	if seen != 5 || !strings.Contains(string(body), "Ethnic group,Black,4.0,fewer than 8,") {
		t.Errorf("sponsor CSV:\n%s", body)
	}
	if _, exact := get(adminToken); !strings.Contains(string(exact), "Ethnic group,Black,4.0,3,") {
		t.Errorf("admin CSV should be exact:\n%s", exact)
	}
}
