package eligibility

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"equitrial"
)

// sharedDir finds ../shared relative to the repository root, whatever directory
// the test runs in.
func sharedDir(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "shared")
	if _, err := os.Stat(filepath.Join(dir, "ctgov")); err != nil {
		t.Skipf("shared test data not found at %s: %v", dir, err)
	}
	return dir
}

// apiStudy is the part of a ClinicalTrials.gov API v2 record the tests need; the
// service itself decodes records with package ctgov.
type apiStudy struct {
	ProtocolSection struct {
		IdentificationModule struct {
			NCTID string `json:"nctId"`
		} `json:"identificationModule"`
		EligibilityModule struct {
			EligibilityCriteria string `json:"eligibilityCriteria"`
			HealthyVolunteers   bool   `json:"healthyVolunteers"`
			Sex                 string `json:"sex"`
			MinimumAge          string `json:"minimumAge"`
			MaximumAge          string `json:"maximumAge"`
		} `json:"eligibilityModule"`
		ConditionsModule struct {
			Conditions []string `json:"conditions"`
		} `json:"conditionsModule"`
	} `json:"protocolSection"`
}

func decodeStudy(raw []byte) (*equitrial.Trial, error) {
	var s apiStudy
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	p := s.ProtocolSection
	e := p.EligibilityModule
	return &equitrial.Trial{NCTID: p.IdentificationModule.NCTID, EligibilityText: e.EligibilityCriteria,
		HealthyVolunteer: e.HealthyVolunteers, Sex: e.Sex, MinimumAge: e.MinimumAge, MaximumAge: e.MaximumAge,
		Conditions: p.ConditionsModule.Conditions}, nil
}

// loadStudies reads every study in shared/ctgov (only those with a gold label
// when goldOnly).
func loadStudies(t testing.TB, goldOnly bool) []*equitrial.Trial {
	dir := sharedDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "ctgov", "*.json"))
	sort.Strings(files)
	var out []*equitrial.Trial
	for _, f := range files {
		if goldOnly {
			if _, err := os.Stat(filepath.Join(dir, "eligibility", "gold", filepath.Base(f))); err != nil {
				continue
			}
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := decodeStudy(raw)
		if err != nil || tr.NCTID == "" || !strings.HasPrefix(tr.NCTID, "NCT") {
			continue
		}
		out = append(out, tr)
	}
	if len(out) == 0 {
		t.Skip("no studies in shared/ctgov")
	}
	return out
}

// TestDumpFacts writes Facts for every study to the file named by
// EQUITRIAL_FACTS_OUT; it is a development aid and does nothing otherwise.
func TestDumpFacts(t *testing.T) {
	out := os.Getenv("EQUITRIAL_FACTS_OUT")
	if out == "" {
		t.Skip("set EQUITRIAL_FACTS_OUT to write facts")
	}
	var b strings.Builder
	for _, tr := range loadStudies(t, false) {
		j, _ := json.Marshal(Facts(tr))
		b.Write(j)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
