package refdata

import (
	"strings"
	"testing"

	"equitrial"
)

// onspdFixture is a small file in the official ONSPD layout: every field quoted, a
// byte-order mark, the official column names (a subset, in the official order), and
// the row shapes a real release has plus some broken ones. Line numbers matter: the
// test checks the report against them.
const onspdFixture = "\ufeff" + `"pcd","pcd2","pcds","dointr","doterm","oslaua","oseast1m","osnrth1m","ctry","lsoa11","msoa11","lat","long","lsoa21"
"AB1 0AA","AB1  0AA","AB1 0AA","198001","199606","S12000033","385386","0801193","S92000003","S01006514","S02001237",57.101474,-2.242851,"S01006514"
"SW1A1AA","SW1A 1AA","SW1A 1AA","198001","","E09000033","529090","0179645","E92000001","E01004736","E02000977",51.501009,-0.141588,"E01033595"
"CF101AA","CF10 1AA","CF10 1AA","199001","","W06000015","318457","0176264","W92000004","W01001939","W02000401",51.479474,-3.175887,"W01001939"
"XX!1 1AA","XX!1 1AA","XX!1 1AA","199001","","E09000033","","","E92000001","E01004736","E02000977",51.5,-0.14,"E01033595"
"SW1A2AA","SW1A 2AA","SW1A 2AA","198001","","E09000033","530047","0179951","E92000001","E01004736","E02000977",abc,-0.127695,"E01004736"
"SW1A0AA","SW1A 0AA","SW1A 0AA"
"BT1 1AA","BT1  1AA","BT1 1AA","198001","","N09000003","","","N92000002","95GG35S1","",54.599611,-5.928668,"N20000001"
"JE2 3AB","JE2  3AB","JE2 3AB","198001","","L99999999","","","L93000001","L99999999","L99999999",49.186546,-2.106559,"L99999999"
"CA110FP","CA11 0FP","CA11 0FP","201001","","E07000030","","","E92000001","E01019220","E02003999",99.999999,0.000000,"E01019220"
"sw1a 1aa","SW1A 1AA","SW1A 1AA","198001","","E09000033","","","E92000001","E01004737","",51.5,-0.14,"E01004737"
"W1A 0AX","W1A  0AX","W1A 0AX","198001","","E09000033","","","E92000001","E0100473X","",51.518,-0.143,"E01004763"
`

func smallDirectory(t testing.TB) *Directory {
	t.Helper()
	d, _, err := LoadPostcodes(strings.NewReader(onspdFixture), PostcodeOptions{Label: "fixture"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestLoadPostcodesOfficialHeaders(t *testing.T) {
	d, rep, err := LoadPostcodes(strings.NewReader(onspdFixture), PostcodeOptions{Label: "ONSPD_TEST", MaxProblems: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"postcode": "pcds", "lsoa": "lsoa11", "country": "ctry", "lat": "lat", "lon": "long", "terminated": "doterm"}
	for k, v := range want {
		if rep.Columns[k] != v {
			t.Errorf("column %s read from %q; want %q", k, rep.Columns[k], v)
		}
	}
	if rep.Rows != 11 || rep.Terminated != 1 || rep.Loaded != 5 || rep.Skipped != 5 {
		t.Errorf("report %+v; want 11 rows, 1 terminated, 5 loaded, 5 skipped", rep)
	}
	// Listed in file order (duplicates, found when sorting, come last), capped at 3.
	wantProblems := []Problem{
		{Line: 5, Message: "not a valid UK postcode"},
		{Line: 6, Message: "not a pair of numbers"},
		{Line: 7, Message: "row has 3 fields"},
	}
	if len(rep.Problems) != 3 || rep.MoreProblems != 2 {
		t.Fatalf("problems %v (+%d more); want 3 listed and 2 more", rep.Problems, rep.MoreProblems)
	}
	for i, w := range wantProblems {
		if p := rep.Problems[i]; p.Line != w.Line || !strings.Contains(p.Message, w.Message) {
			t.Errorf("problem %d = %v; want line %d containing %q", i, p, w.Line, w.Message)
		}
	}
	if rep.NoLSOA != 1 || rep.NoLocation != 1 {
		t.Errorf("noLsoa %d, noLocation %d; want 1 (Jersey) and 1 (CA11 0FP)", rep.NoLSOA, rep.NoLocation)
	}
	cases := []struct {
		typed string
		want  Entry
	}{
		{"sw1a1aa", Entry{LSOA: "E01004736", Nation: England, HasLocation: true, Lat: 51.501009, Lon: -0.141588}},
		{"CF10 1AA", Entry{LSOA: "W01001939", Nation: Wales, HasLocation: true, Lat: 51.479474, Lon: -3.175887}},
		{"bt11aa", Entry{LSOA: "95GG35S1", Nation: NorthernIreland, HasLocation: true, Lat: 54.599611, Lon: -5.928668}},
		{"JE2 3AB", Entry{Nation: ChannelIslands, HasLocation: true, Lat: 49.186546, Lon: -2.106559}},
		{"ca11 0fp", Entry{LSOA: "E01019220", Nation: England}},
	}
	for _, c := range cases {
		got, ok := d.Lookup(c.typed)
		c.want.Postcode = c.typed
		if !ok || got != c.want {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v", c.typed, got, ok, c.want)
		}
	}
	for _, gone := range []string{"AB1 0AA", "SW1A 2AA", "SW1A 0AA", "W1A 0AX"} {
		if _, ok := d.Lookup(gone); ok {
			t.Errorf("%s loaded; it is terminated or its row is bad", gone)
		}
	}
	if d.Label != "ONSPD_TEST" || d.LSOAColumn != "lsoa11" {
		t.Errorf("label %q, column %q", d.Label, d.LSOAColumn)
	}
}

func TestLoadPostcodesChoosesLSOA21(t *testing.T) {
	d, rep, err := LoadPostcodes(strings.NewReader(onspdFixture), PostcodeOptions{LSOAColumn: "LSOA21"})
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := d.Lookup("SW1A 1AA"); e.LSOA != "E01033595" || rep.Columns["lsoa"] != "lsoa21" {
		t.Errorf("SW1A 1AA under lsoa21 = %+v (column %q); want E01033595", e, rep.Columns["lsoa"])
	}
	if _, _, err := LoadPostcodes(strings.NewReader(onspdFixture), PostcodeOptions{LSOAColumn: "lsoa31"}); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Errorf("missing requested column: err = %v; want KindInvalid", err)
	}
}

func TestLoadPostcodesSharedHeaderForm(t *testing.T) {
	// The shared extract's form: unpadded 7-character pcd, no country, no location.
	in := "pcd,oslaua,pcon,lsoa11\nW1K 3RH,E09000033,E14000639,E01004761\nCA110FP,E07000030,E14000595,E01019220\nIM2 3JA,M99999999,M99999999,M99999999\n"
	d, rep, err := LoadPostcodes(strings.NewReader(in), PostcodeOptions{})
	if err != nil || rep.Loaded != 3 {
		t.Fatalf("loaded %d, err %v", rep.Loaded, err)
	}
	if e, _ := d.Lookup("ca11 0fp"); e.LSOA != "E01019220" || e.Nation != England || e.HasLocation {
		t.Errorf("CA11 0FP = %+v", e)
	}
	if e, _ := d.Lookup("im23ja"); e.LSOA != "" || e.Nation != IsleOfMan {
		t.Errorf("IM2 3JA = %+v; want Isle of Man with no LSOA", e)
	}
}

func TestLoadPostcodesRefusesUnusableFiles(t *testing.T) {
	for name, in := range map[string]string{
		"empty":        "",
		"no postcode":  "lsoa11,lat,long\nE01000001,51.5,-0.1\n",
		"all bad rows": "pcds,lsoa11\nnot a postcode,E01000001\n",
		"bad csv":      "pcds,lsoa11\n\"SW1A 1AA,E01000001\n",
	} {
		if _, _, err := LoadPostcodes(strings.NewReader(in), PostcodeOptions{}); !equitrial.Is(equitrial.KindInvalid, err) {
			t.Errorf("%s: err = %v; want KindInvalid", name, err)
		}
	}
}

func TestDirectoryBuilderUnsortedAndDuplicates(t *testing.T) {
	b := NewDirectoryBuilder(0)
	for _, pc := range []string{"ZE1 0AA", "AB10 1AA", "AB1 0AA", "M1 1AA", "ab1 0aa", "EC1A 1BB"} {
		if err := b.Add(pc, "E01000001", NationUnknown, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Add("nonsense", "", NationUnknown, nil); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Errorf("Add(nonsense) = %v; want KindInvalid", err)
	}
	if err := b.Add("M1 1AB", "", NationUnknown, &Point{Lat: 91}); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Errorf("Add with latitude 91 = %v; want KindInvalid", err)
	}
	d, dups := b.Build()
	if d.Len() != 5 || len(dups) != 1 || dups[0] != "AB1 0AA" {
		t.Fatalf("len %d dups %v; want 5 and [AB1 0AA]", d.Len(), dups)
	}
	var order []string
	d.Each(func(e Entry) bool { order = append(order, e.Postcode); return true })
	if got := strings.Join(order, ","); got != "AB1 0AA,AB10 1AA,EC1A 1BB,M1 1AA,ZE1 0AA" {
		t.Errorf("order %s", got)
	}
	for _, pc := range order {
		if _, ok := d.Lookup(strings.ToLower(pc)); !ok {
			t.Errorf("%s not found after an unsorted build", pc)
		}
	}
	if _, ok := d.Lookup("AB1 0AB"); ok {
		t.Error("AB1 0AB found but never added")
	}
}
