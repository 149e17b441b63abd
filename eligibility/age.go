package eligibility

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

var structuredAge = regexp.MustCompile(`(?i)^\s*([0-9]+(?:\.[0-9]+)?)\s*(year|month|week|day|hour|minute)s?\s*$`)

// ageYears reads a ClinicalTrials.gov age ("18 Years", "6 Months") as whole years,
// rounded down, as FORMAT.md asks.
func ageYears(s string) *float64 {
	m := structuredAge.FindStringSubmatch(s)
	if m == nil {
		return nil
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return nil
	}
	return f64(math.Floor(v*unitYears(strings.ToLower(m[2])) + 1e-9))
}

func unitYears(u string) float64 {
	switch strings.TrimSuffix(u, "s") {
	case "year":
		return 1
	case "month":
		return 1.0 / 12
	case "week":
		return 7.0 / 365.25
	case "day":
		return 1.0 / 365.25
	case "hour":
		return 1.0 / (365.25 * 24)
	case "minute":
		return 1.0 / (365.25 * 24 * 60)
	}
	return 1
}

var ageAnchors = []string{"age", "aged", "old", "older", "younger", "birthday"}

// ageBound is an age limit found in the text, in whole years.
type ageBound struct{ min, max *float64 }

// extractAge reads age limits from one criterion: "Age ≥ 18 years", "aged 40-75",
// "18 years or older", "Age below 18 years" (in exclusion: a lower bound).
// Criteria about a sub-group ("men age ≥ 55", "for children aged under 18
// months") are left alone: they do not bound the whole trial.
func extractAge(lower string, sec Section) (ageBound, bool) {
	l := strings.TrimSpace(lower)
	for _, p := range []string{"men ", "women ", "for ", "if ", "in ", "children ", "male ", "female ", "boys ", "girls ", "patients with ", "when "} {
		if strings.HasPrefix(l, p) && !strings.HasPrefix(l, "men and women") && !strings.HasPrefix(l, "male and female") && !strings.HasPrefix(l, "male or female") && !strings.HasPrefix(l, "female and male") && !strings.HasPrefix(l, "women and men") {
			return ageBound{}, false
		}
	}
	if !containsAny(l, ageAnchors) && !strings.Contains(l, "years") {
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
		unit := e.unit
		after := l[e.end:]
		if !e.unitSeen {
			// "Age ≥ 18", "aged 18-65": the word age just before the number
			before := l[:i]
			bt := strings.TrimRight(before, " :")
			if !(strings.HasSuffix(bt, "age") || strings.HasSuffix(bt, "aged") || strings.HasSuffix(bt, "ages") || strings.HasSuffix(bt, "age between") || strings.HasSuffix(bt, "aged between") || strings.HasSuffix(bt, "age range")) {
				i = e.end - 1
				continue
			}
			unit = "years"
		}
		if !isTimeUnit(unit) {
			i = e.end - 1
			continue
		}
		// the number must be about the person's age, not a duration
		window := l[max(0, i-25):min(len(l), e.end+25)]
		if !containsAny(window, ageAnchors) && !strings.HasPrefix(strings.TrimSpace(after), "and over") {
			i = e.end - 1
			continue
		}
		if strings.Contains(l[max(0, i-30):i], "within") || strings.Contains(l[max(0, i-12):i], "for ") || strings.Contains(l[max(0, i-12):i], "since") || strings.Contains(l[max(0, i-20):i], "diagnos") {
			i = e.end - 1
			continue
		}
		k := unitYears(strings.TrimSuffix(unit, "s"))
		var b ageBound
		lo := func(v float64, strict bool) *float64 {
			y := math.Floor(v*k + 1e-9)
			_ = strict
			return f64(y)
		}
		hi := func(v float64, strict bool) *float64 {
			y := v * k
			if strict && y == math.Floor(y) {
				y--
			}
			return f64(math.Floor(y + 1e-9))
		}
		switch {
		case e.hasRange:
			b = ageBound{lo(*e.lo, false), hi(*e.hi, false)}
		case e.lo != nil:
			b.min = lo(*e.lo, e.cmp == cmpGT)
		case e.hi != nil:
			b.max = hi(*e.hi, e.cmp == cmpLT)
		}
		if sec == Exclusion {
			// "Age < 18" excludes: the bound is the other side
			switch {
			case e.hasRange:
				return ageBound{}, false
			case e.lo != nil:
				y := *e.lo * k
				if e.cmp == cmpGE {
					y--
				}
				b = ageBound{max: f64(math.Floor(y + 1e-9))}
			case e.hi != nil:
				y := *e.hi * k
				if e.cmp == cmpLE {
					y++
				}
				b = ageBound{min: f64(math.Ceil(y - 1e-9))}
			}
		}
		return b, true
	}
	return ageBound{}, false
}
