package equitrial

// NHS numbers (England, Wales and the Isle of Man; Scotland's CHI numbers and
// Northern Ireland's H&C numbers share the format) are ten digits, the last a
// modulus 11 check digit over the first nine, as the NHS Data Dictionary sets out:
//
//	multiply digits 1–9 by weights 10 down to 2 and add;
//	check = 11 − (sum mod 11); a check of 11 is written 0;
//	a check of 10 is impossible: no number with those nine digits is ever issued.
//
// On top of the check digit, numbers made of one repeated digit are refused:
// 0000000000, 1111111111, 9999999999 and the like pass modulus 11 (most of them do)
// but are the placeholders systems use for "not known", never numbers issued to a
// person. Ranges are not checked: the 999 range is issued for testing, and rules on
// which ranges are live change; the check digit is what catches typing errors.

// NormaliseNHSNumber accepts an NHS number typed with spaces or hyphens anywhere
// ("943 476 5919", "943-476-5919", " 9434765919 ") and returns its ten digits, or
// false when it is not a valid NHS number.
func NormaliseNHSNumber(s string) (string, bool) {
	var d [10]byte
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if n == len(d) {
				return "", false
			}
			d[n] = c
			n++
		case c == ' ' || c == '-' || c == '\t':
		default:
			return "", false
		}
	}
	if n != len(d) || !nhsCheckDigitOK(d) || allSame(d) {
		return "", false
	}
	if len(s) == 10 {
		return s, true // already bare digits; no need to copy
	}
	return string(d[:]), true
}

// ValidNHSNumber reports whether s, ignoring spaces and hyphens, is a valid NHS number.
func ValidNHSNumber(s string) bool {
	_, ok := NormaliseNHSNumber(s)
	return ok
}

// FormatNHSNumber writes a valid NHS number the way the NHS displays it, "943 476 5919";
// anything else is returned unchanged.
func FormatNHSNumber(s string) string {
	n, ok := NormaliseNHSNumber(s)
	if !ok {
		return s
	}
	return n[:3] + " " + n[3:6] + " " + n[6:]
}

func nhsCheckDigitOK(d [10]byte) bool {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(d[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	switch check {
	case 11:
		check = 0
	case 10:
		return false
	}
	return int(d[9]-'0') == check
}

func allSame(d [10]byte) bool {
	for _, c := range d[1:] {
		if c != d[0] {
			return false
		}
	}
	return true
}
