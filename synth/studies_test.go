package synth

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"equitrial/ctgov"
	"equitrial/eligibility"
	"equitrial/refdata"
)

// The benchmark corpus must decode as real records do, be the same for a seed
// whatever its size, and have the shape of ../shared/ctgov: long-tailed
// eligibility sections in several layouts, observational studies, multi-site
// studies with coordinates, several conditions for some.
func TestStudiesDecodeAndLookReal(t *testing.T) {
	const n = 1500
	recs := Studies(n, 11)
	if !bytes.Equal(recs[700], Study(700, 11)) || bytes.Equal(recs[700], Study(700, 12)) {
		t.Fatal("record i must depend on the seed and i only")
	}
	var elig []int
	var observational, multiSite, located, manyConditions, withParse int
	layouts := map[string]int{}
	for i, raw := range recs {
		tr, err := ctgov.Decode(raw)
		if err != nil {
			t.Fatalf("record %d does not decode: %v", i, err)
		}
		elig = append(elig, len(tr.EligibilityText))
		if tr.StudyType == "OBSERVATIONAL" {
			observational++
		}
		if len(tr.Locations) > 1 {
			multiSite++
		}
		if len(tr.Locations) > 0 && tr.Locations[0].Geo != nil && tr.Locations[0].Country == "United Kingdom" {
			located++
		}
		if len(tr.Conditions) > 1 {
			manyConditions++
		}
		for _, l := range strings.Split(tr.EligibilityText, "\n") {
			switch f := strings.TrimSpace(l); {
			case strings.HasPrefix(f, "* "):
				layouts["star"]++
			case strings.HasPrefix(f, "-  "):
				layouts["dash"]++
			case len(f) > 2 && f[0] >= '1' && f[0] <= '9' && strings.Contains(f[:3], "."):
				layouts["numbered"]++
			}
		}
		if i < 200 && len(eligibility.ParseText(tr.EligibilityText)) > 0 {
			withParse++
		}
	}
	slices.Sort(elig)
	med, p90 := elig[n/2], elig[n*9/10]
	t.Logf("eligibility characters: p10 %d, median %d, p90 %d, max %d; observational %d, multi-site %d, several conditions %d",
		elig[n/10], med, p90, elig[n-1], observational, multiSite, manyConditions)
	switch {
	case med < 400 || med > 1000 || p90 < 1200 || elig[n-1] < 5000:
		t.Errorf("eligibility lengths p50 %d, p90 %d, max %d: want a median near 550 and a long tail", med, p90, elig[n-1])
	case observational < n/6 || observational > n/3:
		t.Errorf("%d of %d observational, want about a quarter", observational, n)
	case multiSite < n/4 || multiSite > n/2:
		t.Errorf("%d of %d multi-site, want about 40%%", multiSite, n)
	case located != n:
		t.Errorf("%d of %d have a located UK first site", located, n)
	case manyConditions < n/10:
		t.Errorf("%d of %d list more than one condition", manyConditions, n)
	case layouts["star"] == 0 || layouts["dash"] == 0 || layouts["numbered"] == 0:
		t.Errorf("layouts seen: %v", layouts)
	case withParse < 190:
		t.Errorf("only %d of 200 eligibility sections gave criteria", withParse)
	}
}

// Every site of the corpus has a valid postcode the synthetic reference data
// knows, with coordinates in the UK.
func TestUKSitesAreInTheUK(t *testing.T) {
	ref, err := NewReference(1, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ukSites {
		if s.lat < 49.8 || s.lat > 60.9 || s.lon < -8.7 || s.lon > 1.8 {
			t.Errorf("%s: %v,%v is not in the UK", s.facility, s.lat, s.lon)
		}
		// Postcode areas straddle English regions (regionOf puts each where most
		// of its people live), but never nations.
		nation := func(region string) string {
			switch region {
			case "Wales", "Scotland", "Northern Ireland":
				return region
			}
			return "England"
		}
		if got := regionOf(s.postcode); got == "" || nation(got) != nation(s.region) {
			t.Errorf("%s: postcode %s is in region %q, listed as %q", s.facility, s.postcode, got, s.region)
		}
	}
	var deciles [11]int
	n := 0
	ref.Directory().Each(func(e refdata.Entry) bool {
		res := ref.Lookup(e.Postcode)
		if !res.Found || !res.HasLocation {
			t.Fatalf("%s: %+v", e.Postcode, res)
		}
		deciles[res.IMDDecile]++
		n++
		return true
	})
	if n != 50*len(ukSites) {
		t.Errorf("%d postcodes, want %d", n, 50*len(ukSites))
	}
	for d := 1; d <= 10; d++ {
		if deciles[d] == 0 {
			t.Errorf("no small area in decile %d: %v", d, deciles)
		}
	}
}
