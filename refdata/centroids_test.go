package refdata

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// A postcode without coordinates is placed at its small area's centroid and marked
// approximate; one with coordinates keeps its own; the centroids survive the
// binary form, and an old (version 1) blob still reads.
func TestCentroidsPlacePostcodesWithoutCoordinates(t *testing.T) {
	dir, _, err := LoadPostcodes(strings.NewReader("pcds,lsoa11,lat,long\n"+
		"LS1 4AP,E01033010,,\n"+ // no coordinates: the area's centroid
		"LS1 3EX,E01033010,53.799,-1.549\n"+ // its own coordinates win
		"ZE1 0AA,S01000001,,\n"+ // an area without a centroid: no location
		"GY1 1AA,,,\n"), PostcodeOptions{Label: "t"})
	if err != nil {
		t.Fatal(err)
	}
	v1, err := dir.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	c, rep, err := LoadCentroids(strings.NewReader("\ufeffLSOA11,lat,long\nE01033010,53.8,-1.55\nbad,1,2\nE01000001,51.519642,-0.096276\nE01000002,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c) != 2 || rep.Loaded != 2 || rep.Skipped != 2 || rep.Rows != 4 {
		t.Fatalf("centroids %v, report %+v", c, rep)
	}
	st := dir.SetCentroids(c)
	if st.Areas != 1 || st.Postcodes != 1 || st.Unplaced != 2 {
		t.Errorf("stats %+v, want 1 area, 1 postcode placed, 2 unplaced", st)
	}
	check := func(d *Directory, label string) {
		ref, _ := NewReference(d, nil)
		r := ref.Lookup("ls14ap")
		if !r.HasLocation || !r.Approximate || math.Abs(r.Lat-53.8) > 1e-6 || math.Abs(r.Lon+1.55) > 1e-6 {
			t.Errorf("%s: LS1 4AP %+v, want approximate at the centroid", label, r)
		}
		if r := ref.Lookup("LS1 3EX"); !r.HasLocation || r.Approximate || math.Abs(r.Lat-53.799) > 1e-6 {
			t.Errorf("%s: LS1 3EX %+v, want its own location", label, r)
		}
		for _, pc := range []string{"ZE1 0AA", "GY1 1AA"} {
			if r := ref.Lookup(pc); r.HasLocation || r.Approximate {
				t.Errorf("%s: %s %+v, want no location", label, pc, r)
			}
		}
	}
	check(dir, "in memory")
	blob, err := dir.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Directory
	if _, err := back.ReadFrom(bytes.NewReader(blob)); err != nil {
		t.Fatal(err)
	}
	check(&back, "after the binary round trip")
	var old Directory
	if err := old.UnmarshalBinary(v1); err != nil {
		t.Fatalf("a version 1 blob: %v", err)
	}
	if r, _ := NewReference(&old, nil); r.Lookup("LS1 4AP").HasLocation || old.HasCentroids() {
		t.Error("a blob without centroids grew a location")
	}
}

func TestCentroidsNeedTheirColumns(t *testing.T) {
	if _, _, err := LoadCentroids(strings.NewReader("lsoa11,lat\nE01000001,51.5\n")); err == nil || !strings.Contains(err.Error(), "longitude") {
		t.Errorf("a file without longitude: %v", err)
	}
}

// With the bundled sample (which has no coordinates) every postcode with a small
// area gets a location, and the README's check point holds.
func TestCentroidsShared(t *testing.T) {
	dir, _, err := LoadPostcodes(openShared(t, "onspd_sample_100k.csv"), PostcodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := LoadCentroids(openShared(t, "lsoa11_centroids.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if p := c["E01000001"]; p.Lat != 51.519642 || p.Lon != -0.096276 {
		t.Errorf("E01000001 at %+v, want 51.519642, -0.096276", p)
	}
	st := dir.SetCentroids(c)
	if st.Postcodes < 99000 || st.Postcodes+st.Unplaced != dir.Len() {
		t.Errorf("placed %+v of %d postcodes", st, dir.Len())
	}
}
