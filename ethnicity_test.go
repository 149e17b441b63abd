package equitrial

import (
	"errors"
	"testing"
)

func TestEthnicCategoriesMapping(t *testing.T) {
	want := map[string]EthnicGroup{
		"A": EthnicGroupWhite, "B": EthnicGroupWhite, "C": EthnicGroupWhite,
		"D": EthnicGroupMixed, "E": EthnicGroupMixed, "F": EthnicGroupMixed, "G": EthnicGroupMixed,
		"H": EthnicGroupAsian, "J": EthnicGroupAsian, "K": EthnicGroupAsian, "L": EthnicGroupAsian,
		"M": EthnicGroupBlack, "N": EthnicGroupBlack, "P": EthnicGroupBlack,
		"R": EthnicGroupAsian, // Chinese: census grouping, see ethnicity.go
		"S": EthnicGroupOther,
		"Z": EthnicGroupNotStated, "99": EthnicGroupNotKnown,
	}
	if len(EthnicCategories) != len(want) {
		t.Errorf("%d codes; the Data Dictionary has %d", len(EthnicCategories), len(want))
	}
	for _, c := range EthnicCategories {
		if want[c.Code] != c.Group || c.Description == "" || c.Heading == "" {
			t.Errorf("code %s: %+v; want group %s", c.Code, c, want[c.Code])
		}
	}
	for _, code := range []string{"I", "O", "Q", "T", "U", "V", "W", "X", "Y"} {
		if ValidEthnicCategory(code) {
			t.Errorf("ValidEthnicCategory(%q) = true; the Data Dictionary has no such code", code)
		}
	}
	for in, want := range map[string]string{" a ": "A", "r": "R", "99": "99", "z": "Z"} {
		if got, ok := NormaliseEthnicCategory(in); !ok || got != want {
			t.Errorf("NormaliseEthnicCategory(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "AA", "9", "099", "White", "A1"} {
		if ValidEthnicCategory(bad) {
			t.Errorf("ValidEthnicCategory(%q) = true", bad)
		}
	}
}

func TestCensus2021Ethnicities(t *testing.T) {
	if len(Census2021Ethnicities) != 19 {
		t.Fatalf("%d census categories; the 2021 question has 19", len(Census2021Ethnicities))
	}
	perGroup := map[EthnicGroup]int{}
	ids := map[string]bool{}
	for _, c := range Census2021Ethnicities {
		perGroup[c.Group]++
		if ids[c.ID] {
			t.Errorf("duplicate ID %s", c.ID)
		}
		ids[c.ID] = true
		nhs, ok := EthnicCategory(c.NHSCode)
		if !ok || nhs.Group != c.Group {
			t.Errorf("%s maps to NHS code %q in group %s; want a code in group %s", c.ID, c.NHSCode, nhs.Group, c.Group)
		}
		for _, typed := range []string{c.ID, c.Heading + ": " + c.Description, "  " + c.Heading + "  -  " + c.Description} {
			if got, ok := ParseCensus2021Ethnicity(typed); !ok || got.ID != c.ID {
				t.Errorf("ParseCensus2021Ethnicity(%q) = %s, %v; want %s", typed, got.ID, ok, c.ID)
			}
		}
	}
	wantCounts := map[EthnicGroup]int{EthnicGroupAsian: 5, EthnicGroupBlack: 3, EthnicGroupMixed: 4, EthnicGroupWhite: 5, EthnicGroupOther: 2}
	for g, n := range wantCounts {
		if perGroup[g] != n {
			t.Errorf("group %s has %d census categories; want %d", g, perGroup[g], n)
		}
	}
	for in, want := range map[string]string{"indian": "asian_indian", "ROMA": "white_roma", "arab": "other_arab", "Irish": "white_irish", "caribbean": "black_caribbean"} {
		if got, ok := ParseCensus2021Ethnicity(in); !ok || got.ID != want {
			t.Errorf("ParseCensus2021Ethnicity(%q) = %s, %v; want %s", in, got.ID, ok, want)
		}
	}
	for _, bad := range []string{"", "British", "asian", "Other", "not stated"} {
		if got, ok := ParseCensus2021Ethnicity(bad); ok {
			t.Errorf("ParseCensus2021Ethnicity(%q) = %s; want no match", bad, got.ID)
		}
	}
}

func TestDeriveEthnicGroup(t *testing.T) {
	cases := []struct {
		code, census string
		want         EthnicityDerivation
	}{
		{"", "", EthnicityDerivation{Group: EthnicGroupNotKnown, Source: EthnicitySourceNone}},
		{"Z", "", EthnicityDerivation{Group: EthnicGroupNotStated, Source: EthnicitySourceNHSCode}},
		{"99", "", EthnicityDerivation{Group: EthnicGroupNotKnown, Source: EthnicitySourceNHSCode}},
		{"n", "", EthnicityDerivation{Group: EthnicGroupBlack, Source: EthnicitySourceNHSCode}},
		{"", "asian_pakistani", EthnicityDerivation{Group: EthnicGroupAsian, Source: EthnicitySourceCensus2021}},
		{"J", "asian_pakistani", EthnicityDerivation{Group: EthnicGroupAsian, Source: EthnicitySourceCensus2021}},
		{"R", "asian_chinese", EthnicityDerivation{Group: EthnicGroupAsian, Source: EthnicitySourceCensus2021}},
		{"A", "mixed_white_asian", EthnicityDerivation{Group: EthnicGroupMixed, Source: EthnicitySourceCensus2021, Conflict: true}},
		{"Z", "white_roma", EthnicityDerivation{Group: EthnicGroupWhite, Source: EthnicitySourceCensus2021}},
		{"99", "other_arab", EthnicityDerivation{Group: EthnicGroupOther, Source: EthnicitySourceCensus2021}},
	}
	for _, c := range cases {
		got, err := DeriveEthnicGroup(c.code, c.census)
		if err != nil || got != c.want {
			t.Errorf("DeriveEthnicGroup(%q, %q) = %+v, %v; want %+v", c.code, c.census, got, err, c.want)
		}
	}
	_, err := DeriveEthnicGroup("Q", "martian")
	var e *Error
	if !Is(KindInvalid, err) || !errors.As(err, &e) || len(e.Fields) != 2 ||
		e.Fields[0].Field != "ethnicCategory" || e.Fields[1].Field != "ethnicityCensus2021" {
		t.Errorf("DeriveEthnicGroup(Q, martian) err = %v; want KindInvalid naming both fields", err)
	}
	if EthnicGroupNotStated.Known() || EthnicGroupNotKnown.Known() || !EthnicGroupOther.Known() {
		t.Error("Known() must be true only for the five groups")
	}
}
