package eligibility

import (
	"sort"
	"time"
)

// Status is the overall answer for one patient and one trial.
type Status string

const (
	Eligible            Status = "eligible"             // nothing violated, nothing unknown
	PotentiallyEligible Status = "potentially_eligible" // nothing violated, something to ask
	Ineligible          Status = "ineligible"           // at least one criterion violated
)

// Outcome of one criterion.
type Outcome string

const (
	Met     Outcome = "met"
	NotMet  Outcome = "not_met"
	Unknown Outcome = "unknown"
)

// CriterionResult is the answer for one criterion, in words a nurse can check.
type CriterionResult struct {
	Index    int     `json:"index"` // -1: age, -2: sex (structured fields)
	Text     string  `json:"text"`
	Section  Section `json:"section"`
	Type     Type    `json:"type"`
	Result   Outcome `json:"result"`
	Reason   string  `json:"reason"`
	Question string  `json:"question,omitempty"`
}

// Result is the evaluation of one profile against one trial.
type Result struct {
	NCTID     string            `json:"nctId"`
	Status    Status            `json:"status"`
	Criteria  []CriterionResult `json:"criteria"`
	Questions []string          `json:"questions"` // structured questions first
}

// Evaluate checks a profile against a compiled trial on date asOf.
func Evaluate(c *Compiled, p *Profile, asOf time.Time) Result {
	return c.Explain(Prepare(p, asOf))
}

// Status is the allocation-free overall answer, for ranking many trials; build
// reasons with Explain only for the trials shown.
func (c *Compiled) Status(pp *Prepared) Status {
	unknown := c.judged
	for i := range c.checks {
		switch c.outcome(&c.checks[i], pp) {
		case NotMet:
			return Ineligible
		case Unknown:
			unknown = true
		}
	}
	if unknown {
		return PotentiallyEligible
	}
	return Eligible
}

// EvaluateSummary is Status for a profile not yet prepared.
func EvaluateSummary(c *Compiled, p *Profile, asOf time.Time) Status {
	return c.Status(Prepare(p, asOf))
}

// outcome combines a criterion's parts. Each part says whether it keeps the
// patient in (ok), rules them out, or cannot tell. Inclusion thresholds marked
// anyOf are alternatives; everything else must hold together.
func (c *Compiled) outcome(cr *compiledCriterion, pp *Prepared) Outcome {
	if cr.first == cr.end {
		return Unknown
	}
	all := triYes
	labAny, labSeen := triNo, false
	for i := cr.first; i < cr.end; i++ {
		p := &c.parts[i]
		ok := p.ok(pp, cr.exclusion)
		if p.kind == partLab && cr.labsAnyOf && !cr.exclusion {
			labSeen = true
			if ok == triYes {
				labAny = triYes
			} else if ok == triUnknown && labAny == triNo {
				labAny = triUnknown
			}
			continue
		}
		all = and(all, ok)
	}
	if labSeen {
		all = and(all, labAny)
	}
	switch all {
	case triYes:
		return Met
	case triNo:
		return NotMet
	}
	return Unknown
}

func and(a, b tri) tri {
	if a == triNo || b == triNo {
		return triNo
	}
	if a == triUnknown || b == triUnknown {
		return triUnknown
	}
	return triYes
}

func not(t tri) tri {
	switch t {
	case triYes:
		return triNo
	case triNo:
		return triYes
	}
	return triUnknown
}

// ok says whether this part lets the patient stay in. A condition the patient
// has not recorded counts as absent: patients register their diagnoses, and
// treating every unlisted disease as unknown would make every trial "potentially
// eligible" for everyone.
func (p *part) ok(pp *Prepared, exclusion bool) tri {
	switch p.kind {
	case partAge:
		if !pp.hasAge {
			return triUnknown
		}
		return boolTri(pp.age >= p.lo && pp.age <= p.hi)
	case partSex:
		if pp.sex != "FEMALE" && pp.sex != "MALE" {
			return triUnknown
		}
		return boolTri(pp.sex == p.text)
	case partLab:
		o := pp.observation(p.analyte)
		v, has := o.value, o.hasValue
		if p.uln {
			v, has = o.uln, o.hasULN
		}
		if !has {
			return triUnknown
		}
		in := v >= p.lo-1e-9 && v <= p.hi+1e-9
		if exclusion {
			return boolTri(!in)
		}
		return boolTri(in)
	case partRequire:
		return boolTri(pp.hasAnyCode(p.codes))
	case partExclude:
		return boolTri(!pp.hasAnyCode(p.codes))
	case partPregnancy:
		return not(pp.pregnant)
	case partPregnant:
		return pp.pregnant
	case partBreastfeeding:
		return not(pp.breastfeeding)
	case partSMI:
		if p.coded && pp.smi == triUnknown {
			return triYes
		}
		return not(pp.smi)
	case partPsychiatric:
		if p.coded && pp.psych == triUnknown {
			return triYes
		}
		return not(pp.psych)
	case partLanguage:
		return pp.speaks(p.text)
	case partCapacity:
		return pp.capacity
	}
	return triUnknown
}

func boolTri(b bool) tri {
	if b {
		return triYes
	}
	return triNo
}

// Explain evaluates and words every criterion: reasons for all, questions for
// the unknowns, structured questions before those about free text.
func (c *Compiled) Explain(pp *Prepared) Result {
	r := Result{NCTID: c.NCTID, Criteria: make([]CriterionResult, 0, len(c.crits))}
	unknown, violated := false, false
	type q struct {
		structured bool
		order      int
		text       string
	}
	var qs []q
	for i := range c.crits {
		cr := &c.crits[i]
		out := c.outcome(cr, pp)
		res := CriterionResult{Index: cr.index, Result: out, Section: Inclusion}
		if cr.exclusion {
			res.Section = Exclusion
		}
		switch cr.index {
		case -1:
			res.Type, res.Text = TypeAge, describeAgeBounds(c.Criteria)
		case -2:
			res.Type, res.Text = TypeSex, "Sex: "+sexWord(c.Criteria.Sex)
		default:
			src := &c.Criteria.Criteria[cr.index]
			res.Type, res.Text = src.Type, src.Text
		}
		res.Reason = c.reason(cr, pp, out)
		switch out {
		case NotMet:
			violated = true
		case Unknown:
			unknown = true
			res.Question = c.question(cr, pp)
			qs = append(qs, q{structured: cr.first < cr.end, order: i, text: res.Question})
		}
		r.Criteria = append(r.Criteria, res)
	}
	sort.SliceStable(qs, func(i, j int) bool { return qs[i].structured && !qs[j].structured })
	seen := map[string]bool{}
	for _, x := range qs {
		if x.text != "" && !seen[x.text] {
			seen[x.text] = true
			r.Questions = append(r.Questions, x.text)
		}
	}
	switch {
	case violated:
		r.Status = Ineligible
	case unknown:
		r.Status = PotentiallyEligible
	default:
		r.Status = Eligible
	}
	return r
}
