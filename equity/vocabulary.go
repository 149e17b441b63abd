package equity

import (
	"math"
	"strconv"
	"strings"
)

// The words every view of a dashboard uses — web pages (tables, charts, alerts),
// CSV downloads — defined once here so that a status reads the same wherever it
// appears. They are presentation only: no figure is worked out here.

// StatusWord is how one status is shown: its label (tables, badges, charts, CSV)
// and its badge colour (one of the NHS tag colours: red, orange, green, blue,
// grey).
type StatusWord struct {
	Label string
	Tone  string
}

var statusWords = map[string]StatusWord{
	StatusUnder:        {"Under-represented", "red"},
	StatusAtRisk:       {"At risk", "orange"},
	StatusOnTarget:     {"On target", "green"},
	StatusOver:         {"Over-represented", "blue"},
	StatusInsufficient: {"Not enough data", "grey"},
	StatusTargetNotSet: {"No target set", "grey"},
	StatusSuppressed:   {"Withheld (small numbers)", "grey"},
}

// Statuses lists every status in the order a key to them reads best.
var Statuses = []string{StatusUnder, StatusAtRisk, StatusOnTarget, StatusOver, StatusInsufficient,
	StatusTargetNotSet, StatusSuppressed}

// StatusWordOf gives a status's words; an unknown status reads as itself, grey.
func StatusWordOf(status string) StatusWord {
	if w, ok := statusWords[status]; ok {
		return w
	}
	if status == "" {
		return StatusWord{Label: "No status", Tone: "grey"}
	}
	return StatusWord{Label: sentenceCase(strings.ReplaceAll(status, "_", " ")), Tone: "grey"}
}

// StatusLabel is a status in words: "Under-represented".
func StatusLabel(status string) string { return StatusWordOf(status).Label }

// SuppressedText is how a withheld count reads everywhere: a count of 0–7 in a
// sponsor's view, whichever it is.
const SuppressedText = "fewer than 8"

// DimensionLabel names a dimension: "Deprivation (IMD quintile)".
func DimensionLabel(dim string) string {
	switch dim {
	case DimEthnicGroup:
		return "Ethnic group"
	case DimIMDQuintile:
		return "Deprivation (IMD quintile)"
	case DimSMI:
		return "Serious mental illness"
	case DimSex:
		return "Sex"
	case DimAgeBand:
		return "Age band"
	}
	return sentenceCase(dim)
}

// GroupLabel names a group within its dimension, as a table row: "1 (most
// deprived)", "50-64 years", "Not stated".
func GroupLabel(dim, g string) string {
	switch g {
	case GroupNotStated:
		return "Not stated"
	case GroupNotKnown, "unknown", "":
		return "Not known"
	}
	switch dim {
	case DimIMDQuintile:
		switch g {
		case "1":
			return "1 (most deprived)"
		case "5":
			return "5 (least deprived)"
		}
		return g
	case DimSMI:
		switch g {
		case SMIYes:
			return "Yes"
		case SMINo:
			return "No"
		}
	case DimAgeBand:
		return g + " years"
	}
	return sentenceCase(g)
}

// GroupSubject names a group as the subject of a sentence: "Deprivation quintile
// 3", "The Black ethnic group", "People aged 18-34".
func GroupSubject(dim, g string) string {
	if g == GroupNotStated || g == GroupNotKnown {
		return DimensionLabel(dim) + " " + strings.ToLower(GroupLabel(dim, g))
	}
	switch dim {
	case DimIMDQuintile:
		return "Deprivation quintile " + GroupLabel(dim, g)
	case DimEthnicGroup:
		return "The " + GroupLabel(dim, g) + " ethnic group"
	case DimSMI:
		if g == SMIYes {
			return "The group with serious mental illness"
		}
		return "The group without serious mental illness"
	case DimSex:
		return "The " + strings.ToLower(GroupLabel(dim, g)) + " group"
	case DimAgeBand:
		return "The " + g + " age band"
	}
	return DimensionLabel(dim) + " " + GroupLabel(dim, g)
}

// GroupPeople names the people of a group inside a sentence: "people with serious
// mental illness", "people in deprivation quintile 1 (most deprived)".
func GroupPeople(dim, g string) string {
	switch dim {
	case DimIMDQuintile:
		return "people in deprivation quintile " + GroupLabel(dim, g)
	case DimEthnicGroup:
		return "people in the " + GroupLabel(dim, g) + " ethnic group"
	case DimSMI:
		if g == SMIYes {
			return "people with serious mental illness"
		}
		return "people without serious mental illness"
	case DimSex:
		return strings.ToLower(GroupLabel(dim, g)) + " patients"
	case DimAgeBand:
		return "people aged " + g
	}
	return "people in " + GroupLabel(dim, g) + " (" + DimensionLabel(dim) + ")"
}

// AlertSentence says what an alert is about, in one sentence whose status words are
// the status's label: "Deprivation quintile 3 is under-represented: 12 enrolled
// against 20 expected." enrolled is the group's count as the reader may see it
// (Suppressed when withheld); expected may be NaN (not known to the reader).
func AlertSentence(dim, group, status string, enrolled Count, expected Float) string {
	s := GroupSubject(dim, group) + " " + statusPredicate(status)
	var n string
	if enrolled.IsSuppressed() {
		n = SuppressedText + " enrolled"
	} else {
		n = strconv.Itoa(int(enrolled)) + " enrolled"
	}
	if expected.Defined() {
		return s + ": " + n + " against " + wholeNumber(float64(expected)) + " expected."
	}
	return s + ": " + n + "."
}

// statusPredicate is a status as the end of "<group> …": the status label itself,
// so that an alert and the table beside it use the same words.
func statusPredicate(status string) string {
	label := strings.ToLower(StatusLabel(status))
	switch status {
	case StatusInsufficient:
		return "has " + label + " to judge"
	case StatusTargetNotSet:
		return "has " + label
	case StatusSuppressed:
		return "is " + label
	}
	return "is " + label
}

// wholeNumber rounds an expected count for reading: 19.6 → "20".
func wholeNumber(f float64) string {
	return strconv.FormatFloat(math.Round(f), 'f', 0, 64)
}

// SourceLabel says where a target share comes from, in plain words.
func SourceLabel(src string) string {
	switch src {
	case SourceCatchment:
		return "The population the trial's sites serve (catchment)"
	case SourcePrevalence:
		return "The people who have the condition (prevalence)"
	case SourceDiversityPlan:
		return "The trial's own diversity plan"
	case SourceCensus2021:
		return "The 2021 census of England and Wales"
	case SourceUniformIMD:
		return "A fifth of people in each deprivation quintile (England)"
	case SourceRegional:
		return "A region's population (regional table)"
	case "":
		return "Not said"
	}
	return sentenceCase(strings.ReplaceAll(src, "_", " "))
}

// TargetSources lists the sources a sponsor may choose, in the order a form offers
// them.
func TargetSources() []string { return append([]string(nil), targetSources...) }

func sentenceCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
