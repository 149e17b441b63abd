package api

import (
	"crypto/rand"
	"encoding/base32"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"equitrial"
	"equitrial/patients"
	"equitrial/store"
)

// Self-registration (POST /api/v1/register). Decisions, beyond those in patients.go:
//
//   - No NHS-number oracle. A registration whose NHS number is already registered in
//     the organisation gets the same answer as a new one: 201, the same members (the
//     profile as sent, under a fresh id, and a fresh private link), the same headers,
//     and no sooner or later (every valid registration is answered no sooner than
//     registerFloor after it arrived, which covers the extra look-up). No second
//     record is created and the existing one is not changed or disclosed; a notice
//     is queued for the existing record's own contact route (store.RegistrationNotice)
//     and the attempt is audited against that record. The fresh link of such a
//     registration opens nothing: handing over the existing record to whoever knows
//     an NHS number is the leak this closes. A prober who follows the link can tell
//     the two cases apart, but only by completing a registration (rate limited per
//     client) that tells the real patient and is audited.
//   - ?org= names a site that accepts self-registration (store.Org.SelfRegistration,
//     set by an administrator); any other value, including an organisation that
//     does not exist, is refused with the same 400 naming org. Without ?org= the
//     record goes to SelfRegisteredOrg for staff to triage.

// registerFloor is the least time a valid registration takes to answer.
const registerFloor = 250 * time.Millisecond

func (s *Server) register(c *gin.Context) error {
	start := time.Now()
	repo, err := s.patientsRepo()
	if err != nil {
		return err
	}
	p, _, err := readPatientBody(c)
	if err != nil {
		return err
	}
	var bad []equitrial.FieldError
	if !p.Consent.Contact {
		bad = append(bad, equitrial.FieldError{Field: "consent.contact", Detail: "must be true: registering is agreeing to be contacted about research"})
	}
	if strings.TrimSpace(p.Email) == "" && strings.TrimSpace(p.Phone) == "" {
		bad = append(bad, equitrial.FieldError{Field: "email", Detail: "give an email address or a phone number so that we can contact you"})
	}
	org := SelfRegisteredOrg
	if q, given := c.GetQuery("org"); given {
		q = strings.TrimSpace(q)
		takes := false
		if s.Orgs != nil && q != "" {
			if takes, err = s.Orgs.TakesSelfRegistration(c.Request.Context(), q); err != nil {
				return err
			}
		}
		if !takes {
			bad = append(bad, equitrial.FieldError{Field: "org", Detail: "is not an organisation that takes registrations here: use the link your research team gave you, or register without it"})
		}
		org = q
	}
	if len(bad) > 0 {
		return equitrial.Invalid("registration is incomplete", bad...)
	}
	if p.Consent.Date == "" {
		p.Consent.Date = time.Now().Format(time.DateOnly)
	}
	if p.Consent.Channel == "" {
		p.Consent.Channel = "web"
	}
	p.Org, p.Source = org, patients.SourceSelf
	token, hash := patients.NewAccessToken()
	ctx := c.Request.Context()
	rec, err := repo.Create(ctx, p, store.CreateOptions{AccessTokenHash: hash})
	existing := ""
	if err != nil && p.NHSNumber != "" && equitrial.Is(equitrial.KindConflict, err) {
		rec, existing, err = s.registeredAgain(c, repo, p)
	}
	if err != nil {
		return err
	}
	if wait := registerFloor - time.Since(start); wait > 0 {
		time.Sleep(wait)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, registerResponse{Patient: rec, AccessToken: token})
	if existing != "" {
		s.audit(c, "register-again", "patient", existing, 1)
	} else {
		s.audit(c, "create", "patient", rec.ID, 1)
	}
	return nil
}

// registeredAgain handles a registration whose NHS number is already registered in
// p.Org: it queues a notice for the existing record and returns the answer a new
// record would have had (p prepared as the store prepares it, under an id that is
// not stored) and the existing record's id, for the audit.
func (s *Server) registeredAgain(c *gin.Context, repo *store.Patients, p *equitrial.Patient) (*equitrial.Patient, string, error) {
	ctx := c.Request.Context()
	old, err := repo.ByNHSNumber(ctx, p.Org, p.NHSNumber)
	if equitrial.Is(equitrial.KindNotFound, err) {
		old, err = repo.ByNHSNumber(ctx, "", p.NHSNumber) // the store refused it for another organisation's record
	}
	if err != nil {
		// Withdrawn between the two look-ups, or an outage: never a 404 that names the case.
		return nil, "", equitrial.Errorf(equitrial.KindUnavailable, "your registration could not be saved: try again in a minute")
	}
	route := "organisation"
	switch {
	case old.Email != "":
		route = "email"
	case old.Phone != "":
		route = "phone"
	}
	if s.Equity.DB == nil {
		return nil, "", equitrial.Errorf(equitrial.KindUnavailable, "registrations cannot be taken at the moment: try again later")
	}
	if err := s.Equity.DB.RegistrationNotices().Record(ctx, store.RegistrationNotice{Kind: store.NoticeRegisteredAgain,
		PatientID: old.ID, Org: old.Org, Route: route}); err != nil {
		return nil, "", err
	}
	rec := *p
	rec.Strata, rec.Withdrawn = nil, nil
	if err := patients.Default().Prepare(&rec); err != nil {
		return nil, "", err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	rec.ID, rec.CreatedAt, rec.UpdatedAt = unstoredPatientID(), now, now
	rec.Strata = patients.DeriveStrata(&rec, repo.Reference(), now)
	return &rec, old.ID, nil
}

// unstoredPatientID looks like a patient id (store.newPatientID's form) and names
// no record.
func unstoredPatientID() string {
	b := make([]byte, 13)
	rand.Read(b)
	return "pt_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:20]
}
