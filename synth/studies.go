package synth

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Studies makes n synthetic ClinicalTrials.gov API v2 study records from seed, with
// the length, structure and criteria kinds of real ones (as in ../shared/ctgov: a
// median of about 5 KB and a long tail; summaries and descriptions of very varied
// length; eligibility sections in every layout real records use, median about 550
// characters and some over 10,000; a quarter observational; some for healthy
// volunteers or children; one site for most studies and hundreds for a few, at UK
// hospitals with coordinates and, for multinational studies, abroad), for import,
// search and matching benchmarks. Record i is the same for a given seed whatever n
// is, so a corpus of 10,000 is the first 10,000 of a corpus of 100,000, and records
// can be made one at a time (Study) without holding the corpus. NCT ids start NCT99
// as in Trials.
func Studies(n int, seed uint64) []json.RawMessage {
	out := make([]json.RawMessage, 0, n)
	for i := range n {
		out = append(out, Study(i, seed))
	}
	return out
}

var (
	studySponsors = append(append([]struct{ name, class string }(nil), sponsors...), []struct{ name, class string }{
		{"University of Birmingham", "OTHER"}, {"University of Bristol", "OTHER"}, {"University of Edinburgh", "OTHER"},
		{"University of Glasgow", "OTHER"}, {"Cardiff University", "OTHER"}, {"Queen's University, Belfast", "OTHER"},
		{"King's College London", "OTHER"}, {"London School of Hygiene and Tropical Medicine", "OTHER"},
		{"Medical Research Council", "OTHER_GOV"}, {"Cancer Research UK", "OTHER"}, {"British Heart Foundation", "OTHER"},
		{"Leeds Teaching Hospitals NHS Trust", "OTHER"}, {"Oxford University Hospitals NHS Foundation Trust", "OTHER"},
		{"Pfizer", "INDUSTRY"}, {"Hoffmann-La Roche", "INDUSTRY"}, {"Novartis Pharmaceuticals", "INDUSTRY"},
		{"Merck Sharp & Dohme LLC", "INDUSTRY"}, {"Sanofi", "INDUSTRY"}, {"Bayer", "INDUSTRY"}, {"AbbVie", "INDUSTRY"},
		{"Bristol-Myers Squibb", "INDUSTRY"}, {"Janssen Research & Development, LLC", "INDUSTRY"}, {"Gilead Sciences", "INDUSTRY"},
		{"Boehringer Ingelheim", "INDUSTRY"}, {"National Cancer Institute (NCI)", "NIH"},
	}...)
	observationalModels = []string{"COHORT", "CASE_CONTROL", "CASE_ONLY", "OTHER"}
)

// Study makes record i of the corpus Studies makes from seed.
func Study(i int, seed uint64) json.RawMessage {
	r := rand.New(rand.NewPCG(seed^uint64(i)*0x9e3779b97f4a7c15, uint64(i)))
	c := studyConditions[r.IntN(len(studyConditions))]
	sp := studySponsors[r.IntN(len(studySponsors))]
	status := pick(r, statuses)
	observational := r.IntN(4) == 0 // a quarter, as in the registry as a whole
	healthy := r.IntN(10) == 0
	iv := c.interventions[r.IntN(len(c.interventions))]
	enrolment := 20 * longTail(r, 12, 1, 2500)

	acronymWord := strings.Fields(iv)[0]
	acronym := strings.ToUpper(fmt.Sprintf("%s-%s", acronymWord[:min(4, len(acronymWord))], c.name[:3]))
	if r.IntN(3) == 0 {
		acronym += fmt.Sprintf("%d", 1+r.IntN(9))
	}
	form := titleForms[r.IntN(len(titleForms))]
	if observational {
		form = cohortTitles[r.IntN(len(cohortTitles))]
	}
	title := fmt.Sprintf(form, iv, qualifiers[r.IntN(len(qualifiers))]+c.name, places[r.IntN(len(places))], acronym)

	// Ages: the condition's range, sometimes narrowed; children for conditions
	// that start young.
	minAge, maxAge := c.minAge, c.maxAge
	if maxAge == 0 && r.IntN(4) == 0 {
		maxAge = 65 + 5*r.IntN(4)
	}
	if minAge >= 18 && r.IntN(8) == 0 {
		minAge = 16
	}
	minAgeText := fmt.Sprintf("%d Years", minAge)
	if c.minAge < 18 && r.IntN(3) == 0 {
		minAge, minAgeText = 0, []string{"28 Days", "6 Months", "2 Years"}[r.IntN(3)]
	}
	sex := or(c.sex, "ALL")
	if sex == "ALL" && r.IntN(30) == 0 {
		sex = []string{"FEMALE", "MALE"}[r.IntN(2)]
	}
	smiTrial := c.name == "Schizophrenia" || c.name == "Bipolar Disorder"
	elig := obj{
		"eligibilityCriteria": studyCriteria(r, criteriaSpec{c: c, minAge: minAge, maxAge: maxAge, minAgeText: minAgeText, sex: sex, healthy: healthy, smiTrial: smiTrial}),
		"healthyVolunteers":   healthy,
		"sex":                 sex,
		"minimumAge":          minAgeText,
		"stdAges":             stdAges(minAge, maxAge),
	}
	if maxAge > 0 {
		elig["maximumAge"] = fmt.Sprintf("%d Years", maxAge)
	}
	design := obj{"studyType": "INTERVENTIONAL", "phases": strings.Split(pick(r, phaseSets), ","),
		"enrollmentInfo": obj{"count": enrolment, "type": "ESTIMATED"},
		"designInfo": obj{"allocation": "RANDOMIZED", "interventionModel": "PARALLEL", "primaryPurpose": "TREATMENT",
			"maskingInfo": obj{"masking": []string{"NONE", "SINGLE", "DOUBLE", "QUADRUPLE"}[r.IntN(4)]}}}
	if observational {
		design = obj{"studyType": "OBSERVATIONAL", "patientRegistry": r.IntN(5) == 0,
			"enrollmentInfo": obj{"count": enrolment, "type": "ESTIMATED"},
			"designInfo": obj{"observationalModel": observationalModels[r.IntN(len(observationalModels))],
				"timePerspective": []string{"PROSPECTIVE", "RETROSPECTIVE", "CROSS_SECTIONAL"}[r.IntN(3)]}}
		elig["samplingMethod"] = "NON_PROBABILITY_SAMPLE"
		elig["studyPopulation"] = fmt.Sprintf("Adults with %s attending NHS services at the participating sites.", strings.ToLower(c.name))
	}
	conds, keywords, meshes := studyConditionsOf(r, c)
	start := 2015 + r.IntN(12)
	desc := obj{"briefSummary": studySummary(r, strings.ToLower(c.name), iv, enrolment)}
	if d := studyDescription(r, strings.ToLower(c.name), iv, enrolment); d != "" {
		desc["detailedDescription"] = d
	}
	p := obj{
		"identificationModule": obj{
			"nctId": fmt.Sprintf("NCT99%06d", i+1), "briefTitle": title, "acronym": acronym,
			"orgStudyIdInfo": obj{"id": fmt.Sprintf("%s-%04d", strings.ToUpper(acronymWord[:min(3, len(acronymWord))]), r.IntN(10000))},
			"organization":   obj{"fullName": sp.name, "class": sp.class},
			"officialTitle":  fmt.Sprintf("%s of %s in People With %s", designs[r.IntN(len(designs))], iv, c.name),
		},
		"statusModule": obj{
			"statusVerifiedDate":       "2026-01",
			"overallStatus":            status,
			"startDateStruct":          obj{"date": fmt.Sprintf("%d-%02d", start, 1+r.IntN(12))},
			"completionDateStruct":     obj{"date": fmt.Sprintf("%d-%02d", start+2+r.IntN(4), 1+r.IntN(12))},
			"studyFirstSubmitDate":     fmt.Sprintf("%d-%02d-%02d", start-1+r.IntN(2), 1+r.IntN(12), 1+r.IntN(28)),
			"lastUpdatePostDateStruct": obj{"date": fmt.Sprintf("%d-%02d-%02d", 2024+r.IntN(3), 1+r.IntN(12), 1+r.IntN(28))},
		},
		"sponsorCollaboratorsModule": obj{"leadSponsor": obj{"name": sp.name, "class": sp.class}},
		"descriptionModule":          desc,
		"conditionsModule":           obj{"conditions": conds, "keywords": keywords},
		"designModule":               design,
		"armsInterventionsModule":    studyArms(r, c, iv, observational),
		"outcomesModule":             studyOutcomes(r, c),
		"eligibilityModule":          elig,
		"contactsLocationsModule":    obj{"locations": studyLocations(r, status)},
		"oversightModule":            obj{"oversightHasDmc": r.IntN(2) == 0, "isFdaRegulatedDrug": false, "isFdaRegulatedDevice": false},
		"ipdSharingStatementModule":  obj{"ipdSharing": []string{"NO", "UNDECIDED", "YES"}[r.IntN(3)]},
	}
	if len(keywords) == 0 {
		delete(p["conditionsModule"].(obj), "keywords")
	}
	raw, err := json.Marshal(obj{
		"protocolSection": p,
		"derivedSection":  obj{"conditionBrowseModule": obj{"meshes": meshes}},
		"hasResults":      status == "COMPLETED" && r.IntN(4) == 0,
	})
	if err != nil {
		panic(err) // only maps, slices, strings, numbers and bools
	}
	return raw
}

// stdAges are the registry's age groups a range overlaps.
func stdAges(minAge, maxAge int) []string {
	var out []string
	if minAge < 18 {
		out = append(out, "CHILD")
	}
	if maxAge == 0 || maxAge >= 18 {
		out = append(out, "ADULT")
	}
	if maxAge == 0 || maxAge >= 65 {
		out = append(out, "OLDER_ADULT")
	}
	return out
}

// studyConditionsOf lists a study's conditions (sometimes a related one or two,
// rarely a long list, as real records do), keywords (none to a dozen) and MeSH
// terms.
func studyConditionsOf(r *rand.Rand, c condition) (conds, keywords []string, meshes []obj) {
	conds = []string{c.name}
	meshes = []obj{{"id": fmt.Sprintf("D%06d", 1000+r.IntN(9000)), "term": c.mesh}}
	for range longTail(r, 0.5, 0, 12) {
		o := studyConditions[r.IntN(len(studyConditions))]
		if !contains(conds, o.name) {
			conds = append(conds, o.name)
			meshes = append(meshes, obj{"id": fmt.Sprintf("D%06d", 1000+r.IntN(9000)), "term": o.mesh})
		}
	}
	if r.IntN(5) > 0 {
		keywords = append(keywords, c.keywords[:1+r.IntN(len(c.keywords))]...)
		for range longTail(r, 1, 0, 8) {
			keywords = append(keywords, extraKeywords[r.IntN(len(extraKeywords))])
		}
	}
	return conds, keywords, meshes
}

var extraKeywords = []string{"health inequalities", "deprivation", "ethnicity", "serious mental illness", "primary care",
	"randomised controlled trial", "pragmatic", "digital health", "quality of life", "multimorbidity", "older adults",
	"self-management", "cost-effectiveness", "community", "equity"}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// studyLocations spreads a study over its sites: one for most (60%), a few for
// three in ten, dozens for one in twelve, and hundreds for one in fifty (mostly
// abroad), as in the registry (median 1, a tenth over 9, mean about 14). A
// multinational study has UK sites and sites abroad.
func studyLocations(r *rand.Rand, status string) []obj {
	var uk, other int
	switch x := r.IntN(100); {
	case x < 60:
		uk = 1
	case x < 90:
		uk = 2 + r.IntN(9)
	case x < 98:
		uk, other = 5+r.IntN(30), r.IntN(3)*r.IntN(20)
	default:
		uk, other = 10+r.IntN(40), 100+r.IntN(500)
	}
	out := make([]obj, 0, uk+other)
	seen := map[int]bool{}
	for len(out) < min(uk, len(ukSites)) {
		k := r.IntN(len(ukSites))
		if seen[k] {
			continue
		}
		seen[k] = true
		s := ukSites[k]
		out = append(out, obj{"facility": s.facility, "status": siteStatus(r, status), "city": s.city, "zip": s.postcode,
			"country": "United Kingdom", "geoPoint": obj{"lat": s.lat, "lon": s.lon}})
	}
	for range other {
		a := abroad[r.IntN(len(abroad))]
		// Several sites in one city: nudge each, as distinct hospitals are.
		out = append(out, obj{"facility": fmt.Sprintf("%s (site %d)", a.facility, 1+r.IntN(50)), "status": siteStatus(r, status),
			"city": a.city, "country": a.country,
			"geoPoint": obj{"lat": a.lat + (r.Float64()-0.5)*0.2, "lon": a.lon + (r.Float64()-0.5)*0.2}})
	}
	return out
}

func siteStatus(r *rand.Rand, status string) string {
	if status == "RECRUITING" && r.IntN(5) == 0 {
		return "NOT_YET_RECRUITING"
	}
	return status
}
