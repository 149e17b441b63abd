package eligibility

import (
	"fmt"
	"math"
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
		return fmt.Sprintf("Age %s to %s", ageInWords(*c.MinAge), ageInWords(*c.MaxAge))
	case c.MinAge != nil:
		return fmt.Sprintf("Age %s or over", ageInWords(*c.MinAge))
	case c.MaxAge != nil:
		return fmt.Sprintf("Age %s or under", ageInWords(*c.MaxAge))
	}
	return "Any age"
}

// ageInWords reads an age in years back in the unit it was most likely written
// in: "18 years", "6 months", "6 weeks", "28 days".
func ageInWords(years float64) string {
	whole := func(v float64) bool { return math.Abs(v-math.Round(v)) < 1e-6 }
	switch {
	case whole(years):
		return num(math.Round(years)) + " years"
	case whole(years * 12):
		return num(math.Round(years*12)) + " months"
	case whole(years * daysPerYear / 7):
		return num(math.Round(years*daysPerYear/7)) + " weeks"
	}
	return num(math.Round(years*daysPerYear)) + " days"
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
	if a, ok := pp.answer(cr.key); ok && a.tri() != triUnknown {
		return "answered " + strings.ToLower(a.Value) + " to this criterion's own question"
	}
	if cr.first == cr.end {
		if a, ok := pp.answer(cr.topic); ok {
			return "answered " + strings.ToLower(a.Value) + " to a question many trials ask (" + cr.topic + ")"
		}
		return "A person needs to judge this criterion."
	}
	var rs []string
	for i := cr.first; i < cr.end; i++ {
		rs = append(rs, c.parts[i].reason(pp, cr.exclusion))
	}
	s := strings.Join(rs, "; ")
	switch {
	case cr.res.opaque != "" && out == Unknown:
		s += "; the criterion also has " + cr.res.opaque + ", which was not understood, so a person must check it"
	case cr.res.narrowing != "" && out == Unknown:
		s += "; the criterion is narrower (\u201c" + cr.res.narrowing + "\u201d), so a person must check whether it applies"
	}
	return s
}

// diagnosisReason words the diagnosis check, saying where the answer came from.
func (p *part) diagnosisReason(pp *Prepared) string {
	names := codeNames(p.codes)
	if a, ok := pp.answer(p.key); ok && a.tri() != triUnknown {
		return "answered " + strings.ToLower(a.Value) + " to a diagnosis of " + names
	}
	switch {
	case intersects(pp.codes, p.codes):
		return "has a recorded diagnosis of " + names
	case intersects(pp.codes, p.wide):
		return "has a recorded diagnosis within " + names + ": " + recordedWithin(pp.codes, p.wide)
	case intersects(pp.vague, p.codes):
		return "has a recorded diagnosis broader than " + names + " (not specific enough to tell)"
	case allIn(p.codes, pp.absent):
		return "recorded as not having " + names
	case pp.complete:
		return "no diagnosis of " + names + " in the complete problem list"
	}
	return "no diagnosis of " + names + " is recorded (not confirmed absent)"
}

func recordedWithin(codes, within []int16) string {
	var hits []int16
	for _, c := range codes {
		for _, w := range within {
			if c == w {
				hits = append(hits, c)
			}
		}
	}
	return codeNames(hits)
}

func (p *part) reason(pp *Prepared, exclusion bool) string {
	switch p.kind {
	case partAge:
		want := describeAgeRange(finite(p.lo), finite(p.hi))
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
	case partRequire, partExclude:
		return p.diagnosisReason(pp)
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

func describeAgeRange(lo, hi *float64) string {
	switch {
	case lo != nil && hi != nil:
		return "between " + ageInWords(*lo) + " and " + ageInWords(*hi)
	case lo != nil:
		return "at least " + ageInWords(*lo)
	case hi != nil:
		return "at most " + ageInWords(*hi)
	}
	return "any age"
}
