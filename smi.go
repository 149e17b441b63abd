package equitrial

import "strings"

// SMIFromICD10 reports whether an ICD-10 code records a serious mental illness as
// equitrial stratifies it: schizophrenia, schizotypal and delusional disorders
// (F20–F29), manic episode (F30) and bipolar affective disorder (F31). Depression
// (F32–F33) is not included. Codes are matched at category level, so any
// subdivision counts ("F20", "F20.0", "f200", "F31.1 ", "F25X"); anything else,
// including a range written as text ("F20-F29"), does not.
func SMIFromICD10(code string) bool {
	c := strings.ToUpper(strings.TrimSpace(code))
	if len(c) < 3 || c[0] != 'F' || !smiDigit(c[1]) || !smiDigit(c[2]) {
		return false
	}
	for i := 3; i < len(c); i++ { // the subdivision: digits, a dot, or letters such as X
		if ch := c[i]; !smiDigit(ch) && ch != '.' && (ch < 'A' || ch > 'Z') {
			return false
		}
	}
	cat := int(c[1]-'0')*10 + int(c[2]-'0')
	return (cat >= 20 && cat <= 29) || cat == 30 || cat == 31
}

// AnySMI reports whether any of the codes records a serious mental illness.
func AnySMI(codes []string) bool {
	for _, c := range codes {
		if SMIFromICD10(c) {
			return true
		}
	}
	return false
}

func smiDigit(b byte) bool { return b >= '0' && b <= '9' }
