package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"equitrial/eligibility"
)

// Editing a patient: every field of the add form (consent aside: withdrawing it
// erases the record and has its own page), plus the conditions the patient is
// confirmed not to have, whether the list of conditions is complete, and
// observations (lab results and measurements) with their dates. It is sent as a
// JSON merge patch (PATCH /api/v1/patients/{id}): a field emptied on the form is
// sent as null, which removes it; conditions and observations are replaced whole,
// coded conditions kept as they were unless their line was changed.

// obsRow is one observation line of the edit form.
type obsRow struct {
	N                          int
	Analyte, Value, Unit, Date string
}

// blankObsRows is how many empty observation lines the form offers for new results.
const blankObsRows = 2

// Analytes are the analytes an observation may record, for the form's select.
func (f patientForm) Analytes() []option {
	var out []option
	for _, a := range eligibility.Analytes() {
		label := a.Label
		if label == "" {
			label = a.Name
		}
		out = append(out, option{a.Name, label})
	}
	return out
}

// formFromPatient fills the form with the record as stored.
func formFromPatient(p *patientView) patientForm {
	f := patientForm{Staff: true, Edit: true, Name: p.Name(), GivenName: p.GivenName, FamilyName: p.FamilyName,
		NHSNumber: p.NHSNumber, Postcode: p.Postcode, Sex: p.Sex, Language: languageForForm(p.Language),
		Email: p.Email, Phone: p.Phone, Complete: p.ConditionsComplete, Consent: p.Consent.Contact}
	if t, err := time.Parse(time.DateOnly, p.BirthDate); err == nil {
		f.DobDay, f.DobMonth, f.DobYear = strconv.Itoa(t.Day()), strconv.Itoa(int(t.Month())), strconv.Itoa(t.Year())
	}
	switch {
	case p.Census2021Ethnicity != "":
		f.Ethnicity = p.Census2021Ethnicity
	case p.EthnicCategory == "Z":
		f.Ethnicity = notStated
	}
	tri := func(b *bool) string {
		if b == nil {
			return ""
		}
		return map[bool]string{true: "yes", false: "no"}[*b]
	}
	f.Pregnant, f.Breastfeeding, f.Interpreter = tri(p.Pregnant), tri(p.Breastfeeding), tri(p.InterpreterNeeded)
	f.Conditions = strings.Join(p.ConditionList(), "\n")
	f.Absent = strings.Join(p.AbsentList(), "\n")
	f.AccessNeeds = strings.Join(p.AccessibilityNeeds, "\n")
	for i, o := range p.Observations {
		f.Obs = append(f.Obs, obsRow{N: i, Analyte: o.Analyte, Value: strconv.FormatFloat(o.Value, 'f', -1, 64), Unit: o.Unit, Date: o.Date})
	}
	f.addBlankObs()
	return f
}

func (f *patientForm) addBlankObs() {
	for range blankObsRows {
		f.Obs = append(f.Obs, obsRow{N: len(f.Obs)})
	}
}

// readEditForm reads the posted edit form: the add form's fields and the extras.
func readEditForm(r *http.Request) patientForm {
	f := readPatientForm(r, true)
	f.Edit = true
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.Absent, f.Complete = v("absent-conditions"), v("conditions-complete") == "yes"
	n, _ := strconv.Atoi(v("obs-count"))
	n = min(max(n, 0), 500)
	for i := range n {
		p := "obs-" + strconv.Itoa(i) + "-"
		row := obsRow{Analyte: v(p + "analyte"), Value: v(p + "value"), Unit: v(p + "unit"), Date: v(p + "date")}
		if row.Analyte+row.Value+row.Unit+row.Date != "" {
			row.N = len(f.Obs)
			f.Obs = append(f.Obs, row)
		}
	}
	return f
}

// patchBody is the merge patch for the edited form against the stored record, and
// the errors only the form can see.
func (f patientForm) patchBody(cur *patientView, now time.Time) (map[string]any, []fieldError) {
	b, local := f.body(now)
	delete(b, "consent") // consent is changed by withdrawing, never here
	for _, k := range []string{"givenName", "familyName", "nhsNumber", "postcode", "email", "phone", "language",
		"sex", "pregnant", "breastfeeding", "interpreterNeeded", "accessibilityNeeds"} {
		if _, ok := b[k]; !ok {
			b[k] = nil // emptied on the form: removed
		}
	}
	switch {
	case f.Ethnicity == notStated:
		b["census2021Ethnicity"] = nil
	case f.Ethnicity != "" && f.Ethnicity != cur.Census2021Ethnicity:
		b["ethnicCategory"] = nil // a new answer replaces the old category, "prefers not to say" included
	}
	// Conditions: each line as it was stored (with its code) when unchanged, else text.
	byLabel := map[string]conditionView{}
	for _, c := range cur.Conditions {
		byLabel[strings.ToLower(c.Label())] = c
	}
	var conds []map[string]string
	for _, part := range []struct {
		text, status string
	}{{f.Conditions, ""}, {f.Absent, "absent"}} {
		for _, line := range splitList(part.text) {
			c, ok := byLabel[strings.ToLower(line)]
			if !ok {
				c = conditionView{Text: line}
			}
			m := map[string]string{}
			for k, v := range map[string]string{"system": c.System, "code": c.Code, "text": c.Text} {
				if v != "" {
					m[k] = v
				}
			}
			if part.status != "" {
				m["status"] = part.status
			}
			conds = append(conds, m)
		}
	}
	b["conditions"] = nil
	if len(conds) > 0 {
		b["conditions"] = conds
	}
	b["conditionsComplete"] = f.Complete
	var obs []map[string]any
	for i, o := range f.Obs {
		p := "obs-" + strconv.Itoa(i) + "-"
		val, err := strconv.ParseFloat(strings.ReplaceAll(o.Value, ",", ""), 64)
		switch {
		case o.Analyte == "":
			local = append(local, fieldError{Field: p + "analyte", Href: "#" + p + "analyte", Detail: fmt.Sprintf("Observation %d: choose what was measured", i+1)})
		case o.Value == "" || err != nil:
			local = append(local, fieldError{Field: p + "value", Href: "#" + p + "value", Detail: fmt.Sprintf("Observation %d: enter the value as a number, like 48", i+1)})
		case o.Date == "":
			local = append(local, fieldError{Field: p + "date", Href: "#" + p + "date", Detail: fmt.Sprintf("Observation %d: enter the date it was measured", i+1)})
		}
		m := map[string]any{"analyte": o.Analyte, "value": val, "date": o.Date}
		if o.Unit != "" {
			m["unit"] = o.Unit
		}
		obs = append(obs, m)
	}
	b["observations"] = nil
	if len(obs) > 0 {
		b["observations"] = obs
	}
	if len(local) > 0 {
		// As for adding: a date the API refuses, so that it checks every other field
		// in the same pass and stores nothing.
		b["birthDate"] = "not-a-date"
	}
	return b, local
}

// editErrors maps the API's errors for an edit onto the form.
func (f patientForm) editErrors(p problem, local []fieldError, dobValid bool) []fieldError {
	var rest []fieldError
	var obs []fieldError
	for _, e := range p.Errors {
		switch {
		case e.Field == "birthDate" && len(local) > 0 && dobValid:
			continue // the stand-in date sent to hold the save back
		case strings.HasPrefix(e.Field, "observations["):
			i, part := 0, "value"
			fmt.Sscanf(e.Field, "observations[%d]", &i)
			for _, x := range []string{"analyte", "unit", "date", "value"} {
				if strings.HasSuffix(e.Field, "."+x) {
					part = x
				}
			}
			id := "obs-" + strconv.Itoa(i) + "-" + part
			obs = append(obs, fieldError{Field: id, Href: "#" + id, Detail: sentence(fmt.Sprintf("Observation %d: %s %s", i+1, part, e.Detail))})
		case e.Field == "conditionsComplete":
			obs = append(obs, fieldError{Field: "conditions-complete", Href: "#conditions-complete", Detail: sentence("Complete list " + e.Detail)})
		default:
			rest = append(rest, e)
		}
	}
	p.Errors = rest
	var out []fieldError
	if len(rest) > 0 || (len(local) == 0 && len(obs) == 0) {
		out = f.patientErrors(p, nil)
	}
	all := append(append([]fieldError(nil), local...), out...)
	all = append(all, obs...)
	return orderErrors(dedupeErrors(all), editOrder)
}

func dedupeErrors(errs []fieldError) []fieldError {
	seen := map[string]bool{}
	var out []fieldError
	for _, e := range errs {
		if e.Field != "" && seen[e.Field] {
			continue
		}
		seen[e.Field] = true
		out = append(out, e)
	}
	return out
}

// editOrder is the edit form's field order, which the error summary follows.
var editOrder = func() []string {
	out := append([]string(nil), formOrder[:10]...) // up to conditions
	out = append(out, "absent-conditions", "conditions-complete")
	for i := range 500 {
		for _, p := range []string{"analyte", "value", "unit", "date"} {
			out = append(out, "obs-"+strconv.Itoa(i)+"-"+p)
		}
	}
	return append(out, formOrder[10:]...)
}()

type editData struct {
	Form        patientForm
	Ethnicities []ethnicHeading
	Action      string
	PatientID   string
}

// patientToEdit checks the caller is site staff and reads the patient the path
// names; a nil patient means the page has already been answered. The edit form
// and its submission open alike, so they share this.
func (s *Site) patientToEdit(w http.ResponseWriter, r *http.Request) (*me, string, *patientView) {
	m := s.requireStaff(w, r, "nurse", "admin")
	if m == nil {
		return nil, "", nil
	}
	id := r.PathValue("id")
	var p patientView
	if res := s.get(w, r, "/api/v1/patients/"+url.PathEscape(id), &p, callOpts{}); !res.ok() {
		s.failed(w, r, res)
		return nil, "", nil
	}
	return m, id, &p
}

// renderEdit shows the edit form for patient id, as read or as sent back with errors.
func (s *Site) renderEdit(w http.ResponseWriter, r *http.Request, status int, m *me, p *patientView, id string, f patientForm, errs []fieldError) {
	s.render(w, r, status, "register", page{Title: "Edit " + p.Name(), Me: m, Errors: errs,
		D: editData{Form: f, Ethnicities: ethnicities(), Action: "/patients/" + url.PathEscape(id) + "/edit", PatientID: id}})
}

func (s *Site) editPatientForm(w http.ResponseWriter, r *http.Request) {
	m, id, p := s.patientToEdit(w, r)
	if p == nil {
		return
	}
	if p.Withdrawn != nil {
		s.errorPage(w, r, http.StatusConflict, "This patient withdrew consent", "Their details were erased when they withdrew, so there is nothing to edit.")
		return
	}
	s.renderEdit(w, r, http.StatusOK, m, p, id, formFromPatient(p), nil)
}

func (s *Site) updatePatient(w http.ResponseWriter, r *http.Request) {
	m, id, cur := s.patientToEdit(w, r)
	if cur == nil {
		return
	}
	f := readEditForm(r)
	f.Name = cur.Name()
	body, local := f.patchBody(cur, time.Now())
	_, dobMsg := f.birthDate()
	res := s.call(w, r, http.MethodPatch, "/api/v1/patients/"+url.PathEscape(id), body, callOpts{})
	if res.ok() && len(local) == 0 {
		http.Redirect(w, r, "/patients/"+url.PathEscape(id)+"?updated=1", http.StatusSeeOther)
		return
	}
	if !res.ok() && res.Status != http.StatusBadRequest {
		s.failed(w, r, res)
		return
	}
	errs := f.editErrors(res.Problem, local, dobMsg == "")
	f.addBlankObs()
	s.renderEdit(w, r, http.StatusBadRequest, m, cur, id, f, errs)
}

// Num is the line's number as people count (1, 2, …).
func (o obsRow) Num() int { return o.N + 1 }
