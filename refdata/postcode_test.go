package refdata

import (
	"strings"
	"testing"
)

func TestNormalisePostcodeAccepts(t *testing.T) {
	cases := map[string]string{
		"sw1a1aa":       "SW1A 1AA",
		" SW1A  1AA ":   "SW1A 1AA",
		"sw1a-1aa":      "SW1A 1AA",
		"SW1A 1AA":      "SW1A 1AA",
		"s w 1 a 1 a a": "SW1A 1AA",
		"sw1a.1aa,":     "SW1A 1AA",
		"sw1a\u00a01aa": "SW1A 1AA", // no-break space pasted from a web page
		"sw1a\u20131aa": "SW1A 1AA", // en dash from a word processor
		"m11ae":         "M1 1AE",   // A9
		"B33 8TH":       "B33 8TH",  // A99
		"w1a0ax":        "W1A 0AX",  // A9A
		"CR2 6XH":       "CR2 6XH",  // AA9
		"DN55 1PT":      "DN55 1PT", // AA99
		"ec1a1bb":       "EC1A 1BB", // AA9A
		"CA110FP":       "CA11 0FP", // ONSPD 7-character form
		"AB1  0AA":      "AB1 0AA",  // ONSPD pcd2 8-character form
		"gir0aa":        "GIR 0AA",
		"STHL1ZZ":       "STHL 1ZZ",
		"gx11 1aa":      "GX11 1AA",
		"W1N 6DS":       "W1N 6DS", // retired W1 district, still in ONSPD
		"npt 4uy":       "NPT 4UY", // pre-1984 Newport
		"BT1 1AA":       "BT1 1AA",
		"JE2 3AB":       "JE2 3AB",
		"ZE1 0AA":       "ZE1 0AA",
		"\tEH1 1YZ\n":   "EH1 1YZ",
		"ky11 8ns":      "KY11 8NS",
		"BS0 0AA":       "BS0 0AA",
		"nw1w 9xx":      "NW1W 9XX",
	}
	for in, want := range cases {
		got, ok := NormalisePostcode(in)
		if !ok || got != want {
			t.Errorf("NormalisePostcode(%q) = %q, %v; want %q", in, got, ok, want)
		}
		if !ValidPostcode(in) {
			t.Errorf("ValidPostcode(%q) = false", in)
		}
	}
}

func TestNormalisePostcodeRejects(t *testing.T) {
	for _, in := range []string{
		"", " ", "SW1A", "1AA", "SW1A 1A", "SW1A 1AAA", "SW1A1AAA",
		"QW1 1AA",   // Q never starts a postcode
		"VW1 1AA",   // nor V
		"XW1 1AA",   // nor X
		"AI1 1AA",   // I is not a second letter
		"AZ1 1AA",   // nor Z
		"SW1A 1CA",  // C is not a unit letter
		"SW1A 1AI",  // nor I
		"SW1A 1MK",  // nor M, K
		"SW1A AAA",  // the inward code starts with a digit
		"SW1Q 1AA",  // Q is not a fourth letter
		"W1I 1AA",   // I is not a third letter
		"11A 1AA",   // outward code starts with a letter
		"SWAA 1AA",  // AAAA is not an outward pattern
		"SW123 1AA", // too long an outward code
		"S 1AA",     // too short
		"SW1A_1AA",  // underscore is not a separator people use
		"SW1A 1ÀA",  // non-ASCII letter
		"BFPO 1234", // BFPO numbers are not postcodes
		"KY1-1234",  // Cayman Islands
		"GIR 0AB",
		"NPT 4CY",
		"SW1A 1AA SW1A 1AA",
		"DROP TABLE",
		strings.Repeat(" ", 100) + "SW1A1AA",
	} {
		if got, ok := NormalisePostcode(in); ok {
			t.Errorf("NormalisePostcode(%q) = %q, true; want false", in, got)
		}
	}
}

func TestPostcodeKeyRoundTrip(t *testing.T) {
	for _, pc := range []string{"M1 1AE", "B33 8TH", "W1A 0AX", "CR2 6XH", "DN55 1PT", "EC1A 1BB", "GIR 0AA", "STHL 1ZZ", "ZE3 9ZZ", "AB1 0AA"} {
		k, ok := postcodeKey(pc)
		if !ok {
			t.Fatalf("postcodeKey(%q) failed", pc)
		}
		if got := postcodeFromKey(k); got != pc {
			t.Errorf("postcodeFromKey(postcodeKey(%q)) = %q", pc, got)
		}
		if k>>(keyChars*keyCharBits) != 0 {
			t.Errorf("key for %s uses more than %d bits", pc, keyChars*keyCharBits)
		}
	}
	// Keys sort like ONSPD's space-padded pcd column, so a release loads already sorted.
	order := []string{"AB1 0AA", "AB1 9ZZ", "AB10 1AA", "AB1A 1AA", "B1 1AA", "B10 1AA"}
	for i := 1; i < len(order); i++ {
		a, _ := postcodeKey(order[i-1])
		b, _ := postcodeKey(order[i])
		if a >= b {
			t.Errorf("key(%s) >= key(%s)", order[i-1], order[i])
		}
	}
}

func TestNormalisePostcodeDoesNotAllocateWhenCanonical(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { NormalisePostcode("SW1A 1AA") }); n != 0 {
		t.Errorf("NormalisePostcode of a canonical postcode allocates %v times", n)
	}
}

func FuzzNormalisePostcode(f *testing.F) {
	for _, s := range []string{"sw1a1aa", " SW1A  1AA ", "sw1a-1aa", "GIR 0AA", "W1N 6DS", "NPT 4UY", "STHL1ZZ", "BFPO 1234", "", "ÀÀ", "m11ae"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := NormalisePostcode(s)
		if !ok {
			if got != "" {
				t.Fatalf("rejected %q but returned %q", s, got)
			}
			return
		}
		again, ok2 := NormalisePostcode(got)
		if !ok2 || again != got {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, got, again, ok2)
		}
		if len(got) < 6 || len(got) > 8 || strings.Count(got, " ") != 1 || got[len(got)-4] != ' ' || strings.ToUpper(got) != got {
			t.Fatalf("%q normalised to a non-canonical %q", s, got)
		}
		k, _ := postcodeKey(got)
		if postcodeFromKey(k) != got {
			t.Fatalf("key of %q does not round-trip", got)
		}
	})
}
