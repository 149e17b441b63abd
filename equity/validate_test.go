package equity

import (
	"errors"
	"slices"
	"testing"

	"equitrial"
)

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var e *equitrial.Error
	if !errors.As(err, &e) || e.Kind != equitrial.KindInvalid {
		t.Fatalf("want an invalid-kind *equitrial.Error, got %v", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestEventValidate(t *testing.T) {
	at := mustTime("2025-06-01T00:00:00Z")
	ok := []Event{
		{Stage: StageEnrolled, At: at, Site: "A", PatientID: "p1"},
		{Stage: StageDeclined, At: at, Site: "A", PatientID: "p1", Reasons: []string{"travel_distance", "distrust_of_research"}},
		{Stage: StageScreenFailed, At: at, Site: "A", Strata: &Strata{IMDQuintile: 2, EthnicGroup: GroupNotStated}, RowKey: "r1",
			Reasons: []string{"mental_health_history"}},
		{Stage: StageEnrolled, At: at, Site: "A", Strata: &Strata{}},
	}
	for i, e := range ok {
		if err := e.Validate(); err != nil {
			t.Errorf("event %d: %v", i, err)
		}
	}
	bad := []struct {
		e      Event
		fields []string
	}{
		{Event{Stage: "recruited", Site: "A", PatientID: "p"}, []string{"stage", "at"}},
		{Event{Stage: StageEnrolled, At: at}, []string{"site", "patientId"}},
		{Event{Stage: StageEnrolled, At: at, Site: "A", PatientID: "p", Strata: &Strata{}}, []string{"strata"}},
		{Event{Stage: StageEnrolled, At: at, Site: "A", PatientID: "p", RowKey: "r"}, []string{"rowKey"}},
		{Event{Stage: StageEnrolled, At: at, Site: "A", PatientID: "p", Reasons: []string{"other"}}, []string{"reasons"}},
		{Event{Stage: StageDeclined, At: at, Site: "A", PatientID: "p", Reasons: []string{"other", "exclusion_met"}}, []string{"reasons[1]"}},
		{Event{Stage: StageEnrolled, At: at, Site: "A", Strata: &Strata{IMDQuintile: 6, EthnicGroup: "white", SMI: "maybe"}},
			[]string{"strata.imdQuintile", "strata.ethnicGroup", "strata.smi"}},
	}
	for i, c := range bad {
		if got := fieldsOf(t, c.e.Validate()); !slices.Equal(got, c.fields) {
			t.Errorf("bad event %d: fields %v, want %v", i, got, c.fields)
		}
	}
}

func TestTargetsValidate(t *testing.T) {
	if err := DefaultTargets().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	good := Targets{Total: 300, EndDate: "2026-03-31", Source: SourceDiversityPlan, Shares: map[string]map[string]float64{
		DimSMI: {SMIYes: 0.02, SMINo: 0.98}, DimAgeBand: {Age18to34: 0.3, Age35to49: 0.3, Age50to64: 0.4}}}
	if err := good.Validate(); err != nil {
		t.Errorf("good targets: %v", err)
	}
	bad := Targets{Total: -1, EndDate: "31/03/2026", Source: "guess", Sources: map[string]string{"religion": SourceCatchment},
		Shares: map[string]map[string]float64{
			DimEthnicGroup: {EthnicWhite: 0.5, EthnicAsian: 0.2},
			DimIMDQuintile: {"0": 1},
			DimSMI:         {SMIYes: 1.5, SMINo: -0.5},
			"religion":     {"x": 1},
		}}
	want := []string{"total", "endDate", "source", "sources.religion", "shares.ethnicGroup", "shares.imdQuintile.0",
		"shares.religion", "shares.smi.no", "shares.smi.yes"}
	if got := fieldsOf(t, bad.Validate()); !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
	if end, ok := good.End(); !ok || end != mustTime("2026-04-01T00:00:00Z") {
		t.Errorf("end %v %v: the end date is inclusive", end, ok)
	}
}

func TestDefaultTargetsAreTheCensusShares(t *testing.T) {
	d := DefaultTargets()
	want := map[string]float64{"White": 0.817, "Asian": 0.093, "Black": 0.04, "Mixed": 0.029, "Other": 0.021}
	for g, w := range want {
		if d.Shares[DimEthnicGroup][g] != w {
			t.Errorf("%s: %v, want %v", g, d.Shares[DimEthnicGroup][g], w)
		}
	}
	if _, ok := d.Shares[DimSMI]; ok {
		t.Error("SMI must have no default")
	}
}

func TestAgeBandAndGroups(t *testing.T) {
	cases := map[int]string{-1: GroupNotKnown, 0: Age0to17, 17: Age0to17, 18: Age18to34, 34: Age18to34, 35: Age35to49,
		49: Age35to49, 50: Age50to64, 64: Age50to64, 65: Age65to74, 74: Age65to74, 75: Age75plus, 103: Age75plus}
	for age, want := range cases {
		if got := AgeBand(age); got != want {
			t.Errorf("AgeBand(%d) = %s, want %s", age, got, want)
		}
	}
	norm := []struct{ dim, raw, want string }{
		{DimEthnicGroup, " black ", EthnicBlack},
		{DimEthnicGroup, "Not stated", GroupNotStated},
		{DimEthnicGroup, "Z", GroupNotStated},
		{DimEthnicGroup, "", GroupNotKnown},
		{DimEthnicGroup, "not_known", GroupNotKnown},
		{DimIMDQuintile, "0", GroupNotKnown},
		{DimIMDQuintile, "3", "3"},
		{DimSMI, "Y", SMIYes},
		{DimSMI, "unknown", GroupNotKnown},
		{DimSex, "F", SexFemale},
		{DimAgeBand, "75+", Age75plus},
	}
	for _, c := range norm {
		if got, ok := NormalizeGroup(c.dim, c.raw); !ok || got != c.want {
			t.Errorf("NormalizeGroup(%s, %q) = %q %v, want %q", c.dim, c.raw, got, ok, c.want)
		}
	}
	if _, ok := NormalizeGroup(DimEthnicGroup, "Martian"); ok {
		t.Error("unknown groups must not be accepted")
	}
	s := Strata{EthnicGroup: GroupNotStated, SMI: "unknown"}
	if s.Group(DimEthnicGroup) != GroupNotStated || s.Group(DimSMI) != GroupNotKnown || s.Group(DimIMDQuintile) != GroupNotKnown {
		t.Errorf("missing values: %s %s %s", s.Group(DimEthnicGroup), s.Group(DimSMI), s.Group(DimIMDQuintile))
	}
}
