package eligibility

import "math"

type partKind uint8

const (
	partAge partKind = iota
	partSex
	partLab
	partRequire
	partExclude
	partPregnancy
	partPregnant // the criterion requires pregnancy (trials for pregnant people)
	partBreastfeeding
	partSMI
	partPsychiatric
	partLanguage
	partCapacity
)

// part is one machine-checkable piece of a criterion, with everything resolved
// that can be resolved before a patient is seen: analyte ids, canonical units,
// condition categories as sorted small integers.
type part struct {
	kind    partKind
	analyte int16
	uln     bool
	lo, hi  float64 // canonical unit (or ×ULN); ±Inf when open
	codes   []int16
	text    string // language or sex
	coded   bool   // a flag also covered by coded conditions: only a "yes" decides
	th      Threshold
	// wide: the categories the criterion's broad codes cover (hierarchy.go);
	// key: the question that settles this part, for diagnoses.
	wide []int16
	key  string
}

type compiledCriterion struct {
	index      int // into Criteria.Criteria; -1 age, -2 sex (from the structured fields)
	exclusion  bool
	labsAnyOf  bool
	first, end int // parts[first:end]
	res        residue
	key        string // the criterion's own question (a person judges it)
	// topic: the shared question a free-text criterion asks (question.go), and
	// whether the criterion asks for its opposite ("non-smokers")
	topic        string
	topicNegated bool
	// topicDays: the period the shared question covers; window: the period the
	// criterion names, in days (topic_window.go)
	topicDays, window int
}

// Compiled is a trial's criteria in the form evaluation reads: flat slices, no
// maps, no strings to compare in the hot path.
type Compiled struct {
	NCTID    string
	Criteria *Criteria
	crits    []compiledCriterion
	parts    []part
	// judged: some criterion only a person (or an answer) can settle, so
	// without answers the best verdict is "potentially eligible"
	judged bool
	// judgedOwn: some criterion only its own answer can settle (no shared topic
	// question asks it), so topic answers cannot make the trial "eligible"
	judgedOwn bool
	// judgedTopics: the shared questions that settle the judged criteria;
	// unless a profile answered all of them, the best verdict is "potentially
	// eligible" (a bit shared with an answered topic only costs evaluation)
	judgedTopics uint64
	// needs[i]: what a profile must hold for crits[i] to fail; rest: the union
	// over the criteria from the text, less age and sex, which the structured
	// criteria (first in crits) check with the same bounds (facts_mask.go)
	needs []needs
	rest  needs
	lead  int // crits[:lead] are the structured age and sex criteria
}

// Compile prepares parsed criteria for fast, repeated evaluation.
func Compile(c *Criteria) *Compiled {
	k := &Compiled{NCTID: c.NCTID, Criteria: c}
	if c.MinAge != nil || c.MaxAge != nil {
		lo, hi := math.Inf(-1), math.Inf(1)
		if c.MinAge != nil {
			lo = *c.MinAge
		}
		if c.MaxAge != nil {
			hi = *c.MaxAge
		}
		k.addCriterion(-1, false, false, []part{{kind: partAge, lo: lo, hi: hi}})
	}
	if c.Sex == "FEMALE" || c.Sex == "MALE" {
		k.addCriterion(-2, false, false, []part{{kind: partSex, text: c.Sex}})
	}
	// the categories the trial is for: an exclusion's broad codes ("any other
	// malignancy") never cover them, or a breast cancer trial would ask each of
	// its own patients whether their cancer excludes them
	var own []int16
	for i := range c.Criteria {
		if cr := &c.Criteria[i]; cr.Section == Inclusion {
			own = append(own, codeIDs(cr.RequireAny)...)
		}
	}
	own = sortedUnique16(own)
	for i := range c.Criteria {
		cr := &c.Criteria[i]
		var ps []part
		if cr.Type == TypeAge && len(cr.Labs) == 0 && len(cr.RequireAny) == 0 && len(cr.ExcludeAny) == 0 {
			// the trial-level age criterion already carries the text bounds
			lo, hi := math.Inf(-1), math.Inf(1)
			if c.MinAge != nil {
				lo = *c.MinAge
			}
			if c.MaxAge != nil {
				hi = *c.MaxAge
			}
			ps = append(ps, part{kind: partAge, lo: lo, hi: hi})
		}
		labs := 0
		for _, th := range cr.Labs {
			if p, ok := compileLab(th); ok {
				ps = append(ps, p)
				labs++
			}
		}
		if len(cr.RequireAny) > 0 {
			ps = append(ps, codePart(partRequire, cr.RequireAny))
		}
		if len(cr.ExcludeAny) > 0 {
			p := codePart(partExclude, cr.ExcludeAny)
			p.wide = minus16(p.wide, own)
			ps = append(ps, p)
		}
		if cr.ExcludesPregnancy {
			ps = append(ps, part{kind: partPregnancy})
		} else if cr.RequiresPregnancy {
			ps = append(ps, part{kind: partPregnant})
		}
		if cr.ExcludesBreastfeeding {
			ps = append(ps, part{kind: partBreastfeeding})
		}
		coded := len(cr.ExcludeAny) > 0
		if cr.ExcludesSMI {
			ps = append(ps, part{kind: partSMI, coded: coded})
		}
		if cr.ExcludesPsychiatric && !cr.ExcludesSMI {
			ps = append(ps, part{kind: partPsychiatric, coded: coded})
		}
		if cr.RequiresLanguage != "" {
			ps = append(ps, part{kind: partLanguage, text: cr.RequiresLanguage})
		}
		if cr.RequiresCapacity {
			ps = append(ps, part{kind: partCapacity})
		}
		k.addCriterion(i, cr.Section == Exclusion, cr.LabsAnyOf, ps)
		last := &k.crits[len(k.crits)-1]
		last.res = residueOf(cr, labs)
		last.key = CriterionKey(c.NCTID, i)
		if len(ps) == 0 {
			last.topic, last.topicNegated, last.topicDays = topicOf(cr)
			last.window = criterionWindow(cr.Text)
		}
	}
	k.needs = make([]needs, len(k.crits))
	for i := range k.crits {
		cr := &k.crits[i]
		k.needs[i] = k.needsOf(cr)
		if cr.index < 0 {
			k.lead = i + 1
			continue
		}
		if cr.first == cr.end || cr.res.opaque != "" {
			k.judged = true
			if cr.topic == "" {
				k.judgedOwn = true
			} else {
				k.judgedTopics |= topicBit(cr.topic)
			}
		}
		k.rest.facts |= k.needs[i].facts &^ (factAge | factSex)
		k.rest.codes[0] |= k.needs[i].codes[0]
		k.rest.codes[1] |= k.needs[i].codes[1]
		k.rest.labs |= k.needs[i].labs
		k.rest.topics |= k.needs[i].topics
		k.rest.absent[0] |= k.needs[i].absent[0]
		k.rest.absent[1] |= k.needs[i].absent[1]
	}
	return k
}

// codePart compiles a list of diagnoses, with the categories their broad codes
// cover, and the key of the question that asks about them.
func codePart(kind partKind, cs []Code) part {
	ids := codeIDs(cs)
	return part{kind: kind, codes: ids, wide: coveredBy(ids), key: diagnosisKey(ids)}
}

func (k *Compiled) addCriterion(index int, exclusion, anyOf bool, ps []part) {
	first := len(k.parts)
	k.parts = append(k.parts, ps...)
	k.crits = append(k.crits, compiledCriterion{index: index, exclusion: exclusion, labsAnyOf: anyOf, first: first, end: len(k.parts)})
}

func codeIDs(cs []Code) []int16 {
	var ids []int16
	for _, c := range cs {
		if id := categoryID(c.ICD10); id >= 0 {
			ids = append(ids, id)
		}
	}
	return sortedUnique16(ids)
}

func compileLab(th Threshold) (part, bool) {
	i := analyteIndex(th.Analyte)
	if i < 0 {
		return part{}, false
	}
	a := loadAnalytes().list[i]
	p := part{kind: partLab, analyte: int16(i), lo: math.Inf(-1), hi: math.Inf(1), th: th}
	conv := func(v float64) (float64, bool) {
		if th.Unit == "xULN" {
			return v, true
		}
		return toCanonical(a, v, th.Unit)
	}
	p.uln = th.Unit == "xULN"
	if th.Low != nil {
		v, ok := conv(*th.Low)
		if !ok {
			return part{}, false
		}
		p.lo = v
	}
	if th.High != nil {
		v, ok := conv(*th.High)
		if !ok {
			return part{}, false
		}
		p.hi = v
	}
	return p, true
}
