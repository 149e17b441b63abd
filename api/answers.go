package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/eligibility"
)

// Answers to matching questions. Decisions:
//
//   - PUT /api/v1/patients/{id}/answers takes {"answers":[{"key","value","unit",
//     "date"}]}: each entry replaces the earlier answer to its key, and an empty
//     value removes it. Answers not named are kept, so PUT is idempotent per key
//     and several people can answer different questions without losing each
//     other's. The answer is {"answers":[…]}, the record's answers after the write.
//   - Scoping is the other patient routes': nurses their organisation's patients,
//     admins every patient, a patient their own record; out of scope is 404.
//   - A patient may answer only the questions eligibility.PatientMayAnswer allows
//     (not lab values, capacity or a trial's own clinical wording): a request with
//     any other key is refused whole with 403, naming each key.
//   - Every entry is checked and every bad one named in the problem's errors
//     ("answers[1].value"); nothing is written if any is bad.
//   - By (the account or token id, or "patient:<id>"), Role and At are set here,
//     never taken from the body. Profile POST and PATCH refuse "answers".
//   - The write is audited like other patient writes, and the store tells the
//     matching index at once, so the next matches request sees the answers.

// answersBody is the request and the response.
type answersBody struct {
	Answers []equitrial.Answer `json:"answers"`
}

// answerInput is one answer as a client may send it: By, Role and At are the
// service's, so naming them is an unknown field.
type answerInput struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Unit  string `json:"unit,omitempty"`
	Date  string `json:"date,omitempty"`
}

func (s *Server) putAnswers(c *gin.Context) error {
	var in struct {
		Answers *[]answerInput `json:"answers"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	repo, p, ok := s.scopedPatient(c, "update")
	if !ok {
		return nil
	}
	if in.Answers == nil {
		return equitrial.Invalid("", equitrial.FieldError{Field: "answers", Detail: "is required: a list of {key, value, unit, date}"})
	}
	caller := callerOf(c)
	if caller.Role == Patient {
		var refused []equitrial.FieldError
		var keys []string
		for i, a := range *in.Answers {
			if k := strings.TrimSpace(a.Key); k != "" && !eligibility.PatientMayAnswer(k) {
				refused = append(refused, equitrial.FieldError{Field: fmt.Sprintf("answers[%d].key", i),
					Detail: "only your care team can answer " + k})
				keys = append(keys, k)
			}
		}
		if len(refused) > 0 {
			writeError(c, &equitrial.Error{Kind: equitrial.KindForbidden, Fields: refused,
				Detail: "only your care team can answer " + strings.Join(keys, ", ") + "; nothing was saved"})
			s.audit(c, "answer", "patient", p.ID, 0)
			return nil
		}
	}
	edits := make([]equitrial.Answer, len(*in.Answers))
	for i, a := range *in.Answers {
		edits[i] = equitrial.Answer{Key: a.Key, Value: a.Value, Unit: a.Unit, Date: a.Date}
	}
	by := caller.UserID
	if caller.Role == Patient {
		by = "patient:" + caller.PatientID
	}
	rec, err := repo.SetAnswers(c.Request.Context(), p.ID, edits, by, string(caller.Role))
	if err != nil {
		writeError(c, err)
		s.audit(c, "answer", "patient", p.ID, 0) // refused writes are audited too
		return nil
	}
	out := answersBody{Answers: rec.Answers}
	if out.Answers == nil {
		out.Answers = []equitrial.Answer{}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
	s.audit(c, "answer", "patient", rec.ID, len(edits))
	return nil
}
