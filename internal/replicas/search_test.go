package replicas_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"equitrial/catalog"
	"equitrial/synth"
)

// A study imported through one replica is found by search on the other within
// the delay, and so is a new version of a study imported through the other one
// (which does not change how many studies there are, so no count check at
// start would catch it).
func TestStudyImportedOnOneReplicaIsFoundOnTheOther(t *testing.T) {
	c := newCluster(t)
	a := c.start("a", t.TempDir(), nil)
	b := c.start("b", t.TempDir(), nil)

	records := synth.Trials(20, 41)
	var sum catalog.Summary
	a.must(http.MethodPost, "/api/v1/trials/import", ndjson(records), http.StatusOK, &sum)
	if sum.Imported != 20 {
		t.Fatalf("import on A: %+v", sum)
	}
	took := eventually(t, "replica B finds the 20 studies imported on A", func() bool { return b.search("size=1").Total == 20 })
	t.Logf("replica B found the studies imported on A after %s", took.Round(10e6))
	first := study(t, records[0])
	// B's compiled-criteria cache has them too: trial → patients knows the trial.
	b.must(http.MethodGet, "/api/v1/trials/"+first.id+"/candidates", nil, http.StatusOK, nil)

	newer := first.with("Zanzibar cohort follow-up", "2099-01-01")
	b.must(http.MethodPost, "/api/v1/trials/import", append(newer, '\n'), http.StatusOK, &sum)
	if sum.Updated != 1 {
		t.Fatalf("import of a newer version on B: %+v", sum)
	}
	took = eventually(t, "replica A finds the new version imported on B", func() bool {
		res := a.search("q=" + url.QueryEscape("Zanzibar"))
		return res.Total == 1 && res.Hits[0].NCTID == first.id
	})
	t.Logf("replica A found the new version imported on B after %s", took.Round(10e6))
	if res := a.search("size=1"); res.Total != 20 {
		t.Fatalf("replica A indexes %d studies, want 20", res.Total)
	}
}

// studyRecord is a registry record that a test can change.
type studyRecord struct {
	id  string
	doc map[string]any
}

func study(t *testing.T, raw json.RawMessage) studyRecord {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	id := doc["protocolSection"].(map[string]any)["identificationModule"].(map[string]any)["nctId"].(string)
	return studyRecord{id: id, doc: doc}
}

// with returns the record with another title and last-update date.
func (s studyRecord) with(title, lastUpdate string) []byte {
	ps := s.doc["protocolSection"].(map[string]any)
	ps["identificationModule"].(map[string]any)["briefTitle"] = title
	status, _ := ps["statusModule"].(map[string]any)
	if status == nil {
		status = map[string]any{}
		ps["statusModule"] = status
	}
	status["lastUpdatePostDateStruct"] = map[string]any{"date": lastUpdate}
	out, _ := json.Marshal(s.doc)
	return out
}
