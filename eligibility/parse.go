package eligibility

import (
	"strings"

	"equitrial"
)

// Type says what kind of criterion a parsed criterion is.
type Type string

const (
	TypeAge           Type = "age"
	TypeSex           Type = "sex"
	TypeLab           Type = "lab"
	TypeCondition     Type = "condition"
	TypePregnancy     Type = "pregnancy"
	TypeBreastfeeding Type = "breastfeeding"
	TypeMentalHealth  Type = "mental_health"
	TypeLanguage      Type = "language"
	TypeConsent       Type = "consent_capacity"
	TypeOther         Type = "other" // a person must judge it
)

// Criterion is one eligibility criterion: its text as written and what equitrial
// understood of it. Only the structured parts are evaluated by machine.
type Criterion struct {
	Index      int         `json:"index"` // position in the eligibility text, from 0
	Section    Section     `json:"section"`
	Text       string      `json:"text"`
	Heading    string      `json:"heading,omitempty"`
	Type       Type        `json:"type"`
	Confidence float64     `json:"confidence"`
	AgeMin     *float64    `json:"ageMin,omitempty"` // years, from the text
	AgeMax     *float64    `json:"ageMax,omitempty"`
	Labs       []Threshold `json:"labs,omitempty"`
	// One of RequireAny must be present; none of ExcludeAny may be.
	RequireAny []Code `json:"requireAny,omitempty"`
	ExcludeAny []Code `json:"excludeAny,omitempty"`
	// LabsAnyOf: the thresholds are alternatives ("creatinine ≤ 1.5 × ULN or CrCl ≥ 60").
	LabsAnyOf             bool   `json:"labsAnyOf,omitempty"`
	ExcludesPregnancy     bool   `json:"excludesPregnancy,omitempty"`
	ExcludesBreastfeeding bool   `json:"excludesBreastfeeding,omitempty"`
	ExcludesSMI           bool   `json:"excludesSMI,omitempty"`
	ExcludesPsychiatric   bool   `json:"excludesAnyPsychiatric,omitempty"`
	RequiresLanguage      string `json:"requiresLanguage,omitempty"`
	RequiresCapacity      bool   `json:"requiresConsentCapacity,omitempty"`
	// RequiresPregnancy: the trial is for pregnant people ("Pregnant women with
	// preeclampsia" in inclusion), so pregnancy is required, not excluded.
	RequiresPregnancy bool `json:"requiresPregnancy,omitempty"`
	// RequiresCommunication: the patient must communicate in the study's
	// language, which the text does not name ("Language barrier" in exclusion).
	RequiresCommunication bool `json:"requiresCommunication,omitempty"`
	// Sex: this criterion restricts the trial to one sex ("Women over 18 years old").
	Sex string `json:"sex,omitempty"`
}

// Criteria is the parsed eligibility of one trial.
type Criteria struct {
	NCTID             string      `json:"nctId"`
	MinAge            *float64    `json:"minAge"` // years, inclusive, fractional under a year ("28 Days"); nil = no bound
	MaxAge            *float64    `json:"maxAge"`
	Sex               string      `json:"sex"` // ALL, FEMALE, MALE
	HealthyVolunteers bool        `json:"healthyVolunteers"`
	Criteria          []Criterion `json:"criteria"`
}

// Parse reads a trial's structured eligibility fields and free text into Criteria.
func Parse(t *equitrial.Trial) *Criteria {
	c := &Criteria{NCTID: t.NCTID, Sex: normSex(t.Sex), HealthyVolunteers: t.HealthyVolunteer}
	c.MinAge, c.MaxAge = structuredAges(t)
	c.Criteria = ParseText(t.EligibilityText)
	if sex := textSex(c.Criteria); c.Sex == "ALL" {
		c.Sex = sex
	}
	applyTextAges(c)
	return c
}

var sexWords = map[string]string{"male": "MALE", "males": "MALE", "men": "MALE", "man": "MALE", "boys": "MALE",
	"female": "FEMALE", "females": "FEMALE", "women": "FEMALE", "woman": "FEMALE", "girls": "FEMALE"}

var sexFollowers = map[string]bool{"participants": true, "participant": true, "subjects": true, "subject": true, "patients": true,
	"patient": true, "volunteers": true, "volunteer": true, "only": true, "aged": true, "age": true, "over": true, "between": true,
	"from": true, "older": true, "above": true, "under": true, "adults": true, "": true}

// sexConditionalCues mark a rule for the participants of one sex (contraception,
// pregnancy tests, fertility), which both sexes may join: "Male participants must
// agree to use condoms" does not make the trial a men's trial.
var sexConditionalCues = []string{"childbearing", "child bearing", "child-bearing", "reproductive", "pregnan", "contracep", "nursing",
	"lactat", "breastfe", "menopaus", "birth control", "birth-control", "method", " if ", " must use", "partner", "condom", "sperm", "barrier", "abstin",
	"sexual", "fertil", "potential", "steril", "vasectom", "hormonal", " agree", "intercourse", "ova ", "oocyte", "egg donat"}

// criterionSex reports the sex an inclusion criterion restricts the trial to
// ("Male participants", "Women over 18 years old"), or "".
func criterionSex(c *Criterion) string {
	if c.Section != Inclusion {
		return ""
	}
	lt := strings.ToLower(c.Text)
	// "Female subjects of childbearing age are not nursing": a rule for some
	// of the participants, not a restriction of the trial to one sex
	if containsAny(lt, sexConditionalCues) || strings.Count(lt, " ") > 12 {
		return ""
	}
	w := strings.Fields(strings.Trim(lt, " ."))
	if len(w) > 0 && (w[0] == "healthy" || w[0] == "adult" || w[0] == "only") {
		w = w[1:]
	}
	if len(w) == 0 {
		return ""
	}
	sex, ok := sexWords[strings.Trim(w[0], ".,:;")]
	if !ok {
		return ""
	}
	next := ""
	if len(w) > 1 {
		next = strings.Trim(w[1], ".,:;()")
		if next != "" && next[0] >= '0' && next[0] <= '9' {
			next = ""
		}
	}
	if !sexFollowers[next] {
		return ""
	}
	return sex
}

// textSex finds inclusion criteria that restrict the trial to one sex. Criteria
// for both sexes ("men age >= 55" and "women age >= 65") cancel out. Criteria that
// set the trial's sex are marked, and their age limits, skipped while the sex
// was unknown ("Women over 18 years old" could have been a sub-group), read.
func textSex(cs []Criterion) string {
	found := ""
	for i := range cs {
		sex := criterionSex(&cs[i])
		if sex == "" {
			continue
		}
		if found != "" && found != sex {
			return "ALL"
		}
		found = sex
	}
	if found == "" {
		return "ALL"
	}
	for i := range cs {
		c := &cs[i]
		if criterionSex(c) != found {
			continue
		}
		c.Sex = found
		if c.AgeMin == nil && c.AgeMax == nil {
			lower := strings.ToLower(c.Text)
			if sp := strings.IndexByte(lower, ' '); sp > 0 {
				if b, ok := extractAge(lower[sp+1:], c.Section); ok {
					c.AgeMin, c.AgeMax = b.min, b.max
				}
			}
		}
		c.Type, c.Confidence = classify(c)
	}
	return found
}

// StructuredAges reads a trial's structured age limits in years, as Parse
// does: ages under a year keep their value. The search index reads them
// through here so that search and matching agree.
func StructuredAges(t *equitrial.Trial) (min, max *float64) { return structuredAges(t) }

func structuredAges(t *equitrial.Trial) (min, max *float64) {
	min, max = ageYears(t.MinimumAge), ageYears(t.MaximumAge)
	if min == nil && t.MinAgeYears != nil && t.MinimumAge == "" {
		min = f64(*t.MinAgeYears)
	}
	if max == nil && t.MaxAgeYears != nil && t.MaximumAge == "" {
		max = f64(*t.MaxAgeYears)
	}
	return
}

func normSex(s string) string {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "FEMALE":
		return "FEMALE"
	case "MALE":
		return "MALE"
	}
	return "ALL"
}

// applyTextAges lets text age limits tighten the structured ones ("the stricter
// wins"), but only when the text agrees with itself: trials with sub-studies
// ("aged at least 3 years" for a second randomisation) keep the structured field.
func applyTextAges(c *Criteria) {
	var mins, maxs []float64
	for _, cr := range c.Criteria {
		if cr.AgeMin != nil {
			mins = appendFloatUnique(mins, *cr.AgeMin)
		}
		if cr.AgeMax != nil {
			maxs = appendFloatUnique(maxs, *cr.AgeMax)
		}
	}
	if len(mins) == 1 && mins[0] > 0 && (c.MinAge == nil || mins[0] > *c.MinAge) && (c.MaxAge == nil || mins[0] <= *c.MaxAge) {
		c.MinAge = f64(mins[0])
	}
	if len(maxs) == 1 && (c.MaxAge == nil || maxs[0] < *c.MaxAge) && (c.MinAge == nil || maxs[0] >= *c.MinAge) && maxs[0] < 130 {
		c.MaxAge = f64(maxs[0])
	}
}

func appendFloatUnique(s []float64, v float64) []float64 {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// ParseText splits and interprets an eligibility text on its own.
func ParseText(text string) []Criterion {
	folded := fold(text)
	raws := splitCriteria(folded)
	out := make([]Criterion, 0, len(raws))
	var toks []token
	for i, r := range raws {
		toks = tokenize(r.text, toks[:0])
		out = append(out, interpret(i, r, toks))
	}
	// read each exclusion in the context of the whole trial: it does not exclude
	// the condition the trial is for (cohorts.go)
	reconcileTrial(out)
	return out
}

func interpret(i int, r rawCriterion, toks []token) Criterion {
	lower := strings.ToLower(r.text)
	capsOK := !mostlyUpper(r.text)
	c := Criterion{Index: i, Section: r.section, Text: r.text, Heading: r.heading}
	ctx := lower
	if r.heading != "" && strings.Contains(strings.ToLower(r.heading), "age") {
		ctx = "age: " + lower
	}
	if b, ok := extractAge(ctx, r.section); ok {
		c.AgeMin, c.AgeMax = b.min, b.max
	}
	c.Labs = extractLabs(lower, toks, capsOK)
	if len(c.Labs) > 1 && strings.Contains(lower, " or ") && r.section == Inclusion {
		c.LabsAnyOf = true
	}
	conds := extractConditions(lower, toks, capsOK, r.section, r.parent)
	c.RequireAny, c.ExcludeAny = conds.require, conds.exclude
	f := extractFlags(lower, r.section, conds)
	c.ExcludesPregnancy, c.ExcludesBreastfeeding = f.pregnancy, f.breastfeeding
	c.ExcludesSMI, c.ExcludesPsychiatric = f.smi, f.psychiatric
	c.RequiresLanguage, c.RequiresCapacity = f.language, f.consent
	c.RequiresPregnancy, c.RequiresCommunication = f.requiresPregnancy, f.communication
	c.Type, c.Confidence = classify(&c)
	return c
}

// classify names the criterion by its main structured part and says how sure the
// parser is that the structure captures the whole criterion.
func classify(c *Criterion) (Type, float64) {
	conf := 0.9
	if len(c.Text) > 200 {
		conf = 0.7
	}
	if len(c.Text) > 500 {
		conf = 0.5
	}
	switch {
	case c.AgeMin != nil || c.AgeMax != nil:
		return TypeAge, conf
	case len(c.Labs) > 0:
		return TypeLab, conf
	case c.ExcludesPregnancy || c.RequiresPregnancy:
		return TypePregnancy, conf
	case c.ExcludesBreastfeeding:
		return TypeBreastfeeding, conf
	case c.ExcludesSMI || c.ExcludesPsychiatric:
		return TypeMentalHealth, conf * 0.9
	case c.RequiresLanguage != "":
		return TypeLanguage, conf
	case c.RequiresCommunication:
		return TypeLanguage, conf * 0.8
	case c.RequiresCapacity:
		return TypeConsent, conf * 0.9
	case len(c.RequireAny) > 0 || len(c.ExcludeAny) > 0:
		return TypeCondition, conf * 0.85
	case c.Sex != "":
		return TypeSex, conf
	}
	return TypeOther, 0.2
}
