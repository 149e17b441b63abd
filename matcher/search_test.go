package matcher

import (
	"context"
	"testing"

	"equitrial"
)

// A trial is found near any of its sites, not just one of them, and the nearest
// site sets its distance.
func TestSitesNearChecksEverySite(t *testing.T) {
	ix, _, err := OpenIndex(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	leeds, london, lagos := equitrial.LatLon{Lat: 53.8008, Lon: -1.5491}, equitrial.LatLon{Lat: 51.5072, Lon: -0.1276}, equitrial.LatLon{Lat: 6.5244, Lon: 3.3792}
	multi := &equitrial.Trial{NCTID: "NCT00000001", BriefTitle: "Multi-site", Locations: []equitrial.Location{
		{Geo: &lagos}, {Geo: &london}, {Geo: &leeds}, {City: "No coordinates"}}}
	single := &equitrial.Trial{NCTID: "NCT00000002", BriefTitle: "London only", Locations: []equitrial.Location{{Geo: &london}}}
	none := &equitrial.Trial{NCTID: "NCT00000003", BriefTitle: "No sites"}
	if err := ix.Put(multi, single, none); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		near   equitrial.LatLon
		radius float64
		want   []string
	}{
		{leeds, 25, []string{"NCT00000001"}},
		{lagos, 25, []string{"NCT00000001"}},
		{london, 25, []string{"NCT00000001", "NCT00000002"}},
		{equitrial.LatLon{Lat: 55.9533, Lon: -3.1883}, 100, nil},                                                 // Edinburgh: nothing within 100 km
		{equitrial.LatLon{Lat: 55.9533, Lon: -3.1883}, 0, []string{"NCT00000001", "NCT00000002", "NCT00000003"}}, // no radius: all, nearest first
	} {
		near := tc.near
		res, err := ix.Search(ctx, Query{Near: &near, RadiusKm: tc.radius})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.NCTID)
		}
		if len(got) != len(tc.want) {
			t.Errorf("near %v within %v km: %v, want %v", tc.near, tc.radius, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("near %v within %v km: %v, want %v (nearest first)", tc.near, tc.radius, got, tc.want)
			}
		}
	}
	res, _ := ix.Search(ctx, Query{Near: &leeds, RadiusKm: 25})
	if d := res.Hits[0].DistanceKm; d == nil || *d > 1 {
		t.Errorf("distance to the Leeds site = %v, want about 0", d)
	}
}

func TestIndexReopensWithoutRebuild(t *testing.T) {
	dir := t.TempDir()
	ix, rebuild, err := OpenIndex(dir)
	if err != nil || !rebuild {
		t.Fatalf("new index: rebuild=%v err=%v; want a rebuild", rebuild, err)
	}
	ix.Put(&equitrial.Trial{NCTID: "NCT00000001", BriefTitle: "Kept"})
	ix.Close()
	ix, rebuild, err = OpenIndex(dir)
	if err != nil || rebuild {
		t.Fatalf("reopened: rebuild=%v err=%v; want no rebuild", rebuild, err)
	}
	if n, _ := ix.Count(); n != 1 {
		t.Fatalf("reopened index holds %d trials, want 1", n)
	}
	ix.idx.SetInternal(versionKey, []byte("trials-v0"))
	ix.Close()
	ix, rebuild, err = OpenIndex(dir)
	if err != nil || !rebuild {
		t.Fatalf("older mapping: rebuild=%v err=%v; want a rebuild", rebuild, err)
	}
	if n, _ := ix.Count(); n != 0 {
		t.Fatalf("recreated index holds %d trials, want 0 until rebuilt", n)
	}
	ix.Close()
}
