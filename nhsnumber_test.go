package equitrial

import (
	"strings"
	"testing"
)

func TestNHSNumberValid(t *testing.T) {
	cases := map[string]string{
		"9434765919":     "9434765919", // NHS Digital's documented example
		"943 476 5919":   "9434765919",
		"943-476-5919":   "9434765919",
		" 943 476 5919 ": "9434765919",
		"4010232137":     "4010232137",
		"401 023 2137":   "4010232137",
		"9990000018":     "9990000018", // a test-range number; ranges are not checked
		"9434765870":     "9434765870", // check digit 11 → written 0
	}
	for in, want := range cases {
		got, ok := NormaliseNHSNumber(in)
		if !ok || got != want {
			t.Errorf("NormaliseNHSNumber(%q) = %q, %v; want %q", in, got, ok, want)
		}
		if !ValidNHSNumber(in) {
			t.Errorf("ValidNHSNumber(%q) = false", in)
		}
	}
	if got := FormatNHSNumber("9434765919"); got != "943 476 5919" {
		t.Errorf("FormatNHSNumber = %q", got)
	}
	if got := FormatNHSNumber("12345"); got != "12345" {
		t.Errorf("FormatNHSNumber(invalid) = %q; want it unchanged", got)
	}
}

func TestNHSNumberInvalid(t *testing.T) {
	for _, in := range []string{
		"",
		"9434765918",  // wrong check digit
		"9434765910",  // wrong check digit
		"943476591",   // nine digits
		"94347659190", // eleven digits
		"943 476 591 9 0",
		"1234567890",   // nine-digit prefix gives check digit 10: never issued
		"0000000000",   // passes modulus 11, but a placeholder
		"1111111111",   // likewise
		"9999999999",   // likewise
		"943.476.5919", // dots are not accepted separators
		"943476591O",   // letter O for zero
		"NHS9434765919",
		"９４３４７６５９１９", // full-width digits
		strings.Repeat("9", 1000),
	} {
		if got, ok := NormaliseNHSNumber(in); ok {
			t.Errorf("NormaliseNHSNumber(%q) = %q, true; want false", in, got)
		}
	}
}

// The weights and the check-10 rule, checked independently of the implementation:
// every one-digit change to a valid number must be caught.
func TestNHSNumberCatchesSingleDigitErrors(t *testing.T) {
	for _, valid := range []string{"9434765919", "4010232137"} {
		for i := range 10 {
			for d := byte('0'); d <= '9'; d++ {
				if d == valid[i] {
					continue
				}
				typo := valid[:i] + string(d) + valid[i+1:]
				if ValidNHSNumber(typo) {
					t.Errorf("%s (one digit changed from %s) accepted", typo, valid)
				}
			}
		}
	}
}

func FuzzNHSNumber(f *testing.F) {
	for _, s := range []string{"9434765919", "943 476 5919", "943-476-5919", "4010232137", "0000000000", "", "abc", "1234567890"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := NormaliseNHSNumber(s)
		if ok != ValidNHSNumber(s) {
			t.Fatalf("NormaliseNHSNumber and ValidNHSNumber disagree on %q", s)
		}
		if !ok {
			return
		}
		if len(got) != 10 || strings.Trim(got, "0123456789") != "" {
			t.Fatalf("%q normalised to %q", s, got)
		}
		again, ok := NormaliseNHSNumber(got)
		if !ok || again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
		if f := FormatNHSNumber(got); !ValidNHSNumber(f) || len(f) != 12 {
			t.Fatalf("formatted %q does not re-validate", f)
		}
	})
}
