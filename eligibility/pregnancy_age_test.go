package eligibility

import (
	"testing"
	"time"

	"equitrial"
)

// Pregnancy exclusions are settled without a question for men and for women of 60
// or more, but asked about for younger women whose record does not say.
func TestPregnancyQuestionOnlyWhereItCanApply(t *testing.T) {
	tr := &equitrial.Trial{NCTID: "NCT00000001", Sex: "ALL",
		EligibilityText: "Exclusion Criteria:\n\n* Pregnant or breastfeeding women\n"}
	c := Compile(Parse(tr))
	asOf := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	age := func(y float64) *float64 { return &y }
	yes := true
	for _, tc := range []struct {
		name string
		p    Profile
		want Status
	}{
		{"woman of 70", Profile{AgeYears: age(70), Sex: "FEMALE"}, Eligible},
		{"man of 30", Profile{AgeYears: age(30), Sex: "MALE"}, Eligible},
		{"woman of 30, not recorded", Profile{AgeYears: age(30), Sex: "FEMALE"}, PotentiallyEligible},
		{"woman of 62 recorded pregnant", Profile{AgeYears: age(62), Sex: "FEMALE", Pregnant: &yes}, Ineligible},
	} {
		res := Evaluate(c, &tc.p, asOf)
		if res.Status != tc.want {
			t.Errorf("%s: %s, want %s (%+v)", tc.name, res.Status, tc.want, res.Questions)
		}
	}
}

// A trial for pregnant people requires pregnancy: a pregnant woman may join, a man
// or a woman recorded as not pregnant may not, and an unrecorded woman is asked.
func TestTrialsForPregnantPeopleRequirePregnancy(t *testing.T) {
	tr := &equitrial.Trial{NCTID: "NCT00000002", Sex: "FEMALE",
		EligibilityText: "Inclusion Criteria:\n\n* Pregnant women\n"}
	c := Compile(Parse(tr))
	asOf := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	age := func(y float64) *float64 { return &y }
	yes, no := true, false
	for _, tc := range []struct {
		name string
		p    Profile
		want Status
	}{
		{"pregnant woman", Profile{AgeYears: age(30), Sex: "FEMALE", Pregnant: &yes}, Eligible},
		{"woman not pregnant", Profile{AgeYears: age(30), Sex: "FEMALE", Pregnant: &no}, Ineligible},
		{"woman, not recorded", Profile{AgeYears: age(30), Sex: "FEMALE"}, PotentiallyEligible},
	} {
		if res := Evaluate(c, &tc.p, asOf); res.Status != tc.want {
			t.Errorf("%s: %s, want %s (%+v)", tc.name, res.Status, tc.want, res.Criteria)
		}
	}
}
