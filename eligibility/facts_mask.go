package eligibility

import "strings"

// A fast path for Status over many trials. Most criteria cannot rule a given
// patient out: an excluded diagnosis they do not have, a lab value they have no
// result for. Each criterion carries the facts that could make it "not met",
// and each prepared profile the facts it holds, so Status skips a criterion in
// one comparison when they share none. A Bloom-style bitset stands for code
// categories and analytes: a collision only costs a full evaluation.

type factBits uint32

const (
	factAge factBits = 1 << iota
	factSex
	factNegCodes // a complete problem list, or conditions confirmed absent
	// only the answer that can fail each flag counts: a known "not pregnant"
	// cannot fail a pregnancy exclusion, so it need not be checked
	factPregnant         // pregnant: fails an exclusion of pregnancy
	factNotPregnant      // not pregnant: fails a trial for pregnant people
	factBreastfeeding    // breastfeeding
	factSMI              // a serious mental illness
	factPsychiatric      // a psychiatric history
	factLanguage         // languages known, so one may be missing
	factNoCapacity       // cannot consent personally
	factTopicAnswers     // answers to shared free-text questions (topic:…)
	factDiagnosisAnswers // answers to diagnosis questions
)

// needs is what a criterion needs of a profile to be able to fail.
type needs struct {
	facts factBits
	codes [2]uint64 // categories whose presence could exclude
	labs  uint64    // analytes whose value could fail a threshold
}

func bloom2(id int16) (int, uint64) { return int(uint16(id)>>6) & 1, 1 << (uint16(id) & 63) }

func (n *needs) addCodes(ids []int16) {
	for _, id := range ids {
		w, b := bloom2(id)
		n.codes[w] |= b
	}
}

func (n *needs) meets(h *needs) bool {
	return n.facts&h.facts != 0 || n.codes[0]&h.codes[0] != 0 || n.codes[1]&h.codes[1] != 0 || n.labs&h.labs != 0
}

// needsOf works out a criterion's needs from its parts.
func (c *Compiled) needsOf(cr *compiledCriterion) needs {
	// a trial's own criterion answers are checked per trial (Status)
	var n needs
	if cr.topic != "" {
		n.facts |= factTopicAnswers
	}
	if cr.res.opaque != "" {
		return n // never judged on its parts
	}
	for i := cr.first; i < cr.end; i++ {
		p := &c.parts[i]
		switch p.kind {
		case partAge:
			n.facts |= factAge
		case partSex:
			n.facts |= factSex
		case partLab:
			n.labs |= 1 << (uint16(p.analyte) & 63)
		case partRequire:
			n.facts |= factNegCodes | factDiagnosisAnswers
		case partExclude:
			n.facts |= factDiagnosisAnswers
			n.addCodes(p.codes)
		case partPregnancy:
			n.facts |= factPregnant
		case partPregnant:
			n.facts |= factNotPregnant
		case partBreastfeeding:
			n.facts |= factBreastfeeding
		case partSMI:
			n.facts |= factSMI
		case partPsychiatric:
			n.facts |= factPsychiatric
		case partLanguage:
			n.facts |= factLanguage
		case partCapacity:
			n.facts |= factNoCapacity
		}
	}
	return n
}

// holds works out what facts a prepared profile holds.
func (pp *Prepared) holds() needs {
	var h needs
	set := func(ok bool, f factBits) {
		if ok {
			h.facts |= f
		}
	}
	set(pp.hasAge, factAge)
	set(pp.sex == "FEMALE" || pp.sex == "MALE", factSex)
	set(pp.complete || len(pp.absent) > 0, factNegCodes)
	set(pp.pregnant == triYes, factPregnant)
	set(pp.pregnant == triNo, factNotPregnant)
	set(pp.breastfeeding == triYes, factBreastfeeding)
	set(pp.smi == triYes, factSMI)
	set(pp.psych == triYes, factPsychiatric)
	set(len(pp.langs) > 0 || len(pp.notLangs) > 0, factLanguage)
	set(pp.capacity == triNo, factNoCapacity)
	for k := range pp.answers {
		set(strings.HasPrefix(k, "topic:"), factTopicAnswers)
		set(strings.HasPrefix(k, "diagnosis:") && pp.anyOfYes, factDiagnosisAnswers)
	}
	h.addCodes(pp.codes)
	for _, o := range pp.obs {
		h.labs |= 1 << (uint16(o.analyte) & 63)
	}
	return h
}

// ownAnswers lists the trials that have answers to their own criteria.
func (pp *Prepared) ownAnswers() map[string]bool {
	var own map[string]bool
	for k := range pp.answers {
		if rest, ok := strings.CutPrefix(k, "criterion:"); ok {
			nct, _, _ := strings.Cut(rest, ":")
			if own == nil {
				own = map[string]bool{}
			}
			own[nct] = true
		}
	}
	return own
}
