package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"equitrial"
	"equitrial/catalog"
	"equitrial/ctgov"
	"equitrial/internal/testdata"
	"equitrial/matcher"
)

func TestImportSharedStudies(t *testing.T) {
	s := newService(t)
	first := s.importShared()
	if first.Imported != 143 || first.Rejected != 0 {
		t.Fatalf("first import: %s; want 143 imported, none rejected (rejections: %v)", first, first.Rejections)
	}
	if n, _ := s.db.Trials.Count(context.Background()); n != 143 {
		t.Fatalf("store holds %d trials, want 143", n)
	}
	again := s.importShared()
	if again.Unchanged != 143 || again.Imported+again.Updated+again.Rejected != 0 {
		t.Fatalf("re-import: %s; want all 143 unchanged", again)
	}
	if n, _ := s.cat.Index.Count(); n != 143 {
		t.Fatalf("index holds %d trials, want 143", n)
	}
	// The two near-empty stubs import and can be fetched.
	for _, id := range []string{"NCT00465816", "NCT03453554"} {
		var got equitrial.Trial
		if code := s.get("/api/v1/trials/"+id, &got); code != http.StatusOK || got.NCTID != id {
			t.Errorf("GET stub %s: %d %+v", id, code, got)
		}
	}
}

func TestImportUpdatesChangedRecord(t *testing.T) {
	s := newService(t)
	s.importShared()
	records := readShared(t)
	orig := records[0].Trial
	var doc map[string]any
	json.Unmarshal(orig.Raw, &doc)
	ps := doc["protocolSection"].(map[string]any)
	ps["identificationModule"].(map[string]any)["briefTitle"] = "A changed title about zebrafish"
	ps["statusModule"].(map[string]any)["lastUpdatePostDateStruct"] = map[string]any{"date": "2099-01-01"}
	body, _ := json.Marshal(doc)

	var sum catalog.Summary
	if code := s.do(http.MethodPost, "/api/v1/trials/import", adminToken, body, &sum); code != http.StatusOK {
		t.Fatalf("import: status %d", code)
	}
	if sum.Updated != 1 || sum.Imported+sum.Unchanged+sum.Rejected != 0 {
		t.Fatalf("import of a newer record: %s; want 1 updated", sum)
	}
	var got equitrial.Trial
	s.get("/api/v1/trials/"+orig.NCTID, &got)
	if got.BriefTitle != "A changed title about zebrafish" || got.LastUpdate != "2099-01-01" {
		t.Fatalf("after update, trial is %q updated %s", got.BriefTitle, got.LastUpdate)
	}
	if r := s.search(url.Values{"q": {"zebrafish"}}); r.Total != 1 || r.Hits[0].NCTID != orig.NCTID {
		t.Fatalf("the index did not follow the update: %+v", r)
	}
	// The original, older version does not overwrite the newer one.
	if code := s.do(http.MethodPost, "/api/v1/trials/import", adminToken, orig.Raw, &sum); code != http.StatusOK || sum.Unchanged != 1 {
		t.Fatalf("re-importing the older version: %d %s; want unchanged", code, sum)
	}
}

func TestImportRejectsBadRecordsAndKeepsGoing(t *testing.T) {
	s := newService(t)
	records := readShared(t)
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good := func(i int) string { return string(records[i].Trial.Raw) }
	write("a-broken.json", `{"protocolSection": {"identificationModule": {"nctId": "NCT0`)
	write("b-array.json", "["+good(0)+`,{"protocolSection":{"identificationModule":{"briefTitle":"no id"}}},`+good(1)+"]")
	write("c-lines.ndjson", good(2)+"\n"+`{"protocolSection":{"identificationModule":{"nctId":42}}}`+"\n"+good(3)+"\n")
	write("d-page.json", `{"studies":[`+good(4)+`,"not a study"],"nextPageToken":"x"}`)
	sum, err := s.cat.Import(context.Background(), func(each func(ctgov.Record) error) error {
		return ctgov.ReadPaths([]string{dir}, each)
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Imported != 5 || sum.Rejected != 4 {
		t.Fatalf("%s; want 5 imported and 4 rejected: %+v", sum, sum.Rejections)
	}
	var where []string
	for _, r := range sum.Rejections {
		where = append(where, filepath.Base(r.Source)+" "+r.Position)
		if r.Reason == "" {
			t.Errorf("rejection %+v has no reason", r)
		}
	}
	want := []string{"a-broken.json ", "b-array.json record 2", "c-lines.ndjson line 2", "d-page.json studies[2]"}
	if !slices.Equal(where, want) {
		t.Fatalf("rejected at %q, want %q", where, want)
	}
	if !strings.Contains(sum.Rejections[1].Reason, "no NCT id") || !strings.Contains(sum.Rejections[2].Reason, "wrong type") {
		t.Errorf("reasons do not say what is wrong: %+v", sum.Rejections)
	}
}

// Searching for a study's own distinctive title must find it near the top, for every
// study that has one: the index covers what the registry says.
func TestSearchFindsStudiesByTitle(t *testing.T) {
	s := newService(t)
	s.importShared()
	var checked, missed int
	for _, r := range readShared(t) {
		title := r.Trial.BriefTitle
		if len(strings.Fields(title)) < 4 {
			continue
		}
		checked++
		res := s.search(url.Values{"q": {title}, "status": {""}, "size": {"5"}})
		if !slices.ContainsFunc(res.Hits, func(h matcher.Hit) bool { return h.NCTID == r.Trial.NCTID }) {
			missed++
			t.Errorf("searching %q: %s not in the top 5", title, r.Trial.NCTID)
		}
	}
	if checked < 100 {
		t.Fatalf("only %d studies had titles to search for", checked)
	}
}

// A search for a word returns exactly the studies whose indexed text contains it.
func TestSearchTermMatchesExactlyTheStudiesWithIt(t *testing.T) {
	s := newService(t)
	s.importShared()
	records := readShared(t)
	for _, term := range []string{"hydroxychloroquine", "tocilizumab", "ivermectin", "asthma"} {
		var want []string
		for _, r := range records {
			tr := r.Trial
			var ivs []string
			for _, iv := range tr.Interventions {
				ivs = append(ivs, iv.Name)
			}
			text := strings.ToLower(strings.Join(append(append(append([]string{tr.BriefTitle, tr.OfficialTitle, tr.Acronym, tr.BriefSummary,
				tr.EligibilityText, tr.LeadSponsor}, tr.Conditions...), tr.Keywords...), append(ivs, tr.ConditionMeSH...)...), " "))
			if strings.Contains(text, term) {
				want = append(want, tr.NCTID)
			}
		}
		if len(want) == 0 {
			continue
		}
		res := s.search(url.Values{"q": {term}, "size": {"100"}})
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.NCTID)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("search %q found %v, want %v", term, got, want)
		}
		if len(res.Hits) > 0 && len(res.Hits[0].Highlights) == 0 {
			t.Errorf("search %q: top hit has no highlights", term)
		}
	}
}

func TestFacetsCountRight(t *testing.T) {
	s := newService(t)
	s.importShared()
	wantStatus := map[string]int{}
	wantPhase := map[string]int{}
	for _, r := range readShared(t) {
		if st := r.Trial.OverallStatus; st != "" {
			wantStatus[st]++
		}
		for _, p := range slices.Compact(slices.Sorted(slices.Values(r.Trial.Phases))) {
			wantPhase[p]++
		}
	}
	res := s.search(url.Values{"size": {"1"}})
	if res.Total != 143 {
		t.Fatalf("match-all total %d, want 143", res.Total)
	}
	for name, want := range map[string]map[string]int{"status": wantStatus, "phase": wantPhase} {
		got := map[string]int{}
		for _, f := range res.Facets[name] {
			got[f.Term] = f.Count
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("facet %s = %v, want %v", name, got, want)
		}
	}
	// A filter narrows the total to the facet's count.
	res = s.search(url.Values{"status": {"RECRUITING"}})
	if res.Total != wantStatus["RECRUITING"] {
		t.Errorf("status=RECRUITING total %d, want %d", res.Total, wantStatus["RECRUITING"])
	}
}

func TestGeoFilterKeepsOnlyStudiesWithASiteInRadius(t *testing.T) {
	s := newService(t)
	s.importShared()
	records := readShared(t)
	var centre *equitrial.LatLon
	for _, r := range records {
		for _, l := range r.Trial.Locations {
			if l.Geo != nil && centre == nil {
				centre = l.Geo
			}
		}
	}
	if centre == nil {
		t.Skip("no shared study has a site with coordinates")
	}
	const radius = 100.0
	var want []string
	for _, r := range records {
		for _, l := range r.Trial.Locations {
			if l.Geo != nil && matcher.DistanceKm(*centre, *l.Geo) <= radius {
				want = append(want, r.Trial.NCTID)
				break
			}
		}
	}
	res := s.search(url.Values{"near": {fmt.Sprintf("%f,%f", centre.Lat, centre.Lon)}, "radius_km": {fmt.Sprint(radius)}, "size": {"100"}})
	var got []string
	for _, h := range res.Hits {
		got = append(got, h.NCTID)
		if h.DistanceKm == nil || *h.DistanceKm > radius+0.5 {
			t.Errorf("%s: nearest site %v km, outside %v km", h.NCTID, h.DistanceKm, radius)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("near %v within %v km: got %v, want %v", centre, radius, got, want)
	}
	if len(want) == 143 {
		t.Fatal("every study is within the radius: the test proves nothing")
	}
}

func TestSearchAgeAndSexFilters(t *testing.T) {
	s := newService(t)
	s.importShared()
	for _, tc := range []struct{ age, sex string }{{"70", ""}, {"10", ""}, {"30", "male"}} {
		var want []string
		age := 0.0
		fmt.Sscan(tc.age, &age)
		for _, r := range readShared(t) {
			tr := r.Trial
			if (tr.MinAgeYears == nil || *tr.MinAgeYears <= age) && (tr.MaxAgeYears == nil || *tr.MaxAgeYears >= age) &&
				(tc.sex == "" || tr.Sex == "ALL" || strings.EqualFold(tr.Sex, tc.sex)) {
				want = append(want, tr.NCTID)
			}
		}
		res := s.search(url.Values{"age": {tc.age}, "sex": {tc.sex}, "size": {"100"}})
		if res.Total != len(want) {
			t.Errorf("age %s sex %q: %d trials, want %d", tc.age, tc.sex, res.Total, len(want))
		}
	}
}

func TestSearchAndGetErrors(t *testing.T) {
	s := newService(t)
	for _, tc := range []struct {
		query  string
		fields []string
	}{
		{"status=OPEN", []string{"status"}},
		{"phase=7", []string{"phase"}},
		{"near=53.8", []string{"near"}},
		{"near=95,0&radius_km=10", []string{"near"}},
		{"radius_km=10", []string{"radius_km"}},
		{"age=old&sex=robot", []string{"age", "sex"}},
		{"page=0&size=1000", []string{"page", "size"}},
		{"colour=blue", []string{"colour"}},
	} {
		var p problem
		code := s.get("/api/v1/trials?"+tc.query, &p)
		var fields []string
		for _, e := range p.Errors {
			fields = append(fields, e.Field)
		}
		if code != http.StatusBadRequest || p.Status != 400 || !slices.Equal(fields, tc.fields) || p.Detail == "" {
			t.Errorf("?%s: %d %+v; want 400 naming %v", tc.query, code, p, tc.fields)
		}
	}
	var p problem
	if code := s.get("/api/v1/trials/NCT09999999", &p); code != http.StatusNotFound || p.Status != 404 {
		t.Errorf("unknown id: %d %+v", code, p)
	}
	if code := s.get("/api/v1/trials/not-an-id", &p); code != http.StatusBadRequest || p.Errors[0].Field != "nctId" {
		t.Errorf("malformed id: %d %+v", code, p)
	}
}

func TestImportRouteNeedsTheAdminToken(t *testing.T) {
	s := newService(t)
	body := []byte(`{"protocolSection":{"identificationModule":{"nctId":"NCT00000001"}}}`)
	var p problem
	if code := s.do(http.MethodPost, "/api/v1/trials/import", "", body, &p); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}
	if code := s.do(http.MethodPost, "/api/v1/trials/import", "wrong-token-wrong-token-wrong", body, &p); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", code)
	}
	if n, _ := s.db.Trials.Count(context.Background()); n != 0 {
		t.Fatalf("an unauthorised import stored %d trials", n)
	}
	if code := s.do(http.MethodGet, "/api/v1/trials/import", adminToken, nil, &p); code != http.StatusBadRequest {
		// GET on the import path is a lookup of the id "import": not an NCT id.
		t.Errorf("GET /api/v1/trials/import: %d, want 400", code)
	}
	_ = testdata.RepoRoot
}
