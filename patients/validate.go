package patients

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/go-playground/validator/v10"

	"equitrial"
	"equitrial/eligibility"
	"equitrial/refdata"
)

// Condition coding systems.
const (
	SystemICD10  = "icd10"
	SystemSNOMED = "snomed"
)

// Record sources.
const (
	SourceSelf     = "self-registered"
	SourceNurse    = "nurse"
	SourceImported = "imported"
)

// Consent channels.
var Channels = []string{"web", "paper", "phone", "in-person"}

// earliestBirthDate bounds birth dates from below: nobody alive was born earlier,
// and a date before it is a typing error ("1090-05-01").
var earliestBirthDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// The rules for each type, in validator v10's tag language, kept here rather than in
// struct tags on the shared types so that all of a profile's rules read in one place.
// Custom tags are registered in newValidator; Normalise runs first, so formats are
// checked on the canonical forms.
var (
	patientRules = map[string]string{
		"GivenName":           "omitempty,max=100,humantext",
		"FamilyName":          "omitempty,max=100,humantext",
		"BirthDate":           "omitempty,isodate,notfuture,birthdate",
		"NHSNumber":           "omitempty,nhsnumber",
		"Email":               "omitempty,max=254,email",
		"Phone":               "omitempty,e164",
		"Postcode":            "omitempty,ukpostcode",
		"Sex":                 "omitempty,oneof=female male other unknown",
		"EthnicCategory":      "omitempty,ethniccategory",
		"Census2021Ethnicity": "omitempty,census2021",
		"Conditions":          "max=200,dive",
		"Answers":             "max=500,dive",
		"Medicines":           "max=100,dive,max=200,humantext",
		"Observations":        "max=500,dive",
		"Language":            "omitempty,language",
		"AccessibilityNeeds":  "max=20,dive,max=500,humantext",
		"Source":              "omitempty,oneof=self-registered nurse imported",
		"Org":                 "max=100,humantext",
		"ID":                  "-",
		"Strata":              "-",
		"CreatedAt":           "-",
		"UpdatedAt":           "-",
		"Withdrawn":           "-",
	}
	conditionRules = map[string]string{
		"System": "required_with=Code,omitempty,oneof=icd10 snomed",
		"Code":   "max=20",
		"Text":   "max=500,humantext",
		"Status": "omitempty,oneof=present absent",
	}
	// Answers are checked in full (against the questions the engine asks) when they
	// are written (Checker.CheckAnswers); a stored record is only checked for shape,
	// so that an answer to a question the engine no longer asks never blocks a
	// change to the rest of the profile.
	answerRules = map[string]string{
		"Key":   "required,max=200,humantext",
		"Value": "required,max=50,humantext",
		"Unit":  "max=30,humantext",
		"Date":  "omitempty,isodate,notfuture",
		"By":    "max=100,humantext",
		"Role":  "omitempty,oneof=nurse admin patient",
	}
	observationRules = map[string]string{
		"Analyte": "required,analyte",
		"Date":    "required,isodate,notfuture",
	}
	consentRules = map[string]string{
		"Date":    "required_if=Contact true,omitempty,isodate,notfuture",
		"Version": "required_if=Contact true,max=50,humantext",
		"Channel": "required_if=Contact true,omitempty,oneof=web paper phone in-person",
	}
)

// Checker validates patient profiles. Its clock decides what "in the future" means;
// tests give it a fixed one.
type Checker struct {
	v   *validator.Validate
	now func() time.Time
}

// NewChecker returns a Checker using now as its clock (time.Now when nil).
func NewChecker(now func() time.Time) *Checker {
	if now == nil {
		now = time.Now
	}
	c := &Checker{now: now}
	c.v = c.newValidator()
	return c
}

var (
	defaultOnce    sync.Once
	defaultChecker *Checker
)

// Default is the Checker on the wall clock, built once: building one inspects every
// rule, so it is shared.
func Default() *Checker {
	defaultOnce.Do(func() { defaultChecker = NewChecker(nil) })
	return defaultChecker
}

func (c *Checker) newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	v.RegisterStructValidationMapRules(patientRules, equitrial.Patient{})
	v.RegisterStructValidationMapRules(conditionRules, equitrial.Condition{})
	v.RegisterStructValidationMapRules(observationRules, equitrial.Observation{})
	v.RegisterStructValidationMapRules(answerRules, equitrial.Answer{})
	v.RegisterStructValidationMapRules(consentRules, equitrial.Consent{})
	must := func(tag string, fn validator.Func) {
		if err := v.RegisterValidation(tag, fn); err != nil {
			panic(err) // a programming error in the tag table
		}
	}
	str := func(ok func(string) bool) validator.Func {
		return func(fl validator.FieldLevel) bool { return ok(fl.Field().String()) }
	}
	must("nhsnumber", str(equitrial.ValidNHSNumber))
	must("ukpostcode", str(refdata.ValidPostcode))
	must("ethniccategory", str(equitrial.ValidEthnicCategory))
	must("census2021", str(func(s string) bool { _, ok := censusID(s); return ok }))
	must("isodate", str(func(s string) bool { _, err := time.Parse(time.DateOnly, s); return err == nil }))
	must("notfuture", str(func(s string) bool {
		d, err := time.Parse(time.DateOnly, s)
		return err != nil || !d.After(today(c.now())) // a malformed date is isodate's to report
	}))
	must("birthdate", str(func(s string) bool {
		d, err := time.Parse(time.DateOnly, s)
		return err != nil || !d.Before(earliestBirthDate)
	}))
	must("language", str(func(s string) bool { _, ok := NormaliseLanguage(s); return ok }))
	must("analyte", str(func(s string) bool { _, ok := eligibility.LookupAnalyte(s); return ok }))
	must("humantext", str(humanText))
	v.RegisterStructValidation(validateCondition, equitrial.Condition{})
	v.RegisterStructValidation(validateObservation, equitrial.Observation{})
	return v
}

// today is the current date in the UK, where every date a profile holds was written.
func today(now time.Time) time.Time {
	if loc := london(); loc != nil {
		now = now.In(loc)
	}
	y, m, d := now.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// humanText refuses control characters (other than none at all): names and notes
// are shown on screens and printed on letters, where they would do harm.
func humanText(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}

func validateCondition(sl validator.StructLevel) {
	c := sl.Current().Interface().(equitrial.Condition)
	switch {
	case c.Code == "" && c.Text == "":
		sl.ReportError(c.Code, "code", "Code", "codeortext", "")
	case c.Code == "":
	case c.System == SystemICD10:
		if n, ok := NormaliseICD10(c.Code); !ok || n != c.Code {
			sl.ReportError(c.Code, "code", "Code", "icd10", "")
		}
	case c.System == SystemSNOMED:
		if !ValidSNOMED(c.Code) {
			sl.ReportError(c.Code, "code", "Code", "snomed", "")
		}
	}
}

func validateObservation(sl validator.StructLevel) {
	o := sl.Current().Interface().(equitrial.Observation)
	a, ok := eligibility.LookupAnalyte(o.Analyte)
	if !ok {
		return // the analyte rule reports it
	}
	unit, ok := eligibility.ValidUnit(a.Name, o.Unit)
	if !ok || unit != o.Unit {
		sl.ReportError(o.Unit, "unit", "Unit", "unit", strings.Join(a.Units, ", "))
		return
	}
	if r, ok := plausibleRange(a.Name, unit); ok && (o.Value < r.min || o.Value > r.max) {
		sl.ReportError(o.Value, "value", "Value", "plausible", fmt.Sprintf("%s to %s %s", fmtNum(r.min), fmtNum(r.max), unit))
	}
}

func fmtNum(f float64) string { return strings.TrimSuffix(fmt.Sprintf("%.4g", f), ".0") }

// Validate checks a normalised profile and returns a KindInvalid error naming every
// field at fault by its JSON path ("conditions[1].code", "consent.date"), or nil.
func (c *Checker) Validate(p *equitrial.Patient) error {
	err := c.v.Struct(p)
	if err == nil {
		return nil
	}
	verrs, ok := err.(validator.ValidationErrors)
	if !ok {
		return fmt.Errorf("patients: validate: %w", err)
	}
	fields := make([]equitrial.FieldError, 0, len(verrs))
	for _, fe := range verrs {
		fields = append(fields, equitrial.FieldError{Field: jsonPath(fe.Namespace()), Detail: describe(fe)})
	}
	return equitrial.Invalid(fmt.Sprintf("the patient profile has %d field(s) to correct", len(fields)), fields...)
}

// Prepare normalises p in place and validates it.
func (c *Checker) Prepare(p *equitrial.Patient) error {
	Normalise(p)
	return c.Validate(p)
}

// jsonPath drops the type name validator puts first: "Patient.conditions[1].code" →
// "conditions[1].code".
func jsonPath(ns string) string {
	_, rest, ok := strings.Cut(ns, ".")
	if !ok {
		return ns
	}
	return rest
}

// describe says what is wrong in words a nurse or patient can act on.
func describe(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required", "required_with":
		return "is required"
	case "required_if":
		return "is required when consent to contact is given"
	case "max":
		if fe.Kind() == reflect.Slice {
			return "may have at most " + fe.Param() + " entries"
		}
		return "must be at most " + fe.Param() + " characters"
	case "oneof":
		return "must be one of " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "isodate":
		return "must be a date written YYYY-MM-DD, such as 1980-04-23"
	case "notfuture":
		return "must not be in the future"
	case "birthdate":
		return "must be on or after 1900-01-01"
	case "nhsnumber":
		return "is not a valid NHS number: it must be 10 digits and the last digit is a check digit (modulus 11)"
	case "ukpostcode":
		return "is not a UK postcode, such as SW1A 1AA"
	case "email":
		return "is not an email address"
	case "e164":
		return "is not a telephone number: give a UK number such as 07700 900123, or an international one starting +"
	case "ethniccategory":
		return "must be an NHS ethnic category code: A to S, Z (not stated) or 99 (not known)"
	case "census2021":
		return "must be one of the 19 categories of the 2021 census for England and Wales, such as asian_indian or white_british"
	case "language":
		return "must be a language code such as en, cy or pl, or a language name such as Polish"
	case "analyte":
		return "is not a measurement equitrial knows: use a name from the analyte table, such as hba1c or egfr"
	case "unit":
		return "is not a unit for this measurement: use one of " + fe.Param()
	case "plausible":
		return "is outside the plausible range " + fe.Param() + "; check the value and the unit"
	case "codeortext":
		return "give a code, or the condition's name as text"
	case "icd10":
		return "is not an ICD-10 code: a letter, two digits and an optional subdivision, such as E11 or F20.0"
	case "snomed":
		return "is not a SNOMED CT concept id: 6 to 18 digits with a valid check digit"
	case "humantext":
		return "may not contain control characters"
	}
	return "is not valid (" + fe.Tag() + ")"
}

// london is the UK's time zone, loaded once (loading reads the zone database); nil
// when the system has no zone data, and then dates are taken in UTC.
var london = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return nil
	}
	return loc
})
