package testdata

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"equitrial/refdata"
)

// SharedReference loads the real ONS postcode sample and the IMD file imdFile (a
// file name in ../shared/refdata) as edition, or skips the test when ../shared is
// absent. It returns the reference and the folder the files came from.
func SharedReference(tb testing.TB, imdFile, edition string) (*refdata.Reference, string) {
	tb.Helper()
	dir := SharedDir(tb, "refdata")
	f, err := os.Open(filepath.Join(dir, "onspd_sample_100k.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	d, _, err := refdata.LoadPostcodes(f, refdata.PostcodeOptions{Label: "onspd_sample_100k"})
	if err != nil {
		tb.Fatal(err)
	}
	g, err := os.Open(filepath.Join(dir, imdFile))
	if err != nil {
		tb.Fatal(err)
	}
	defer g.Close()
	imd, _, err := refdata.LoadIMD(g, edition, refdata.IMDOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	ref, err := refdata.NewReference(d, imd)
	if err != nil {
		tb.Fatal(err)
	}
	return ref, dir
}

// ReadCSV reads a whole CSV file, to derive what a test expects from the data.
func ReadCSV(tb testing.TB, path string) [][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}
