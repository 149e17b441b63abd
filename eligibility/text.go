package eligibility

import (
	"strings"
	"unicode/utf8"
)

// fold rewrites text into plain ASCII with one spelling per symbol, so that the
// rest of the parser need only know ">=" and not "≥", "\u2265", "=>" and so on.
// Case is kept (abbreviations are matched case-sensitively); markdown escapes
// ("\<", "\[") that ClinicalTrials.gov adds are dropped.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch c {
			case '\\':
				continue
			case '\t', '\r':
				b.WriteByte(' ')
				continue
			}
			b.WriteByte(c)
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		b.WriteString(foldRune(r))
	}
	return b.String()
}

func foldRune(r rune) string {
	switch r {
	case '≥', '≧', '⩾':
		return ">="
	case '≤', '≦', '⩽':
		return "<="
	case '＞', '›':
		return ">"
	case '＜', '‹':
		return "<"
	case '×', '✕', '╳':
		return "x"
	case 'µ', 'μ':
		return "u"
	case '²':
		return "2"
	case '³':
		return "3"
	case '¹':
		return "1"
	case '⁰':
		return "0"
	case '⁴':
		return "4"
	case '⁵':
		return "5"
	case '⁶':
		return "6"
	case '⁹':
		return "9"
	case '⁻':
		return "-"
	case '–', '—', '−', '‐', '‑', '‒':
		return "-"
	case '’', '‘', '`', '´', 'ʼ':
		return "'"
	case '“', '”', '„':
		return "\""
	case '•', '●', '·', '▪', '◦', '○', '■', '□', '➢', '►', '‣', '⁃', '∙':
		return "*"
	case '°', 'º':
		return " "
	case '±':
		return "+/-"
	case '\u00a0', '\u2002', '\u2003', '\u2009', '\u202f', '\u3000':
		return " "
	case '\u2028', '\u2029':
		return "\n"
	case '½':
		return ".5"
	case 'ß':
		return "ss"
	}
	switch {
	case strings.ContainsRune("áàâäãåā", r):
		return "a"
	case strings.ContainsRune("ÁÀÂÄÃÅ", r):
		return "A"
	case strings.ContainsRune("éèêëē", r):
		return "e"
	case strings.ContainsRune("ÉÈÊË", r):
		return "E"
	case strings.ContainsRune("íìîï", r):
		return "i"
	case strings.ContainsRune("óòôöõø", r):
		return "o"
	case strings.ContainsRune("ÓÒÔÖØ", r):
		return "O"
	case strings.ContainsRune("úùûü", r):
		return "u"
	case strings.ContainsRune("ÚÙÛÜ", r):
		return "U"
	case r == 'ç':
		return "c"
	case r == 'ñ':
		return "n"
	}
	return " "
}

// token is one word or one meaningful punctuation mark of a folded text.
type token struct {
	key        string // normalised form used for vocabulary lookups
	start, end int    // byte offsets in the folded text
	punct      bool
	upper      bool // the word was written in capitals (an abbreviation)
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// tokenize splits folded text into words and the punctuation that breaks a phrase.
// Hyphens, slashes and apostrophes separate words but are not tokens, so
// "COVID-19", "covid 19" and "Crohn's disease" all meet the same vocabulary entry.
func tokenize(s string, dst []token) []token {
	for i := 0; i < len(s); {
		c := s[i]
		if isWordByte(c) {
			j := i
			upper, lower := false, false
			for j < len(s) && isWordByte(s[j]) {
				if s[j] >= 'A' && s[j] <= 'Z' {
					upper = true
				} else if s[j] >= 'a' && s[j] <= 'z' {
					lower = true
				}
				j++
			}
			w := s[i:j]
			if !(len(w) == 1 && (w == "s" || w == "S") && i > 0 && s[i-1] == '\'') {
				dst = append(dst, token{key: stem(strings.ToLower(w)), start: i, end: j, upper: upper && !lower})
			}
			i = j
			continue
		}
		switch c {
		case ',', ';', '.', ':', '(', ')', '[', ']', '<', '>', '=', '+', '%', '?', '!', '\n':
			dst = append(dst, token{key: string(c), start: i, end: i + 1, punct: true})
		}
		i++
	}
	return dst
}

// stem maps spelling variants onto one key: British and American spellings
// ("haemoglobin", "oedema", "tumour"), simple plurals, and Roman numerals used in
// names ("type II diabetes", "class III").
func stem(w string) string {
	switch w {
	case "i":
		return "1"
	case "ii":
		return "2"
	case "iii":
		return "3"
	case "iv":
		return "4"
	}
	if len(w) > 3 {
		if strings.Contains(w, "ae") {
			w = strings.ReplaceAll(w, "ae", "e")
		}
		if strings.Contains(w, "oe") {
			w = strings.ReplaceAll(w, "oe", "e")
		}
		if len(w) > 5 && strings.HasSuffix(w, "our") {
			w = w[:len(w)-3] + "or"
		}
	}
	if len(w) > 4 && strings.HasSuffix(w, "ies") {
		return w[:len(w)-3] + "y"
	}
	if len(w) > 4 && w[len(w)-1] == 's' && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is") && !strings.HasSuffix(w, "ous") && !strings.HasSuffix(w, "es") {
		return w[:len(w)-1]
	}
	if len(w) > 5 && strings.HasSuffix(w, "ses") {
		return w[:len(w)-1]
	}
	if len(w) > 4 && strings.HasSuffix(w, "es") && !strings.HasSuffix(w, "ses") && !strings.HasSuffix(w, "tes") && !strings.HasSuffix(w, "ies") {
		return w[:len(w)-1]
	}
	return w
}

// mostlyUpper reports whether a text is written in capitals, where capitalised
// words are headings or shouting rather than abbreviations.
func mostlyUpper(s string) bool {
	up, low := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			up++
		} else if c >= 'a' && c <= 'z' {
			low++
		}
	}
	return up > 8 && up > 2*low
}
