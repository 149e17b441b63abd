package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Sentences of summaries and descriptions; %[1]s is the condition (lower case),
// %[2]s the intervention. Real summaries run from one sentence to a page (median
// about 560 characters in ../shared/ctgov), descriptions to several pages.
var (
	purposes = []string{
		"This study tests whether %[2]s improves outcomes for people with %[1]s.",
		"The purpose of this study is to find out whether %[2]s is safe and works better than usual care in adults with %[1]s.",
		"We want to find out if %[2]s can reduce hospital admissions in people living with %[1]s.",
		"This trial compares %[2]s with standard treatment for %[1]s in NHS hospitals and general practices.",
		"This observational study follows people with %[1]s to learn how the condition changes over time and what affects it.",
		"The aim of this research is to understand whether %[2]s is acceptable to, and effective for, groups who are usually under-represented in research on %[1]s.",
	}
	rationale = []string{
		"%[1]s is a common long-term condition in the United Kingdom, and its burden falls most heavily on people living in the most deprived areas.",
		"People from Black, Asian and other minority ethnic groups are under-represented in trials of %[1]s, although they are often at higher risk.",
		"People with serious mental illness die on average 15 to 20 years earlier than the general population, and %[1]s contributes to this gap.",
		"Current NICE guidance for %[1]s is based largely on trials that recruited few older adults or people with several long-term conditions.",
		"Previous studies of %[2]s have shown promising results in selected populations, but its effectiveness in routine NHS care is unknown.",
		"Early results suggest that %[2]s may slow the progression of %[1]s, but the evidence comes from small, short studies.",
	}
	methods = []string{
		"Participants will be randomised in a 1:1 ratio using a web-based system with minimisation by site, sex and baseline severity.",
		"Outcome assessors and the trial statistician will be blind to allocation until the database is locked.",
		"Recruitment will take place in primary care and hospital outpatient clinics, with translated materials and interpreters available.",
		"Follow-up visits will be at 3, 6 and 12 months, in person or by telephone, and travel costs will be reimbursed.",
		"A nested qualitative study will interview participants and staff about acceptability and barriers to taking part.",
		"The primary analysis will be by intention to treat, using a mixed-effects model adjusted for the minimisation factors.",
		"A health economic evaluation will estimate cost per quality-adjusted life year from the perspective of the NHS and personal social services.",
		"Safety data will be reviewed by an independent data monitoring committee every six months.",
		"Blood and urine samples will be stored in a biobank for future research, with separate consent.",
		"Participants will complete questionnaires on symptoms, quality of life (EQ-5D-5L) and use of health services.",
		"Sites will be supported to reach people in the most deprived areas through community outreach and flexible appointment times.",
		"The sample size of %[3]d gives 90% power to detect a clinically important difference at the 5% significance level, allowing for 15% loss to follow-up.",
	}
	qualifiers = []string{"", "", "", "Adults With ", "Older People With ", "People Living With ", "Patients Admitted With ", "Newly Diagnosed "}
	titleForms = []string{
		"%[1]s for %[2]s%[3]s: the %[4]s Study",
		"%[1]s Versus Usual Care in %[2]s%[3]s (%[4]s)",
		"A Trial of %[1]s in %[2]s%[3]s",
		"Effectiveness and Equity of %[1]s for %[2]s%[3]s",
		"%[4]s: %[1]s to Prevent Complications of %[2]s%[3]s",
	}
	// cohortTitles are observational studies' (%[1]s, the intervention, unused).
	cohortTitles = []string{
		"Long-term Outcomes of %[2]s%[3]s: a Cohort Study (%[4]s)%.0[1]s",
		"The %[4]s Registry of %[2]s%[3]s%.0[1]s",
		"Biomarkers and Outcomes in %[2]s%[3]s (%[4]s)%.0[1]s",
	}
	places = []string{"", "", "", " in the UK", " in Primary Care", " in Deprived Communities", " in the NHS", " Across England"}
)

func sentence(r *rand.Rand, pool []string, cond, iv string, n int) string {
	return fmt.Sprintf(pool[r.IntN(len(pool))], cond, iv, n)
}

// studySummary is one to eight sentences.
func studySummary(r *rand.Rand, cond, iv string, n int) string {
	var b strings.Builder
	b.WriteString(sentence(r, purposes, cond, iv, n))
	for range longTail(r, 3, 0, 10) {
		b.WriteString(" ")
		if r.IntN(3) == 0 {
			b.WriteString(sentence(r, rationale, cond, iv, n))
		} else {
			b.WriteString(sentence(r, methods, cond, iv, n))
		}
	}
	return capitalFirst(b.String())
}

// studyDescription is absent for some studies (as in a sixth of real ones), else
// paragraphs to a long-tailed length.
func studyDescription(r *rand.Rand, cond, iv string, n int) string {
	if r.IntN(6) == 0 {
		return ""
	}
	var b strings.Builder
	for k := range spread(r, 1.5, 1, 1, 18) {
		if k > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(capitalFirst(sentence(r, rationale, cond, iv, n)))
		for range 1 + r.IntN(5) {
			b.WriteString(" ")
			b.WriteString(sentence(r, methods, cond, iv, n))
		}
	}
	return b.String()
}

func capitalFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// studyArms gives an interventional study its arms and interventions; an
// observational one its cohorts.
func studyArms(r *rand.Rand, c condition, iv string, observational bool) obj {
	if observational {
		return obj{
			"armGroups": []obj{{"label": fmt.Sprintf("People with %s", strings.ToLower(c.name)),
				"description": "Participants followed up through routine care records and study questionnaires."}},
			"interventions": []obj{{"type": "OTHER", "name": "No intervention", "description": "Observation only.",
				"armGroupLabels": []string{fmt.Sprintf("People with %s", strings.ToLower(c.name))}}},
		}
	}
	ivs := []obj{{"type": interventionType(iv), "name": iv,
		"description":    fmt.Sprintf("%s given as per protocol for the duration of the study, alongside usual care.", iv),
		"armGroupLabels": []string{"Intervention"}}}
	groups := []obj{{"label": "Intervention", "type": "EXPERIMENTAL",
		"description": fmt.Sprintf("Participants receive %s in addition to usual care.", iv), "interventionNames": []string{iv}}}
	if r.IntN(6) == 0 { // a second active arm
		other := c.interventions[r.IntN(len(c.interventions))]
		if other != iv {
			ivs = append(ivs, obj{"type": interventionType(other), "name": other, "armGroupLabels": []string{"Active comparator"}})
			groups = append(groups, obj{"label": "Active comparator", "type": "ACTIVE_COMPARATOR",
				"description": fmt.Sprintf("Participants receive %s.", other), "interventionNames": []string{other}})
		}
	}
	if r.IntN(5) > 0 {
		ivs = append(ivs, obj{"type": "OTHER", "name": "Usual care", "description": "Usual NHS care as directed by the participant's clinical team.", "armGroupLabels": []string{"Control"}})
		groups = append(groups, obj{"label": "Control", "type": []string{"PLACEBO_COMPARATOR", "ACTIVE_COMPARATOR", "NO_INTERVENTION"}[r.IntN(3)],
			"description": "Participants continue usual care.", "interventionNames": []string{"Other: Usual care"}})
	}
	return obj{"interventions": ivs, "armGroups": groups}
}

var secondaryMeasures = []string{"Quality of life (EQ-5D-5L)", "Hospital admissions", "Adverse events", "Adherence to treatment",
	"Cost per QALY", "Participant-reported acceptability", "All-cause mortality", "Emergency department attendances",
	"Time to first exacerbation", "Days alive and out of hospital", "Patient Health Questionnaire (PHQ-9)", "Return to work"}

func studyOutcomes(r *rand.Rand, c condition) obj {
	var primary, secondary []obj
	for k := range 1 + r.IntN(2) {
		primary = append(primary, obj{"measure": fmt.Sprintf("Change in %s severity score (%d)", strings.ToLower(c.name), k+1),
			"description": "Measured with a validated instrument at baseline and follow-up.", "timeFrame": fmt.Sprintf("%d months", 3*(1+r.IntN(8)))})
	}
	for _, k := range r.Perm(len(secondaryMeasures))[:longTail(r, 4, 0, len(secondaryMeasures))] {
		secondary = append(secondary, obj{"measure": secondaryMeasures[k], "timeFrame": fmt.Sprintf("%d months", 6*(1+r.IntN(4)))})
	}
	out := obj{"primaryOutcomes": primary}
	if len(secondary) > 0 {
		out["secondaryOutcomes"] = secondary
	}
	return out
}
