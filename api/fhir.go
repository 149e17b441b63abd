package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/equity"
	"equitrial/fhir"
	"equitrial/patients"
	"equitrial/store"
)

// HL7 FHIR R4 (UK Core) routes; the mapping itself is package fhir. Decisions:
//
//   - POST /api/v1/fhir takes a transaction or collection Bundle
//     (application/fhir+json or application/json, up to maxFHIRBody) and creates or
//     updates the caller's organisation's patients, found by NHS number; an admin
//     names the organisation with ?org=, as for POST /api/v1/patients. The whole
//     Bundle is read, merged with the stored records and validated before anything
//     is written: any problem is one 400 naming every bad entry (entry[i]… and, in
//     the detail, its type and fullUrl), and nothing is stored.
//   - Records are written through the same repository methods as the patient
//     routes (store.Patients Create and Update), so validation, sealing, strata
//     (postcode → LSOA → deprivation), per-record locks, NHS-number claims and the
//     notifications that keep matching current all happen as for any other write.
//   - The answer is equitrial JSON (what happened to each Patient, and notes on
//     what was not used), not a FHIR transaction-response: Conditions and
//     Observations are not stored as resources, so there is no location to give.
//   - Audit: one entry per patient created, updated or found unchanged (a read:
//     the answer names the record), and one for the import, refused ones included.
//   - GET /api/v1/fhir/ResearchStudy/{nctId}: anyone, like the trial itself.
//   - GET /api/v1/fhir/ResearchSubject?study=NCT…: the trial's participants, one
//     ResearchSubject each. Sponsors never get it: a list of individual
//     participants would give them exact counts, and they see enrolment only
//     disclosure-controlled, on the equity dashboard. Admins see every participant;
//     a nurse those whose latest event was recorded at their organisation (the
//     event's site), whom their site recruited. Audited: one entry for the trial,
//     one for each patient named.

// maxFHIRBody bounds a Bundle: a practice's extract of some hundreds of patients
// with their problem lists and results. Larger extracts go through
// `equitrial import fhir`.
const maxFHIRBody = 8 << 20

// fhirContentType is what the FHIR routes answer with.
const fhirContentType = "application/fhir+json; charset=utf-8"

type fhirImportResponse struct {
	BundleType string         `json:"bundleType"`
	Created    int            `json:"created"`
	Updated    int            `json:"updated"`
	Unchanged  int            `json:"unchanged"`
	Patients   []fhir.Written `json:"patients"`
	Notes      []fhir.Note    `json:"notes"`
}

func (s *Server) importFHIR(c *gin.Context) error {
	repo, err := s.patientsRepo()
	if err != nil {
		return err
	}
	org, err := fhirImportOrg(c)
	if err != nil {
		return err
	}
	body, err := readFHIRBody(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	st := FHIRPatients{Repo: repo, Org: org}
	imp, err := fhir.Read(body)
	var changes []fhir.Change
	if err == nil {
		changes, err = fhir.Plan(ctx, st, imp, org, patients.Default())
	}
	if err != nil {
		writeError(c, err)
		s.audit(c, "import-fhir", "patients", "", 0)
		return nil
	}
	written, err := fhir.Write(ctx, st, changes)
	out := fhirImportResponse{BundleType: imp.Type, Patients: written, Notes: imp.Notes}
	if out.Notes == nil {
		out.Notes = []fhir.Note{}
	}
	for _, w := range written {
		switch w.Action {
		case "created":
			out.Created++
		case "updated":
			out.Updated++
		default:
			out.Unchanged++
		}
	}
	if err != nil {
		writeError(c, err)
	} else {
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, out)
	}
	for _, w := range written {
		s.audit(c, auditAction(w.Action), "patient", w.ID, 1)
	}
	s.audit(c, "import-fhir", "patients", "", len(written))
	return nil
}

// auditAction is the audit log's word for what an import did to a record.
func auditAction(action string) string {
	switch action {
	case "created":
		return "create"
	case "updated":
		return "update"
	}
	return "read" // unchanged: the answer still names the record
}

// fhirImportOrg is the organisation a Bundle's patients belong to: the caller's,
// or for an admin the one named by ?org=. No other parameter is taken.
func fhirImportOrg(c *gin.Context) (string, error) {
	var bad []equitrial.FieldError
	for name := range c.Request.URL.Query() {
		if name != "org" {
			bad = append(bad, equitrial.FieldError{Field: name, Detail: "unknown parameter; the only parameter is org (for admins)"})
		}
	}
	if len(bad) > 0 {
		return "", equitrial.Invalid("", bad...)
	}
	caller := callerOf(c)
	org := caller.Org
	if caller.Role == Admin && strings.TrimSpace(c.Query("org")) != "" {
		org = strings.TrimSpace(c.Query("org"))
	}
	if org == "" {
		return "", equitrial.Invalid("", equitrial.FieldError{Field: "org", Detail: "name the organisation the patients belong to with ?org="})
	}
	return org, nil
}

// readFHIRBody reads a Bundle under decodeJSON's rules (valid UTF-8, bounded
// nesting, no "$" keys), with FHIR's content type and a larger size limit.
func readFHIRBody(c *gin.Context) ([]byte, error) {
	if ct := c.ContentType(); ct != "" && ct != "application/fhir+json" && ct != "application/json" {
		return nil, equitrial.Errorf(equitrial.KindInvalid, "send a FHIR Bundle in JSON with Content-Type: application/fhir+json (got %s)", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxFHIRBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, equitrial.Errorf(equitrial.KindTooLarge, "the Bundle is larger than %d MB: split it, or import it with `equitrial import fhir`", maxFHIRBody>>20)
	}
	if err != nil {
		return nil, equitrial.Errorf(equitrial.KindInvalid, "could not read the request body")
	}
	var raw json.RawMessage
	if err := DecodeStrict(body, &raw); err != nil {
		return nil, err
	}
	return body, nil
}

// FHIRPatients is the patient repository as a FHIR import writes to it: one
// organisation's records, through the repository's own Create and Update.
type FHIRPatients struct {
	Repo *store.Patients
	Org  string
}

func (f FHIRPatients) ByNHSNumber(ctx context.Context, nhsNumber string) (*equitrial.Patient, error) {
	return f.Repo.ByNHSNumber(ctx, f.Org, nhsNumber)
}

func (f FHIRPatients) Create(ctx context.Context, p *equitrial.Patient) (*equitrial.Patient, error) {
	return f.Repo.Create(ctx, p, store.CreateOptions{})
}

func (f FHIRPatients) Update(ctx context.Context, p *equitrial.Patient) (*equitrial.Patient, error) {
	return f.Repo.Update(ctx, p)
}

// fhirResearchStudy serves a trial as a FHIR ResearchStudy.
func (s *Server) fhirResearchStudy(c *gin.Context) error {
	id := c.Param("nctId")
	if err := checkNCTID(id); err != nil {
		return err
	}
	t, err := s.Catalog.Store.Get(c.Request.Context(), id)
	if err != nil {
		return err
	}
	return writeFHIR(c, fhir.ResearchStudy(t))
}

// fhirResearchSubjects serves a trial's participants the caller may see as a
// searchset Bundle of ResearchSubjects.
func (s *Server) fhirResearchSubjects(c *gin.Context) error {
	var bad []equitrial.FieldError
	for name := range c.Request.URL.Query() {
		if name != "study" {
			bad = append(bad, equitrial.FieldError{Field: name, Detail: "unknown parameter; the parameter is study (an NCT number, or ResearchStudy/NCT…)"})
		}
	}
	study := strings.TrimPrefix(strings.TrimSpace(c.Query("study")), "ResearchStudy/")
	if !validNCTID(study) {
		bad = append(bad, equitrial.FieldError{Field: "study", Detail: "name one trial: NCT followed by 8 digits, such as NCT04280705"})
	}
	if len(bad) > 0 {
		return equitrial.Invalid("", bad...)
	}
	if err := s.requireTrial(c, study); err != nil {
		return err
	}
	events, err := s.Equity.DB.Events.List(c.Request.Context(), study)
	if err != nil {
		return err
	}
	caller := callerOf(c)
	var visible []equity.Participant
	for _, p := range equity.Fold(events, nil) {
		if caller.Role == Admin || caller.Role == Nurse && caller.Org != "" && p.Site == caller.Org {
			visible = append(visible, p)
		}
	}
	b, err := fhir.ResearchSubjects(study, visible, time.Now())
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	if err := writeFHIR(c, b); err != nil {
		return err
	}
	s.audit(c, "read-enrolment", "research-subjects", study, len(visible))
	for _, p := range visible {
		if p.PatientID != "" {
			s.audit(c, "read-enrolment", "patient", p.PatientID, 1)
		}
	}
	return nil
}

func writeFHIR(c *gin.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, fhirContentType, b)
	return nil
}
