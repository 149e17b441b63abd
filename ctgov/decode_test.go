package ctgov

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"equitrial"
	"equitrial/internal/testdata"
)

func TestParseAge(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64 // -1: no limit
		bad  bool
	}{
		{"18 Years", 18, false},
		{"6 Months", 0.5, false},
		{"2 Weeks", 14 / 365.25, false},
		{"", -1, false},
		{"N/A", -1, false},
		{"eighteen", 0, true},
		{"18 Parsecs", 0, true},
		{"-3 Years", 0, true},
	} {
		got, err := ParseAge(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseAge(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ParseAge(%q): %v", tc.in, err)
		}
		if tc.want < 0 {
			if got != nil {
				t.Errorf("ParseAge(%q) = %v, want no limit", tc.in, *got)
			}
		} else if got == nil || *got-tc.want > 1e-9 || tc.want-*got > 1e-9 {
			t.Errorf("ParseAge(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	for name, raw := range map[string]string{
		"not an object": `[1,2]`,
		"no id":         `{"protocolSection":{"identificationModule":{"briefTitle":"x"}}}`,
		"bad id":        `{"protocolSection":{"identificationModule":{"nctId":"NCT123"}}}`,
		"wrong type":    `{"protocolSection":{"identificationModule":{"nctId":12345678}}}`,
		"bad phases":    `{"protocolSection":{"identificationModule":{"nctId":"NCT01234567"},"designModule":{"phases":"PHASE1"}}}`,
		"bad age":       `{"protocolSection":{"identificationModule":{"nctId":"NCT01234567"},"eligibilityModule":{"minimumAge":"old"}}}`,
	} {
		if _, err := Decode([]byte(raw)); err == nil || !equitrial.Is(equitrial.KindInvalid, err) {
			t.Errorf("%s: Decode = %v, want an invalid error", name, err)
		}
	}
}

func TestDecodeRealStudies(t *testing.T) {
	dir := testdata.SharedDir(t, "ctgov")
	var n, withElig, withLoc int
	err := ReadPaths([]string{dir}, func(r Record) error {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Where(), r.Err)
			return nil
		}
		n++
		if base := filepath.Base(r.Source); base != r.Trial.NCTID+".json" {
			t.Errorf("%s decoded as %s", base, r.Trial.NCTID)
		}
		if r.Trial.EligibilityText != "" {
			withElig++
		}
		if len(r.Trial.Locations) > 0 {
			withLoc++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 143 {
		t.Errorf("read %d studies, want 143", n)
	}
	if withElig < 140 || withLoc < 100 {
		t.Errorf("%d studies with eligibility text and %d with locations: normalisation lost fields", withElig, withLoc)
	}
}

func TestReadForms(t *testing.T) {
	one := `{"protocolSection":{"identificationModule":{"nctId":"NCT00000001","briefTitle":"One"},"statusModule":{"overallStatus":"RECRUITING"},"eligibilityModule":{"minimumAge":"18 Years","maximumAge":"65 Years"},"contactsLocationsModule":{"locations":[{"city":"Leeds","country":"United Kingdom","geoPoint":{"lat":53.8,"lon":-1.55}}]}}}`
	two := strings.Replace(one, "NCT00000001", "NCT00000002", 1)
	bad := `{"protocolSection":{"identificationModule":{"briefTitle":"no id"}}}`
	for _, tc := range []struct {
		name, body string
		good       int
		badAt      []string
	}{
		{"single", one, 1, nil},
		{"pretty single", "{\n  \"protocolSection\": {\"identificationModule\": {\"nctId\": \"NCT00000003\"}}\n}\n", 1, nil},
		{"array", "[" + one + "," + bad + "," + two + "]", 2, []string{"record 2"}},
		{"page", `{"studies":[` + one + "," + two + `],"nextPageToken":"abc"}`, 2, nil},
		{"ndjson", one + "\n" + "{not json}\n\n" + two + "\n" + bad + "\n", 2, []string{"line 2", "line 5"}},
		{"broken", `{"protocolSection": {`, 0, []string{""}},
		{"bare value", `42`, 0, []string{""}},
		{"empty", "  \n", 0, []string{""}},
	} {
		var good int
		var badAt []string
		Read("t.json", strings.NewReader(tc.body), func(r Record) error {
			if r.Err != nil {
				badAt = append(badAt, r.Position)
			} else {
				good++
			}
			return nil
		})
		if good != tc.good || strings.Join(badAt, ",") != strings.Join(tc.badAt, ",") {
			t.Errorf("%s: %d good, bad at %q; want %d good, bad at %q", tc.name, good, badAt, tc.good, tc.badAt)
		}
	}
}

func TestReadPathsMissing(t *testing.T) {
	var errs int
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(`{"protocolSection":{"identificationModule":{"nctId":"NCT00000009"}}}`), 0o644)
	ReadPaths([]string{filepath.Join(dir, "missing.json"), dir}, func(r Record) error {
		if r.Err != nil {
			errs++
		} else if r.Trial.NCTID != "NCT00000009" || r.Trial.Sex != "ALL" {
			t.Errorf("got %+v", r.Trial)
		}
		return nil
	})
	if errs != 1 {
		t.Errorf("%d errors, want 1 for the missing file", errs)
	}
}
