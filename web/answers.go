package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"equitrial/eligibility"
)

// Answering matching questions on the page that asks them. Each question a trial
// still asks is a small form of its own (yes/no, a number with its unit and date,
// or female/male); it is sent to PUT /api/v1/patients/{id}/answers as the signed-in
// nurse (or, on the patient's own page, with their private link), and the browser
// goes back to the same page at that trial, where the verdict now reflects it. One
// answer serves every trial asking the same question. A bad answer shows the page
// again with the error summary and the answer as typed.

// question is eligibility.Question as the API gives it.
type question struct {
	Key      string `json:"key"`
	Kind     string `json:"kind"`
	Patient  string `json:"patient"`
	Clinical string `json:"clinical"`
	Analyte  string `json:"analyte"`
	Unit     string `json:"unit"`
}

// restsOn is what an eligible verdict rests on.
type restsOn struct {
	Met     int      `json:"met"`
	Confirm []string `json:"confirm"`
}

// Text is "3 criteria met; confirm: no heart attack in the last 6 months".
func (b *restsOn) Text() string {
	if b == nil {
		return ""
	}
	s := fmt.Sprintf("%d criteria met", b.Met)
	if b.Met == 1 {
		s = "1 criterion met"
	}
	if len(b.Confirm) > 0 {
		s += "; confirm: " + strings.Join(b.Confirm, "; ")
	}
	return s
}

// answerForm is one question's form as the template draws it.
type answerForm struct {
	ID       string // prefix of the form's element ids, unique on the page
	Action   string
	NCTID    string // the trial it is shown under ("" on the patient's own page)
	Key      string
	Kind     string
	Label    string
	Unit     string
	Value    string
	Date     string
	Err      map[string]string // value, unit, date: inline messages
	HasError bool
	Hint     string // under the question, such as how many trials ask it
	Suffix   string // after the inputs' names, where several questions share a form
}

// answerState is an answer that came back with errors, to show again as typed.
type answerState struct {
	NCTID, Key, Value, Unit, Date string
	Err                           map[string]string
}

var nctPattern = regexp.MustCompile(`^NCT[0-9]{8}$`)

// idPart makes a question key usable in an element id.
var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// answerID is the element id prefix of a question's form: per trial on the
// nurse's cards, and without a trial (scope "") where a question is asked once.
func answerID(scope, key string) string {
	k := strings.Trim(idUnsafe.ReplaceAllString(key, "-"), "-")
	if scope = idUnsafe.ReplaceAllString(scope, ""); scope == "" {
		return "answer-" + k
	}
	return "answer-" + scope + "-" + k
}

// forms builds the forms for a trial's questions. patientOnly keeps only the
// questions a patient may answer, worded for them.
func answerForms(action, nctID string, asks []question, patientOnly bool, st *answerState) []answerForm {
	var out []answerForm
	for _, q := range asks {
		label := q.Clinical
		if patientOnly {
			if q.Patient == "" || !eligibility.PatientMayAnswer(q.Key) {
				continue
			}
			label = q.Patient
		}
		switch q.Kind {
		case "yes_no", "number", "sex":
		default:
			continue
		}
		f := answerForm{ID: answerID(nctID, q.Key), Action: action, NCTID: nctID, Key: q.Key, Kind: q.Kind, Label: label, Unit: q.Unit}
		if st != nil && st.Key == q.Key && st.NCTID == nctID {
			f.Value, f.Unit, f.Date, f.Err, f.HasError = st.Value, st.Unit, st.Date, st.Err, len(st.Err) > 0
		}
		out = append(out, f)
	}
	return out
}

// ErrFor is the inline message for part (value, unit, date).
func (f answerForm) ErrFor(part string) string { return f.Err[part] }

// readAnswerForm reads one posted answer and checks what the page can check
// itself: that something was chosen or typed (an empty value would remove the
// answer, which this form does not offer).
// perTrial: the form was shown under a trial (the nurse's page), whose id it carries.
func readAnswerForm(r *http.Request, perTrial bool) (st answerState, kind string, errs []fieldError) {
	r.ParseForm()
	st = answerState{NCTID: strings.TrimSpace(r.PostFormValue("nct")), Key: strings.TrimSpace(r.PostFormValue("key")),
		Value: strings.TrimSpace(r.PostFormValue("value")), Unit: strings.TrimSpace(r.PostFormValue("unit")),
		Date: strings.TrimSpace(r.PostFormValue("date")), Err: map[string]string{}}
	if !perTrial || !nctPattern.MatchString(st.NCTID) {
		st.NCTID = ""
	}
	kind = r.PostFormValue("kind")
	id := answerID(st.NCTID, st.Key)
	if st.Value == "" {
		msg := "Select yes or no"
		switch kind {
		case "number":
			msg = "Enter the value"
			if u := st.Unit; u != "" {
				msg = "Enter the value in " + u
			}
		case "sex":
			msg = "Select female or male"
		}
		st.Err["value"] = msg
		errs = append(errs, fieldError{Field: id + "-value", Detail: msg, Href: "#" + id + "-value"})
	}
	return st, kind, errs
}

// answerErrors maps the API's problem (answers[0].value, …) onto the form.
func answerErrors(st *answerState, p problem) []fieldError {
	id := answerID(st.NCTID, st.Key)
	var out []fieldError
	for _, e := range p.Errors {
		part, msg := answerError(e.Field, e.Detail)
		if _, seen := st.Err[part]; seen {
			continue
		}
		st.Err[part] = msg
		out = append(out, fieldError{Field: id + "-" + part, Detail: msg, Href: "#" + id + "-" + part})
	}
	if len(out) == 0 {
		msg := sentence(p.Detail)
		if msg == "" {
			msg = "The answer could not be saved. Try again"
		}
		st.Err["value"] = msg
		out = append(out, fieldError{Field: id + "-value", Detail: msg, Href: "#" + id + "-value"})
	}
	return out
}

// answerError is which part of an answer (value, unit, date) an API error is
// about, and the message to show there.
func answerError(field, detail string) (part, msg string) {
	part = "value"
	switch {
	case strings.HasSuffix(field, ".unit"):
		part = "unit"
	case strings.HasSuffix(field, ".date"):
		part = "date"
	}
	// The API words some details as what to do ("enter a number") and others
	// as what is wrong ("must not be in the future"), which need a subject.
	msg = sentence(detail)
	if strings.HasPrefix(detail, "is ") || strings.HasPrefix(detail, "must ") {
		subject := map[string]string{"value": "The answer", "unit": "The unit", "date": "The date"}[part]
		msg = sentence(subject + " " + detail)
	}
	if strings.HasSuffix(field, ".key") {
		msg = "This question cannot be answered here: " + detail
	}
	return part, msg
}

// answerBody is the API request for one answer.
func answerBody(st answerState, kind string) map[string]any {
	return map[string]any{"answers": []map[string]string{answerItem(st, kind)}}
}

// answerItem is one answer as the API takes it.
func answerItem(st answerState, kind string) map[string]string {
	a := map[string]string{"key": st.Key, "value": st.Value}
	if kind == "number" {
		if st.Unit != "" {
			a["unit"] = st.Unit
		}
		if st.Date != "" {
			a["date"] = st.Date
		}
	}
	return a
}

// answerForNurse handles POST /patients/{id}/answers.
func (s *Site) answerForNurse(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "nurse", "admin")
	if m == nil {
		return
	}
	id := r.PathValue("id")
	st, kind, errs := readAnswerForm(r, true)
	if len(errs) == 0 {
		res := s.call(w, r, http.MethodPut, "/api/v1/patients/"+url.PathEscape(id)+"/answers", answerBody(st, kind), callOpts{})
		switch {
		case res.ok():
			// Back to the same page of matches: at the trial's card, or at the
			// questions asked once for the page.
			anchor := "questions"
			if st.NCTID != "" {
				anchor = "trial-" + st.NCTID
			}
			http.Redirect(w, r, patientURL(id, pageParam(r.URL.Query()), "", anchor), http.StatusSeeOther)
			return
		case res.Status == http.StatusBadRequest:
			errs = answerErrors(&st, res.Problem)
		default:
			s.failed(w, r, res)
			return
		}
	}
	s.showPatient(w, r, m, id, http.StatusBadRequest, errs, &st, nil)
}

// answerForPatient handles POST /my/{token}/answers.
func (s *Site) answerForPatient(w http.ResponseWriter, r *http.Request) {
	p, token := s.patientByLink(w, r)
	if p == nil {
		return
	}
	st, kind, errs := readAnswerForm(r, false) // the patient's page asks each question once, not per trial
	if len(errs) == 0 {
		res := s.call(w, r, http.MethodPut, "/api/v1/patients/"+url.PathEscape(p.ID)+"/answers", answerBody(st, kind), callOpts{bearer: token})
		switch {
		case res.ok():
			http.Redirect(w, r, "/my/"+token+"#questions", http.StatusSeeOther)
			return
		case res.Status == http.StatusBadRequest || res.Status == http.StatusForbidden:
			errs = answerErrors(&st, res.Problem)
		default:
			s.failed(w, r, res)
			return
		}
	}
	s.showMyPage(w, r, p, token, http.StatusBadRequest, errs, &st)
}
