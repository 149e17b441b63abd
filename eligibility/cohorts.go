package eligibility

import "strings"

// comparisonCohorts returns the diagnoses that inclusion names for one group and
// rules out for another: a case-control or test-accuracy study enrolls "COVID-19
// positive" cases and "COVID-19 negative" controls, so neither having nor lacking
// the diagnosis is required of every patient. Only an inclusion criterion that
// states a negative result and names the group it defines counts ("negative
// patients (control group)", "samples ... selected as negative"), so "HIV
// negative" as one alternative, or "no history of X", does not.
func comparisonCohorts(cs []Criterion) map[string]bool {
	var out map[string]bool
	for _, cr := range cs {
		if cr.Section != Inclusion || len(cr.ExcludeAny) == 0 {
			continue
		}
		lower := strings.ToLower(cr.Text)
		if !containsAny(lower, negativeResultCues) || !containsWordAny(lower, cohortCues) {
			continue
		}
		for _, x := range cr.ExcludeAny {
			if requiredElsewhere(cs, x.ICD10) {
				if out == nil {
					out = map[string]bool{}
				}
				out[x.ICD10] = true
			}
		}
	}
	return out
}

var negativeResultCues = []string{"negative", " -ve"}

// cohortCues name the group a criterion defines.
var cohortCues = []string{"control", "group", "cohort", "arm", "selected as", "comparator"}

func requiredElsewhere(cs []Criterion, code string) bool {
	for _, cr := range cs {
		if cr.Section != Inclusion {
			continue
		}
		for _, x := range cr.RequireAny {
			if x.ICD10 == code {
				return true
			}
		}
	}
	return false
}
