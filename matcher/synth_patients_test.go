package matcher

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"equitrial"
	"equitrial/ctgov"
	"equitrial/eligibility"
	"equitrial/synth"
)

// testNow is the fixed "today" of matching tests and benchmarks.
var testNow = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// synthConditions are the disease areas of synth.Trials, so that synthetic
// patients have the conditions synthetic trials recruit for.
var synthConditions = []string{"Type 2 Diabetes", "Heart Failure", "Chronic Obstructive Pulmonary Disease",
	"Major Depressive Disorder", "Schizophrenia", "Breast Cancer", "Prostate Cancer", "Hypertension", "Asthma",
	"Chronic Kidney Disease", "Stroke", "Rheumatoid Arthritis", "Obesity", "Sickle Cell Disease", "Dementia",
	"Atrial Fibrillation", "Bipolar Disorder", "Colorectal Cancer", "Long COVID", "Psoriasis"}

// ukPoints are places patients live, spread over England.
var ukPoints = []equitrial.LatLon{{Lat: 51.5072, Lon: -0.1276}, {Lat: 52.4862, Lon: -1.8904}, {Lat: 53.4808, Lon: -2.2426},
	{Lat: 53.8008, Lon: -1.5491}, {Lat: 54.9783, Lon: -1.6178}, {Lat: 51.4545, Lon: -2.5879}, {Lat: 52.6309, Lon: 1.2974},
	{Lat: 50.3755, Lon: -4.1427}, {Lat: 52.9548, Lon: -1.1581}, {Lat: 53.4084, Lon: -2.9916}}

var (
	ethnic    = []struct{ code, group string }{{"A", "White"}, {"A", "White"}, {"A", "White"}, {"A", "White"}, {"H", "Asian"}, {"J", "Asian"}, {"N", "Black"}, {"M", "Black"}, {"D", "Mixed"}, {"S", "Other"}, {"Z", "not_stated"}, {"99", "not_known"}}
	languages = []string{"en", "en", "en", "en", "en", "pl", "ur", "pa", "bn", ""}
)

// synthPatients makes n consented patients from seed: ages 18–95, both sexes, 0–3
// of the synthetic trials' conditions (coded or as text), HbA1c and eGFR for some,
// pregnancy and SMI answers for some, a location token Locate understands, strata
// derived as the store would, and orgs org-0 … org-4.
func synthPatients(n int, seed uint64) []*equitrial.Patient {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]*equitrial.Patient, n)
	codes := map[string]string{}
	for _, c := range synthConditions {
		if l := lookupFirst(c); l != "" {
			codes[c] = l
		}
	}
	for i := range out {
		age := 18 + r.IntN(78)
		birth := testNow.AddDate(-age, -r.IntN(12), -r.IntN(28))
		p := &equitrial.Patient{ID: fmt.Sprintf("p%07d", i), BirthDate: birth.Format(time.DateOnly),
			Consent: equitrial.Consent{Contact: true, Date: "2026-01-01"}, Org: fmt.Sprintf("org-%d", r.IntN(5)),
			Sex: []string{"female", "male", "female", "male", "unknown"}[r.IntN(5)]}
		pt := ukPoints[r.IntN(len(ukPoints))]
		p.Postcode = fmt.Sprintf("@%.4f,%.4f", pt.Lat+r.Float64()*0.4-0.2, pt.Lon+r.Float64()*0.4-0.2)
		for k := r.IntN(4); k > 0; k-- {
			name := synthConditions[r.IntN(len(synthConditions))]
			if code, ok := codes[name]; ok && r.IntN(4) > 0 {
				p.Conditions = append(p.Conditions, equitrial.Condition{System: "icd10", Code: code})
			} else {
				p.Conditions = append(p.Conditions, equitrial.Condition{Text: strings.ToLower(name)})
			}
		}
		if r.IntN(2) == 0 {
			p.Observations = append(p.Observations, equitrial.Observation{Analyte: "hba1c", Value: 5 + r.Float64()*7, Unit: "%", Date: "2026-09-01"})
		}
		if r.IntN(3) == 0 {
			p.Observations = append(p.Observations, equitrial.Observation{Analyte: "egfr", Value: 15 + r.Float64()*90, Unit: "mL/min/1.73m2", Date: "2026-08-01"})
		}
		if p.Sex == "female" && r.IntN(2) == 0 {
			p.Pregnant = boolPtr(r.IntN(20) == 0)
		}
		if r.IntN(3) == 0 {
			p.SMI = boolPtr(r.IntN(15) == 0)
		}
		p.Language = languages[r.IntN(len(languages))]
		if p.Language != "" && p.Language != "en" {
			p.InterpreterNeeded = boolPtr(r.IntN(2) == 0)
		}
		e := ethnic[r.IntN(len(ethnic))]
		p.EthnicCategory = e.code
		smi := "unknown"
		if p.SMI != nil {
			smi = map[bool]string{true: "yes", false: "no"}[*p.SMI]
		}
		p.Strata = &equitrial.Strata{EthnicGroup: equitrial.EthnicGroup(e.group), SMI: smi, Sex: p.Sex,
			IMDQuintile: 1 + r.IntN(5), IMDEdition: "IoD2019", AgeBand: ""}
		out[i] = p
	}
	return out
}

func lookupFirst(name string) string {
	if codes := eligibility.LookupCondition(name); len(codes) > 0 {
		return codes[0].ICD10
	}
	return ""
}

// locateToken reads the "@lat,lon" postcodes of synthPatients.
func locateToken(pc string) (equitrial.LatLon, bool) {
	lat, lon, ok := strings.Cut(strings.TrimPrefix(pc, "@"), ",")
	if !ok || !strings.HasPrefix(pc, "@") {
		return equitrial.LatLon{}, false
	}
	a, err1 := strconv.ParseFloat(lat, 64)
	b, err2 := strconv.ParseFloat(lon, 64)
	return equitrial.LatLon{Lat: a, Lon: b}, err1 == nil && err2 == nil
}

// synthRecruitingTrials decodes synthetic trials until n are recruiting.
func synthRecruitingTrials(tb testing.TB, n int, seed uint64) []*equitrial.Trial {
	tb.Helper()
	var out []*equitrial.Trial
	for batch := uint64(0); len(out) < n; batch++ {
		err := synth.Reader(synth.Trials(n, seed+batch))(func(r ctgov.Record) error {
			if r.Err != nil {
				return r.Err
			}
			if r.Trial.Recruiting() && len(out) < n {
				r.Trial.NCTID = fmt.Sprintf("NCT9%07d", len(out)+1) // unique across batches
				r.Trial.Raw = nil
				out = append(out, r.Trial)
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return out
}
