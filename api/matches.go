package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/eligibility"
	"equitrial/matcher"
)

// matcherOrUnavailable is the matcher, or a 503 when matching is not configured.
func (s *Server) matcherOrUnavailable() (*matcher.Matcher, error) {
	if s.Matcher == nil {
		return nil, equitrial.Errorf(equitrial.KindUnavailable, "matching is not configured on this server")
	}
	return s.Matcher, nil
}

// patientMatches answers "which recruiting trials could this patient join, and what
// do we still need to check?": ?radius_km=&include=ineligible&since=&page=&size=.
// Site staff see their own organisation's patients (admins all); a patient their
// own record.
func (s *Server) patientMatches(c *gin.Context) error {
	m, err := s.matcherOrUnavailable()
	if err != nil {
		return err
	}
	q, err := parsePatientMatchQuery(c)
	if err != nil {
		return err
	}
	_, p, ok := s.scopedPatient(c, "match")
	if !ok {
		return nil
	}
	res, err := m.ForPatient(c.Request.Context(), p, q)
	if err != nil {
		return err
	}
	if callerOf(c).Role == Patient {
		forPatient(res)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, res)
	s.audit(c, "match", "patient", p.ID, 1)
	return nil
}

// forPatient words a patient's own matches for them: only the questions a
// patient may answer, in plain English, never a criterion's clinical wording.
func forPatient(res *matcher.PatientMatches) {
	for i := range res.Results {
		tm := &res.Results[i]
		asks := tm.Asks[:0:0]
		questions := []string{}
		for _, q := range tm.Asks {
			if q.Patient != "" && eligibility.PatientMayAnswer(q.Key) {
				asks = append(asks, q)
				questions = append(questions, q.Patient)
			}
		}
		tm.Asks, tm.Questions = asks, questions
		for j := range tm.Criteria {
			cr := &tm.Criteria[j]
			if cr.Ask != nil && (cr.Ask.Patient == "" || !eligibility.PatientMayAnswer(cr.Ask.Key)) {
				cr.Ask, cr.Question = nil, ""
			} else if cr.Ask != nil {
				cr.Question = cr.Ask.Patient
			}
		}
	}
}

func parsePatientMatchQuery(c *gin.Context) (matcher.PatientQuery, error) {
	var q matcher.PatientQuery
	var bad []equitrial.FieldError
	if v := c.Query("radius_km"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 || r > 20000 {
			bad = append(bad, equitrial.FieldError{Field: "radius_km", Detail: "must be a distance in km from 0 to 20000 (0: anywhere)"})
		}
		if r == 0 {
			r = -1 // anywhere
		}
		q.RadiusKm = r
	}
	switch c.Query("include") {
	case "":
	case "ineligible":
		q.IncludeIneligible = true
	default:
		bad = append(bad, equitrial.FieldError{Field: "include", Detail: "must be ineligible (or absent)"})
	}
	bad = parsePaging(c, &q.Since, &q.Page, &q.Size, bad)
	if len(bad) > 0 {
		return q, equitrial.Invalid("", bad...)
	}
	return q, nil
}

// parsePaging reads since, page and size, appending what is wrong to bad.
func parsePaging(c *gin.Context, since *time.Time, page, size *int, bad []equitrial.FieldError) []equitrial.FieldError {
	if v := c.Query("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			bad = append(bad, equitrial.FieldError{Field: "since", Detail: "must be a time such as 2026-11-21T09:00:00Z"})
		}
		*since = t
	}
	for name, dst := range map[string]*int{"page": page, "size": size} {
		if v := c.Query(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || (name == "size" && n > 100) || n > 10000 {
				bad = append(bad, equitrial.FieldError{Field: name, Detail: map[string]string{
					"page": "must be a whole number from 1", "size": "must be a whole number from 1 to 100"}[name]})
			}
			*dst = n
		}
	}
	return bad
}

// trialCandidates answers "which registered patients could join this trial, in which
// groups?": counts by status and stratum and a page of patients, patients of groups
// the trial under-recruits first. ?group=dimension:value&status=&since=&page=&size=.
// Nurses see their own organisation's patients, with names; admins everyone's,
// without names; sponsors never patient records (the route refuses them).
func (s *Server) trialCandidates(c *gin.Context) error {
	m, err := s.matcherOrUnavailable()
	if err != nil {
		return err
	}
	id := c.Param("nctId")
	if !validNCTID(id) {
		return equitrial.Invalid("", equitrial.FieldError{Field: "nctId", Detail: "must be NCT followed by 8 digits, such as NCT04280705"})
	}
	caller := callerOf(c)
	var q matcher.TrialQuery
	var bad []equitrial.FieldError
	if v := c.Query("group"); v != "" {
		g, ok := matcher.ParseGroup(v)
		if !ok {
			bad = append(bad, equitrial.FieldError{Field: "group", Detail: "must be dimension:group, such as ethnicGroup:Black, imdQuintile:1, smi:yes, sex:female or ageBand:65-74"})
		}
		q.Group = &g
	}
	switch st := eligibility.Status(c.Query("status")); st {
	case "", eligibility.Eligible, eligibility.PotentiallyEligible:
		q.Status = st
	default:
		bad = append(bad, equitrial.FieldError{Field: "status", Detail: "must be eligible or potentially_eligible"})
	}
	bad = parsePaging(c, &q.Since, &q.Page, &q.Size, bad)
	if len(bad) > 0 {
		return equitrial.Invalid("", bad...)
	}
	if caller.Role != Admin {
		if caller.Org == "" {
			return equitrial.Errorf(equitrial.KindForbidden, "your account belongs to no organisation, so it has no patients to list")
		}
		q.Orgs = []string{caller.Org}
	}
	res, err := m.ForTrial(c.Request.Context(), id, q)
	if err != nil {
		return err
	}
	// Names, for the page only, and only for nurses of the patient's organisation.
	if caller.Role == Nurse && s.Patients != nil {
		for i := range res.Patients {
			pc := &res.Patients[i]
			if pc.Org != caller.Org {
				continue
			}
			if p, err := s.Patients.Get(c.Request.Context(), pc.PatientID); err == nil {
				pc.GivenName, pc.FamilyName = p.GivenName, p.FamilyName
			}
		}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, res)
	s.audit(c, "match", "patients", id, len(res.Patients))
	return nil
}
