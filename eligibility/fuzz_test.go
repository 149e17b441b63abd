package eligibility

import (
	"strings"
	"testing"

	"equitrial"
)

// FuzzParse: no input may panic or hang the parser. Inputs are capped at 1 MB,
// the largest eligibility text the service accepts.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		sampleText,
		"Inclusion Criteria:\n- Age ≥ 18\n- HbA1c 7.0–10.5%\nExclusion Criteria:\n- eGFR < 30 mL/min/1.73m²",
		"Key inclusion criteria\n1. AST ≤ 2.5 × ULN\n   a) between 1,500 and",
		"< > = >= <= x ULN 10^9/L,,,;;;::: (((",
		"No history of schizophrenia, other than\n\n\n* * * - - 1. 2) (iii)",
		strings.Repeat("Platelets >= 100,000/mm3 or ", 50),
		"\\<\\>\\[ ≥≤×µ² \u2028 ️",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1<<20 {
			s = s[:1<<20]
		}
		c := Parse(&equitrial.Trial{NCTID: "NCT00000000", EligibilityText: s, MinimumAge: "18 Years"})
		_ = FactsOf(c)
		k := Compile(c)
		_ = Evaluate(k, &Profile{AgeYears: fp(40)}, asOf)
	})
}

// TestParseLargeInput keeps a 1 MB text within reach of the fuzz bound.
func TestParseLargeInput(t *testing.T) {
	s := strings.Repeat("Exclusion Criteria:\n- eGFR < 30 or AST > 3 x ULN, no history of schizophrenia; HbA1c between 7 and 10%\n", 1<<20/100)
	c := ParseText(s)
	if len(c) == 0 {
		t.Fatal("no criteria from a large text")
	}
	// one 1 MB line, no sentence breaks, a condition every few words: cue scopes
	// must stay bounded or this is quadratic
	line := "Inclusion Criteria: " + strings.Repeat("no HIV, asthma or ALT > 3 x ULN and ", 1<<20/37)
	if c := ParseText(line); len(c) == 0 {
		t.Fatal("no criteria from a long line")
	}
}
