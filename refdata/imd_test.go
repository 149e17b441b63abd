package refdata

import (
	"strings"
	"testing"

	"equitrial"
)

// mhclgFile7 is the head of the official English Indices of Deprivation 2019 File 7
// (all ranks, deciles and scores), with its real column names and first real row,
// plus a domain decile column placed before the overall one to make sure the loader
// does not just take the first "decile" it sees.
const mhclgFile7 = `LSOA code (2011),LSOA name (2011),Local Authority District code (2019),Local Authority District name (2019),Income Decile (where 1 is most deprived 10% of LSOAs),Index of Multiple Deprivation (IMD) Score,Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),Income Score (rate),Income Rank (where 1 is most deprived),Income Deprivation Affecting Children Index (IDACI) Rank (where 1 is most deprived),Income Deprivation Affecting Children Index (IDACI) Decile (where 1 is most deprived 10% of LSOAs)
E01000001,City of London 001A,E09000001,City of London,10,6.208,29199,9,0.007,32831,32806,10
E01000002,City of London 001B,E09000001,City of London,10,5.143,30379,10,0.034,29901,29682,10
E01000003,City of London 001C,E09000001,City of London,5,19.402,14915,5,0.086,18510,6000,2
E0100000X,Broken,E09000001,City of London,5,19.402,14915,5,0.086,18510,6000,2
E01000005,City of London 001E,E09000001,City of London,3,31.873,8678,11,0.211,6029,1000,1
E01000006,Barking and Dagenham 016A,E09000002,Barking and Dagenham,5,17.102,14486,five,0.145,10912,2000,3
E01000001,Duplicate,E09000001,City of London,10,6.208,29199,9,0.007,32831,32806,10
`

func smallIMD(t testing.TB) *IMDTable {
	t.Helper()
	tab, _, err := LoadIMD(strings.NewReader(mhclgFile7), "IMD2019", IMDOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestLoadIMDOfficialFile7(t *testing.T) {
	tab, rep, err := LoadIMD(strings.NewReader("\ufeff"+mhclgFile7), "IMD2019", IMDOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Columns["area"] != "\ufeffLSOA code (2011)" && rep.Columns["area"] != "LSOA code (2011)" {
		t.Errorf("area column %q", rep.Columns["area"])
	}
	if !strings.HasPrefix(rep.Columns["decile"], "Index of Multiple Deprivation (IMD) Decile") ||
		!strings.HasPrefix(rep.Columns["rank"], "Index of Multiple Deprivation (IMD) Rank") {
		t.Errorf("columns %v; want the overall IMD decile and rank", rep.Columns)
	}
	if rep.Rows != 7 || rep.Loaded != 3 || rep.Skipped != 4 {
		t.Errorf("report %+v; want 7 rows, 3 loaded, 4 skipped", rep)
	}
	for i, line := range []int{5, 6, 7, 8} {
		if i >= len(rep.Problems) || rep.Problems[i].Line != line {
			t.Errorf("problems %v; want lines 5, 6, 7, 8", rep.Problems)
			break
		}
	}
	e, ok := tab.Lookup("E01000003")
	if want := (IMDEntry{Area: "E01000003", Decile: 5, Quintile: 3, Rank: 14915, Nation: England}); !ok || e != want {
		t.Errorf("E01000003 = %+v; want %+v", e, want)
	}
	if tab.Edition != "IMD2019" {
		t.Errorf("edition %q", tab.Edition)
	}
}

func TestLoadIMDHeaderForms(t *testing.T) {
	cases := []struct {
		name, csv string
		area      string
		decile    int
		rank      int
		nation    Nation
	}{
		{"MHCLG File 1", "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile\nE01000001,City of London 001A,E09000001,City of London,29199,9\n", "E01000001", 9, 29199, England},
		{"IoD 2025 on 2021 LSOAs", "LSOA code (2021),LSOA name (2021),Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)\nE01035000,Somewhere 001A,1234,1\n", "E01035000", 1, 1234, England},
		{"shared England form", "lsoa_code,IMD_decile,Income_decile,IMD_rank,Income_rank\nE01000002,10,10,30379,29901\n", "E01000002", 10, 30379, England},
		{"shared UK form", "lsoa_code,\"IMD Deciles, 1: most deprived, 10: least deprived\"\n95AA01S1,6\nW01000001,3\n", "95AA01S1", 6, 0, NorthernIreland},
		{"tolerant spelling", "\ufeff  LSOA_CODE  ,  imd   DECILE \nS01006506,4\n", "S01006506", 4, 0, Scotland},
		{"SIMD 2020", "Data_Zone,Intermediate_Zone,Council_area,SIMD2020v2_Rank,SIMD_2020v2_Percentile,SIMD2020v2_Vigintile,SIMD2020v2_Decile,SIMD2020v2_Quintile,SIMD2020v2_Income_Domain_Rank\nS01006506,Culter,Aberdeen City,4691,68,14,7,4,4509\n", "S01006506", 7, 4691, Scotland},
		{"nation column wins", "lsoa_code,nation,IMD_decile\nE01000002,Wales,3\n", "E01000002", 3, 0, Wales},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab, rep, err := LoadIMD(strings.NewReader(c.csv), "X", IMDOptions{})
			if err != nil {
				t.Fatal(err)
			}
			e, ok := tab.Lookup(c.area)
			if !ok || e.Decile != c.decile || e.Rank != c.rank || e.Nation != c.nation || e.Quintile != Quintile(c.decile) {
				t.Errorf("%s = %+v, %v (columns %v); want decile %d rank %d %s", c.area, e, ok, rep.Columns, c.decile, c.rank, c.nation)
			}
		})
	}
}

func TestLoadIMDRefusesUnusableFiles(t *testing.T) {
	for name, in := range map[string]string{
		"no area":          "name,IMD_decile\nx,1\n",
		"no decile":        "lsoa_code,IMD_rank\nE01000001,1\n",
		"ambiguous decile": "lsoa_code,IMD_decile,IMD Decile (2015)\nE01000001,1,2\n",
		"no usable rows":   "lsoa_code,IMD_decile\nE01000001,0\n",
		"empty":            "",
	} {
		if _, _, err := LoadIMD(strings.NewReader(in), "IMD2019", IMDOptions{}); !equitrial.Is(equitrial.KindInvalid, err) {
			t.Errorf("%s: err = %v; want KindInvalid", name, err)
		}
	}
	if _, _, err := LoadIMD(strings.NewReader("lsoa_code,IMD_decile\nE01000001,1\n"), " ", IMDOptions{}); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Errorf("blank edition: err = %v; want KindInvalid", err)
	}
}

func TestQuintile(t *testing.T) {
	want := []int{0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 0}
	for d, q := range want {
		if got := Quintile(d); got != q {
			t.Errorf("Quintile(%d) = %d; want %d", d, got, q)
		}
	}
}
