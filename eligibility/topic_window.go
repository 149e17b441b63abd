package eligibility

import (
	"math"
	"strconv"
	"strings"
)

// A shared question covers a fixed period ("in another trial now, or in the
// last 3 months?"), but each trial's criterion names its own ("within 30
// days", "in the past 12 months"). One answer decides a criterion only where
// the periods allow it: "no" (not in the last 3 months) rules out
// participation within any shorter window, and "yes" (in the last 3 months)
// establishes participation within any longer one. Otherwise the answer says
// nothing about the criterion, which then asks its own question. Taking a "yes"
// to 3 months as a "yes" to 30 days would rule out a patient whose last trial
// ended two months ago: the harmful error.

// windowUnknown: the criterion names a period equitrial cannot put in days
// ("5 half-lives"), so no shared answer decides it.
const windowUnknown = -1

// windowNow: the criterion names no period; it is about the present
// ("concurrent participation").
const windowNow = 0

// criterionWindow is the longest period, in days, that a criterion's text
// names (windowNow if none; windowUnknown if one cannot be read).
func criterionWindow(text string) int {
	lt := strings.ToLower(text)
	if strings.Contains(lt, "half-li") || strings.Contains(lt, "half li") {
		return windowUnknown
	}
	longest := windowNow
	f := strings.FieldsFunc(lt, func(r rune) bool { return r == ' ' || r == '(' || r == ')' || r == ',' || r == ';' || r == '-' })
	for i := 1; i < len(f); i++ {
		unit := strings.TrimSuffix(f[i], "s")
		if unit != "day" && unit != "week" && unit != "month" && unit != "year" {
			continue
		}
		n, err := strconv.ParseFloat(f[i-1], 64)
		if err != nil {
			w, ok := wordNumbers[f[i-1]]
			if !ok {
				if f[i-1] == "a" || f[i-1] == "one" || f[i-1] == "last" || f[i-1] == "past" || f[i-1] == "previous" {
					n = 1 // "within a month", "in the past year"
				} else {
					continue
				}
			} else {
				n = w
			}
		}
		longest = max(longest, windowDays(n, unit))
	}
	return longest
}

// windowDays is a period in whole days, converted as ages are (toYears), so that
// the question's "3 months" and a criterion's "3 months" are the same length.
func windowDays(n float64, unit string) int {
	return int(math.Round(toYears(n, unit) * 365.25))
}

// topicDecides turns a yes/no answer to a shared question covering the last
// askedDays (0: only the present) into what it says about a criterion naming a
// window of critDays: t itself where the periods allow, unknown otherwise.
func topicDecides(t tri, askedDays, critDays int) tri {
	if askedDays == 0 || t == triUnknown {
		return t // a question about now, for a criterion about now
	}
	switch {
	case critDays == windowUnknown:
		return triUnknown
	case t == triNo && critDays <= askedDays:
		return triNo
	case t == triYes && critDays >= askedDays:
		return triYes
	}
	return triUnknown
}
