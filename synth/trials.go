package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"equitrial/ctgov"
)

var (
	statuses = []weighted{{"RECRUITING", 50}, {"NOT_YET_RECRUITING", 15}, {"ACTIVE_NOT_RECRUITING", 12},
		{"COMPLETED", 15}, {"ENROLLING_BY_INVITATION", 3}, {"TERMINATED", 3}, {"WITHDRAWN", 2}}
	phaseSets = []weighted{{"PHASE2", 25}, {"PHASE3", 30}, {"PHASE2,PHASE3", 8}, {"PHASE4", 10}, {"PHASE1", 7}, {"NA", 20}}
	sponsors  = []struct{ name, class string }{
		{"Imperial College London", "OTHER"}, {"University of Oxford", "OTHER"}, {"University College London", "OTHER"},
		{"University of Manchester", "OTHER"}, {"University of Leeds", "OTHER"}, {"Newcastle University", "OTHER"},
		{"National Institute for Health and Care Research", "OTHER_GOV"}, {"AstraZeneca", "INDUSTRY"},
		{"GlaxoSmithKline", "INDUSTRY"}, {"Novo Nordisk A/S", "INDUSTRY"}, {"Eli Lilly and Company", "INDUSTRY"},
		{"Guy's and St Thomas' NHS Foundation Trust", "OTHER"}, {"Manchester University NHS Foundation Trust", "OTHER"},
	}
	designs = []string{"A randomised, double-blind, placebo-controlled trial", "An open-label, pragmatic randomised trial",
		"A multicentre, parallel-group randomised controlled trial", "A single-arm feasibility study"}
)

type weighted struct {
	value  string
	weight int
}

func pick(r *rand.Rand, ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.weight
	}
	n := r.IntN(total)
	for _, w := range ws {
		if n < w.weight {
			return w.value
		}
		n -= w.weight
	}
	return ws[0].value
}

// Trials makes n synthetic ClinicalTrials.gov API v2 study records from seed. Their
// NCT ids start NCT99, a range the registry has not reached, so they never collide
// with real studies.
func Trials(n int, seed uint64) []json.RawMessage {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	out := make([]json.RawMessage, 0, n)
	titles := map[string]int{}
	for i := 0; i < n; i++ {
		t := trial(r, i)
		uniqueTitle(t, titles)
		raw, err := json.Marshal(t)
		if err != nil {
			panic(err) // only maps, slices and strings: cannot fail
		}
		out = append(out, raw)
	}
	return out
}

// uniqueTitle makes a trial's brief title differ from every earlier one, as real
// registrations' do, by naming the trial's phase or numbering it; it draws nothing
// from the random source, so the rest of the corpus stays as it was.
func uniqueTitle(t obj, seen map[string]int) {
	id := t["protocolSection"].(obj)["identificationModule"].(obj)
	title := id["briefTitle"].(string)
	if seen[title] > 0 {
		base := title
		for k := seen[base] + 1; seen[title] > 0; k++ {
			title = fmt.Sprintf("%s %d", base, k)
		}
		seen[base]++
		id["briefTitle"] = title
	}
	seen[title]++
}

// Reader yields the records as the importer reads them, through the same decoder as
// real ClinicalTrials.gov files.
func Reader(records []json.RawMessage) func(func(ctgov.Record) error) error {
	return func(each func(ctgov.Record) error) error {
		for i, raw := range records {
			if err := ctgov.Read(fmt.Sprintf("demo record %d", i+1), bytes.NewReader(raw), each); err != nil {
				return err
			}
		}
		return nil
	}
}

type obj = map[string]any

func trial(r *rand.Rand, i int) obj {
	c := conditions[r.IntN(len(conditions))]
	sp := sponsors[r.IntN(len(sponsors))]
	status := pick(r, statuses)
	phases := strings.Split(pick(r, phaseSets), ",")
	iv := c.interventions[r.IntN(len(c.interventions))]
	year := 2022 + r.IntN(5)
	title := fmt.Sprintf("%s for %s: %s", iv, c.name, []string{"the %s Study", "a Trial in UK Adults (%s)", "Effectiveness and Equity (%s)", "a Pragmatic Trial (%s)"}[r.IntN(4)])
	acronym := strings.ToUpper(fmt.Sprintf("%s-%s", strings.Fields(iv)[0][:min(4, len(strings.Fields(iv)[0]))], c.name[:3]))
	title = fmt.Sprintf(title, acronym)
	minAge, maxAge := c.minAge, c.maxAge
	if r.IntN(4) == 0 && maxAge == 0 {
		maxAge = 65 + 5*r.IntN(4)
	}
	elig := obj{
		"eligibilityCriteria": criteria(r, c, minAge, maxAge),
		"healthyVolunteers":   false,
		"sex":                 or(c.sex, "ALL"),
		"minimumAge":          fmt.Sprintf("%d Years", minAge),
	}
	if maxAge > 0 {
		elig["maximumAge"] = fmt.Sprintf("%d Years", maxAge)
	}
	return obj{
		"protocolSection": obj{
			"identificationModule": obj{
				"nctId": fmt.Sprintf("NCT99%06d", i+1), "briefTitle": title, "acronym": acronym,
				"officialTitle": fmt.Sprintf("%s of %s in People With %s", designs[r.IntN(len(designs))], iv, c.name),
			},
			"statusModule": obj{
				"overallStatus":            status,
				"startDateStruct":          obj{"date": fmt.Sprintf("%d-%02d", year, 1+r.IntN(12))},
				"completionDateStruct":     obj{"date": fmt.Sprintf("%d-%02d", year+2+r.IntN(3), 1+r.IntN(12))},
				"lastUpdatePostDateStruct": obj{"date": fmt.Sprintf("2026-%02d-%02d", 1+r.IntN(10), 1+r.IntN(28))},
			},
			"sponsorCollaboratorsModule": obj{"leadSponsor": obj{"name": sp.name, "class": sp.class}},
			"descriptionModule": obj{"briefSummary": fmt.Sprintf(
				"This study tests whether %s improves outcomes for people with %s, and whether the benefit is shared fairly across deprived areas, ethnic groups and people with serious mental illness. Participants will be followed for %d months.",
				iv, strings.ToLower(c.name), 6*(1+r.IntN(8)))},
			"conditionsModule": obj{"conditions": []string{c.name}, "keywords": c.keywords},
			"designModule": obj{"studyType": "INTERVENTIONAL", "phases": phases,
				"enrollmentInfo": obj{"count": 50 * (1 + r.IntN(40)), "type": "ESTIMATED"}},
			"armsInterventionsModule": obj{"interventions": []obj{{"type": interventionType(iv), "name": iv}}},
			"eligibilityModule":       elig,
			"contactsLocationsModule": obj{"locations": locations(r, status)},
		},
		"derivedSection": obj{"conditionBrowseModule": obj{"meshes": []obj{{"id": fmt.Sprintf("D%06d", 1000+r.IntN(9000)), "term": c.mesh}}}},
		"hasResults":     false,
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func interventionType(name string) string {
	lower := strings.ToLower(name)
	for _, w := range []string{"programme", "therapy", "support", "education", "monitoring", "check", "outreach", "service", "rehabilitation", "surveillance", "reduction", "self-management"} {
		if strings.Contains(lower, w) {
			return "BEHAVIORAL"
		}
	}
	return "DRUG"
}

// locations spreads a trial over 1–8 sites, mostly in one or two regions.
func locations(r *rand.Rand, status string) []obj {
	n := 1 + r.IntN(8)
	seen := map[int]bool{}
	var out []obj
	for len(out) < n {
		k := r.IntN(len(sites))
		if seen[k] {
			continue
		}
		seen[k] = true
		s := sites[k]
		siteStatus := status
		if status == "RECRUITING" && r.IntN(5) == 0 {
			siteStatus = "NOT_YET_RECRUITING"
		}
		out = append(out, obj{"facility": s.facility, "status": siteStatus, "city": s.city, "zip": s.postcode,
			"country": "United Kingdom", "geoPoint": obj{"lat": s.lat, "lon": s.lon}})
	}
	return out
}

// criteria writes an eligibility section in the style of real protocols: headings,
// bullets, numeric thresholds, and the exclusions that shut out under-served groups.
func criteria(r *rand.Rand, c condition, minAge, maxAge int) string {
	var inc, exc []string
	if maxAge > 0 {
		inc = append(inc, fmt.Sprintf("Aged %d to %d years at screening", minAge, maxAge))
	} else {
		inc = append(inc, fmt.Sprintf("Aged %d years or over", minAge))
	}
	inc = append(inc, fmt.Sprintf("Confirmed diagnosis of %s", strings.ToLower(c.name)))
	inc = append(inc, c.inclusionLabs...)
	inc = append(inc, "Able to give written informed consent")
	if r.IntN(3) == 0 {
		inc = append(inc, "Able to read and understand English")
	}
	exc = append(exc, c.exclusionLabs...)
	if c.sex != "MALE" {
		exc = append(exc, "Pregnant or breastfeeding, or planning pregnancy during the study")
	}
	// a trial of a serious mental illness does not exclude the people it studies
	smiTrial := c.name == "Schizophrenia" || c.name == "Bipolar Disorder"
	switch r.IntN(4) {
	case 0:
		if !smiTrial {
			exc = append(exc, "History of schizophrenia, bipolar disorder or other psychotic illness")
		}
	case 1:
		if !smiTrial {
			exc = append(exc, "Any psychiatric condition that, in the opinion of the investigator, would interfere with participation")
		}
	}
	if r.IntN(2) == 0 {
		exc = append(exc, "Active malignancy within the last 5 years, other than non-melanoma skin cancer")
	}
	exc = append(exc, "Participation in another interventional trial within the last 30 days")
	var b strings.Builder
	b.WriteString("Inclusion Criteria:\n\n")
	for _, s := range inc {
		b.WriteString("* " + s + "\n")
	}
	b.WriteString("\nExclusion Criteria:\n\n")
	for _, s := range exc {
		b.WriteString("* " + s + "\n")
	}
	return b.String()
}
