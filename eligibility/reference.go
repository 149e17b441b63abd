package eligibility

import "strings"

// Values relative to a reference population ("more than 2 standard deviations
// below the mean for age", "BMI z-score > 2", "weight below the 3rd centile")
// are not values of the analyte: reading "2" as a weight of 2 kg, or a BMI of
// 2, gives verdicts a clinician would never give. This file catches the reference written after the number ("2 SD", "2 standard deviations"),
// between the analyte and the number, or as an ordinal.

var referenceWords = []string{"z score", "z-score", "zscore", "sd score", "standard deviation", "percentile", "centile",
	"sds ", "s.d.", "deviation"}

// relativeToReference reports whether the expression at s[start:end], read for
// an analyte whose name ends at from, is a position in a reference population.
func relativeToReference(s string, from, start, end int) bool {
	if from < start {
		gap := s[from:start]
		for _, w := range referenceWords {
			if strings.Contains(gap, w) {
				return true
			}
		}
	}
	// "95th percentile", "3rd centile": the number is a rank
	rest := s[end:]
	for _, suf := range []string{"th ", "st ", "nd ", "rd "} {
		if strings.HasPrefix(rest, suf) {
			r := strings.TrimLeft(rest[len(suf):], " ")
			return strings.HasPrefix(r, "percentile") || strings.HasPrefix(r, "centile")
		}
	}
	r := strings.TrimLeft(rest, " ")
	for _, w := range []string{"percentile", "centile", "standard deviation", "s.d", "sd", "sds", "z score", "z-score"} {
		if hasWordAt(r, 0, w) || strings.HasPrefix(r, w+"s") {
			return true
		}
	}
	return false
}
