package refdata

import (
	"strconv"
	"strings"
	"testing"
)

// spellings are the ways people type one postcode: the test checks all of them.
func spellings(canonical string) []string {
	compact := strings.ReplaceAll(canonical, " ", "")
	return []string{
		canonical,
		strings.ToLower(canonical),
		compact,
		strings.ToLower(compact),
		"  " + strings.Replace(canonical, " ", "   ", 1) + " ",
		strings.Replace(strings.ToLower(canonical), " ", "-", 1),
		"\t" + compact + "\n",
	}
}

func TestSharedSamplePostcodeToDecile(t *testing.T) {
	s := loadSample(t)
	rows := readCSV(t, "onspd_sample_100k.csv")
	imd := map[string]string{}
	for _, r := range readCSV(t, "imd2019_england_lsoa11.csv")[1:] {
		imd[r[0]] = r[1]
	}
	ref, err := NewReference(s.dir, s.eng)
	if err != nil {
		t.Fatal(err)
	}
	checked, english := 0, 0
	for i, r := range rows[1:] {
		pcd, lsoa := r[0], r[3]
		canonical, ok := NormalisePostcode(pcd)
		if !ok {
			t.Errorf("row %d: sample postcode %q rejected", i+2, pcd)
			continue
		}
		if i%97 != 0 { // every 97th row in every spelling; the rest as written
			got := ref.Lookup(pcd)
			if got.Postcode != canonical || (lsoa != "" && !isPseudoArea(lsoa) && got.LSOA != lsoa) {
				t.Errorf("Lookup(%q) = %+v; want postcode %s, lsoa %s", pcd, got, canonical, lsoa)
			}
			continue
		}
		for _, typed := range spellings(canonical) {
			got := ref.Lookup(typed)
			checked++
			if got.Postcode != canonical {
				t.Errorf("Lookup(%q).Postcode = %q; want %q", typed, got.Postcode, canonical)
			}
			switch {
			case lsoa == "" || isPseudoArea(lsoa):
				if got.Found || got.Status != StatusNoLSOA || got.Note == "" {
					t.Errorf("Lookup(%q) = %+v; want no_lsoa with a note", typed, got)
				}
			case strings.HasPrefix(lsoa, "E01"):
				english++
				want, _ := strconv.Atoi(imd[lsoa])
				if !got.Found || got.LSOA != lsoa || got.IMDDecile != want || got.IMDQuintile != (want+1)/2 ||
					got.IMDEdition != "IMD2019" || got.Nation != England {
					t.Errorf("Lookup(%q) = %+v; want LSOA %s decile %d England", typed, got, lsoa, want)
				}
			default: // Welsh and Scottish areas are not in the English index
				if got.Found || got.Status != StatusNoIMD || got.LSOA != lsoa || !strings.Contains(got.Note, lsoa) {
					t.Errorf("Lookup(%q) = %+v; want no_imd for %s", typed, got, lsoa)
				}
			}
		}
	}
	if english < 500 {
		t.Errorf("only %d English postcode spellings checked; the sample should give thousands", english)
	}
	t.Logf("checked %d spellings (%d English with deciles)", checked, english)
}

func TestSharedSampleUKDecilesKeepNation(t *testing.T) {
	s := loadSample(t)
	ref, err := NewReference(s.dir, s.uk)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, r := range readCSV(t, "imd_uk_lsoa_deciles.csv")[1:] {
		want[r[0]] = r[1]
	}
	byNation := map[Nation]int{}
	for _, r := range readCSV(t, "onspd_sample_100k.csv")[1:] {
		lsoa := r[3]
		if lsoa == "" || isPseudoArea(lsoa) {
			continue
		}
		got := ref.Lookup(strings.ToLower(r[0]))
		d, _ := strconv.Atoi(want[lsoa])
		if !got.Found || got.IMDDecile != d || got.Nation != NationOfArea(lsoa) {
			t.Fatalf("Lookup(%q) = %+v; want decile %d in %s", r[0], got, d, NationOfArea(lsoa))
		}
		byNation[got.Nation]++
	}
	for _, n := range []Nation{England, Wales, Scotland} {
		if byNation[n] == 0 {
			t.Errorf("no %s postcodes resolved through the UK file", n)
		}
	}
	if n := s.uk.Nations(); len(n) != 4 {
		t.Errorf("UK file nations = %v; want all four", n)
	}
	if e, ok := s.uk.Lookup("95AA01S1"); !ok || e.Nation != NorthernIreland || e.Decile != 6 {
		t.Errorf("UK file 95AA01S1 = %+v, %v; want Northern Ireland decile 6", e, ok)
	}
}

func TestSharedSampleLoadReport(t *testing.T) {
	s := loadSample(t)
	rep := s.dirReport
	if rep.Rows != 100000 {
		t.Errorf("rows = %d; want 100000", rep.Rows)
	}
	if rep.Loaded+rep.Terminated+rep.Skipped != rep.Rows {
		t.Errorf("report does not add up: %+v", rep)
	}
	// Every row of the real sample is usable, old W1 and Newport codes included.
	if rep.Skipped != 0 || rep.Loaded != 100000 {
		t.Errorf("loaded %d, skipped %d: %v", rep.Loaded, rep.Skipped, rep.Problems)
	}
	// 313 rows without LSOA plus 490 Channel Islands / Isle of Man pseudo-codes.
	if rep.NoLSOA != 313+490 {
		t.Errorf("noLsoa = %d; want 803", rep.NoLSOA)
	}
	if s.eng.Len() != 32844 || s.uk.Len() != 42619 {
		t.Errorf("IMD rows: england %d, uk %d", s.eng.Len(), s.uk.Len())
	}
	if e, _ := s.eng.Lookup("E01000001"); e.Rank != 29199 || e.Decile != 9 || e.Quintile != 5 {
		t.Errorf("E01000001 = %+v; want rank 29199 decile 9 quintile 5", e)
	}
	ref, err := NewReference(s.dir, s.eng)
	if err != nil {
		t.Fatal(err)
	}
	if got := ref.Stats.UnmatchedBy[England]; got != 0 {
		t.Errorf("%d English LSOAs in the sample lack an IMD 2019 decile; the README says none do", got)
	}
	if ref.Lookup("JE2 7QJ").Nation != ChannelIslands || ref.Lookup("IM2 3JA").Nation != IsleOfMan {
		t.Error("Crown dependency postcodes lost their nation")
	}
}
