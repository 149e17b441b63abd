package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"equitrial"
)

// consentVersion names the wording of the consent question on the forms; the API
// stores it with the consent, so a change of wording must change it.
const consentVersion = "equitrial-web-1"

// patientForm is the registration form as typed, kept to fill the form in again.
// Patients fill it in themselves (/register) and nurses for a patient
// (/patients/new); Staff switches the wording.
type patientForm struct {
	Staff                     bool
	GivenName, FamilyName     string
	DobDay, DobMonth, DobYear string
	NHSNumber, Postcode, Sex  string
	Ethnicity                 string // a census 2021 id, or "not-stated"
	Conditions                string // one a line
	Pregnant, Breastfeeding   string // yes, no, not-sure
	Language, Interpreter     string
	AccessNeeds               string // one a line
	Consent                   bool
	Email, Phone              string

	// The edit form's own (patient_edit.go): Edit switches the page to editing.
	Edit     bool
	Name     string   // the patient's name, for the heading
	Absent   string   // conditions confirmed absent, one a line
	Complete bool     // the list of conditions is complete
	Obs      []obsRow // observations, then blank lines for new ones
}

// notStated is the form's value for "prefer not to say" about ethnicity; it is NHS
// ethnic category Z, an answer to be respected, not a gap in the data.
const notStated = "not-stated"

func readPatientForm(r *http.Request, staff bool) patientForm {
	r.ParseForm()
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return patientForm{Staff: staff,
		GivenName: v("given-name"), FamilyName: v("family-name"),
		DobDay: v("dob-day"), DobMonth: v("dob-month"), DobYear: v("dob-year"),
		NHSNumber: v("nhs-number"), Postcode: v("postcode"), Sex: v("sex"), Ethnicity: v("ethnicity"),
		Conditions: v("conditions"), Pregnant: v("pregnant"), Breastfeeding: v("breastfeeding"),
		Language: v("language"), Interpreter: v("interpreter"), AccessNeeds: v("access-needs"),
		Consent: v("consent") == "yes", Email: v("email"), Phone: v("phone"),
	}
}

// body is the API's patient JSON for the form, and the errors only the form can
// see (a date of birth that is not a date). When there are such errors, the date
// sent is one the API refuses too, so that the API still checks every other field
// in the same pass and nothing is stored: the person sees all their mistakes at
// once and the record is only created when everything is right.
func (f patientForm) body(now time.Time) (map[string]any, []fieldError) {
	b := map[string]any{}
	var local []fieldError
	set := func(k, v string) {
		if v != "" {
			b[k] = v
		}
	}
	set("givenName", f.GivenName)
	set("familyName", f.FamilyName)
	set("nhsNumber", f.NHSNumber)
	set("postcode", f.Postcode)
	set("email", f.Email)
	set("phone", f.Phone)
	set("language", f.Language)
	if dob, msg := f.birthDate(); msg != "" {
		local = append(local, fieldError{Field: "dob-day", Href: "#dob-day", Detail: msg})
		b["birthDate"] = "not-a-date"
	} else {
		b["birthDate"] = dob
	}
	switch f.Sex {
	case "female", "male", "other", "unknown":
		b["sex"] = f.Sex
	}
	switch {
	case f.Ethnicity == notStated:
		b["ethnicCategory"] = "Z"
	case f.Ethnicity != "":
		b["census2021Ethnicity"] = f.Ethnicity
	}
	if f.Sex == "female" { // only asked of women: for anyone else it is not relevant
		if p := yesNo(f.Pregnant); p != nil {
			b["pregnant"] = *p
		}
		if p := yesNo(f.Breastfeeding); p != nil {
			b["breastfeeding"] = *p
		}
	}
	if p := yesNo(f.Interpreter); p != nil {
		b["interpreterNeeded"] = *p
	}
	var conds []map[string]string
	for _, c := range splitList(f.Conditions) {
		conds = append(conds, map[string]string{"text": c})
	}
	if len(conds) > 0 {
		b["conditions"] = conds
	}
	if needs := strings.Split(strings.ReplaceAll(f.AccessNeeds, "\r", ""), "\n"); f.AccessNeeds != "" {
		var keep []string
		for _, n := range needs {
			if n = strings.TrimSpace(n); n != "" {
				keep = append(keep, n)
			}
		}
		b["accessibilityNeeds"] = keep
	}
	consent := map[string]any{"contact": f.Consent}
	if f.Consent {
		consent["version"] = consentVersion
		if f.Staff {
			consent["channel"] = "in-person"
			consent["date"] = now.Format(time.DateOnly)
		} else {
			consent["channel"] = "web"
		}
	}
	b["consent"] = consent
	return b, local
}

// birthDate joins the three boxes into YYYY-MM-DD, or says what is wrong.
func (f patientForm) birthDate() (string, string) {
	who := "your"
	if f.Staff {
		who = "the patient's"
	}
	if f.DobDay == "" && f.DobMonth == "" && f.DobYear == "" {
		return "", sentence("enter " + who + " date of birth")
	}
	d, e1 := strconv.Atoi(f.DobDay)
	m, e2 := strconv.Atoi(f.DobMonth)
	y, e3 := strconv.Atoi(f.DobYear)
	if e1 != nil || e2 != nil || e3 != nil {
		return "", sentence(who + " date of birth must be a real date, written in numbers, like 23 4 1980")
	}
	if len(f.DobYear) != 4 {
		return "", "Year must include 4 numbers, like 1980"
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return "", sentence(who + " date of birth must be a real date")
	}
	return t.Format(time.DateOnly), ""
}

func yesNo(s string) *bool {
	switch s {
	case "yes":
		t := true
		return &t
	case "no":
		f := false
		return &f
	}
	return nil
}

// splitList reads conditions written one a line, or separated by commas.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// patientErrors maps the API's field errors onto the form, in words the person
// filling it in can act on.
func (f patientForm) patientErrors(p problem, local []fieldError) []fieldError {
	your, you := "Your", "you"
	if f.Staff {
		your, you = "The patient's", "the patient"
	}
	table := map[string]fieldMsg{
		"givenName":           {ID: "given-name", Subject: your + " first name"},
		"familyName":          {ID: "family-name", Subject: your + " last name"},
		"birthDate":           {ID: "dob-day", Subject: your + " date of birth"},
		"nhsNumber":           {ID: "nhs-number", Msg: your + " NHS number must be 10 numbers. Check it on a letter from the GP, or leave it empty"},
		"postcode":            {ID: "postcode", Msg: "Enter a real postcode, like LS1 4AP"},
		"sex":                 {ID: "sex", Subject: your + " sex"},
		"census2021Ethnicity": {ID: "ethnicity", Msg: "Choose an ethnic group from the list"},
		"ethnicCategory":      {ID: "ethnicity", Msg: "Choose an ethnic group from the list"},
		"conditions":          {ID: "conditions", Subject: "Health conditions:"},
		"pregnant":            {ID: "pregnant", Subject: "Pregnancy"},
		"breastfeeding":       {ID: "breastfeeding", Subject: "Breastfeeding"},
		"language":            {ID: "language", Msg: "Enter a language, like English, Polish or Urdu"},
		"interpreterNeeded":   {ID: "interpreter", Subject: "Interpreter"},
		"accessibilityNeeds":  {ID: "access-needs", Subject: "Help you need:"},
		"consent":             {ID: "consent", Msg: "Tick the box to say we can contact " + you + " about research. We cannot register " + you + " without this"},
		"email":               {ID: "email", Msg: "Enter an email address in the right format, like name@example.com"},
		"phone":               {ID: "phone", Msg: "Enter a phone number, like 07700 900 982"},
	}
	var localIDs = map[string]bool{}
	for _, e := range local {
		localIDs[e.Field] = true
	}
	var fixed []fieldError
	for _, e := range p.Errors {
		switch {
		case e.Field == "birthDate" && localIDs["dob-day"]:
			continue // the form's own message says it better
		case e.Field == "birthDate" && strings.Contains(e.Detail, "future"):
			e.Detail = "must be in the past"
		case e.Field == "birthDate" && strings.Contains(e.Detail, "1900"):
			e.Detail = "must be after 1 January 1900"
		case e.Field == "email" && strings.Contains(e.Detail, "phone number"):
			table["email"] = fieldMsg{ID: "email", Msg: "Give an email address or a phone number, so that we can contact " + you}
		}
		fixed = append(fixed, e)
	}
	p.Errors = fixed
	out := local
	if len(fixed) > 0 || len(local) == 0 {
		out = append(out, mapErrors(p, table)...)
	}
	return orderErrors(out, formOrder)
}

// formOrder is the order of the form's fields, which the error summary follows.
var formOrder = []string{"given-name", "family-name", "dob-day", "nhs-number", "postcode", "sex", "pregnant",
	"breastfeeding", "ethnicity", "conditions", "language", "interpreter", "access-needs", "email", "phone", "consent"}

func orderErrors(errs []fieldError, order []string) []fieldError {
	rank := func(id string) int {
		if i := slices.Index(order, id); i >= 0 {
			return i
		}
		return len(order) // fields the form does not have: last
	}
	out := slices.Clone(errs)
	slices.SortStableFunc(out, func(a, b fieldError) int { return rank(a.Field) - rank(b.Field) })
	return out
}

// ethnicHeading is one heading of the 2021 census question and its answers.
type ethnicHeading struct {
	Heading string
	Options []equitrial.Census2021Ethnicity
}

// ethnicities groups the 19 census answers under their 5 headings, in the census's
// own order.
func ethnicities() []ethnicHeading {
	var out []ethnicHeading
	for _, c := range equitrial.Census2021Ethnicities {
		if len(out) == 0 || out[len(out)-1].Heading != c.Heading {
			out = append(out, ethnicHeading{Heading: c.Heading})
		}
		out[len(out)-1].Options = append(out[len(out)-1].Options, c)
	}
	return out
}
