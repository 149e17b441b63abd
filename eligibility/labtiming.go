package eligibility

import "strings"

// Which observation a threshold speaks of. "Initial haemoglobin < 7 g/dL",
// "platelets at presentation < 50", "creatinine on admission > 2 mg/dL" ask for
// the first value of the episode; a patient whose latest value has recovered
// still qualifies. Baseline and screening values are the usual current value.

// firstValueCues, found between the start of the clause (at most a few words
// before the analyte) and the number, mark the first value.
var firstValueCues = []string{"initial", "at presentation", "on presentation", "upon presentation", "admission", "on arrival",
	"at arrival", "first recorded", "first measured", "first available", "presenting"}

// labTiming returns "first" when the words around an analyte (s[from:to], the
// analyte name to its number, and a few words before it) ask for the first value.
func labTiming(s string, nameStart, to int) string {
	from := max(0, nameStart-25)
	if k := strings.LastIndexAny(s[from:nameStart], ";,.(\n"); k >= 0 {
		from += k + 1
	}
	w := s[from:min(max(to, nameStart), len(s))] // a number before the name ("> 3 x ULN SGOT") ends at the name
	for _, c := range firstValueCues {
		if strings.Contains(w, c) {
			return "first"
		}
	}
	return ""
}
