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

// reconcileTrial reads the exclusion criteria of one trial against what its
// inclusion criteria require, so that no exclusion rules out the very people
// the trial is for:
//   - an exclusion never excludes a diagnosis inclusion requires: "history of
//     treatment-resistant depression" in a depression trial is about a subgroup
//     (a nurse reads it), so the code is dropped from ExcludeAny, others kept;
//     the SMI and broad psychiatric flags follow their codes;
//   - a trial for pregnant people does not exclude pregnancy ("multiple
//     pregnancy" in exclusion names a kind of pregnancy, not pregnancy).
//
// It changes cs in place and needs every criterion of the trial, so it runs
// once per trial after each criterion has been read on its own.
func reconcileTrial(cs []Criterion) {
	required := trialRequires(cs)
	pregnant := false
	for _, c := range cs {
		pregnant = pregnant || c.RequiresPregnancy
	}
	for i := range cs {
		c := &cs[i]
		changed := false
		if pregnant && c.ExcludesPregnancy {
			c.ExcludesPregnancy, changed = false, true
		}
		if c.Section == Exclusion && len(required) > 0 && len(c.ExcludeAny) > 0 {
			var kept []Code
			droppedPsych := false
			for _, x := range c.ExcludeAny {
				if required[x.ICD10] {
					droppedPsych = droppedPsych || x.ICD10 == "F99"
					continue
				}
				kept = append(kept, x)
			}
			if len(kept) < len(c.ExcludeAny) {
				c.ExcludeAny, changed = kept, true
				c.ExcludesSMI = c.ExcludesSMI && anySMI(kept) // the SMI flag comes only from coded exclusions
				if droppedPsych {
					c.ExcludesPsychiatric = false
				}
			}
		}
		if changed {
			c.Type, c.Confidence = classify(c)
		}
	}
}

// trialRequires returns the diagnoses the trial's inclusion criteria require,
// leaving out a generic category ("carcinoma", C00) where a specific one of the
// same chapter is required ("lung cancer"): "another malignancy" in exclusion
// still excludes.
func trialRequires(cs []Criterion) map[string]bool {
	var out map[string]bool
	specific := map[byte]bool{}
	for _, c := range cs {
		if c.Section != Inclusion {
			continue
		}
		for _, x := range c.RequireAny {
			if out == nil {
				out = map[string]bool{}
			}
			out[x.ICD10] = true
			if !genericCategories[x.ICD10] && x.ICD10 != "" {
				specific[x.ICD10[0]] = true
			}
		}
	}
	for k := range out {
		if genericCategories[k] && specific[k[0]] {
			delete(out, k)
		}
	}
	return out
}

func anySMI(cs []Code) bool {
	for _, x := range cs {
		if smiCategories[x.ICD10] {
			return true
		}
	}
	return false
}
