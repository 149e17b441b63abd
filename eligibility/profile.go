package eligibility

import (
	"math"
	"sort"
	"strings"
	"time"
)

// Profile is what is known about one patient, as plain data. Unknown facts are
// left empty (nil pointers, empty strings); evaluation then answers "unknown" and
// asks, rather than guessing.
type Profile struct {
	AgeYears  *float64  `json:"ageYears,omitempty"`
	BirthDate time.Time `json:"birthDate,omitzero"`
	Sex       string    `json:"sex,omitempty"` // FEMALE, MALE
	// Conditions the patient has: ICD-10 codes, SNOMED CT ids and free text
	// (mapped through the vocabulary).
	ICD10         []string      `json:"icd10,omitempty"`
	SNOMED        []string      `json:"snomed,omitempty"`
	ConditionText []string      `json:"conditionText,omitempty"`
	Observations  []Observation `json:"observations,omitempty"`
	Pregnant      *bool         `json:"pregnant,omitempty"`
	Breastfeeding *bool         `json:"breastfeeding,omitempty"`
	SMI           *bool         `json:"smi,omitempty"`         // serious mental illness
	Psychiatric   *bool         `json:"psychiatric,omitempty"` // any psychiatric history
	Languages     []string      `json:"languages,omitempty"`   // languages the patient speaks and reads
	Capacity      *bool         `json:"capacity,omitempty"`    // can give informed consent personally
	// AgeDays is the age in days, when the birth date is known: age limits below
	// one year ("28 days to 12 months") are compared in days, not whole years.
	AgeDays *int `json:"ageDays,omitempty"`
	// Conditions recorded as confirmed absent ("no history of stroke"): ICD-10
	// codes and free text mapped through the vocabulary.
	AbsentICD10 []string `json:"absentIcd10,omitempty"`
	AbsentText  []string `json:"absentText,omitempty"`
	// ConditionsComplete says the conditions come from a complete coded problem
	// list (a GP or hospital record): a diagnosis not in it is taken as absent.
	// Without it, a required diagnosis that is not recorded is a question.
	ConditionsComplete bool `json:"conditionsComplete,omitempty"`
	// Answers to questions, by question key (see Question.Key): one answer serves
	// every trial that asks the same thing.
	Answers map[string]Answer `json:"answers,omitempty"`
}

// Answer is someone's answer to a question: "yes", "no", or a number with its
// unit (lab values and scores), dated when the value was measured.
type Answer struct {
	Value string    `json:"value"`
	Unit  string    `json:"unit,omitempty"`
	Date  time.Time `json:"date,omitzero"`
}

// Observation is one dated measurement. Analyte is a name from the analyte table;
// Unit one of its units (any common spelling). ULN, when given, is the upper
// limit of normal of the lab that measured it, so that "≤ 2.5 × ULN" can be checked.
type Observation struct {
	Analyte string    `json:"analyte"`
	Value   float64   `json:"value"`
	Unit    string    `json:"unit"`
	Date    time.Time `json:"date"`
	ULN     float64   `json:"uln,omitempty"`
}

type tri int8

const (
	triUnknown tri = iota
	triYes
	triNo
)

func triOf(b *bool) tri {
	if b == nil {
		return triUnknown
	}
	if *b {
		return triYes
	}
	return triNo
}

type preparedObs struct {
	analyte    int16   // index in the analyte table
	value, uln float64 // canonical unit; multiple of ULN
	hasValue   bool
	hasULN     bool
	obs        Observation
	seen       bool
	// the earliest observation, for "initial" or "at presentation" values
	firstObs   Observation
	firstValue float64
	hasFirst   bool
}

// noObservation is what observation returns for an analyte the profile lacks.
var noObservation preparedObs

// observation returns the latest observation of analyte i. A profile holds a few
// observations, so a scan of a short slice beats a slot for every analyte (which
// cost ~5 KB per profile per evaluation when matching a trial to a million people).
func (pp *Prepared) observation(i int16) *preparedObs {
	for k := range pp.obs {
		if pp.obs[k].analyte == i {
			return &pp.obs[k]
		}
	}
	return &noObservation
}

// Prepared is a profile resolved once for fast evaluation against many trials:
// age at the evaluation date, condition categories as sorted ids, the latest
// observation of each analyte in its canonical unit, and the answers given.
type Prepared struct {
	p       *Profile
	asOf    time.Time
	age     float64
	ageDays int
	hasAge  bool
	hasDays bool
	sex     string
	// codes: categories recorded; vague: categories a recorded broad code may
	// stand for (an unspecified "stroke" may be an infarction); absent: confirmed
	// absent. complete: the record is a complete problem list.
	codes, vague, absent                          []int16
	complete                                      bool
	obs                                           []preparedObs
	pregnant, breastfeeding, smi, psych, capacity tri
	langs, notLangs                               []string
	answers                                       map[string]Answer
	held                                          needs           // the facts held, for Status's fast path
	own                                           map[string]bool // trials with answers to their own criteria
	anyOfYes                                      bool            // "yes" to a question about any of several diagnoses
}

// postReproductiveAge is the age from which pregnancy is not asked about.
const postReproductiveAge = 60

// Prepare resolves a profile for evaluation on date asOf.
func Prepare(p *Profile, asOf time.Time) *Prepared {
	pp := &Prepared{p: p, asOf: asOf, sex: strings.ToUpper(p.Sex), complete: p.ConditionsComplete, answers: p.Answers}
	switch {
	case !p.BirthDate.IsZero():
		y := asOf.Year() - p.BirthDate.Year()
		if asOf.Month() < p.BirthDate.Month() || asOf.Month() == p.BirthDate.Month() && asOf.Day() < p.BirthDate.Day() {
			y--
		}
		pp.age, pp.hasAge = float64(y), true
		pp.ageDays, pp.hasDays = int(asOf.Sub(p.BirthDate).Hours()/24), true
	case p.AgeYears != nil:
		pp.age, pp.hasAge = *p.AgeYears, true
	}
	if p.AgeDays != nil {
		pp.ageDays, pp.hasDays = *p.AgeDays, true
	}
	pp.codes = resolveCodes(p.ICD10, p.SNOMED, p.ConditionText)
	pp.absent = resolveCodes(p.AbsentICD10, nil, p.AbsentText)
	pp.applyConditionAnswers()
	pp.vague = vagueCodes(pp.codes)
	if len(p.Observations) > 0 {
		pp.obs = make([]preparedObs, 0, len(p.Observations))
	}
	for _, o := range p.Observations {
		pp.addObservation(o)
	}
	pp.pregnant, pp.breastfeeding, pp.capacity = triOf(p.Pregnant), triOf(p.Breastfeeding), triOf(p.Capacity)
	pp.smi, pp.psych = triOf(p.SMI), triOf(p.Psychiatric)
	for _, c := range pp.codes {
		cat := categoryString(c)
		if smiCategories[cat] {
			pp.smi = triYes
		}
		if cat[0] == 'F' {
			pp.psych = triYes
		}
	}
	for _, l := range p.Languages {
		pp.langs = append(pp.langs, strings.ToLower(strings.TrimSpace(l)))
	}
	pp.applyAnswers()
	// Nobody asks a man, or a woman of 60 or more, whether she could be pregnant or
	// is breastfeeding: the answer is taken as no unless the record says otherwise.
	if pp.sex == "MALE" || (pp.sex == "FEMALE" && pp.hasAge && pp.age >= postReproductiveAge) {
		if pp.pregnant == triUnknown {
			pp.pregnant = triNo
		}
		if pp.breastfeeding == triUnknown {
			pp.breastfeeding = triNo
		}
	}
	sort.Strings(pp.langs)
	pp.held, pp.own = pp.holds(), pp.ownAnswers()
	return pp
}

// resolveCodes maps ICD-10 codes (any length), SNOMED CT ids and free text to
// sorted category ids, exactly as criteria are resolved.
func resolveCodes(icd, snomed, text []string) []int16 {
	var codes []int16
	add := func(cat string) {
		if id := categoryID(icdCategory(cat)); id >= 0 {
			codes = append(codes, id)
		}
	}
	for _, c := range icd {
		add(c)
	}
	for _, s := range snomed {
		if c, ok := CodeForSNOMED(s); ok {
			add(c.ICD10)
		}
	}
	for _, t := range text {
		for _, c := range LookupCondition(t) {
			add(c.ICD10)
		}
	}
	return sortedUnique16(codes)
}

// addObservation keeps the latest observation of each analyte, and the earliest
// for criteria about the value at presentation, in its canonical unit.
func (pp *Prepared) addObservation(o Observation) {
	a, ok := LookupAnalyte(o.Analyte)
	if !ok || (!o.Date.IsZero() && o.Date.After(pp.asOf)) {
		return
	}
	i := int16(analyteIndex(a.Name))
	cur := pp.observation(i)
	if cur == &noObservation {
		pp.obs = append(pp.obs, preparedObs{analyte: i})
		cur = &pp.obs[len(pp.obs)-1]
	}
	value, hasValue, uln, hasULN := canonicalObservation(a, o)
	if !cur.seen || o.Date.Before(cur.firstObs.Date) {
		cur.firstObs, cur.firstValue, cur.hasFirst = o, value, hasValue
	}
	if cur.seen && o.Date.Before(cur.obs.Date) {
		return
	}
	cur.seen, cur.obs = true, o
	cur.value, cur.hasValue, cur.uln, cur.hasULN = value, hasValue, uln, hasULN
}

// canonicalObservation converts a value to the analyte's canonical unit, and to a
// multiple of the upper limit of normal when the lab's limit is known.
func canonicalObservation(a Analyte, o Observation) (value float64, hasValue bool, uln float64, hasULN bool) {
	unit := canonicalUnitSpelling(o.Unit)
	if unit == "" && (a.Canonical() == "score" || a.Canonical() == "class" || a.Canonical() == "ratio") {
		unit = a.Canonical()
	}
	if unit == "xULN" {
		return 0, false, o.Value, true
	}
	value, hasValue = toCanonical(a, o.Value, unit)
	if o.ULN > 0 {
		uln, hasULN = o.Value/o.ULN, true
	}
	return
}

// hasDiagnosis says whether the patient has one of a part's diagnoses: yes when
// one is recorded, or one its broad codes cover; unknown when a recorded broad
// code may stand for one of them, or nothing is recorded either way; no only
// when the record is a complete problem list or every one is confirmed absent.
// An answer to the part's own question decides.
func (pp *Prepared) hasDiagnosis(p *part) tri {
	if pp.anyOfYes {
		if a, ok := pp.answer(p.key); ok && a.IsYes() {
			return triYes
		}
	}
	switch {
	case intersects(pp.codes, p.codes):
		return triYes
	case intersects(pp.codes, p.wide):
		// a specific disease within a broad criterion: certain for inclusion,
		// but whether, say, hypertension is the "cardiovascular disease" an
		// exclusion means is for a person to say
		if p.kind == partRequire {
			return triYes
		}
		return triUnknown
	case intersects(pp.vague, p.codes):
		return triUnknown
	case pp.complete || allIn(p.codes, pp.absent):
		return triNo
	}
	if p.kind == partExclude {
		return triNo // not recorded: listed to confirm (Compiled.unrecorded)
	}
	return triUnknown
}

// allIn reports whether every element of sorted a is in sorted b.
func allIn(a, b []int16) bool {
	if len(a) == 0 {
		return false
	}
	j := 0
	for _, v := range a {
		for j < len(b) && b[j] < v {
			j++
		}
		if j == len(b) || b[j] != v {
			return false
		}
	}
	return true
}

// ageWithin compares the age with bounds in years; bounds below two years
// ("28 days", "6 months") are compared in days when the birth date is known. A
// maximum is inclusive of its whole last unit, as registries mean it: "12 months"
// admits a baby of 12 months and 20 days, "1 year" one of 1 year and 11 months.
func (pp *Prepared) ageWithin(lo, hi float64) tri {
	if !pp.hasAge {
		return triUnknown
	}
	if pp.hasDays && (lo > 0 && lo < 2 || hi < 2) {
		d := float64(pp.ageDays)
		return boolTri(d >= math.Floor(lo*daysPerYear+1e-6) && d < hi*daysPerYear+lastUnitDays(hi))
	}
	return boolTri(pp.age >= lo && pp.age <= hi)
}

const daysPerYear = 365.25

// lastUnitDays: the length in days of the unit a maximum age was written in,
// guessed from its value (whole years, then months, then weeks, else days).
func lastUnitDays(years float64) float64 {
	whole := func(v float64) bool { return math.Abs(v-math.Round(v)) < 1e-6 }
	switch {
	case math.IsInf(years, 1):
		return 0
	case whole(years):
		return daysPerYear
	case whole(years * 12):
		return daysPerYear / 12
	case whole(years * daysPerYear / 7):
		return 7
	}
	return 1
}

// labValue: the value a lab part compares, latest or at presentation, in the
// canonical unit or as a multiple of the upper limit of normal.
func (pp *Prepared) labValue(p *part) (float64, bool) {
	o := pp.observation(p.analyte)
	if p.uln {
		return o.uln, o.hasULN
	}
	if p.th.Timing == "first" && o.hasFirst {
		return o.firstValue, true
	}
	return o.value, o.hasValue
}

// inRange: whether a value lies in the range a threshold describes, strict
// bounds excluded ("< 30" leaves 30 out).
func (p *part) inRange(v float64) bool {
	const eps = 1e-9
	if p.th.LowStrict && v <= p.lo+eps || v < p.lo-eps {
		return false
	}
	if p.th.HighStrict && v >= p.hi-eps || v > p.hi+eps {
		return false
	}
	return true
}

func (pp *Prepared) speaks(lang string) tri {
	for _, l := range pp.notLangs {
		if l == lang {
			return triNo
		}
	}
	if len(pp.langs) == 0 {
		return triUnknown
	}
	for _, l := range pp.langs {
		if l == lang {
			return triYes
		}
	}
	return triNo
}
