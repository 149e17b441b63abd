package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/patients"
	"equitrial/refdata"
	"equitrial/store"
)

// Patient routes. Decisions:
//
//   - Scoping: nurses see the patients of their organisation, admins every patient, a
//     patient only their own record; sponsors never reach these routes (403 from the
//     route table). A record outside the caller's scope answers 404, exactly as an id
//     that does not exist, so ids reveal nothing about other organisations' patients.
//   - DELETE withdraws consent and erases the identifiers and clinical profile in the
//     same request; the anonymous strata stay for recruitment counts. There is no
//     hard delete over HTTP: that is the retention purge's job.
//   - PATCH is a JSON merge patch (RFC 7396) over the writable fields; the whole
//     patched record is validated again and the strata re-derived. A patch setting
//     consent.contact to false is a withdrawal, with the same erasure as DELETE.
//   - Self-registration (POST /api/v1/register) needs consent to contact and a way to
//     be contacted (email or phone). The record belongs to the organisation named by
//     ?org=, or to "self-registered" (SelfRegisteredOrg) for staff to triage. The
//     private-link token is in the answer once and never again.
//   - Every read and write of patient data, including refused ones, is audited after
//     the answer is written, with the route pattern and never the record's contents.

// SelfRegisteredOrg is the organisation self-registered patients belong to when they
// did not register through an organisation's own link.
const SelfRegisteredOrg = "self-registered"

// patientOrSiteStaff may call the routes for one patient record.
var patientOrSiteStaff = []Role{Patient, Nurse, Admin}

// canSeePatient reports whether the caller may read or change p.
func canSeePatient(caller Caller, p *equitrial.Patient) bool {
	switch caller.Role {
	case Admin:
		return true
	case Nurse:
		return caller.Org != "" && p.Org == caller.Org
	case Patient:
		return caller.PatientID != "" && caller.PatientID == p.ID
	}
	return false
}

func (s *Server) patientsRepo() (*store.Patients, error) {
	if s.Patients == nil {
		return nil, equitrial.Errorf(equitrial.KindUnavailable, "patient records are not available on this server")
	}
	return s.Patients, nil
}

// readPatientBody reads a write body strictly (decodeJSON's rules), refuses the
// read-only members, and decodes the rest into a profile.
func readPatientBody(c *gin.Context) (*equitrial.Patient, json.RawMessage, error) {
	var raw json.RawMessage
	if err := decodeJSON(c, &raw); err != nil {
		return nil, nil, err
	}
	if err := patients.CheckWritable(raw); err != nil {
		return nil, nil, err
	}
	var p equitrial.Patient
	if err := DecodeStrict(raw, &p); err != nil {
		return nil, nil, err
	}
	return &p, raw, nil
}

func (s *Server) createPatient(c *gin.Context) error {
	repo, err := s.patientsRepo()
	if err != nil {
		return err
	}
	caller := callerOf(c)
	org := caller.Org
	if caller.Role == Admin && c.Query("org") != "" {
		org = strings.TrimSpace(c.Query("org"))
	}
	if org == "" {
		return equitrial.Invalid("", equitrial.FieldError{Field: "org", Detail: "name the organisation the patient belongs to with ?org="})
	}
	p, _, err := readPatientBody(c)
	if err != nil {
		return err
	}
	p.Org, p.Source = org, patients.SourceNurse
	rec, err := repo.Create(c.Request.Context(), p, store.CreateOptions{})
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/patients/"+rec.ID)
	c.JSON(http.StatusCreated, rec)
	s.audit(c, "create", "patient", rec.ID, 1)
	return nil
}

// registerResponse is the answer to self-registration: the record and, once only,
// the private link that lets the patient come back to it.
type registerResponse struct {
	Patient     *equitrial.Patient `json:"patient"`
	AccessToken string             `json:"accessToken"`
}

func (s *Server) listPatients(c *gin.Context) error {
	repo, err := s.patientsRepo()
	if err != nil {
		return err
	}
	caller := callerOf(c)
	q := store.PatientQuery{Org: caller.Org}
	if caller.Role == Admin {
		q.Org = strings.TrimSpace(c.Query("org"))
	} else if q.Org == "" {
		return equitrial.Errorf(equitrial.KindForbidden, "your account belongs to no organisation, so it has no patients to list")
	}
	var bad []equitrial.FieldError
	fail := func(field, detail string) { bad = append(bad, equitrial.FieldError{Field: field, Detail: detail}) }
	for name := range c.Request.URL.Query() {
		switch name {
		case "page", "size", "consented", "org", "q", "nhsNumber", "sort":
		default:
			fail(name, "unknown parameter; the parameters are q, nhsNumber, sort, page, size, consented and (for admins) org")
		}
	}
	// q (name words or a postcode), nhsNumber and sort: see store/patients_search.go
	// for how sealed identifiers are searched, and its bounds.
	sq := store.PatientSearch{Text: c.Query("q"), NHSNumber: strings.TrimSpace(c.Query("nhsNumber")), Sort: c.Query("sort")}
	switch sq.Sort {
	case "", store.SortNewest, store.SortName, store.SortBirthDate:
	default:
		fail("sort", "must be newest, name or birth-date")
	}
	if _, ok := equitrial.NormaliseNHSNumber(sq.NHSNumber); sq.NHSNumber != "" && !ok {
		fail("nhsNumber", "is not a valid NHS number: 10 digits, like 943 476 5919")
	}
	q.Page = intParam(c.Request.URL.Query(), "page", 1, 1, 100000, fail)
	q.Size = intParam(c.Request.URL.Query(), "size", 20, 1, maxPageSize, fail)
	if v := c.Query("consented"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fail("consented", "must be true or false")
		} else {
			q.Consented = &b
		}
	}
	if len(bad) > 0 {
		return equitrial.Invalid("", bad...)
	}
	sq.PatientQuery = q
	page, err := repo.Search(c.Request.Context(), sq)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, page)
	s.audit(c, "list", "patients", "", len(page.Patients))
	return nil
}

// scopedPatient loads the patient named in the path if the caller may see it. Out of
// scope is reported as not found, and audited as a refused read.
func (s *Server) scopedPatient(c *gin.Context, action string) (*store.Patients, *equitrial.Patient, bool) {
	repo, err := s.patientsRepo()
	if err != nil {
		writeError(c, err)
		return nil, nil, false
	}
	id := c.Param("id")
	p, err := repo.Get(c.Request.Context(), id)
	if err == nil && !canSeePatient(callerOf(c), p) {
		err = equitrial.Errorf(equitrial.KindNotFound, "no patient with id %s", id)
	}
	if err != nil {
		writeError(c, err)
		if equitrial.Is(equitrial.KindNotFound, err) {
			s.audit(c, action, "patient", id, 0)
		}
		return nil, nil, false
	}
	return repo, p, true
}

func (s *Server) getPatient(c *gin.Context) error {
	_, p, ok := s.scopedPatient(c, "read")
	if !ok {
		return nil
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, p)
	s.audit(c, "read", "patient", p.ID, 1)
	return nil
}

func (s *Server) patchPatient(c *gin.Context) error {
	var raw json.RawMessage
	if err := decodeJSON(c, &raw); err != nil {
		return err
	}
	if err := RefuseMiscasedKeys(raw, equitrial.Patient{}); err != nil {
		return err
	}
	repo, cur, ok := s.scopedPatient(c, "update")
	if !ok {
		return nil
	}
	next, err := patients.MergePatch(cur, raw)
	if err != nil {
		return err
	}
	if err := patientMayChange(callerOf(c), cur, next); err != nil { // selfservice.go
		writeError(c, err)
		s.audit(c, "update", "patient", cur.ID, 0)
		return nil
	}
	var rec *equitrial.Patient
	action := "update"
	if cur.Consent.Contact && !next.Consent.Contact && cur.Withdrawn == nil {
		action = "withdraw-consent"
		rec, err = repo.WithdrawConsent(c.Request.Context(), cur.ID)
	} else {
		next.UpdatedAt = cur.UpdatedAt // refuse to overwrite a change made since the read
		rec, err = repo.Update(c.Request.Context(), next)
	}
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, rec)
	s.audit(c, action, "patient", rec.ID, 1)
	return nil
}

func (s *Server) deletePatient(c *gin.Context) error {
	repo, cur, ok := s.scopedPatient(c, "withdraw-consent")
	if !ok {
		return nil
	}
	rec, err := repo.WithdrawConsent(c.Request.Context(), cur.ID)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, rec)
	s.audit(c, "withdraw-consent", "patient", rec.ID, 1)
	return nil
}

// reference is the reference data in use, or nil.
func (s *Server) reference() *refdata.Reference {
	if s.Reference == nil {
		return nil
	}
	return s.Reference()
}
