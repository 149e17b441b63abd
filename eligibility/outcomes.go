package eligibility

// Labels names each evaluated criterion in the order Outcomes reports them: the
// age and sex limits from the structured fields, then the criteria as written.
// Equity monitoring uses them to say which criterion shuts which groups out.
func (c *Compiled) Labels() []string {
	out := make([]string, len(c.crits))
	for i := range c.crits {
		switch cr := &c.crits[i]; cr.index {
		case -1:
			out[i] = describeAgeBounds(c.Criteria)
		case -2:
			out[i] = "Sex: " + sexWord(c.Criteria.Sex)
		default:
			out[i] = c.Criteria.Criteria[cr.index].Text
		}
	}
	return out
}

// Outcomes evaluates every criterion without wording reasons or questions, for
// counting over many patients; dst is reused when it is long enough.
func (c *Compiled) Outcomes(pp *Prepared, dst []Outcome) []Outcome {
	dst = dst[:0]
	for i := range c.crits {
		dst = append(dst, c.outcome(&c.crits[i], pp, pp.own[c.NCTID]))
	}
	return dst
}

// Unknowns counts the criteria still to check, as Explain would, without wording
// anything: ranking many potentially eligible trials by open questions needs
// only the count.
func (c *Compiled) Unknowns(pp *Prepared) int {
	own, n := pp.own[c.NCTID], 0
	for i := range c.crits {
		if c.outcome(&c.crits[i], pp, own) == Unknown {
			n++
		}
	}
	return n
}
