package eligibility

import (
	"fmt"
	"strconv"
	"strings"
)

// Words for people: how criteria, reasons and questions read.

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func unitSuffix(u string) string {
	switch u {
	case "", "score", "class", "ratio":
		return ""
	case "xULN":
		return " × ULN"
	case "%":
		return "%"
	}
	return " " + u
}

func analyteLabel(name string) string {
	if a, ok := LookupAnalyte(name); ok {
		return a.Label
	}
	return name
}

// DescribeThreshold reads a threshold back: "HbA1c between 7 and 10.5%".
func DescribeThreshold(t Threshold) string {
	return analyteLabel(t.Analyte) + " " + describeRange(t.Low, t.High, t.Unit)
}

func describeRange(lo, hi *float64, unit string) string {
	u := unitSuffix(unit)
	switch {
	case lo != nil && hi != nil:
		return "between " + num(*lo) + " and " + num(*hi) + u
	case lo != nil:
		return "at least " + num(*lo) + u
	case hi != nil:
		return "at most " + num(*hi) + u
	}
	return "(no bound)"
}

func describeAgeBounds(c *Criteria) string {
	switch {
	case c.MinAge != nil && c.MaxAge != nil:
		return fmt.Sprintf("Age %s to %s years", num(*c.MinAge), num(*c.MaxAge))
	case c.MinAge != nil:
		return fmt.Sprintf("Age %s years or over", num(*c.MinAge))
	case c.MaxAge != nil:
		return fmt.Sprintf("Age %s years or under", num(*c.MaxAge))
	}
	return "Any age"
}

func sexWord(s string) string {
	switch s {
	case "FEMALE":
		return "female only"
	case "MALE":
		return "male only"
	}
	return "any"
}

func codeList(cs []Code) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Name + " (" + c.ICD10 + ")"
	}
	return strings.Join(parts, ", ")
}

func codeNames(ids []int16) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		cat := categoryString(id)
		if n := NameForICD10(cat); n != "" {
			parts[i] = n + " (" + cat + ")"
		} else {
			parts[i] = cat
		}
	}
	return strings.Join(parts, ", ")
}

// Describe lists what the parser understood of a criterion, one phrase per part;
// empty for a criterion a person must judge.
func (c *Criterion) Describe() []string {
	var out []string
	if c.AgeMin != nil || c.AgeMax != nil {
		out = append(out, "Age "+describeRange(c.AgeMin, c.AgeMax, "")+" years")
	}
	for _, t := range c.Labs {
		s := DescribeThreshold(t)
		if c.Section == Exclusion {
			s = "excluded if " + s
		}
		out = append(out, s)
	}
	if len(c.RequireAny) > 0 {
		out = append(out, "requires one of: "+codeList(c.RequireAny))
	}
	if len(c.ExcludeAny) > 0 {
		out = append(out, "excludes: "+codeList(c.ExcludeAny))
	}
	if c.Sex != "" {
		out = append(out, "Sex: "+sexWord(c.Sex))
	}
	if c.ExcludesPregnancy {
		out = append(out, "excludes pregnancy")
	}
	if c.RequiresPregnancy && !c.ExcludesPregnancy {
		out = append(out, "requires pregnancy (a trial for pregnant people)")
	}
	if c.ExcludesBreastfeeding {
		out = append(out, "excludes breastfeeding")
	}
	if c.ExcludesSMI {
		out = append(out, "excludes serious mental illness")
	}
	if c.ExcludesPsychiatric {
		out = append(out, "excludes psychiatric illness (broad)")
	}
	if c.RequiresLanguage != "" {
		out = append(out, "requires "+titleWord(c.RequiresLanguage))
	}
	if c.RequiresCommunication && c.RequiresLanguage == "" {
		out = append(out, "requires the study's language (the text names none): check the patient can take part without an interpreter")
	}
	if c.RequiresCapacity {
		out = append(out, "requires capacity to consent")
	}
	if c.LabsAnyOf {
		out = append(out, "(any one of the thresholds suffices)")
	}
	return out
}

func titleWord(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func yesNo(t tri, yes, no, unknown string) string {
	switch t {
	case triYes:
		return yes
	case triNo:
		return no
	}
	return unknown
}

func (c *Compiled) reason(cr *compiledCriterion, pp *Prepared, out Outcome) string {
	if cr.first == cr.end {
		return "A person needs to judge this criterion."
	}
	var rs []string
	for i := cr.first; i < cr.end; i++ {
		rs = append(rs, c.parts[i].reason(pp, cr.exclusion))
	}
	return strings.Join(rs, "; ")
}

func (p *part) reason(pp *Prepared, exclusion bool) string {
	switch p.kind {
	case partAge:
		want := describeRange(finite(p.lo), finite(p.hi), "") + " years"
		if !pp.hasAge {
			return "age not known (needs " + want + ")"
		}
		if pp.age >= p.lo && pp.age <= p.hi {
			return "age " + num(pp.age) + " is " + want
		}
		return "age " + num(pp.age) + " is not " + want
	case partSex:
		return "trial is " + sexWord(p.text) + "; patient sex is " + yesNo(boolTri(pp.sex != ""), strings.ToLower(pp.sex), "", "not known")
	case partLab:
		return p.labReason(pp, exclusion)
	case partRequire:
		if pp.hasAnyCode(p.codes) {
			return "has a recorded diagnosis among " + codeNames(p.codes)
		}
		return "no recorded diagnosis of " + codeNames(p.codes)
	case partExclude:
		if pp.hasAnyCode(p.codes) {
			return "has a recorded diagnosis this criterion excludes: " + codeNames(p.codes)
		}
		return "no recorded diagnosis of " + codeNames(p.codes)
	case partPregnancy:
		return yesNo(pp.pregnant, "patient is pregnant, which excludes", "patient is not pregnant", "pregnancy not known")
	case partPregnant:
		return yesNo(pp.pregnant, "patient is pregnant", "patient is not pregnant, which this trial requires", "pregnancy not known")
	case partBreastfeeding:
		return yesNo(pp.breastfeeding, "patient is breastfeeding, which excludes", "patient is not breastfeeding", "breastfeeding not known")
	case partSMI:
		return yesNo(pp.smi, "patient has a serious mental illness, which excludes", "no serious mental illness recorded", "serious mental illness not known")
	case partPsychiatric:
		return yesNo(pp.psych, "patient has a psychiatric history, which excludes", "no psychiatric history recorded", "psychiatric history not known")
	case partLanguage:
		return yesNo(pp.speaks(p.text), "patient speaks "+titleWord(p.text), "patient does not list "+titleWord(p.text)+" among their languages", "languages not known (needs "+titleWord(p.text)+")")
	case partCapacity:
		return yesNo(pp.capacity, "patient can consent for themselves", "patient cannot consent for themselves", "capacity to consent not known")
	}
	return ""
}

func finite(v float64) *float64 {
	if v > -1e300 && v < 1e300 {
		return &v
	}
	return nil
}

// labReason: "HbA1c 8.1% on 2026-10-02 is within between 7 and 10.5%".
func (p *part) labReason(pp *Prepared, exclusion bool) string {
	th := p.th
	label := analyteLabel(th.Analyte)
	o := pp.observation(p.analyte)
	has := o.hasValue
	if p.uln {
		has = o.hasULN
	}
	want := describeRange(th.Low, th.High, th.Unit)
	if !has {
		return label + " not known (criterion: " + want + ")"
	}
	shown := num(o.obs.Value) + unitSuffix(canonicalUnitSpelling(o.obs.Unit))
	if p.uln {
		shown = num(round3(o.uln)) + " × ULN"
	} else if v, ok := ConvertUnit(th.Analyte, o.obs.Value, o.obs.Unit, th.Unit); ok && canonicalUnitSpelling(o.obs.Unit) != th.Unit {
		shown += " (" + num(round3(v)) + unitSuffix(th.Unit) + ")"
	}
	date := ""
	if !o.obs.Date.IsZero() {
		date = " on " + o.obs.Date.Format("2006-01-02")
	}
	v := o.value
	if p.uln {
		v = o.uln
	}
	in := v >= p.lo-1e-9 && v <= p.hi+1e-9
	rel := "is within"
	if !in {
		rel = "is outside"
	}
	s := label + " " + shown + date + " " + rel + " " + strings.TrimPrefix(want, "between ")
	if in && th.Low != nil && th.High != nil {
		s = label + " " + shown + date + " is within " + num(*th.Low) + "–" + num(*th.High) + unitSuffix(th.Unit)
	} else if th.Low == nil || th.High == nil {
		s = label + " " + shown + date + " " + map[bool]string{true: "meets", false: "does not meet"}[in] + " " + want
	}
	if exclusion {
		if in {
			s += ", so this exclusion applies"
		} else {
			s += ", so this exclusion does not apply"
		}
	}
	return s
}

func round3(v float64) float64 {
	return float64(int64(v*1000+0.5*sign(v))) / 1000
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

func (c *Compiled) question(cr *compiledCriterion, pp *Prepared) string {
	for i := cr.first; i < cr.end; i++ {
		p := &c.parts[i]
		if p.ok(pp, cr.exclusion) != triUnknown {
			continue
		}
		switch p.kind {
		case partAge:
			return "What is your date of birth?"
		case partSex:
			return "What sex were you registered at birth?"
		case partLab:
			label := analyteLabel(p.th.Analyte)
			if p.uln {
				return "What was your most recent " + label + " result, and the upper limit of normal on that report?"
			}
			return "What was your most recent " + label + " result?"
		case partPregnancy:
			return "Are you pregnant, or could you be pregnant?"
		case partPregnant:
			return "Are you pregnant?"
		case partBreastfeeding:
			return "Are you breastfeeding?"
		case partSMI:
			return "Have you ever been diagnosed with schizophrenia, bipolar disorder or another psychotic illness?"
		case partPsychiatric:
			return "Have you ever been diagnosed with a mental health condition?"
		case partLanguage:
			return "Can you speak, read and understand " + titleWord(p.text) + "?"
		case partCapacity:
			return "Are you able to understand the study information and give consent yourself?"
		}
	}
	if cr.first == cr.end && cr.index >= 0 {
		t := c.Criteria.Criteria[cr.index].Text
		if len(t) > 240 {
			t = t[:240] + "…"
		}
		if cr.exclusion {
			return "Does this apply to you? \"" + t + "\""
		}
		return "Is this true for you? \"" + t + "\""
	}
	return ""
}
