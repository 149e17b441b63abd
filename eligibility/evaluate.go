package eligibility

import (
	"strings"
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
	Index    int       `json:"index"` // -1: age, -2: sex (structured fields)
	Text     string    `json:"text"`
	Section  Section   `json:"section"`
	Type     Type      `json:"type"`
	Result   Outcome   `json:"result"`
	Reason   string    `json:"reason"`
	Question string    `json:"question,omitempty"` // the clinical wording of Ask
	Ask      *Question `json:"ask,omitempty"`
	// Unrecorded: the criterion is met only because something it excludes is not
	// in the record (not confirmed absent): the nurse should confirm it.
	Unrecorded bool `json:"unrecorded,omitempty"`
}

// Result is the evaluation of one profile against one trial.
type Result struct {
	NCTID     string            `json:"nctId"`
	Status    Status            `json:"status"`
	Criteria  []CriterionResult `json:"criteria"`
	Questions []string          `json:"questions"` // clinical wording, structured questions first
	// Asks are the questions with their keys and both wordings, in the order of
	// Questions, one per key.
	Asks []Question `json:"asks"`
	// RestsOn says what a verdict of eligible (or potentially eligible) rests on:
	// the criteria met, and the exclusions the record does not mention, to confirm.
	RestsOn *Basis `json:"restsOn,omitempty"`
}

// Basis: what an eligible verdict rests on.
type Basis struct {
	Met     int      `json:"met"`               // criteria met on recorded facts or answers
	Confirm []string `json:"confirm,omitempty"` // exclusions not recorded either way
}

// Evaluate checks a profile against a compiled trial on date asOf.
func Evaluate(c *Compiled, p *Profile, asOf time.Time) Result {
	return c.Explain(Prepare(p, asOf))
}

// Status is the allocation-free overall answer, for ranking many trials; build
// reasons with Explain only for the trials shown. A criterion that the profile
// holds no fact to fail is skipped once the verdict can no longer be
// "eligible" (facts_mask.go); Status always agrees with Explain.
func (c *Compiled) Status(pp *Prepared) Status {
	h := &pp.held
	own := len(pp.own) > 0 && pp.own[c.NCTID] // answers to this trial's own criteria: check everything
	unknown := !own && (c.judgedOwn || c.judged && c.judgedTopics&^h.topics != 0)
	for i := range c.crits {
		if i == c.lead && unknown && !own && !c.rest.meets(h) {
			break // nothing in the text can fail, and it cannot be "eligible"
		}
		cr := &c.crits[i]
		if !own && !c.needs[i].meets(h) {
			if !unknown && c.outcome(cr, pp, own) == Unknown {
				unknown = true
			}
			continue
		}
		switch c.outcome(cr, pp, own) {
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
// anyOf are alternatives; everything else must hold together. An answer to the
// criterion's own question, given by a person, decides it; so does an answer to
// a shared topic question. A criterion that says more than its parts were
// compiled from is softened (residue.go).
func (c *Compiled) outcome(cr *compiledCriterion, pp *Prepared, own bool) Outcome {
	if own {
		if a, ok := pp.answer(cr.key); ok {
			if t := a.tri(); t != triUnknown {
				return outcomeOf(holds(t, cr.exclusion))
			}
		}
	}
	if cr.topic != "" && len(pp.answers) > 0 {
		if a, ok := pp.answer(cr.topic); ok {
			if t := topicDecides(a.tri(), cr.topicDays, cr.window); t != triUnknown {
				if cr.topicNegated {
					t = not(t)
				}
				return outcomeOf(holds(t, cr.exclusion))
			}
		}
	}
	if cr.first == cr.end {
		return Unknown
	}
	all := triYes
	labAny, labSeen := triNo, false
	for i := cr.first; i < cr.end; i++ {
		p := &c.parts[i]
		ok := c.soften(cr, p, p.ok(pp, cr.exclusion))
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
	if cr.res.opaque != "" && all != triUnknown {
		return Unknown
	}
	return outcomeOf(all)
}

// holds turns "the criterion, as written, is true of the patient" into whether
// the patient stays in: an exclusion that holds rules them out.
func holds(t tri, exclusion bool) tri {
	if exclusion {
		return not(t)
	}
	return t
}

func outcomeOf(t tri) Outcome {
	switch t {
	case triYes:
		return Met
	case triNo:
		return NotMet
	}
	return Unknown
}

// soften applies a criterion's narrowing words to one part's answer: a part that
// places the patient inside the group the criterion describes (has the excluded
// disease; has the required one) cannot tell whether the narrower group holds
// them, so it asks; a part that places them outside it stands. Age, sex,
// pregnancy and breastfeeding are plain facts the qualifiers do not touch.
func (c *Compiled) soften(cr *compiledCriterion, p *part, ok tri) tri {
	if cr.res.narrowing == "" || ok == triUnknown {
		return ok
	}
	switch p.kind {
	case partAge, partSex, partPregnancy, partPregnant, partBreastfeeding:
		return ok
	}
	inside := ok == triYes
	if cr.exclusion {
		inside = ok == triNo
	}
	if inside {
		return triUnknown
	}
	return ok
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

// ok says whether this part lets the patient stay in. A required diagnosis the
// record does not mention is a question, not a "no", unless the record is a
// complete problem list or says the patient does not have it; an excluded one
// that is not recorded lets the patient stay in (and is listed to confirm).
func (p *part) ok(pp *Prepared, exclusion bool) tri {
	switch p.kind {
	case partAge:
		return pp.ageWithin(p.lo, p.hi)
	case partSex:
		if pp.sex != "FEMALE" && pp.sex != "MALE" {
			return triUnknown
		}
		return boolTri(pp.sex == p.text)
	case partLab:
		v, has := pp.labValue(p)
		if !has {
			return triUnknown
		}
		in := p.inRange(v)
		if exclusion {
			return boolTri(!in)
		}
		return boolTri(in)
	case partRequire:
		return pp.hasDiagnosis(p)
	case partExclude:
		return not(pp.hasDiagnosis(p))
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
// the unknowns (structured questions before those about a criterion's own
// wording, one per key), and what a verdict other than ineligible rests on.
func (c *Compiled) Explain(pp *Prepared) Result {
	r := Result{NCTID: c.NCTID, Criteria: make([]CriterionResult, 0, len(c.crits)), Questions: []string{}, Asks: []Question{}}
	answeredOwn := pp.own[c.NCTID]
	unknown, violated := false, false
	var own []Question // questions about one criterion's wording, asked last
	seen := map[string]bool{}
	basis := &Basis{}
	for i := range c.crits {
		cr := &c.crits[i]
		out := c.outcome(cr, pp, answeredOwn)
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
		case Met:
			basis.Met++
			if cr.exclusion && c.unrecorded(cr, pp) {
				res.Unrecorded = true
				basis.Confirm = append(basis.Confirm, res.Text)
			}
		case Unknown:
			unknown = true
			if q := c.ask(cr, pp); q != nil {
				res.Ask, res.Question = q, q.Clinical
				if !seen[q.Key] {
					seen[q.Key] = true
					if strings.HasPrefix(q.Key, "criterion:") {
						own = append(own, *q)
					} else {
						r.Asks = append(r.Asks, *q)
					}
				}
			}
		}
		r.Criteria = append(r.Criteria, res)
	}
	r.Asks = append(r.Asks, own...)
	for _, q := range r.Asks {
		r.Questions = append(r.Questions, q.Clinical)
	}
	switch {
	case violated:
		r.Status = Ineligible
	case unknown:
		r.Status = PotentiallyEligible
		r.RestsOn = basis
	default:
		r.Status = Eligible
		r.RestsOn = basis
	}
	return r
}

// unrecorded: an exclusion met only because the record does not mention what it
// excludes (a diagnosis neither recorded nor confirmed absent).
func (c *Compiled) unrecorded(cr *compiledCriterion, pp *Prepared) bool {
	if _, answered := pp.answer(cr.key); answered {
		return false
	}
	for i := cr.first; i < cr.end; i++ {
		p := &c.parts[i]
		if p.kind == partExclude && !pp.complete && !allIn(p.codes, pp.absent) {
			if _, answered := pp.answer(p.key); !answered {
				return true
			}
		}
	}
	return false
}
