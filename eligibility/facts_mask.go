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
	factComplete // a complete problem list: any required diagnosis can fail
	// only the answer that can fail each flag counts: a known "not pregnant"
	// cannot fail a pregnancy exclusion, so it need not be checked
	factPregnant         // pregnant: fails an exclusion of pregnancy
	factNotPregnant      // not pregnant: fails a trial for pregnant people
	factBreastfeeding    // breastfeeding
	factSMI              // a serious mental illness
	factPsychiatric      // a psychiatric history
	factLanguage         // languages known, so one may be missing
	factNoCapacity       // cannot consent personally
	factDiagnosisAnswers // answers to diagnosis questions
)

// needs is what a criterion needs of a profile to be able to fail.
type needs struct {
	facts factBits
	codes [2]uint64 // categories whose presence could exclude
	// required categories, which fail when confirmed absent; for a profile,
	// the categories confirmed absent
	absent [2]uint64
	labs   uint64 // analytes whose value could fail a threshold
	// topics whose answer could decide the criterion: one bit per shared
	// question (topic:…), so a profile that answered "smoking" does not make
	// every trial asking about other trials evaluate in full
	topics uint64
}

func topicBit(key string) uint64 {
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return 1 << (h & 63)
}

func bloom2(id int16) (int, uint64) { return int(uint16(id)>>6) & 1, 1 << (uint16(id) & 63) }

func addCodes(set *[2]uint64, ids []int16) {
	for _, id := range ids {
		w, b := bloom2(id)
		set[w] |= b
	}
}

func (n *needs) meets(h *needs) bool {
	return n.facts&h.facts != 0 || n.codes[0]&h.codes[0] != 0 || n.codes[1]&h.codes[1] != 0 || n.labs&h.labs != 0 || n.topics&h.topics != 0 ||
		n.absent[0]&h.absent[0] != 0 || n.absent[1]&h.absent[1] != 0
}

// needsOf works out a criterion's needs from its parts.
func (c *Compiled) needsOf(cr *compiledCriterion) needs {
	// a trial's own criterion answers are checked per trial (Status)
	var n needs
	if cr.topic != "" {
		n.topics |= topicBit(cr.topic)
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
			n.facts |= factComplete | factDiagnosisAnswers
			addCodes(&n.absent, p.codes)
		case partExclude:
			n.facts |= factDiagnosisAnswers
			addCodes(&n.codes, p.codes)
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
	set(pp.complete, factComplete)
	addCodes(&h.absent, pp.absent)
	set(pp.pregnant == triYes, factPregnant)
	set(pp.pregnant == triNo, factNotPregnant)
	set(pp.breastfeeding == triYes, factBreastfeeding)
	set(pp.smi == triYes, factSMI)
	set(pp.psych == triYes, factPsychiatric)
	set(len(pp.langs) > 0 || len(pp.notLangs) > 0, factLanguage)
	set(pp.capacity == triNo, factNoCapacity)
	for k := range pp.answers {
		if strings.HasPrefix(k, "topic:") {
			h.topics |= topicBit(k)
		}
		set(strings.HasPrefix(k, "diagnosis:") && pp.anyOfYes, factDiagnosisAnswers)
	}
	addCodes(&h.codes, pp.codes)
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
