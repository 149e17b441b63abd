package refdata

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// sharedRefdata returns the path of ../shared/refdata beside the repository root,
// found by walking up from the package directory to go.mod, or skips the test.
func sharedRefdata(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the package; cannot locate ../shared/refdata")
		}
		dir = parent
	}
	p := filepath.Join(filepath.Dir(dir), "shared", "refdata")
	if _, err := os.Stat(filepath.Join(p, "onspd_sample_100k.csv")); err != nil {
		t.Skipf("shared reference data not available at %s: %v", p, err)
	}
	return p
}

func openShared(t testing.TB, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join(sharedRefdata(t), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// readCSV reads a whole shared file for the tests to check loads against.
func readCSV(t testing.TB, name string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(openShared(t, name)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

type sharedSample struct {
	dir       *Directory
	dirReport LoadReport
	eng       *IMDTable
	uk        *IMDTable
}

var (
	sampleOnce sync.Once
	sample     sharedSample
	sampleErr  error
)

// loadSample loads the shared postcode sample and both IMD files once per test run.
func loadSample(t testing.TB) sharedSample {
	t.Helper()
	sharedRefdata(t)
	sampleOnce.Do(func() {
		f, err := os.Open(filepath.Join(sharedRefdata(t), "onspd_sample_100k.csv"))
		if err != nil {
			sampleErr = err
			return
		}
		defer f.Close()
		sample.dir, sample.dirReport, sampleErr = LoadPostcodes(f, PostcodeOptions{Label: "onspd_sample_100k"})
		if sampleErr != nil {
			return
		}
		for name, dst := range map[string]**IMDTable{"imd2019_england_lsoa11.csv": &sample.eng, "imd_uk_lsoa_deciles.csv": &sample.uk} {
			g, err := os.Open(filepath.Join(sharedRefdata(t), name))
			if err != nil {
				sampleErr = err
				return
			}
			edition := "IMD2019"
			if strings.Contains(name, "uk") {
				edition = "UK-IMD-mixed"
			}
			*dst, _, sampleErr = LoadIMD(g, edition, IMDOptions{})
			g.Close()
			if sampleErr != nil {
				return
			}
		}
	})
	if sampleErr != nil {
		t.Fatal(sampleErr)
	}
	return sample
}
