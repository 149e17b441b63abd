package patients

import "strings"

// NormalisePhone turns a telephone number as people write it into E.164, the form
// SMS and telephony services take: UK numbers in national form ("07700 900123",
// "(020) 7946 0018", "+44 (0)7700 900123") become "+447700900123"; international
// numbers given with + or 00 are kept in E.164. It reports false for anything else:
// too short or long, letters, or a national number that is not a UK one.
//
// UK numbers are 10 digits after the leading 0 (a few older area codes have 9);
// E.164 allows at most 15 digits after the +.
func NormalisePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	s = strings.Replace(s, "(0)", "", 1) // "+44 (0)20 …": the trunk 0 is not dialled from abroad
	var d strings.Builder
	plus := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' || r == '/':
		default:
			return "", false
		}
	}
	digits := d.String()
	switch {
	case plus:
	case strings.HasPrefix(digits, "00"):
		digits = digits[2:]
	case strings.HasPrefix(digits, "0"):
		if n := len(digits); n != 10 && n != 11 {
			return "", false
		}
		digits = "44" + digits[1:]
	default:
		return "", false
	}
	if len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
		return "", false
	}
	if strings.HasPrefix(digits, "44") {
		// The national significant number has 10 digits; only some geographic
		// numbers (01…) have 9.
		n := len(digits) - 2
		if n < 9 || n > 10 || digits[2] == '0' || n == 9 && digits[2] != '1' {
			return "", false
		}
	}
	return "+" + digits, true
}
