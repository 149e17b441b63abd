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
	value, uln float64 // canonical unit; multiple of ULN
	hasValue   bool
	hasULN     bool
	obs        Observation
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
	pp.obs = make([]preparedObs, len(loadAnalytes().list))
	for _, o := range p.Observations {
		a, ok := LookupAnalyte(o.Analyte)
		if !ok || (!o.Date.IsZero() && o.Date.After(asOf)) {
			continue
		}
		i := analyteIndex(a.Name)
		cur := &pp.obs[i]
		if (cur.hasValue || cur.hasULN) && o.Date.Before(cur.obs.Date) {
			continue
		}
		*cur = preparedObs{obs: o}
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
	if pp.sex == "MALE" {
		pp.pregnant, pp.breastfeeding = triNo, triNo
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
