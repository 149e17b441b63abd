package synth

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Studies makes n synthetic ClinicalTrials.gov API v2 study records from seed, with
// the length and structure of real ones (as in ../shared/ctgov: a median of about
// 5 KB, a long tail; a detailed description, arms, outcomes, longer eligibility
// criteria, one site for most studies and dozens for some), for import benchmarks.
// Record i is the same for a given seed whatever n is, so a corpus of 10,000 is the
// first 10,000 of a corpus of 100,000. NCT ids start NCT99 as in Trials.
func Studies(n int, seed uint64) []json.RawMessage {
	out := make([]json.RawMessage, 0, n)
	for i := range n {
		out = append(out, Study(i, seed))
	}
	return out
}

// Study makes record i of the corpus Studies makes from seed.
func Study(i int, seed uint64) json.RawMessage {
	r := rand.New(rand.NewPCG(seed^uint64(i)*0x9e3779b97f4a7c15, uint64(i)))
	t := trial(r, i)
	p := t["protocolSection"].(obj)
	c := conditions[r.IntN(len(conditions))]
	for _, cc := range conditions {
		if cc.name == p["conditionsModule"].(obj)["conditions"].([]string)[0] {
			c = cc
		}
	}
	desc := p["descriptionModule"].(obj)
	desc["detailedDescription"] = paragraphs(r, c, 1+r.IntN(4))
	elig := p["eligibilityModule"].(obj)
	elig["eligibilityCriteria"] = elig["eligibilityCriteria"].(string) + moreCriteria(r, c)
	elig["stdAges"] = []string{"ADULT", "OLDER_ADULT"}
	p["armsInterventionsModule"] = arms(r, p["armsInterventionsModule"].(obj))
	p["outcomesModule"] = outcomes(r, c)
	p["oversightModule"] = obj{"oversightHasDmc": r.IntN(2) == 0, "isFdaRegulatedDrug": false, "isFdaRegulatedDevice": false}
	p["ipdSharingStatementModule"] = obj{"ipdSharing": []string{"NO", "UNDECIDED", "YES"}[r.IntN(3)]}
	// Most studies have one site; some have many (real records: median 1, mean 14).
	if r.IntN(5) == 0 {
		locs := p["contactsLocationsModule"].(obj)["locations"].([]obj)
		status := p["statusModule"].(obj)["overallStatus"].(string)
		for range r.IntN(40) {
			locs = append(locs, locations(r, status)[0])
		}
		p["contactsLocationsModule"].(obj)["locations"] = locs
	} else {
		locs := p["contactsLocationsModule"].(obj)["locations"].([]obj)
		p["contactsLocationsModule"].(obj)["locations"] = locs[:1]
	}
	p["statusModule"].(obj)["statusVerifiedDate"] = "2026-01"
	p["statusModule"].(obj)["studyFirstSubmitDate"] = fmt.Sprintf("20%02d-%02d-%02d", 18+r.IntN(8), 1+r.IntN(12), 1+r.IntN(28))
	raw, err := json.Marshal(t)
	if err != nil {
		panic(err) // only maps, slices, strings, numbers and bools
	}
	return raw
}

var (
	rationale = []string{
		"%s is a common long-term condition in the United Kingdom, and its burden falls most heavily on people living in the most deprived areas.",
		"People from Black, Asian and other minority ethnic groups are under-represented in trials of %s, although they are often at higher risk.",
		"People with serious mental illness die on average 15 to 20 years earlier than the general population, and %s contributes to this gap.",
		"Current NICE guidance for %s is based largely on trials that recruited few older adults or people with several long-term conditions.",
		"Previous studies in %s have shown promising results in selected populations, but their effectiveness in routine NHS care is unknown.",
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
	}
	extraInclusion = []string{
		"Registered with a general practice in England",
		"Willing and able to comply with scheduled visits, treatment plan and laboratory tests",
		"Women of childbearing potential must agree to use highly effective contraception for the duration of the study",
		"Stable dose of current medication for at least 4 weeks before screening",
		"Access to a telephone for follow-up contact",
	}
	extraExclusion = []string{
		"Known hypersensitivity to the study drug or any of its excipients",
		"Severe hepatic impairment (Child-Pugh class C)",
		"Current alcohol or substance misuse that, in the opinion of the investigator, would affect participation",
		"Life expectancy of less than 12 months",
		"Myocardial infarction, unstable angina or stroke within the previous 3 months",
		"Lacks capacity to give informed consent",
		"Currently taking part in another clinical trial of an investigational medicinal product",
	}
)

func paragraphs(r *rand.Rand, c condition, n int) string {
	var b strings.Builder
	for k := range n {
		if k > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(fmt.Sprintf(rationale[r.IntN(len(rationale))], c.name))
		for range 2 + r.IntN(5) {
			b.WriteString(" ")
			b.WriteString(methods[r.IntN(len(methods))])
		}
	}
	return b.String()
}

func moreCriteria(r *rand.Rand, c condition) string {
	var b strings.Builder
	b.WriteString("\nAdditional Inclusion Criteria:\n\n")
	for _, k := range r.Perm(len(extraInclusion))[:1+r.IntN(len(extraInclusion))] {
		b.WriteString("* " + extraInclusion[k] + "\n")
	}
	b.WriteString("\nAdditional Exclusion Criteria:\n\n")
	for _, k := range r.Perm(len(extraExclusion))[:1+r.IntN(len(extraExclusion))] {
		b.WriteString("* " + extraExclusion[k] + "\n")
	}
	return b.String()
}

func arms(r *rand.Rand, m obj) obj {
	ivs := m["interventions"].([]obj)
	name := ivs[0]["name"].(string)
	ivs[0]["description"] = fmt.Sprintf("%s given as per protocol for the duration of the study, alongside usual care.", name)
	ivs[0]["armGroupLabels"] = []string{"Intervention"}
	ivs = append(ivs, obj{"type": "OTHER", "name": "Usual care", "description": "Usual NHS care as directed by the participant's clinical team.", "armGroupLabels": []string{"Control"}})
	m["interventions"] = ivs
	m["armGroups"] = []obj{
		{"label": "Intervention", "type": "EXPERIMENTAL", "description": fmt.Sprintf("Participants receive %s in addition to usual care.", name), "interventionNames": []string{name}},
		{"label": "Control", "type": []string{"PLACEBO_COMPARATOR", "ACTIVE_COMPARATOR", "NO_INTERVENTION"}[r.IntN(3)], "description": "Participants continue usual care.", "interventionNames": []string{"Other: Usual care"}},
	}
	return m
}

func outcomes(r *rand.Rand, c condition) obj {
	var primary, secondary []obj
	for k := range 1 + r.IntN(2) {
		primary = append(primary, obj{"measure": fmt.Sprintf("Change in %s severity score (%d)", strings.ToLower(c.name), k+1),
			"description": "Measured with a validated instrument at baseline and follow-up.", "timeFrame": fmt.Sprintf("%d months", 3*(1+r.IntN(8)))})
	}
	for k := range 2 + r.IntN(6) {
		secondary = append(secondary, obj{"measure": []string{"Quality of life (EQ-5D-5L)", "Hospital admissions", "Adverse events", "Adherence to treatment", "Cost per QALY", "Participant-reported acceptability", "All-cause mortality"}[k%7],
			"timeFrame": fmt.Sprintf("%d months", 6*(1+r.IntN(4)))})
	}
	return obj{"primaryOutcomes": primary, "secondaryOutcomes": secondary}
}
