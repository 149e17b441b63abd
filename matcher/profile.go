package matcher

import (
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"equitrial"
	"equitrial/eligibility"
)

// ProfileOf turns a patient record into what the eligibility engine evaluates, as
// of asOf. It carries the age in whole years, never the birth date, so a profile
// held in memory (the feature index keeps one per patient) holds no direct
// identifier. Unknown facts stay unknown: evaluation then asks rather than guesses.
func ProfileOf(p *equitrial.Patient, asOf time.Time) *eligibility.Profile {
	pr := &eligibility.Profile{Pregnant: p.Pregnant, Breastfeeding: p.Breastfeeding}
	if age, ok := AgeOn(p.BirthDate, asOf); ok {
		a := float64(age)
		pr.AgeYears = &a
		if days, ok := AgeDaysOn(p.BirthDate, asOf); ok && age < 2 {
			pr.AgeDays = &days // only babies' limits are counted in days
		}
	}
	pr.ConditionsComplete = p.ConditionsComplete
	switch strings.ToLower(p.Sex) {
	case "female":
		pr.Sex = "FEMALE"
	case "male":
		pr.Sex = "MALE"
	}
	for _, c := range p.Conditions {
		if strings.EqualFold(c.Status, equitrial.ConditionAbsent) {
			switch {
			case c.Code != "" && (strings.EqualFold(c.System, "icd10") || c.System == ""):
				pr.AbsentICD10 = append(pr.AbsentICD10, c.Code)
			case c.Code != "" && strings.EqualFold(c.System, "snomed"):
				if code, ok := eligibility.CodeForSNOMED(c.Code); ok {
					pr.AbsentICD10 = append(pr.AbsentICD10, code.ICD10)
				}
			case c.Text != "":
				pr.AbsentText = append(pr.AbsentText, c.Text)
			}
			continue
		}
		switch {
		case c.Code != "" && strings.EqualFold(c.System, "snomed"):
			pr.SNOMED = append(pr.SNOMED, c.Code)
		case c.Code != "" && (strings.EqualFold(c.System, "icd10") || c.System == ""):
			pr.ICD10 = append(pr.ICD10, c.Code)
		case c.Text != "":
			pr.ConditionText = append(pr.ConditionText, c.Text)
		}
	}
	for _, o := range p.Observations {
		d, _ := time.Parse(time.DateOnly, o.Date) // an unreadable date counts as undated
		pr.Observations = append(pr.Observations, eligibility.Observation{Analyte: o.Analyte, Value: o.Value, Unit: o.Unit, Date: d})
	}
	// An explicit answer, or the stored stratum (which also counts coded F20–F31
	// diagnoses); Prepare adds coded diagnoses itself.
	switch {
	case p.SMI != nil:
		pr.SMI = p.SMI
	case p.Strata != nil && p.Strata.SMI == "yes":
		pr.SMI = boolPtr(true)
	}
	if pr.SMI != nil && *pr.SMI {
		pr.Psychiatric = boolPtr(true) // a serious mental illness is a psychiatric history
	}
	pr.Languages = spokenLanguages(p.Language, p.InterpreterNeeded)
	if len(p.Answers) > 0 {
		pr.Answers = make(map[string]eligibility.Answer, len(p.Answers))
		for _, a := range p.Answers {
			d, _ := time.Parse(time.DateOnly, a.Date)
			pr.Answers[a.Key] = eligibility.Answer{Value: a.Value, Unit: a.Unit, Date: d}
		}
	}
	return pr
}

// spokenLanguages says which languages the patient can take part in, as the
// lower-case English names the eligibility engine reads ("english", "polish").
// Only what the record settles is listed: a preferred language other than English
// says nothing about English unless the record also says whether an interpreter is
// needed, and an empty list makes language criteria "unknown" (a question), never
// a silent exclusion.
func spokenLanguages(tag string, interpreter *bool) []string {
	if tag == "" {
		return nil
	}
	name := languageName(tag)
	if name == "" {
		return nil
	}
	if name == "english" {
		return []string{"english"}
	}
	if interpreter == nil {
		return nil
	}
	if *interpreter {
		return []string{name}
	}
	return []string{name, "english"}
}

func languageName(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(tag))
	}
	base, _ := t.Base()
	return strings.ToLower(display.English.Languages().Name(language.Make(base.String())))
}

func boolPtr(b bool) *bool { return &b }

// conditionCategories are the ICD-10 categories ("E11") a profile's conditions fall
// in, resolved exactly as the eligibility engine resolves them (codes cut to three
// characters, SNOMED CT and free text through its vocabulary), so that an index
// keyed by them never disagrees with evaluation.
func conditionCategories(pr *eligibility.Profile) []string {
	var out []string
	add := func(code string) {
		if c, ok := icdCategory(code); ok && !containsExact(out, c) {
			out = append(out, c)
		}
	}
	for _, c := range pr.ICD10 {
		add(c)
	}
	for _, s := range pr.SNOMED {
		if c, ok := eligibility.CodeForSNOMED(s); ok {
			add(c.ICD10)
		}
	}
	for _, t := range pr.ConditionText {
		for _, c := range eligibility.LookupCondition(t) {
			add(c.ICD10)
		}
	}
	return out
}

// icdCategory is the three-character category of an ICD-10 code, and false for
// anything that is not one (a letter and two digits).
func icdCategory(code string) (string, bool) {
	c := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), ".", ""))
	if len(c) < 3 || c[0] < 'A' || c[0] > 'Z' || c[1] < '0' || c[1] > '9' || c[2] < '0' || c[2] > '9' {
		return "", false
	}
	return c[:3], true
}

func containsExact(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// AgeOn is the age in whole years on asOf's date of someone born on birthDate
// (YYYY-MM-DD); false when the date is missing, unreadable or in the future.
// Someone born on 29 February turns a year older on 1 March in other years.
func AgeOn(birthDate string, asOf time.Time) (int, bool) {
	b, today, ok := bornBy(birthDate, asOf)
	if !ok {
		return 0, false
	}
	age := today.Year() - b.Year()
	if today.Month() < b.Month() || today.Month() == b.Month() && today.Day() < b.Day() {
		age--
	}
	return age, true
}

// AgeDaysOn is the age in days on asOf's date of someone born on birthDate.
func AgeDaysOn(birthDate string, asOf time.Time) (int, bool) {
	b, today, ok := bornBy(birthDate, asOf)
	if !ok {
		return 0, false
	}
	return int(today.Sub(b).Hours() / 24), true
}

// bornBy reads a birth date and asOf's date; false when the birth date is
// missing, unreadable or after asOf.
func bornBy(birthDate string, asOf time.Time) (born, today time.Time, ok bool) {
	b, err := time.Parse(time.DateOnly, birthDate)
	if err != nil {
		return time.Time{}, time.Time{}, false
	}
	y, m, d := asOf.Date()
	today = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return b, today, !b.After(today)
}
