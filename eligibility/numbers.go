package eligibility

import (
	"strconv"
	"strings"
)

// cmpKind is the direction of a comparison as written.
type cmpKind uint8

const (
	cmpNone cmpKind = iota
	cmpGE           // ≥, at least, no less than
	cmpGT           // >, more than, above
	cmpLE           // ≤, at most, no more than
	cmpLT           // <, less than, below
)

func (c cmpKind) lower() bool { return c == cmpGE || c == cmpGT }
func (c cmpKind) upper() bool { return c == cmpLE || c == cmpLT }

// comparators lists every spelling of a comparison, longest first where one is a
// prefix of another. Text is lower case and folded (≥ is already ">=").
var comparators = []struct {
	s string
	k cmpKind
}{
	{"greater than or equal to", cmpGE}, {"greater than or equal", cmpGE}, {"more than or equal to", cmpGE},
	{"higher than or equal to", cmpGE}, {"equal to or greater than", cmpGE}, {"equal or greater than", cmpGE},
	{"equal to or more than", cmpGE}, {"equal to or higher than", cmpGE}, {"equal or more than", cmpGE},
	{"superior or equal to", cmpGE}, {"no less than", cmpGE}, {"not less than", cmpGE}, {"of at least", cmpGE},
	{"at least", cmpGE}, {"a minimum of", cmpGE}, {"minimum of", cmpGE}, {"minimum", cmpGE}, {"min.", cmpGE},
	{"greater or equal to", cmpGE}, {"greater or equal", cmpGE}, {">/=", cmpGE}, {"> =", cmpGE}, {">=", cmpGE}, {"=>", cmpGE}, {"=/>", cmpGE}, {"&ge;", cmpGE},
	{"less than or equal to", cmpLE}, {"less than or equal", cmpLE}, {"lower than or equal to", cmpLE},
	{"equal to or less than", cmpLE}, {"equal or less than", cmpLE}, {"equal to or lower than", cmpLE},
	{"inferior or equal to", cmpLE}, {"less or equal to", cmpLE}, {"no more than", cmpLE}, {"not more than", cmpLE}, {"no greater than", cmpLE},
	{"not greater than", cmpLE}, {"no higher than", cmpLE}, {"not higher than", cmpLE}, {"not exceeding", cmpLE}, {"not to exceed", cmpLE},
	{"does not exceed", cmpLE}, {"do not exceed", cmpLE}, {"at most", cmpLE}, {"a maximum of", cmpLE}, {"maximum of", cmpLE},
	{"maximum", cmpLE}, {"max.", cmpLE}, {"up to", cmpLE}, {"</=", cmpLE}, {"< =", cmpLE}, {"<=", cmpLE}, {"=<", cmpLE}, {"=/<", cmpLE}, {"&le;", cmpLE},
	{"greater than", cmpGT}, {"more than", cmpGT}, {"higher than", cmpGT}, {"in excess of", cmpGT}, {"exceeding", cmpGT},
	{"exceeds", cmpGT}, {"exceed", cmpGT}, {"superior to", cmpGT}, {"above", cmpGT}, {"over", cmpGT}, {"elevated", cmpGT}, {"&gt;", cmpGT}, {">", cmpGT},
	{"older than", cmpGT}, {"younger than", cmpLT},
	{"less than", cmpLT}, {"lower than", cmpLT}, {"fewer than", cmpLT}, {"inferior to", cmpLT}, {"below", cmpLT},
	{"under", cmpLT}, {"&lt;", cmpLT}, {"<", cmpLT},
}

// trailing qualifiers after a number: "18 or older", "30 or less".
var trailers = []struct {
	s string
	k cmpKind
}{
	{"or greater", cmpGE}, {"or more", cmpGE}, {"or higher", cmpGE}, {"or above", cmpGE}, {"or over", cmpGE},
	{"and above", cmpGE}, {"and over", cmpGE}, {"and greater", cmpGE}, {"and older", cmpGE}, {"or older", cmpGE}, {"and higher", cmpGE},
	{"or less", cmpLE}, {"or lower", cmpLE}, {"or below", cmpLE}, {"or fewer", cmpLE}, {"and below", cmpLE}, {"and under", cmpLE},
	{"and less", cmpLE}, {"or younger", cmpLE}, {"and younger", cmpLE}, {"or under", cmpLE},
}

// trailerWords are the first words of the trailers, to look past "of age".
var trailerWords = []string{"or ", "and "}

var wordNumbers = map[string]float64{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
	"twice": 2, "double": 2, "triple": 3, "thrice": 3, "twelve": 12, "eighteen": 18, "twenty": 20,
}

func skipSpaces(s string, p int) int {
	for p < len(s) && (s[p] == ' ' || s[p] == '\t') {
		p++
	}
	return p
}

func atWordStart(s string, p int) bool { return p == 0 || !isWordByte(s[p-1]) }

func hasWordAt(s string, p int, w string) bool {
	if !strings.HasPrefix(s[p:], w) {
		return false
	}
	e := p + len(w)
	return !isLetter(w[len(w)-1]) || e >= len(s) || !isLetter(s[e])
}

// comparatorAt reads a comparator at p, if any.
func comparatorAt(s string, p int) (cmpKind, int) {
	if p >= len(s) {
		return cmpNone, p
	}
	c := s[p]
	if c != '<' && c != '>' && c != '=' && c != '&' && !(isLetter(c) && atWordStart(s, p)) {
		return cmpNone, p
	}
	for _, x := range comparators {
		if hasWordAt(s, p, x.s) {
			return x.k, p + len(x.s)
		}
	}
	return cmpNone, p
}

// spaceThousands reports whether the space at e separates groups of digits of one
// number: the digits so far are a group of one to three (or whole groups of three
// after earlier spaces), and exactly three digits follow.
func spaceThousands(s string, e int, sofar string) bool {
	if e+4 > len(s) || !isDigit(s[e+1]) || !isDigit(s[e+2]) || !isDigit(s[e+3]) || (e+4 < len(s) && isDigit(s[e+4])) {
		return false
	}
	if strings.Contains(sofar, ".") {
		return false
	}
	// the group just before the space: digits back to the previous space or start
	k := e
	for k > 0 && isDigit(s[k-1]) {
		k--
	}
	group := e - k
	if k > 0 && s[k-1] == ' ' && k >= 2 && isDigit(s[k-2]) {
		return group == 3
	}
	return group >= 1 && group <= 3
}

// numberAt reads a number at p: "1,500", "2.5", ".5", "10^9"-free; word numbers
// ("three") only when roman is false. It returns ok=false when none.
func numberAt(s string, p int, roman bool) (float64, int, bool) {
	if p >= len(s) {
		return 0, p, false
	}
	if isDigit(s[p]) || s[p] == '.' && p+1 < len(s) && isDigit(s[p+1]) {
		if p > 0 && (isLetter(s[p-1]) || s[p-1] == '^') {
			return 0, p, false
		}
		e := p
		var b strings.Builder
		for e < len(s) {
			c := s[e]
			switch {
			case isDigit(c):
				b.WriteByte(c)
				e++
				continue
			case c == ',' && e+3 < len(s)+0 && e+4 <= len(s) && isDigit(s[e+1]) && isDigit(s[e+2]) && isDigit(s[e+3]) && (e+4 == len(s) || !isDigit(s[e+4])):
				e++ // thousands separator
				continue
			case c == ' ' && spaceThousands(s, e, b.String()):
				e++ // "100 000": a space between groups of three digits, as SI and many labs write
				continue
			case c == ',' && e+1 < len(s) && isDigit(s[e+1]) && (e+2 == len(s) || !isDigit(s[e+2])) && b.Len() <= 2:
				b.WriteByte('.') // decimal comma, "1,5"
				e++
				continue
			case c == '.' && e+1 < len(s) && isDigit(s[e+1]) && !strings.Contains(b.String(), "."):
				b.WriteByte('.')
				e++
				continue
			}
			break
		}
		v, err := strconv.ParseFloat(b.String(), 64)
		if err != nil {
			return 0, p, false
		}
		return v, e, true
	}
	if !atWordStart(s, p) || !isLetter(s[p]) {
		return 0, p, false
	}
	e := p
	for e < len(s) && isLetter(s[e]) {
		e++
	}
	w := s[p:e]
	if roman {
		switch w {
		case "i":
			return 1, e, true
		case "ii":
			return 2, e, true
		case "iii":
			return 3, e, true
		case "iv":
			return 4, e, true
		}
	}
	if v, ok := wordNumbers[w]; ok {
		return v, e, true
	}
	return 0, p, false
}

// unitAt reads a unit at p (spaces inside the unit allowed: "ml / min / 1.73 m2").
// It returns the standard spelling, the end offset, and whether a unit was read;
// the spelling is "" for a recognised unit no analyte uses.
func unitAt(s string, p int) (string, int, bool) {
	p = skipSpaces(s, p)
	const max = 48
	var compact [max]byte
	var orig [max]int
	n := 0
	for i := p; i < len(s) && n < max; i++ {
		if s[i] == ' ' {
			continue
		}
		if s[i] == '\n' || s[i] == ';' {
			break
		}
		compact[n] = s[i]
		orig[n] = i
		n++
	}
	c := string(compact[:n])
	for _, k := range unitKeys {
		if len(k) > len(c) || c[:len(k)] != k {
			continue
		}
		end := orig[len(k)-1] + 1
		if isLetter(k[len(k)-1]) && end < len(s) && isLetter(s[end]) {
			continue
		}
		if isDigit(k[len(k)-1]) && end < len(s) && isDigit(s[end]) {
			continue
		}
		return unitSpellings[k], end, true
	}
	return "", p, false
}

// ulnAt reads "x ULN", "times the upper limit of normal", "-fold the institutional
// upper limit", returning the end offset and whether the words said "above".
func ulnAt(s string, p int) (end int, above, ok bool) {
	q := skipSpaces(s, p)
	switch {
	case strings.HasPrefix(s[q:], "x") && !(q+1 < len(s) && isLetter(s[q+1]) && !strings.HasPrefix(s[q+1:], "uln")):
		q++
		if r := skipSpaces(s, q); r < len(s) && isDigit(s[r]) {
			return p, false, false // "x 10^9/L" is a unit, not a multiple of ULN
		}
	case strings.HasPrefix(s[q:], "times"):
		q += 5
	case strings.HasPrefix(s[q:], "-fold") || strings.HasPrefix(s[q:], "fold"):
		q = strings.Index(s[q:], "fold") + q + 4
	case strings.HasPrefix(s[q:], "uln"):
		return q + 3, false, true
	default:
		return p, false, false
	}
	rest := s[q:]
	if len(rest) > 70 {
		rest = rest[:70]
	}
	if i := strings.IndexAny(rest, ";\n"); i >= 0 {
		rest = rest[:i]
	}
	for _, w := range []string{"uln", "upper limit", "upper normal limit", "normal upper limit", "upper level of normal", "upper limits", "upper range of normal", "upper value of normal", "normal limit", "normal range", "the normal", "normal value", "lsn", "upper normal", "uln)"} {
		if i := strings.Index(rest, w); i >= 0 {
			seg := rest[:i]
			above = strings.Contains(seg, "above") || strings.Contains(seg, "greater") || strings.Contains(seg, "over") || strings.Contains(seg, "higher")
			e := q + i + len(w)
			for e < len(s) && isLetter(s[e]) {
				e++
			}
			if strings.HasPrefix(s[e:], " of normal") {
				e += len(" of normal")
			}
			return e, above, true
		}
	}
	return p, false, false
}

// expr is one numeric condition as written: a range or a one-sided bound.
type expr struct {
	lo, hi     *float64
	unit       string // standard spelling, "" when none was written
	unit2      string // the unit written after the second number of a range, if any ("6 weeks to 12 months")
	unitSeen   bool   // a unit was written (even one no analyte uses)
	cmp        cmpKind
	start, end int
	hasRange   bool
	hasCmp     bool
	// loStrict/hiStrict: the comparator excluded the bound (">", "less than").
	loStrict, hiStrict bool
	uln                bool
	numberValues       []float64
}

func f64(v float64) *float64 { return &v }

// exprAt parses a numeric condition starting exactly at p. roman allows "class
// III" style numerals. listOK allows "0, 1 or 2" (score lists) to read as a range.
func exprAt(s string, p int, roman, listOK bool) (expr, bool) {
	e := expr{start: p}
	q := p
	cmp, q2 := comparatorAt(s, q)
	between, from := false, false
	if cmp != cmpNone {
		q = skipSpaces(s, q2)
		// "< than" and similar slips
		if strings.HasPrefix(s[q:], "or equal to ") {
			q += len("or equal to ")
		}
		if strings.HasPrefix(s[q:], "than ") {
			q += 5
		}
	} else if hasWordAt(s, q, "between") {
		between = true
		q = skipSpaces(s, q+7)
	} else if hasWordAt(s, q, "from") {
		from = true
		q = skipSpaces(s, q+4)
	} else if hasWordAt(s, q, "range") {
		q = skipSpaces(s, q+5)
		if hasWordAt(s, q, "of") {
			q = skipSpaces(s, q+2)
		}
	}
	v1, q, ok := numberAt(s, q, roman)
	if !ok {
		return e, false
	}
	e.numberValues = append(e.numberValues, v1)
	wordNum := !roman && !isDigit(s[q-1]) && s[q-1] != '.'
	u1, q3, hasU := unitAt(s, q)
	if end, above, isULN := ulnAt(s, q); isULN {
		e.uln, e.unit, e.unitSeen = true, "xULN", true
		q = end
		if cmp == cmpNone && above {
			cmp = cmpGT
		}
	} else if hasU {
		e.unit, e.unitSeen = u1, true
		q = q3
	}
	if wordNum && !e.uln {
		return e, false
	}
	// second number of a range
	r := skipSpaces(s, q)
	var v2 float64
	got2 := false
	sep := ""
	switch {
	case r < len(s) && s[r] == '-':
		sep = "-"
		r++
	case hasWordAt(s, r, "to"):
		sep = "to"
		r += 2
	case (between || from) && hasWordAt(s, r, "and"):
		sep = "and"
		r += 3
	case hasWordAt(s, r, "and") && !between:
		sep = "list"
		r += 3
	case hasWordAt(s, r, "or") || r < len(s) && s[r] == ',':
		sep = "list"
		if s[r] == ',' {
			r++
		} else {
			r += 2
		}
	}
	if sep != "" {
		r = skipSpaces(s, r)
		if c2, r2 := comparatorAt(s, r); c2 != cmpNone && sep != "list" {
			r = skipSpaces(s, r2)
		}
		if v, r2, ok := numberAt(s, r, roman); ok && (sep != "list" || listOK) {
			// a list "0, 1 or 2" keeps going
			last := r2
			if sep == "list" {
				for {
					t := skipSpaces(s, last)
					if t < len(s) && s[t] == ',' {
						t++
					} else if hasWordAt(s, t, "or") {
						t += 2
					} else if hasWordAt(s, t, "and") {
						t += 3
					} else {
						break
					}
					t = skipSpaces(s, t)
					if hasWordAt(s, t, "or") {
						t = skipSpaces(s, t+2)
					}
					v3, t2, ok := numberAt(s, t, roman)
					if !ok {
						break
					}
					v, last = v3, t2
				}
			}
			if v >= v1 {
				v2, got2, q = v, true, last
				e.numberValues = append(e.numberValues, v)
				if u, q4, ok := unitAt(s, q); ok {
					if !e.unitSeen {
						e.unit, e.unitSeen = u, true
					}
					e.unit2, q = u, q4
				}
				if end, above, isULN := ulnAt(s, q); isULN {
					e.uln, e.unit, e.unitSeen = true, "xULN", true
					q = end
					if cmp == cmpNone && above {
						cmp = cmpGT
					}
				}
			}
		}
	}
	if !got2 {
		t := skipSpaces(s, q)
		// "65 years of age or older", "18 years old or over": the trailer
		// comes after the words that say the number is an age
		if isTimeUnit(e.unit) {
			for _, w := range []string{"of age", "old"} {
				if hasWordAt(s, t, w) {
					if u := skipSpaces(s, t+len(w)); hasAnyPrefix(s[u:], trailerWords) {
						t = u
					}
					break
				}
			}
		}
		if t < len(s) && s[t] == '+' {
			cmp, q = cmpGE, t+1
		}
		for _, tr := range trailers {
			if hasWordAt(s, t, tr.s) {
				if cmp == cmpNone {
					cmp = tr.k
				}
				q = t + len(tr.s)
				break
			}
		}
		// unit after the trailer: "18 or older years" is rare, "30 or more mL/min" happens
		if !e.unitSeen {
			if u, q4, ok := unitAt(s, q); ok {
				e.unit, e.unitSeen, q = u, true, q4
			}
		}
	}
	e.cmp, e.end = cmp, q
	e.hasCmp = cmp != cmpNone
	switch {
	case got2 && cmp.upper():
		e.hi = f64(v2)
	case got2 && cmp.lower():
		e.lo = f64(v1)
	case got2:
		e.lo, e.hi, e.hasRange = f64(v1), f64(v2), true
	case cmp.upper():
		e.hi = f64(v1)
	case cmp.lower():
		e.lo = f64(v1)
	default:
		return e, false
	}
	e.hasRange = e.lo != nil && e.hi != nil
	// "> 2-5" keeps only the far end, which the comparator then bounds
	e.loStrict = cmp == cmpGT && e.lo != nil
	e.hiStrict = cmp == cmpLT && e.hi != nil
	return e, true
}
