package equity

import (
	"strings"
	"testing"
)

// Alerts read as sentences, with the status label the table shows.
func TestAlertSentence(t *testing.T) {
	for _, tc := range []struct {
		dim, group, status string
		enrolled           Count
		expected           Float
		want               string
	}{
		{DimIMDQuintile, "3", StatusUnder, 12, 19.6, "Deprivation quintile 3 is under-represented: 12 enrolled against 20 expected."},
		{DimEthnicGroup, EthnicBlack, StatusAtRisk, Suppressed, 10, "The Black ethnic group is at risk: fewer than 8 enrolled against 10 expected."},
		{DimSMI, SMIYes, StatusUnder, 10, NaN, "The group with serious mental illness is under-represented: 10 enrolled."},
		{DimAgeBand, Age18to34, StatusSuppressed, Suppressed, NaN, "The 18-34 age band is withheld (small numbers): fewer than 8 enrolled."},
	} {
		if got := AlertSentence(tc.dim, tc.group, tc.status, tc.enrolled, tc.expected); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

// Every status has its own label and a tag tone; every label appears, lower-cased,
// in the sentence an alert of that status reads as.
func TestStatusVocabulary(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Statuses {
		w := StatusWordOf(s)
		if w.Label == "" || seen[w.Label] {
			t.Errorf("%s: label %q empty or shared", s, w.Label)
		}
		seen[w.Label] = true
		switch w.Tone {
		case "red", "orange", "green", "blue", "grey":
		default:
			t.Errorf("%s: tone %q", s, w.Tone)
		}
		if !strings.Contains(AlertSentence(DimSex, SexFemale, s, 10, 12), strings.ToLower(w.Label)) {
			t.Errorf("%s: the alert sentence does not use the label %q", s, w.Label)
		}
	}
	for _, src := range TargetSources() {
		if l := SourceLabel(src); l == "" || strings.Contains(l, "_") {
			t.Errorf("source %s reads %q", src, l)
		}
	}
}
