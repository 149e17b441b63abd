package eligibility

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

var structuredAge = regexp.MustCompile(`(?i)^\s*([0-9]+(?:\.[0-9]+)?)\s*(year|month|week|day|hour|minute)s?\s*$`)

// ageYears reads a ClinicalTrials.gov age ("18 Years", "6 Months") in years.
// Ages under a year keep their value ("28 Days" is 28/365.25): a trial for
// babies from 28 days must not read as one from birth. FactsOf rounds down to
// the whole years of FORMAT.md.
func ageYears(s string) *float64 {
	m := structuredAge.FindStringSubmatch(s)
	if m == nil {
		return nil
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return nil
	}
	return f64(toYears(v, strings.ToLower(m[2])))
}

// toYears converts an age in some unit to years: months are twelfths, weeks and
// days fractions of the mean (Julian) year, as ClinicalTrials.gov converts them.
// A value within rounding of a whole year is that year ("24 Months" is 2).
func toYears(v float64, unit string) float64 {
	var y float64
	switch strings.TrimSuffix(unit, "s") {
	case "month":
		y = v / 12
	case "week":
		y = v * 7 / 365.25
	case "day":
		y = v / 365.25
	case "hour":
		y = v / (365.25 * 24)
	case "minute":
		y = v / (365.25 * 24 * 60)
	default:
		y = v
	}
	if r := math.Round(y); math.Abs(y-r) < 1e-9 {
		return r
	}
	return y
}

func unitYears(u string) float64 { return toYears(1, u) }

func isWholeYear(y float64) bool { return y == math.Trunc(y) }

// ageBound is an age limit found in the text, in years (fractional under a year).
type ageBound struct{ min, max *float64 }

// subGroupPrefixes open criteria about some of the participants ("men age ≥ 55",
// "for children aged under 18 months"): their ages do not bound the whole trial.
var subGroupPrefixes = []string{"men ", "women ", "for ", "if ", "in ", "children ", "male ", "female ", "boys ", "girls ", "patients with ", "when "}

var bothSexes = []string{"men and women", "male and female", "male or female", "female and male", "women and men"}

// extractAge reads age limits from one criterion: "Age ≥ 18 years", "aged 40-75",
// "18 years or older", "Age below 18 years" (in exclusion: a lower bound).
// A number of years is an age only when the words say so (agecontext.go): "at
// least 14 days before randomisation" and "symptoms for 2 years" are not.
func extractAge(lower string, sec Section) (ageBound, bool) {
	l := strings.TrimSpace(lower)
	for _, p := range subGroupPrefixes {
		if strings.HasPrefix(l, p) && !hasAnyPrefix(l, bothSexes) {
			return ageBound{}, false
		}
	}
	if !strings.Contains(l, "year") && !strings.Contains(l, "age") && !strings.Contains(l, "old") && !strings.Contains(l, "young") && !strings.Contains(l, "birthday") {
		return ageBound{}, false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c == '<' || c == '>' || c == '=' || isDigit(c) || isLetter(c) && atWordStart(l, i)) {
			continue
		}
		e, ok := exprAt(l, i, false, false)
		if !ok {
			if isLetter(c) {
				for i+1 < len(l) && isLetter(l[i+1]) {
					i++
				}
			}
			for i+1 < len(l) && isDigit(l[i+1]) {
				i++
			}
			continue
		}
		unit, unit2 := e.unit, e.unit2
		if !e.unitSeen {
			// "Age ≥ 18", "aged 18-65": the word age just before the number
			if !ageWordBefore(l[:i]) {
				i = e.end - 1
				continue
			}
			unit = "years"
		} else if !isTimeUnit(unit) || !isAgeNumber(l, i, e.end, unit) {
			i = e.end - 1
			continue
		}
		if unit2 == "" || !isTimeUnit(unit2) {
			unit2 = unit
		}
		if b, ok := boundFor(e, unit, unit2, sec); ok {
			return b, true
		}
		i = e.end - 1
	}
	return ageBound{}, false
}

func hasAnyPrefix(s string, ps []string) bool {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// boundFor turns an age expression into the bounds a patient's age must lie
// within. Whole-year limits follow FORMAT.md ("under 18" is at most 17, as an
// age in whole years); limits under a year keep their exact value.
func boundFor(e expr, unit, unit2 string, sec Section) (ageBound, bool) {
	var lo, hi float64
	if e.lo != nil {
		lo = toYears(*e.lo, unit)
	}
	if e.hi != nil {
		u := unit
		if e.hasRange {
			u = unit2 // "6 weeks to 12 months"
		}
		hi = toYears(*e.hi, u)
	}
	if sec == Exclusion {
		// "Age < 18" excludes: the bound is the other side
		switch {
		case e.hasRange:
			return ageBound{}, false
		case e.lo != nil:
			if e.cmp == cmpGE && isWholeYear(lo) {
				lo--
			}
			return ageBound{max: f64(lo)}, true
		default:
			if e.cmp == cmpLE && isWholeYear(hi) {
				hi++
			}
			return ageBound{min: f64(hi)}, true
		}
	}
	var b ageBound
	if e.lo != nil {
		b.min = f64(lo)
	}
	if e.hi != nil {
		if !e.hasRange && e.cmp == cmpLT && isWholeYear(hi) && hi > 0 {
			hi--
		}
		b.max = f64(hi)
	}
	return b, true
}
