package eligibility

import (
	"strings"
	"testing"

	"equitrial"
)

// Honest three-valued evaluation: "ineligible" only on a recorded, confirmed fact
// that violates a criterion read whole. Criteria are invented, in the style of
// real ones.

func compileText(nct, text string) *Compiled {
	return Compile(Parse(&equitrial.Trial{NCTID: nct, EligibilityText: text, MinimumAge: "18 Years"}))
}

func outcomeOfCriterion(t *testing.T, c *Compiled, p *Profile, prefix string) CriterionResult {
	t.Helper()
	r := Evaluate(c, p, asOf)
	got := find(r, prefix)
	if got.Text == "" {
		t.Fatalf("no criterion starting %q in %+v", prefix, r.Criteria)
	}
	return got
}

func TestMissingDiagnosisIsAQuestion(t *testing.T) {
	c := compileText("NCT90000001", "Inclusion Criteria:\n- Documented type 2 diabetes\nExclusion Criteria:\n- History of epilepsy")
	p := &Profile{AgeYears: fp(50), ICD10: []string{"I10"}}
	got := outcomeOfCriterion(t, c, p, "Documented type 2 diabetes")
	if got.Result != Unknown || got.Ask == nil || got.Ask.Key != "diagnosis:E11" {
		t.Fatalf("missing diagnosis: %s %+v", got.Result, got.Ask)
	}
	if !strings.Contains(got.Ask.Clinical, "diagnosed with") || strings.Contains(got.Ask.Patient, "E11") {
		t.Errorf("wording: clinical %q patient %q", got.Ask.Clinical, got.Ask.Patient)
	}
	// the record is a complete problem list: not recorded means absent
	p.ConditionsComplete = true
	if got := outcomeOfCriterion(t, c, p, "Documented type 2 diabetes"); got.Result != NotMet {
		t.Errorf("complete record: %s (%s)", got.Result, got.Reason)
	}
	// answered no, then yes
	p.ConditionsComplete = false
	p.Answers = map[string]Answer{"diagnosis:E11": {Value: "no"}}
	if got := outcomeOfCriterion(t, c, p, "Documented type 2 diabetes"); got.Result != NotMet {
		t.Errorf("answered no: %s", got.Result)
	}
	p.Answers = map[string]Answer{"diagnosis:E11": {Value: "yes"}}
	if got := outcomeOfCriterion(t, c, p, "Documented type 2 diabetes"); got.Result != Met {
		t.Errorf("answered yes: %s", got.Result)
	}
	// an exclusion not recorded is met, and listed for the nurse to confirm
	r := Evaluate(c, p, asOf)
	if r.RestsOn == nil || len(r.RestsOn.Confirm) != 1 || !strings.HasPrefix(r.RestsOn.Confirm[0], "History of epilepsy") {
		t.Errorf("rests on %+v", r.RestsOn)
	}
	// recorded absent: nothing to confirm
	p.AbsentICD10 = []string{"G40.9"}
	if r := Evaluate(c, p, asOf); r.Status != Eligible || len(r.RestsOn.Confirm) != 0 {
		t.Errorf("absent epilepsy: %s %+v", r.Status, r.RestsOn)
	}
}

func TestCodesCompareThroughTheHierarchy(t *testing.T) {
	c := compileText("NCT90000002", "Inclusion Criteria:\n- Stroke confirmed by imaging\nExclusion Criteria:\n- Cerebral infarction")
	// I63.9 satisfies "stroke", whatever category the vocabulary chose for it
	got := outcomeOfCriterion(t, c, &Profile{AgeYears: fp(70), ICD10: []string{"I63.9"}}, "Stroke")
	if got.Result != Met {
		t.Errorf("I63.9 vs stroke: %s (%s)", got.Result, got.Reason)
	}
	// an unspecified stroke may or may not be an infarction: ask
	got = outcomeOfCriterion(t, c, &Profile{AgeYears: fp(70), ICD10: []string{"I64"}}, "Cerebral infarction")
	if got.Result != Unknown {
		t.Errorf("I64 vs cerebral infarction: %s (%s)", got.Result, got.Reason)
	}
	// a specific disease within a broad exclusion is for a person to judge
	c = compileText("NCT90000003", "Exclusion Criteria:\n- Liver disease")
	got = outcomeOfCriterion(t, c, &Profile{AgeYears: fp(60), ICD10: []string{"K74.6"}}, "Liver disease")
	if got.Result == NotMet && !strings.Contains(got.Reason, "K74") {
		t.Errorf("cirrhosis vs liver disease: %s (%s)", got.Result, got.Reason)
	}
}

func TestQualifiersNarrowNeverWiden(t *testing.T) {
	cases := []struct {
		text     string
		codes    []string
		want     Outcome
		nothing  Outcome // the same criterion for a patient without the code
		criteria string
	}{
		{"Exclusion Criteria:\n- Uncontrolled hypertension", []string{"I10"}, Unknown, Met, "Uncontrolled"},
		{"Exclusion Criteria:\n- Myocardial infarction within the past 6 months", []string{"I21.4"}, Unknown, Met, "Myocardial"},
		{"Exclusion Criteria:\n- Diabetes treated with a glitazone", []string{"E11.9"}, Unknown, Met, "Diabetes"},
		{"Exclusion Criteria:\n- Active hepatitis B infection", []string{"B18.1"}, Unknown, Met, "Active"},
		{"Exclusion Criteria:\n- Severe asthma", []string{"J45.9"}, Unknown, Met, "Severe"},
		// plain: a recorded diagnosis excludes
		{"Exclusion Criteria:\n- History of epilepsy", []string{"G40.9"}, NotMet, Met, "History"},
	}
	for _, tc := range cases {
		c := compileText("NCT90000004", tc.text)
		if got := outcomeOfCriterion(t, c, &Profile{AgeYears: fp(50), ICD10: tc.codes}, tc.criteria); got.Result != tc.want {
			t.Errorf("%q with %v: %s (%s)", tc.text, tc.codes, got.Result, got.Reason)
		}
		if got := outcomeOfCriterion(t, c, &Profile{AgeYears: fp(50), ICD10: []string{"Z00"}}, tc.criteria); got.Result != tc.nothing {
			t.Errorf("%q without: %s (%s)", tc.text, got.Result, got.Reason)
		}
	}
}

func TestUncompiledNumbersAreNotJudged(t *testing.T) {
	// the criterion names a second threshold the parser did not compile: it
	// cannot be judged on the creatinine alone
	c := compileText("NCT90000005", "Exclusion Criteria:\n- Serum creatinine > 2 mg/dL or urine protein excretion above 3.5 g per 24 h")
	p := &Profile{AgeYears: fp(50), Observations: []Observation{{Analyte: "creatinine", Value: 3, Unit: "mg/dL", Date: day("2026-10-01")}}}
	if got := outcomeOfCriterion(t, c, p, "Serum creatinine"); got.Result == NotMet {
		t.Errorf("opaque criterion judged: %s (%s)", got.Result, got.Reason)
	}
}

func TestAnswersMakeEligible(t *testing.T) {
	c := compileText("NCT90000006", "Inclusion Criteria:\n- Heart failure\n- eGFR of 30 mL/min/1.73m2 or more\n- Able to attend weekly visits for the study\nExclusion Criteria:\n- Participation in another interventional clinical trial\n- Pregnancy")
	p := &Profile{AgeYears: fp(66), Sex: "MALE"}
	r := Evaluate(c, p, asOf)
	if r.Status != PotentiallyEligible {
		t.Fatalf("status %s", r.Status)
	}
	keys := map[string]Question{}
	for _, q := range r.Asks {
		keys[q.Key] = q
	}
	for _, k := range []string{"diagnosis:I50", "lab:egfr", "topic:other-trial", CriterionKey("NCT90000006", 2)} {
		if _, ok := keys[k]; !ok {
			t.Errorf("no question %s in %+v", k, r.Asks)
		}
	}
	if q := keys["lab:egfr"]; !strings.Contains(q.Clinical, "eGFR") || !strings.Contains(q.Clinical, "mL/min") {
		t.Errorf("lab question %q", q.Clinical)
	}
	p.Answers = map[string]Answer{
		"diagnosis:I50": {Value: "yes"}, "lab:egfr": {Value: "45", Unit: "mL/min/1.73m2", Date: day("2026-10-20")},
		"topic:other-trial": {Value: "no"}, CriterionKey("NCT90000006", 2): {Value: "yes"},
	}
	r = Evaluate(c, p, asOf)
	if r.Status != Eligible || len(r.Asks) != 0 {
		t.Fatalf("all answered: %s, asks %+v", r.Status, r.Asks)
	}
	if EvaluateSummary(c, p, asOf) != Eligible {
		t.Error("Status disagrees with Explain")
	}
	// the same answer serves another trial asking about another trial
	other := compileText("NCT90000007", "Exclusion Criteria:\n- Currently enrolled in another clinical trial")
	if got := outcomeOfCriterion(t, other, p, "Currently enrolled"); got.Result != Met {
		t.Errorf("shared answer: %s (%s)", got.Result, got.Reason)
	}
	// "yes" (now or in the last 3 months) does not say "now": that criterion
	// asks its own question rather than rule the patient out
	p.Answers["topic:other-trial"] = Answer{Value: "yes"}
	if got := outcomeOfCriterion(t, other, p, "Currently enrolled"); got.Result != Unknown || got.Ask == nil || got.Ask.Key != CriterionKey("NCT90000007", 0) {
		t.Errorf("yes to the last 3 months, criterion about now: %s %+v", got.Result, got.Ask)
	}
	p.Answers["topic:other-trial"] = Answer{Value: "no"}
	// a low eGFR answered breaks the criterion
	p.Answers["lab:egfr"] = Answer{Value: "22", Unit: "mL/min/1.73m2"}
	if r := Evaluate(c, p, asOf); r.Status != Ineligible {
		t.Errorf("eGFR 22: %s", r.Status)
	}
}

func TestStrictComparatorsEvaluate(t *testing.T) {
	c := compileText("NCT90000008", "Exclusion Criteria:\n- eGFR < 30 mL/min/1.73m2")
	at := func(v float64) Outcome {
		p := &Profile{AgeYears: fp(50), Observations: []Observation{{Analyte: "egfr", Value: v, Unit: "mL/min/1.73m2", Date: day("2026-10-01")}}}
		return outcomeOfCriterion(t, c, p, "eGFR").Result
	}
	if at(30) != Met || at(29.9) != NotMet {
		t.Errorf("eGFR < 30: at 30 %s, at 29.9 %s", at(30), at(29.9))
	}
}

func TestAgesBelowOneYearInDays(t *testing.T) {
	c := Compile(Parse(&equitrial.Trial{NCTID: "NCT90000009", MinimumAge: "28 Days", MaximumAge: "12 Months",
		EligibilityText: "Inclusion Criteria:\n- Infants with bronchiolitis"}))
	born := func(days int) *Profile {
		return &Profile{BirthDate: asOf.AddDate(0, 0, -days)}
	}
	got := func(days int) Outcome { return outcomeOfCriterion(t, c, born(days), "Age").Result }
	// "12 Months" equals one year: a maximum is read inclusively of its last
	// unit, and the unit cannot be told from the value, so the patient is given
	// the wider reading (up to 2 years less a day), never the narrower
	if got(10) != NotMet || got(27) != NotMet || got(28) != Met || got(200) != Met || got(380) != Met || got(800) != NotMet {
		t.Errorf("28 days–12 months: 10d %s, 27d %s, 28d %s, 200d %s, 380d %s, 800d %s", got(10), got(27), got(28), got(200), got(380), got(800))
	}
}

func TestCheckAnswer(t *testing.T) {
	good := [][2]string{{"lab:egfr", "45"}, {"diagnosis:I21,I22", "no"}, {"smi", "Yes"}, {"criterion:NCT01234567:3", "no"}, {"age", "54"}, {"sex", "female"}, {"topic:other-trial", "no"}}
	for _, g := range good {
		if msg := CheckAnswer(g[0], g[1]); msg != "" {
			t.Errorf("%v: %s", g, msg)
		}
	}
	bad := [][2]string{{"lab:egfr", "high"}, {"lab:nonsense", "4"}, {"diagnosis:", "no"}, {"smi", "maybe"}, {"criterion:x:1", "no"}, {"age", "-3"}, {"favourite", "yes"}}
	for _, b := range bad {
		if CheckAnswer(b[0], b[1]) == "" {
			t.Errorf("%v accepted", b)
		}
	}
	if PatientMayAnswer("lab:egfr") || PatientMayAnswer("criterion:NCT01234567:3") || !PatientMayAnswer("pregnant") {
		t.Error("PatientMayAnswer")
	}
}

// An exclusion is read in the context of the trial: a breast cancer trial's
// "any other malignancy" does not ask its own patients about their cancer, and
// a schizophrenia trial's history clause does not shut out people with
// schizophrenia.
func TestExclusionsReadInTheTrialsContext(t *testing.T) {
	c := compileText("NCT90000011", "Inclusion Criteria:\n- Histologically confirmed breast cancer\nExclusion Criteria:\n- Any other malignancy")
	got := outcomeOfCriterion(t, c, &Profile{AgeYears: fp(55), Sex: "FEMALE", ICD10: []string{"C50.9"}}, "Any other malignancy")
	if got.Result != Met {
		t.Errorf("own cancer vs other malignancy: %s (%s)", got.Result, got.Reason)
	}
	got = outcomeOfCriterion(t, c, &Profile{AgeYears: fp(55), Sex: "FEMALE", ICD10: []string{"C50.9", "C18.7"}}, "Any other malignancy")
	if got.Result == Met {
		t.Errorf("a second cancer vs other malignancy: %s (%s)", got.Result, got.Reason)
	}
	c = compileText("NCT90000012", "Inclusion Criteria:\n- Diagnosis of schizophrenia\nExclusion Criteria:\n- History of treatment-resistant schizophrenia requiring clozapine")
	r := Evaluate(c, &Profile{AgeYears: fp(35), ICD10: []string{"F20.0"}, SMI: bp(true)}, asOf)
	if r.Status == Ineligible {
		t.Errorf("schizophrenia trial rules out schizophrenia: %+v", r.Criteria)
	}
}

// TestSharedAnswerPeriods: one answer to "in another trial now or in the last 3
// months?" decides a criterion only where the periods allow; otherwise the
// criterion asks its own question. Invented criteria.
func TestSharedAnswerPeriods(t *testing.T) {
	tests := []struct {
		criterion string
		yes, no   Outcome // the criterion's outcome for each answer
	}{
		{"Participation in another interventional study within 30 days before screening", Unknown, Met},
		{"Participation in another clinical trial in the past 12 months", NotMet, Unknown},
		{"Received an investigational product in another clinical trial within 3 months", NotMet, Met},
		{"Participation in another clinical trial within 30 days or 5 half-lives, whichever is longer", Unknown, Unknown},
		{"Concurrent participation in another interventional trial", Unknown, Met},
	}
	for i, tc := range tests {
		c := compileText("NCT9000010"+string(rune('0'+i)), "Exclusion Criteria:\n- "+tc.criterion)
		for _, a := range []struct {
			value string
			want  Outcome
		}{{"yes", tc.yes}, {"no", tc.no}} {
			p := &Profile{AgeYears: fp(40), Answers: map[string]Answer{"topic:other-trial": {Value: a.value}}}
			got := outcomeOfCriterion(t, c, p, tc.criterion[:20])
			if got.Result != a.want {
				t.Errorf("%q answered %s: %s, want %s (%s)", tc.criterion, a.value, got.Result, a.want, got.Reason)
			}
			if got.Result == Unknown && (got.Ask == nil || got.Ask.Key == "topic:other-trial") {
				t.Errorf("%q answered %s: asks %+v, want the criterion's own question", tc.criterion, a.value, got.Ask)
			}
			if s := EvaluateSummary(c, p, asOf); (got.Result == NotMet) != (s == Ineligible) {
				t.Errorf("%q answered %s: Status %s disagrees with Explain", tc.criterion, a.value, s)
			}
		}
	}
}
