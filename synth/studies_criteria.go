package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// The benchmark corpus's eligibility sections follow what ../shared/ctgov shows of
// real ones: a long-tailed length (median about 550 characters, a tenth over 2,600,
// the longest over 15,000), several layouts (“* ” bullets, legacy “  -  ” bullets
// wrapped at 80 columns, numbered lists, bare lines, nested sub-lists), and the
// kinds of criteria the parser must read: age, sex, diagnoses, laboratory
// thresholds with units and multiples of the upper limit of normal, time windows,
// pregnancy and contraception, capacity, language, serious mental illness, other
// trials, and free-text catch-alls.

// studyInclusion are inclusion criteria any study may have; %[1]s is the condition
// in lower case.
var studyInclusion = []string{
	"Able to give written informed consent",
	"Provision of signed and dated informed consent form",
	"Willing and able to comply with scheduled visits, treatment plan and laboratory tests",
	"Registered with a general practice in England, Wales, Scotland or Northern Ireland",
	"Women of childbearing potential must have a negative pregnancy test at screening and agree to use highly effective contraception for the duration of the study and for 6 months after the last dose",
	"Stable dose of current medication for at least 4 weeks before screening",
	"Access to a telephone or the internet for follow-up contact",
	"Life expectancy of at least 12 weeks",
	"BMI 18.5 to 40 kg/m2",
	"Able to read and understand English",
	"Able to walk 10 metres with or without an aid",
	"Diagnosis of %[1]s confirmed by a specialist within the last 12 months",
	"Currently receiving standard care for %[1]s",
	"eGFR ≥ 45 mL/min/1.73m2",
	"Haemoglobin ≥ 100 g/L",
	"Systolic blood pressure below 160 mmHg at screening",
	"Resident in the study area for the duration of follow-up",
	"Has a carer or family member who can attend study visits, where needed",
}

// studyExclusion are exclusion criteria any study may have.
var studyExclusion = []string{
	"Pregnant or breastfeeding, or planning pregnancy during the study",
	"Known hypersensitivity to the study drug or any of its excipients",
	"Severe hepatic impairment (Child-Pugh class C)",
	"ALT or AST > 3 x ULN",
	"Total bilirubin > 1.5 x ULN, unless due to Gilbert's syndrome",
	"eGFR < 30 mL/min/1.73m2",
	"Creatinine clearance < 30 mL/min",
	"Platelets < 100 x 10^9/L",
	"Absolute neutrophil count < 1.5 x 10^9/L",
	"INR > 1.5 in patients not taking anticoagulants",
	"Serum potassium > 5.5 mmol/L",
	"QTc > 470 ms on the screening ECG",
	"Uncontrolled hypertension (systolic blood pressure > 180 mmHg or diastolic > 110 mmHg)",
	"Myocardial infarction, unstable angina or stroke within the previous 3 months",
	"Heart failure, NYHA class III or IV",
	"History of schizophrenia, bipolar disorder or other psychotic illness",
	"Any psychiatric condition that, in the opinion of the investigator, would interfere with participation",
	"Current alcohol or substance misuse that, in the opinion of the investigator, would affect participation",
	"Lacks capacity to give informed consent",
	"Dementia or significant cognitive impairment",
	"Unable to speak or read English",
	"Currently taking part in another clinical trial of an investigational medicinal product",
	"Participation in another interventional trial within the last 30 days",
	"Active malignancy within the last 5 years, other than non-melanoma skin cancer or carcinoma in situ of the cervix",
	"Known HIV infection, or active hepatitis B or C infection",
	"Active tuberculosis",
	"Major surgery within 4 weeks before randomisation",
	"Receiving immunosuppressive therapy, including systemic corticosteroids at more than 10 mg prednisolone a day",
	"Live vaccine within 30 days before the first dose",
	"Organ transplant recipient",
	"Known bleeding disorder",
	"Epilepsy requiring treatment",
	"Chronic kidney disease stage 4 or 5, or on dialysis",
	"Type 1 diabetes",
	"Diabetic ketoacidosis within the last 6 months",
	"Life expectancy of less than 12 months",
	"Prisoners or people detained under the Mental Health Act",
	"Any condition that, in the opinion of the investigator, makes participation unsafe or would interfere with the study's assessments",
	"Previous participation in this study",
	"Employees of the sponsor or the study site, and their close relatives",
}

// elaborations lengthen a criterion the way protocols do, with the details that
// make real criteria long; any criterion may carry one.
var elaborations = []string{
	"This will be assessed by the site investigator at the screening visit and recorded in the case report form.",
	"Participants who do not meet this criterion at screening may be re-screened once after at least 4 weeks.",
	"Laboratory tests must be performed at the local laboratory within 14 days before randomisation.",
	"Where there is doubt, the chief investigator should be consulted before the participant is enrolled.",
	"The participant's general practitioner will be informed of their participation, with their consent.",
}

// compounds are criteria with a nested list (“defined as any of the following:”),
// each lead written to fit its items.
var compounds = []struct {
	inclusion bool
	lead      string
	sub       []string
}{
	{true, "Women of childbearing potential must agree to use highly effective contraception, unless of non-childbearing potential, defined as any of the following:",
		[]string{"Postmenopausal for at least 12 months without an alternative medical cause", "Surgically sterile (hysterectomy, bilateral salpingectomy or bilateral oophorectomy)", "Congenital or acquired condition that prevents childbearing"}},
	{true, "Adequate organ function, defined as all of the following within 14 days of randomisation:",
		[]string{"Neutrophils ≥ 1.5 x 10^9/L", "Platelets ≥ 100 x 10^9/L", "Haemoglobin ≥ 90 g/L", "Bilirubin ≤ 1.5 x ULN", "ALT and AST ≤ 2.5 x ULN", "Creatinine clearance ≥ 50 mL/min"}},
	{true, "Uncontrolled disease despite usual care, defined as any of the following:",
		[]string{"Two or more hospital admissions in the last 12 months", "An emergency department attendance in the last 3 months", "A new prescription of a rescue medicine"}},
	{false, "Any of the following cardiovascular events within the last 6 months:",
		[]string{"Myocardial infarction", "Coronary artery bypass graft", "Percutaneous coronary intervention", "Transient ischaemic attack or stroke", "Hospitalisation for heart failure"}},
	{false, "Treatment with any of the following within the last 3 months:",
		[]string{"Oral corticosteroids for more than 14 days", "Biologic therapy", "Other immunosuppressants such as azathioprine, methotrexate or ciclosporin"}},
}

// criteriaLayout is how a study's eligibility section is written.
type criteriaLayout int

const (
	layoutStar     criteriaLayout = iota // "* item" (records registered or updated since 2017)
	layoutDash                           // "  -  item", wrapped at 80 columns (legacy records)
	layoutNumbered                       // "1. item"
	layoutPlain                          // one item a line, no marker
	layoutIndented                       // "          1. item", blank lines between
)

var layouts = []weighted{{"star", 45}, {"dash", 20}, {"numbered", 20}, {"plain", 10}, {"indented", 5}}

func pickLayout(r *rand.Rand) criteriaLayout {
	switch pick(r, layouts) {
	case "dash":
		return layoutDash
	case "numbered":
		return layoutNumbered
	case "plain":
		return layoutPlain
	case "indented":
		return layoutIndented
	}
	return layoutStar
}

// item is one criterion, with sub-items for a nested list.
type item struct {
	text string
	sub  []string
}

// criteriaSpec is what a study's eligibility section must agree with.
type criteriaSpec struct {
	c              condition
	minAge, maxAge int    // years; maxAge 0: none
	minAgeText     string // as registered, "18 Years" or "6 Months"
	sex            string
	healthy        bool // healthy volunteers: no diagnosis required
	smiTrial       bool // the study is about a serious mental illness
}

// longTail draws a count with a median of about m and a long right tail
// (log-normal, σ 0.8), at least lo and at most hi.
func longTail(r *rand.Rand, m float64, lo, hi int) int { return spread(r, m, 0.8, lo, hi) }

// spread draws a log-normal count with median m and shape sigma, within [lo, hi].
func spread(r *rand.Rand, m, sigma float64, lo, hi int) int {
	n := int(math.Round(m * math.Exp(sigma*r.NormFloat64())))
	return max(lo, min(hi, n))
}

// studyCriteria writes a study's eligibility section.
func studyCriteria(r *rand.Rand, s criteriaSpec) string {
	name := strings.ToLower(s.c.name)
	var inc, exc []item
	from := strings.ToLower(s.minAgeText)
	switch {
	case s.maxAge > 0 && r.IntN(3) > 0:
		inc = append(inc, item{text: fmt.Sprintf("Aged %s to %d years at screening", strings.TrimSuffix(from, " years"), s.maxAge)})
	case s.maxAge > 0 && s.minAge > 0:
		inc = append(inc, item{text: fmt.Sprintf("Male or female, age %d-%d years", s.minAge, s.maxAge)})
	case s.minAge < 18:
		inc = append(inc, item{text: fmt.Sprintf("Aged %s or over", from)})
	case r.IntN(2) == 0:
		inc = append(inc, item{text: fmt.Sprintf("Aged %d years or over", s.minAge)})
	default:
		inc = append(inc, item{text: fmt.Sprintf("Adults aged %d years and older", s.minAge)})
	}
	if s.healthy {
		inc = append(inc, item{text: "Healthy volunteers with no significant medical history, as judged by the investigator"})
	} else {
		inc = append(inc, item{text: fmt.Sprintf("Confirmed diagnosis of %s", name)})
	}
	if s.sex == "FEMALE" && s.c.sex == "" {
		inc = append(inc, item{text: "Female participants only"})
	}
	for _, lab := range s.c.inclusionLabs {
		if r.IntN(2) == 0 {
			inc = append(inc, item{text: lab})
		}
	}
	for _, lab := range s.c.exclusionLabs {
		if r.IntN(2) == 0 {
			exc = append(exc, item{text: lab})
		}
	}
	if s.c.sex != "MALE" && s.sex != "MALE" && r.IntN(2) == 0 {
		exc = append(exc, item{text: "Pregnant or breastfeeding, or planning pregnancy during the study"})
	}
	// Generic criteria to a long-tailed count; a serious mental illness study does
	// not exclude the people it studies.
	for _, k := range r.Perm(len(studyInclusion))[:spread(r, 1, 1.3, 0, len(studyInclusion))] {
		inc = append(inc, item{text: strings.ReplaceAll(studyInclusion[k], "%[1]s", name)})
	}
	for _, k := range r.Perm(len(studyExclusion))[:spread(r, 2.2, 1.3, 1, len(studyExclusion))] {
		t := studyExclusion[k]
		if s.smiTrial && (strings.Contains(t, "psychotic") || strings.Contains(t, "psychiatric")) {
			continue
		}
		if s.sex == "MALE" && strings.HasPrefix(t, "Pregnant") {
			continue
		}
		exc = append(exc, item{text: t})
	}
	for _, list := range [][]item{inc, exc} {
		for i := range list {
			if r.Float64() < 0.12 {
				list[i].text += ". " + elaborations[r.IntN(len(elaborations))]
			}
		}
	}
	for _, c := range compounds {
		if r.IntN(12) != 0 || (s.smiTrial && !c.inclusion) {
			continue
		}
		it := item{text: c.lead, sub: c.sub[:2+r.IntN(len(c.sub)-1)]}
		if c.inclusion {
			inc = append(inc, it)
		} else {
			exc = append(exc, it)
		}
	}
	// A few protocols repeat the whole list for each cohort, which makes the
	// longest sections of the registry.
	cohorts := 1
	if r.IntN(40) == 0 {
		cohorts = 2 + r.IntN(5)
	}
	layout := pickLayout(r)
	var b strings.Builder
	for k := range cohorts {
		prefix := ""
		if cohorts > 1 {
			prefix = fmt.Sprintf("Cohort %d ", k+1)
		}
		heading(&b, layout, prefix+pickHeading(r, "Inclusion"))
		writeItems(&b, layout, inc)
		if r.IntN(40) == 0 && cohorts == 1 { // some sections have no exclusion heading
			continue
		}
		b.WriteString("\n")
		heading(&b, layout, prefix+pickHeading(r, "Exclusion"))
		writeItems(&b, layout, exc)
		if k < cohorts-1 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

func pickHeading(r *rand.Rand, kind string) string {
	switch r.IntN(10) {
	case 0:
		return "Key " + kind + " Criteria:"
	case 1:
		return kind + " Criteria"
	}
	return kind + " Criteria:"
}

func heading(b *strings.Builder, l criteriaLayout, h string) {
	if l == layoutIndented {
		b.WriteString("        ")
	}
	b.WriteString(h)
	b.WriteString("\n\n")
}

func writeItems(b *strings.Builder, l criteriaLayout, items []item) {
	for i, it := range items {
		switch l {
		case layoutStar:
			b.WriteString("* " + it.text + "\n")
			for _, s := range it.sub {
				b.WriteString("  * " + s + "\n")
			}
		case layoutDash:
			wrap(b, "  -  ", "     ", it.text)
			for j, s := range it.sub {
				b.WriteString("\n")
				wrap(b, fmt.Sprintf("       %d. ", j+1), "          ", s)
			}
			b.WriteString("\n")
		case layoutNumbered:
			fmt.Fprintf(b, "%d. %s\n", i+1, it.text)
			for j, s := range it.sub {
				fmt.Fprintf(b, "   %d. %s\n", j+1, s)
			}
		case layoutPlain:
			b.WriteString(it.text + "\n")
			for _, s := range it.sub {
				b.WriteString(s + "\n")
			}
		case layoutIndented:
			wrap(b, fmt.Sprintf("          %d. ", i+1), "             ", it.text)
			for _, s := range it.sub {
				wrap(b, "               - ", "                 ", s)
			}
			b.WriteString("\n")
		}
	}
}

// wrap writes text after first, broken at spaces to lines of at most 88
// characters, continuing with rest, as the legacy XML records were.
func wrap(b *strings.Builder, first, rest, text string) {
	const width = 88
	line := first
	for _, w := range strings.Fields(text) {
		if len(line)+len(w)+1 > width && strings.TrimSpace(line) != strings.TrimSpace(first) {
			b.WriteString(strings.TrimRight(line, " ") + "\n")
			line = rest
		}
		if line != first && line != rest {
			line += " "
		}
		line += w
	}
	b.WriteString(line + "\n")
}
