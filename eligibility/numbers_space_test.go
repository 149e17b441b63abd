package eligibility

import "testing"

func TestSpaceAsThousandsSeparator(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{
		{"100 000/mm3", 100000},
		{"1 500 000", 1500000},
		{"1 500 cells", 1500},
		{"1000 000", 1000}, // not groups of three: the number ends at the space
		{"2.5 000", 2.5},
		{"18 100", 18100},
	} {
		got, _, ok := numberAt(tc.in, 0, false)
		if !ok || got != tc.want {
			t.Errorf("numberAt(%q) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
	// In a threshold: platelets written with a space between thousands.
	crits := ParseText("Inclusion Criteria:\n\n* Platelets > 100 000/mm3\n")
	if len(crits) == 0 || len(crits[0].Labs) != 1 || crits[0].Labs[0].Low == nil || *crits[0].Labs[0].Low != 100000 {
		t.Fatalf("platelets threshold: %+v", crits)
	}
}
