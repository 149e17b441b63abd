package refdata

import (
	"encoding/json"
	"strings"
	"testing"

	"equitrial"
)

func fixtureReference(t testing.TB) *Reference {
	t.Helper()
	// The IMD fixture holds E01000001–3; give the directory postcodes in those areas.
	b := NewDirectoryBuilder(0)
	add := func(pc, lsoa string, loc *Point) {
		if err := b.Add(pc, lsoa, NationUnknown, loc); err != nil {
			t.Fatal(err)
		}
	}
	add("EC2M 4YE", "E01000001", &Point{Lat: 51.518, Lon: -0.081})
	add("EC2Y 8AD", "E01000003", nil)
	add("CF10 1AA", "W01001939", nil)
	add("JE2 3AB", "", nil)
	d, _ := b.Build()
	d.Label = "fixture"
	r, err := NewReference(d, smallIMD(t))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLookupOutcomes(t *testing.T) {
	r := fixtureReference(t)
	cases := []struct {
		typed  string
		want   Result
		inNote string
	}{
		{"ec2m4ye", Result{Postcode: "EC2M 4YE", Found: true, Status: StatusFound, LSOA: "E01000001", IMDDecile: 9, IMDQuintile: 5, IMDRank: 29199, IMDEdition: "IMD2019", Nation: England, HasLocation: true, Lat: 51.518, Lon: -0.081}, ""},
		{"EC2Y 8AD", Result{Postcode: "EC2Y 8AD", Found: true, Status: StatusFound, LSOA: "E01000003", IMDDecile: 5, IMDQuintile: 3, IMDRank: 14915, IMDEdition: "IMD2019", Nation: England}, ""},
		{"cf10 1aa", Result{Postcode: "CF10 1AA", Status: StatusNoIMD, LSOA: "W01001939", IMDEdition: "IMD2019", Nation: Wales}, "W01001939 (Wales) is not in IMD2019"},
		{"je23ab", Result{Postcode: "JE2 3AB", Status: StatusNoLSOA, IMDEdition: "IMD2019", Nation: ChannelIslands}, "no small area"},
		{"SW1A 1AA", Result{Postcode: "SW1A 1AA", Status: StatusNotInDirectory}, "not in the postcode directory (fixture)"},
		{" not a postcode ", Result{Postcode: "not a postcode", Status: StatusInvalidPostcode}, "not a valid UK postcode"},
	}
	for _, c := range cases {
		got := r.Lookup(c.typed)
		note := got.Note
		got.Note = ""
		if got != c.want {
			t.Errorf("Lookup(%q) = %+v; want %+v", c.typed, got, c.want)
		}
		if c.inNote == "" && note != "" || !strings.Contains(note, c.inNote) || (!got.Found && !strings.Contains(note, "IMD unknown")) {
			t.Errorf("Lookup(%q).Note = %q; want it to contain %q and say IMD unknown when not found", c.typed, note, c.inNote)
		}
	}
}

func TestLookupJSON(t *testing.T) {
	b, err := json.Marshal(fixtureReference(t).Lookup("ec2m 4ye"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"postcode":"EC2M 4YE","found":true,"status":"found","lsoa":"E01000001","imdDecile":9,"imdQuintile":5,"imdRank":29199,"imdEdition":"IMD2019","nation":"England","hasLocation":true,"lat":51.518,"lon":-0.081}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil || back.Nation != England {
		t.Errorf("JSON does not read back: %+v, %v", back, err)
	}
}

func TestLookupWithoutTables(t *testing.T) {
	r, err := NewReference(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Lookup("SW1A 1AA"); got.Found || got.Status != StatusNotInDirectory || got.Note == "" {
		t.Errorf("no directory: %+v", got)
	}
	r, _ = NewReference(smallDirectory(t), nil)
	if got := r.Lookup("SW1A 1AA"); got.Found || got.Status != StatusNoIMD || got.LSOA != "E01004736" || got.Note == "" {
		t.Errorf("no index: %+v", got)
	}
}

func TestNewReferenceRefusesMismatchedBoundaries(t *testing.T) {
	dir := smallDirectory(t) // 2011 LSOAs none of which are in the File 7 fixture
	if _, err := NewReference(dir, smallIMD(t)); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Errorf("err = %v; want KindInvalid for a directory and index with no area in common", err)
	}
}

func TestLookupAllocations(t *testing.T) {
	r := fixtureReference(t)
	if n := testing.AllocsPerRun(100, func() { r.Lookup("EC2M 4YE") }); n != 0 {
		t.Errorf("Reference.Lookup of a canonical postcode allocates %v times", n)
	}
	d := r.Directory()
	if n := testing.AllocsPerRun(100, func() { d.Lookup("ec2m-4ye ") }); n != 0 {
		t.Errorf("Directory.Lookup allocates %v times", n)
	}
}
