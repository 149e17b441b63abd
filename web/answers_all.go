package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// The questions several trials on a patient's page of matches ask ("Ask these
// first") share one form: the nurse asks them in turn, ticks or types each answer
// and saves once. Questions left blank are skipped, not refused: the nurse may not
// know a blood result yet. A refused answer comes back on the form with the others
// as typed, and nothing is saved until all are right (the API takes the answers
// together).

// maxSharedQuestions bounds the questions one form sends.
const maxSharedQuestions = 100

// SharedAction is where the shared questions' form posts.
func (d patientData) SharedAction() string {
	return d.onPage("/patients/" + url.PathEscape(d.Patient.ID) + "/answers/all")
}

// sharedAnswer is one question of the posted form.
type sharedAnswer struct {
	index int
	kind  string
	st    *answerState
}

// readSharedAnswers reads the posted form: every question, answered or not.
func readSharedAnswers(r *http.Request) []sharedAnswer {
	r.ParseForm()
	n, _ := strconv.Atoi(r.PostFormValue("n"))
	n = min(max(n, 0), maxSharedQuestions)
	var out []sharedAnswer
	for i := range n {
		v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k + "-" + strconv.Itoa(i))) }
		st := &answerState{Key: v("key"), Value: v("value"), Unit: v("unit"), Date: v("date"), Err: map[string]string{}}
		if st.Key == "" {
			continue
		}
		out = append(out, sharedAnswer{index: i, kind: v("kind"), st: st})
	}
	return out
}

var answerField = regexp.MustCompile(`^answers\[(\d+)\]`)

// answerAllForNurse handles POST /patients/{id}/answers/all.
func (s *Site) answerAllForNurse(w http.ResponseWriter, r *http.Request) {
	m := s.requireStaff(w, r, "nurse", "admin")
	if m == nil {
		return
	}
	id := r.PathValue("id")
	all := readSharedAnswers(r)
	var sent []sharedAnswer
	var items []map[string]string
	for _, a := range all {
		if a.st.Value != "" {
			sent = append(sent, a)
			items = append(items, answerItem(*a.st, a.kind))
		}
	}
	var errs []fieldError
	switch {
	case len(all) == 0:
		http.Redirect(w, r, patientURL(id, pageParam(r.URL.Query()), "", "questions"), http.StatusSeeOther)
		return
	case len(sent) == 0:
		st := all[0].st
		st.Err["value"] = "Answer at least one question before saving"
		ref := answerID("", st.Key) + "-value"
		errs = append(errs, fieldError{Field: ref, Detail: st.Err["value"], Href: "#" + ref})
	default:
		res := s.call(w, r, http.MethodPut, "/api/v1/patients/"+url.PathEscape(id)+"/answers", map[string]any{"answers": items}, callOpts{})
		switch {
		case res.ok():
			http.Redirect(w, r, patientURL(id, pageParam(r.URL.Query()), "", "questions"), http.StatusSeeOther)
			return
		case res.Status == http.StatusBadRequest:
			errs = sharedAnswerErrors(sent, res.Problem)
		default:
			s.failed(w, r, res)
			return
		}
	}
	batch := map[string]*answerState{}
	for _, a := range all {
		batch[a.st.Key] = a.st
	}
	s.showPatientWith(w, r, m, id, http.StatusBadRequest, errs, patientExtras{batch: batch})
}

// sharedAnswerErrors puts the API's errors (answers[j].value, …) on the questions
// they are about, in the form's order.
func sharedAnswerErrors(sent []sharedAnswer, p problem) []fieldError {
	var out []fieldError
	for _, e := range p.Errors {
		j := -1
		if m := answerField.FindStringSubmatch(e.Field); m != nil {
			j, _ = strconv.Atoi(m[1])
		}
		if j < 0 || j >= len(sent) {
			j = 0
		}
		st := sent[j].st
		part, msg := answerError(e.Field, e.Detail)
		if _, seen := st.Err[part]; seen {
			continue
		}
		st.Err[part] = msg
		ref := answerID("", st.Key) + "-" + part
		out = append(out, fieldError{Field: ref, Detail: msg, Href: "#" + ref})
	}
	if len(out) == 0 && len(sent) > 0 {
		st := sent[0].st
		msg := sentence(p.Detail)
		if msg == "" {
			msg = "The answers could not be saved. Try again"
		}
		st.Err["value"] = msg
		ref := answerID("", st.Key) + "-value"
		out = append(out, fieldError{Field: ref, Detail: msg, Href: "#" + ref})
	}
	return out
}
