package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"equitrial"
	"equitrial/refdata"
	"equitrial/synth"
)

// Nurses search their organisation's patients by name words, postcode and NHS
// number (sealed at rest), sort them and page them; another organisation's
// patients never appear.
func TestPatientListSearchesSortsAndPages(t *testing.T) {
	s := newPatientService(t, sampleReference(t))
	nurse, other := s.token("nurse", "site-a"), s.token("nurse", "site-b")
	add := func(tok, given, family, dob, pc, nhs string) {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"givenName": given, "familyName": family, "birthDate": dob, "postcode": pc,
			"nhsNumber": nhs, "consent": map[string]any{"contact": true, "date": "2026-01-01", "version": "v1", "channel": "paper"}})
		if code := s.doJSON("POST", "/api/v1/patients", tok, b, nil); code != http.StatusCreated {
			t.Fatalf("adding %s %s: %d", given, family, code)
		}
	}
	add(nurse, "Ada", "Okafor", "1980-01-01", "LS1 3EX", "9434765919")
	add(nurse, "Bola", "Adeyemi", "1972-03-09", "SW1A 1AA", "")
	add(nurse, "Ada", "Smith-Jones", "1990-05-05", "LS1 3EX", "")
	add(other, "Ada", "Elsewhere", "1950-01-01", "LS1 3EX", "4010232137")
	type list struct {
		Patients []struct{ GivenName, FamilyName string }
		Total    int
	}
	get := func(params url.Values) ([]string, int) {
		t.Helper()
		var out list
		if code := s.send("GET", "/api/v1/patients?"+params.Encode(), nurse, "", &out); code != http.StatusOK {
			t.Fatalf("GET %v: %d", params, code)
		}
		var names []string
		for _, p := range out.Patients {
			names = append(names, p.GivenName+" "+p.FamilyName)
		}
		return names, out.Total
	}
	cases := []struct {
		params url.Values
		want   []string
		total  int
	}{
		{url.Values{"q": {"ada"}, "sort": {"name"}}, []string{"Ada Okafor", "Ada Smith-Jones"}, 2},
		{url.Values{"q": {"jon"}}, []string{"Ada Smith-Jones"}, 1},
		{url.Values{"q": {"ada oka"}}, []string{"Ada Okafor"}, 1},
		{url.Values{"q": {"ls13"}, "sort": {"birth-date"}}, []string{"Ada Okafor", "Ada Smith-Jones"}, 2},
		{url.Values{"q": {"sw1a 1aa"}}, []string{"Bola Adeyemi"}, 1},
		{url.Values{"nhsNumber": {"943 476 5919"}}, []string{"Ada Okafor"}, 1},
		{url.Values{"nhsNumber": {"401 023 2137"}}, nil, 0}, // another organisation's
		{url.Values{"sort": {"birth-date"}}, []string{"Bola Adeyemi", "Ada Okafor", "Ada Smith-Jones"}, 3},
		{url.Values{"sort": {"name"}, "size": {"2"}, "page": {"2"}}, []string{"Ada Smith-Jones"}, 3},
		{url.Values{"sort": {"name"}, "size": {"2"}}, []string{"Bola Adeyemi", "Ada Okafor"}, 3},
	}
	for _, c := range cases {
		names, total := get(c.params)
		if !slices.Equal(names, c.want) || total != c.total {
			t.Errorf("%v: %v (total %d), want %v (total %d)", c.params, names, total, c.want, c.total)
		}
	}
	var p problem
	if code := s.send("GET", "/api/v1/patients?nhsNumber=123&sort=age", nurse, "", &p); code != http.StatusBadRequest || len(p.Errors) != 2 {
		t.Errorf("bad nhsNumber and sort: %d %+v, want 400 naming both", code, p)
	}
}

// The latest recruitment event of a patient in each trial asked about, for the
// nurse's matches page: their own organisation's patient only.
func TestPatientLatestEvents(t *testing.T) {
	s := newPatientService(t, sampleReference(t))
	ctx := context.Background()
	if _, err := s.cat.Import(ctx, synth.Reader(synth.Trials(3, 5)), nil); err != nil {
		t.Fatal(err)
	}
	var ids []string
	s.db.Trials.Each(ctx, time.Time{}, func(tr *equitrial.Trial) error { ids = append(ids, tr.NCTID); return nil })
	nurse, other := s.token("nurse", "site-a"), s.token("nurse", "site-b")
	var p struct{ ID string }
	b, _ := json.Marshal(map[string]any{"givenName": "Ada", "birthDate": "1980-01-01",
		"consent": map[string]any{"contact": true, "date": "2026-01-01", "version": "v1", "channel": "paper"}})
	if code := s.doJSON("POST", "/api/v1/patients", nurse, b, &p); code != http.StatusCreated {
		t.Fatal(code)
	}
	post := func(stage, at string, reasons ...string) {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"patientId": p.ID, "stage": stage, "at": at, "site": "site-a", "reasons": reasons})
		if code := s.doJSON("POST", "/api/v1/trials/"+ids[0]+"/events", nurse, b, nil); code != http.StatusCreated {
			t.Fatalf("recording %s: %d", stage, code)
		}
	}
	post("approached", "2026-11-01T10:00:00Z")
	post("declined", "2026-11-02T10:00:00Z", "travel_distance")
	var out struct {
		Latest map[string]struct {
			Stage   string
			Reasons []string
		}
	}
	path := "/api/v1/patients/" + p.ID + "/events?trial=" + ids[0] + "," + ids[1]
	if code := s.send("GET", path, nurse, "", &out); code != http.StatusOK {
		t.Fatalf("GET events: %d", code)
	}
	if e, ok := out.Latest[ids[0]]; !ok || e.Stage != "declined" || !slices.Equal(e.Reasons, []string{"travel_distance"}) || len(out.Latest) != 1 {
		t.Errorf("latest events %+v, want declined (travel_distance) in %s only", out.Latest, ids[0])
	}
	if code := s.send("GET", path, other, "", nil); code != http.StatusNotFound {
		t.Errorf("another site's nurse: %d, want 404", code)
	}
	if code := s.send("GET", "/api/v1/patients/"+p.ID+"/events?trial=NCT1", nurse, "", nil); code != http.StatusBadRequest {
		t.Errorf("a bad trial id: %d, want 400", code)
	}
}

// A postcode without coordinates of its own is searched from its small area's
// centroid, and the answer says the point is approximate; one not in the
// directory is named as such.
func TestSearchNearApproximatePostcode(t *testing.T) {
	b := refdata.NewDirectoryBuilder(0)
	if err := b.Add("LS1 3EX", "E01033010", refdata.NationUnknown, &refdata.Point{Lat: 53.8021, Lon: -1.5519}); err != nil {
		t.Fatal(err)
	}
	if err := b.Add("LS2 9JT", "E01011365", refdata.NationUnknown, nil); err != nil {
		t.Fatal(err)
	}
	dir, _ := b.Build()
	dir.SetCentroids(refdata.Centroids{"E01011365": {Lat: 53.81, Lon: -1.55}})
	ref, err := refdata.NewReference(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := newPatientService(t, ref)
	var res struct {
		Near *struct {
			Lat         float64
			Approximate bool
		}
	}
	if code := s.send("GET", "/api/v1/trials?near=LS2+9JT&radius_km=10", "", "", &res); code != http.StatusOK || res.Near == nil || !res.Near.Approximate || res.Near.Lat != 53.81 {
		t.Errorf("near LS2 9JT: %d %+v, want the centroid, approximate", code, res.Near)
	}
	if code := s.send("GET", "/api/v1/trials?near=LS1+3EX", "", "", &res); code != http.StatusOK || res.Near == nil || res.Near.Approximate {
		t.Errorf("near LS1 3EX: %d %+v, want its own point", code, res.Near)
	}
	var p problem
	if code := s.send("GET", "/api/v1/trials?near=LS9+9ZZ&age=old", "", "", &p); code != http.StatusBadRequest || len(p.Errors) != 2 || !strings.Contains(p.Errors[0].Detail+p.Errors[1].Detail, "not in the postcode directory") {
		t.Errorf("a postcode not in the directory and a bad age: %d %+v", code, p)
	}
}
