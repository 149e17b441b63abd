package eligibility

import (
	"math"
	"sort"

	"equitrial"
)

// FactsRecord is the labelled-set shape of shared/eligibility/FORMAT.md.
type FactsRecord struct {
	NCTID              string     `json:"nctId"`
	Age                FactsAge   `json:"age"`
	Sex                string     `json:"sex"`
	HealthyVolunteers  bool       `json:"healthyVolunteers"`
	Labs               []FactsLab `json:"labs"`
	ConditionsRequired []string   `json:"conditionsRequired"`
	ConditionsExcluded []string   `json:"conditionsExcluded"`
	Flags              FactsFlags `json:"flags"`
}

type FactsAge struct {
	Min *int `json:"min"`
	Max *int `json:"max"`
}

type FactsLab struct {
	Kind    Section  `json:"kind"`
	Analyte string   `json:"analyte"`
	Low     *float64 `json:"low"`
	High    *float64 `json:"high"`
	Unit    string   `json:"unit"`
}

type FactsFlags struct {
	ExcludesPregnancy       bool `json:"excludesPregnancy"`
	ExcludesBreastfeeding   bool `json:"excludesBreastfeeding"`
	ExcludesSMI             bool `json:"excludesSMI"`
	ExcludesAnyPsychiatric  bool `json:"excludesAnyPsychiatric"`
	RequiresLanguage        bool `json:"requiresLanguage"`
	RequiresConsentCapacity bool `json:"requiresConsentCapacity"`
}

// generic categories that a more specific diagnosis in the same list makes
// redundant when they are required ("carcinoma" in a lung cancer trial).
var genericCategories = map[string]bool{"C00": true, "B99": true, "E14": true, "I51": true, "K76": true, "N28": true, "F99": true, "J98": true,
	"C77": true, "C78": true, "C79": true} // metastases: a stage of the cancer the trial is about

// Facts parses a trial and summarises it in the FORMAT.md shape.
func Facts(t *equitrial.Trial) FactsRecord {
	return FactsOf(Parse(t))
}

// FactsOf summarises already parsed criteria in the FORMAT.md shape.
func FactsOf(c *Criteria) FactsRecord {
	r := FactsRecord{NCTID: c.NCTID, Sex: c.Sex, HealthyVolunteers: c.HealthyVolunteers,
		Labs: []FactsLab{}, ConditionsRequired: []string{}, ConditionsExcluded: []string{}}
	// FORMAT.md counts whole years, rounded down: "28 Days" is 0, "6 Months" 0
	r.Age.Min, r.Age.Max = wholeYears(c.MinAge), wholeYears(c.MaxAge)
	req, exc := map[string]bool{}, map[string]bool{}
	requiresPregnancy := false
	optional := comparisonCohorts(c.Criteria)
	for _, cr := range c.Criteria {
		for _, l := range cr.Labs {
			r.Labs = append(r.Labs, FactsLab{Kind: cr.Section, Analyte: l.Analyte, Low: l.Low, High: l.High, Unit: l.Unit})
		}
		for _, x := range cr.RequireAny {
			// FORMAT.md: what inclusion requires. A diagnosis an exclusion
			// names in the negative ("retinal disease not due to macular
			// degeneration", "except prostate cancer") narrows that exclusion;
			// the trial does not require it of anyone
			if cr.Section == Exclusion {
				break
			}
			req[x.ICD10] = true
		}
		for _, x := range cr.ExcludeAny {
			exc[x.ICD10] = true
		}
		f := &r.Flags
		f.ExcludesPregnancy = f.ExcludesPregnancy || cr.ExcludesPregnancy
		f.ExcludesBreastfeeding = f.ExcludesBreastfeeding || cr.ExcludesBreastfeeding
		f.ExcludesSMI = f.ExcludesSMI || cr.ExcludesSMI
		f.ExcludesAnyPsychiatric = f.ExcludesAnyPsychiatric || cr.ExcludesPsychiatric
		f.RequiresLanguage = f.RequiresLanguage || cr.RequiresLanguage != ""
		f.RequiresConsentCapacity = f.RequiresConsentCapacity || cr.RequiresCapacity
		requiresPregnancy = requiresPregnancy || cr.RequiresPregnancy
	}
	if requiresPregnancy {
		r.Flags.ExcludesPregnancy = false
	}
	specific := map[byte]bool{}
	for k := range req {
		if !genericCategories[k] {
			specific[k[0]] = true
		}
	}
	for k := range optional {
		delete(req, k)
		delete(exc, k)
	}
	for k := range req {
		if genericCategories[k] && (specific[k[0]] || k == "B99" && len(req) > 1) {
			continue
		}
		r.ConditionsRequired = append(r.ConditionsRequired, k)
	}
	final := map[string]bool{}
	for _, k := range r.ConditionsRequired {
		final[k] = true
	}
	for k := range exc {
		if final[k] {
			continue // what inclusion requires, exclusion mentions for another reason
		}
		r.ConditionsExcluded = append(r.ConditionsExcluded, k)
	}
	sort.Strings(r.ConditionsRequired)
	sort.Strings(r.ConditionsExcluded)
	return r
}

func wholeYears(y *float64) *int {
	if y == nil {
		return nil
	}
	v := int(math.Floor(*y + 1e-9))
	return &v
}
