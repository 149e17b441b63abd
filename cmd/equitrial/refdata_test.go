package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"equitrial/internal/testdata"
	"equitrial/store"
)

// `refdata load` of the shared ONSPD sample and the English IMD 2019 file, then
// `refdata lookup` of postcodes typed several ways, checked against the files.
func TestRefdataLoadAndLookup(t *testing.T) {
	dir := testdata.SharedDir(t, "refdata")
	getenv := env(map[string]string{"EQUITRIAL_DATA_DIR": t.TempDir(), "CI": "true"})
	ctx := context.Background()
	c := func() (*cli, *bytes.Buffer, *bytes.Buffer) {
		var out, errs bytes.Buffer
		return &cli{getenv: getenv, stdout: &out, stderr: &errs}, &out, &errs
	}

	cl, out, errs := c()
	if err := runRefdata(ctx, cl, []string{"load", "--postcodes", filepath.Join(dir, "onspd_sample_100k.csv"),
		"--imd", filepath.Join(dir, "imd2019_england_lsoa11.csv"), "--edition", "IMD2019"}); err != nil {
		t.Fatalf("load: %v\n%s", err, errs.String())
	}
	for _, want := range []string{"postcodes: ", "100000 rows", "imd IMD2019: ", "32844 rows", "columns: ", "join: ", "stored reference data"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("load report lacks %q:\n%s", want, out.String())
		}
	}

	deciles := map[string]string{}
	for _, row := range testdata.ReadCSV(t, filepath.Join(dir, "imd2019_england_lsoa11.csv"))[1:] {
		deciles[row[0]] = row[1]
	}
	checked := 0
	for i, row := range testdata.ReadCSV(t, filepath.Join(dir, "onspd_sample_100k.csv"))[1:] {
		if i%4999 != 0 {
			continue
		}
		pc, lsoa := row[0], row[3]
		compact := strings.ReplaceAll(pc, " ", "")
		for _, typed := range []string{strings.ToLower(compact), " " + compact[:len(compact)-3] + "  " + compact[len(compact)-3:] + " "} {
			cl, out, errs := c()
			if err := runRefdata(ctx, cl, []string{"lookup", typed}); err != nil {
				t.Fatalf("lookup %q: %v\n%s", typed, err, errs.String())
			}
			var res lookupResult
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("lookup %q printed %q: %v", typed, out.String(), err)
			}
			if d, ok := deciles[lsoa]; ok {
				if res.LSOA != lsoa || strconv.Itoa(res.IMDDecile) != d || res.IMDEdition != "IMD2019" || res.Nation != "England" || !res.Found {
					t.Fatalf("lookup %q = %+v; want %s decile %s", typed, res, lsoa, d)
				}
				checked++
			} else if res.Found || res.Note == "" {
				t.Fatalf("lookup %q (%s, not in the English index) = %+v; want IMD unknown with a note", typed, lsoa, res)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d lookups checked", checked)
	}
	cl, out, _ = c()
	if err := runRefdata(ctx, cl, []string{"lookup", "ZZ99", "9ZZ"}); err != nil {
		t.Fatalf("lookup of an unknown postcode failed: %v", err)
	}
	if !strings.Contains(out.String(), `"note"`) || !strings.Contains(out.String(), `"found": false`) {
		t.Fatalf("unknown postcode printed %s; want JSON with a note", out.String())
	}
}

// `refdata load --ethnicity` stores a regional table that later loads replace.
func TestRefdataLoadRegionalEthnicity(t *testing.T) {
	dataDir := t.TempDir()
	getenv := env(map[string]string{"EQUITRIAL_DATA_DIR": dataDir, "CI": "true"})
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "regions.csv")
	load := func(content string) (string, error) {
		os.WriteFile(file, []byte(content), 0o644)
		var out, errs bytes.Buffer
		err := runRefdata(ctx, &cli{getenv: getenv, stdout: &out, stderr: &errs}, []string{"load", "--ethnicity", file})
		return out.String(), err
	}
	out, err := load("region,Asian,Black,Mixed,White,Other\nLondon,20.7,13.5,5.7,53.8,6.3\nNorth East,3.6,1.2,1.4,92.8,1.0\nBad,1,1,1,1,1\n")
	if err != nil || !strings.Contains(out, "2 regions loaded, 1 rows skipped") || !strings.Contains(out, "line 4") {
		t.Fatalf("load: %v\n%s", err, out)
	}
	if _, err := load("region,Asian,Black,Mixed,White,Other\nWales,2.9,0.9,1.6,93.8,0.8\n"); err != nil {
		t.Fatal(err)
	}
	var table map[string]map[string]float64
	err = withStore(ctx, &cli{getenv: getenv, stdout: io.Discard, stderr: io.Discard}, func(_ config, db *store.DB) error {
		var err error
		table, err = db.RegionalShares.Table(ctx)
		return err
	})
	if err != nil || len(table) != 1 || table["Wales"]["White"] != 0.938 {
		t.Fatalf("after a second load the table is %v (%v); want only Wales", table, err)
	}
	if _, err := load("area,Asian\nX,1\n"); err == nil {
		t.Fatal("a table without the group columns was accepted")
	}
}

// `refdata load --centroids` places the sample's postcodes, which have no
// coordinates, at their small areas' centroids, marked approximate, and a later
// load of the postcodes alone keeps them.
func TestRefdataLoadCentroids(t *testing.T) {
	dir := testdata.SharedDir(t, "refdata")
	getenv := env(map[string]string{"EQUITRIAL_DATA_DIR": t.TempDir(), "CI": "true"})
	ctx := context.Background()
	run := func(args ...string) string {
		t.Helper()
		var out, errs bytes.Buffer
		if err := runRefdata(ctx, &cli{getenv: getenv, stdout: &out, stderr: &errs}, args); err != nil {
			t.Fatalf("refdata %v: %v\n%s", args, err, errs.String())
		}
		return out.String()
	}
	lookup := func(pc string) lookupResult {
		t.Helper()
		var res lookupResult
		if err := json.Unmarshal([]byte(run("lookup", pc)), &res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	sample := filepath.Join(dir, "onspd_sample_100k.csv")
	run("load", "--postcodes", sample)
	rows := testdata.ReadCSV(t, sample)[1:]
	var pc, lsoa string
	for _, r := range rows {
		if strings.HasPrefix(r[3], "E01") {
			pc, lsoa = r[0], r[3]
			break
		}
	}
	if r := lookup(pc); r.Lat != nil || r.Approximate {
		t.Fatalf("before the centroids %s has a location: %+v", pc, r)
	}
	out := run("load", "--centroids", filepath.Join(dir, "lsoa11_centroids.csv"))
	if !strings.Contains(out, "now have an approximate location") {
		t.Errorf("load report: %s", out)
	}
	var want [2]float64
	for _, r := range testdata.ReadCSV(t, filepath.Join(dir, "lsoa11_centroids.csv"))[1:] {
		if r[0] == lsoa {
			want[0], _ = strconv.ParseFloat(r[1], 64)
			want[1], _ = strconv.ParseFloat(r[2], 64)
		}
	}
	r := lookup(pc)
	if r.Lat == nil || !r.Approximate || *r.Lat != want[0] || *r.Lon != want[1] {
		t.Fatalf("%s (area %s) after the centroids: %+v, want approximate at %v", pc, lsoa, r, want)
	}
	run("load", "--postcodes", sample)
	if r := lookup(pc); r.Lat == nil || !r.Approximate {
		t.Errorf("reloading the postcodes lost the centroids: %+v", r)
	}
}
