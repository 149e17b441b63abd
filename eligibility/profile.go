package eligibility

import (
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
// observation of each analyte in its canonical unit.
type Prepared struct {
	p                                             *Profile
	asOf                                          time.Time
	age                                           float64
	hasAge                                        bool
	sex                                           string
	codes                                         []int16
	obs                                           []preparedObs
	pregnant, breastfeeding, smi, psych, capacity tri
	langs                                         []string
}

// postReproductiveAge is the age from which pregnancy is not asked about.
const postReproductiveAge = 60

// Prepare resolves a profile for evaluation on date asOf.
func Prepare(p *Profile, asOf time.Time) *Prepared {
	pp := &Prepared{p: p, asOf: asOf, sex: strings.ToUpper(p.Sex)}
	switch {
	case p.AgeYears != nil:
		pp.age, pp.hasAge = *p.AgeYears, true
	case !p.BirthDate.IsZero():
		y := asOf.Year() - p.BirthDate.Year()
		if asOf.YearDay() < p.BirthDate.YearDay() {
			y--
		}
		pp.age, pp.hasAge = float64(y), true
	}
	var codes []int16
	add := func(cat string) {
		if id := categoryID(icdCategory(cat)); id >= 0 {
			codes = append(codes, id)
		}
	}
	for _, c := range p.ICD10 {
		add(c)
	}
	for _, s := range p.SNOMED {
		if c, ok := CodeForSNOMED(s); ok {
			add(c.ICD10)
		}
	}
	for _, t := range p.ConditionText {
		for _, c := range LookupCondition(t) {
			add(c.ICD10)
		}
	}
	pp.codes = sortedUnique16(codes)
	if len(p.Observations) > 0 {
		pp.obs = make([]preparedObs, 0, len(p.Observations))
	}
	for _, o := range p.Observations {
		a, ok := LookupAnalyte(o.Analyte)
		if !ok || (!o.Date.IsZero() && o.Date.After(asOf)) {
			continue
		}
		i := int16(analyteIndex(a.Name))
		cur := pp.observation(i)
		if cur == &noObservation {
			pp.obs = append(pp.obs, preparedObs{analyte: i})
			cur = &pp.obs[len(pp.obs)-1]
		} else if (cur.hasValue || cur.hasULN) && o.Date.Before(cur.obs.Date) {
			continue
		}
		*cur = preparedObs{analyte: i, obs: o}
		unit := canonicalUnitSpelling(o.Unit)
		if unit == "" && (a.Canonical() == "score" || a.Canonical() == "class" || a.Canonical() == "ratio") {
			unit = a.Canonical()
		}
		if unit == "xULN" {
			cur.uln, cur.hasULN = o.Value, true
			continue
		}
		if v, ok := toCanonical(a, o.Value, unit); ok {
			cur.value, cur.hasValue = v, true
		}
		if o.ULN > 0 {
			cur.uln, cur.hasULN = o.Value/o.ULN, true
		}
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
	for _, l := range p.Languages {
		pp.langs = append(pp.langs, strings.ToLower(strings.TrimSpace(l)))
	}
	sort.Strings(pp.langs)
	return pp
}

func (pp *Prepared) hasAnyCode(codes []int16) bool {
	i, j := 0, 0
	for i < len(pp.codes) && j < len(codes) {
		switch {
		case pp.codes[i] == codes[j]:
			return true
		case pp.codes[i] < codes[j]:
			i++
		default:
			j++
		}
	}
	return false
}

func (pp *Prepared) speaks(lang string) tri {
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
