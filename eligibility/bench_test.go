package eligibility

import (
	"testing"
	"time"
)

// BenchmarkParseRealStudies parses every study in shared/ctgov once per iteration
// (decoding excluded) and reports studies per second.
func BenchmarkParseRealStudies(b *testing.B) {
	studies := loadStudies(b, false)
	loadVocabulary()
	loadAnalytes()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range studies {
			_ = Parse(s)
		}
	}
	b.ReportMetric(float64(b.N*len(studies))/b.Elapsed().Seconds(), "studies/s")
}

// BenchmarkEvaluate20000 evaluates one profile against 20,000 compiled trials
// (the real studies, cycled) and reports milliseconds per profile.
func BenchmarkEvaluate20000(b *testing.B) { benchEvaluate20000(b, nil) }

// BenchmarkEvaluate20000Answered is the same with a profile carrying answers,
// which every criterion consults.
func BenchmarkEvaluate20000Answered(b *testing.B) {
	benchEvaluate20000(b, map[string]Answer{"smi": {Value: "no"}, "capacity": {Value: "yes"}, "topic:other-trial": {Value: "no"},
		"diagnosis:I21": {Value: "no"}, "lab:platelets": {Value: "250", Unit: "10^9/L"}, "language:english": {Value: "yes"}})
}

func benchEvaluate20000(b *testing.B, answers map[string]Answer) {
	studies := loadStudies(b, false)
	trials := make([]*Compiled, 20000)
	for i := range trials {
		trials[i] = Compile(Parse(studies[i%len(studies)]))
	}
	p := &Profile{AgeYears: fp(52), Sex: "FEMALE", ICD10: []string{"E11", "I10"},
		Observations: []Observation{{Analyte: "hba1c", Value: 8.1, Unit: "%", Date: time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)},
			{Analyte: "egfr", Value: 65, Unit: "mL/min/1.73m2", Date: time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)}},
		Pregnant: bp(false), Answers: answers}
	var counts [3]int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pp := Prepare(p, asOf)
		for _, t := range trials {
			switch t.Status(pp) {
			case Eligible:
				counts[0]++
			case PotentiallyEligible:
				counts[1]++
			default:
				counts[2]++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N), "ms/profile")
	if counts[0]+counts[1]+counts[2] != b.N*len(trials) {
		b.Fatal("lost results")
	}
}
