package eligibility

import (
	"math/rand/v2"
	"testing"
)

// Status's fast path (facts_mask.go) must always give Explain's verdict: over
// every real study and many varied profiles (codes present, absent, broad;
// observations; answers of every kind; complete records), the two agree.
func TestStatusAgreesWithExplain(t *testing.T) {
	studies := loadStudies(t, false)
	trials := make([]*Compiled, len(studies))
	for i, s := range studies {
		trials[i] = Compile(Parse(s))
	}
	codes := []string{"E11", "I10", "I21", "I63.9", "I64", "F20", "F32", "C50", "C34", "J45", "N18", "K74", "U07", "B20", "O24", "G40", "Z00"}
	analytes := [][2]string{{"egfr", "mL/min/1.73m2"}, {"hba1c", "%"}, {"platelets", "10^9/L"}, {"creatinine", "mg/dL"}, {"ecog", ""}, {"bmi", "kg/m2"}, {"alt", "U/L"}}
	rng := rand.New(rand.NewPCG(9, 9))
	pick := func(n int) int { return rng.IntN(n) }
	disagree := 0
	for k := 0; k < 400; k++ {
		p := &Profile{AgeYears: fp(float64(1 + pick(90))), ConditionsComplete: pick(5) == 0}
		p.Sex = []string{"FEMALE", "MALE", ""}[pick(3)]
		for j := pick(4); j > 0; j-- {
			p.ICD10 = append(p.ICD10, codes[pick(len(codes))])
		}
		for j := pick(3); j > 0; j-- {
			p.AbsentICD10 = append(p.AbsentICD10, codes[pick(len(codes))])
		}
		for j := pick(3); j > 0; j-- {
			a := analytes[pick(len(analytes))]
			p.Observations = append(p.Observations, Observation{Analyte: a[0], Unit: a[1], Value: float64(pick(300)) / 3, Date: asOf.AddDate(0, 0, -pick(400))})
		}
		yn := func() *bool {
			v := pick(3)
			if v == 2 {
				return nil
			}
			b := v == 1
			return &b
		}
		p.Pregnant, p.SMI, p.Capacity = yn(), yn(), yn()
		if pick(2) == 0 {
			p.Answers = map[string]Answer{}
			tr := trials[pick(len(trials))]
			for j := pick(6); j > 0; j-- {
				switch pick(5) {
				case 0:
					p.Answers["diagnosis:"+codes[pick(len(codes))][:3]] = Answer{Value: []string{"yes", "no"}[pick(2)]}
				case 1:
					p.Answers["diagnosis:I20,I21"] = Answer{Value: "yes"}
				case 2:
					// each shared question on its own: one answered topic must not
					// stand for another (facts_mask.go keeps a bit per topic)
					topic := []string{"topic:other-trial", "topic:smoker"}[pick(2)]
					p.Answers[topic] = Answer{Value: []string{"yes", "no"}[pick(2)]}
				case 3:
					p.Answers[CriterionKey(tr.NCTID, pick(len(tr.Criteria.Criteria)+1))] = Answer{Value: []string{"yes", "no"}[pick(2)]}
				default:
					p.Answers["lab:egfr"] = Answer{Value: "45", Unit: "mL/min/1.73m2"}
				}
			}
		}
		pp := Prepare(p, asOf)
		for _, c := range trials {
			r := c.Explain(pp)
			if n := c.Unknowns(pp); n != countUnknownResults(r) {
				t.Errorf("%s: Unknowns %d, Explain has %d unknown criteria", c.NCTID, n, countUnknownResults(r))
			}
			if fast, full := c.Status(pp), r.Status; fast != full {
				disagree++
				if disagree < 5 {
					t.Errorf("%s: Status %s, Explain %s for %+v", c.NCTID, fast, full, p)
				}
			}
		}
	}
	if disagree > 0 {
		t.Errorf("%d disagreements", disagree)
	}
}

func countUnknownResults(r Result) int {
	n := 0
	for _, c := range r.Criteria {
		if c.Result == Unknown {
			n++
		}
	}
	return n
}
