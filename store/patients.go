package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
	"equitrial/equity"
	"equitrial/internal/seal"
	"equitrial/patients"
	"equitrial/refdata"
)

// Patients is the repository of patient profiles. Direct identifiers are sealed
// (AES-256-GCM, bound to the record and field) before they reach the database and
// opened on the way out; the NHS number is also kept as a keyed hash so records can
// be found by it without decrypting anyone. Clinical fields and strata are stored in
// the clear so that matching and equity statistics never need the keys.
//
// Every write validates the whole record first (nothing is stored on failure),
// re-derives the strata from the reference data in use, and then tells subscribers.
type Patients struct {
	c       *mongo.Collection
	claims  *mongo.Collection // NHS numbers in use, by organisation (patients_nhs_claims.go)
	keys    atomic.Pointer[seal.Keyring]
	ref     atomic.Pointer[refdata.Reference]
	checker *patients.Checker
	now     func() time.Time

	mu     sync.RWMutex
	subs   []func(PatientChange)
	locks  recordLocks // one writer per record at a time in this process (patients_locks.go)
	shared *Locks      // and across processes, on FerretDB
	// changes hears of every write before it is made, so that other replicas
	// re-read the record (changes.go); nil records nothing.
	changes *Changes
}

func newPatients(c *mongo.Collection) *Patients {
	return &Patients{c: c, checker: patients.Default(), now: time.Now}
}

// ChangeKind says what a write did to a patient.
type ChangeKind string

const (
	PatientCreated   ChangeKind = "created"
	PatientUpdated   ChangeKind = "updated"
	PatientWithdrawn ChangeKind = "withdrawn" // consent withdrawn: out of matching, identifiers erased
	PatientDeleted   ChangeKind = "deleted"
)

// PatientChange tells subscribers about one successful write. Patient is the record
// as Each yields it (no name, NHS number or contact details) when the patient may be
// matched; it is nil when they may not (withdrawn, deleted, or updated to no consent
// to contact), and then the patient must leave every index at once.
type PatientChange struct {
	Kind    ChangeKind
	ID      string
	Org     string
	Patient *equitrial.Patient
	// UpdatedAt is the version of the record the change wrote, so a subscriber
	// can drop a notification older than what it holds, even without Patient.
	UpdatedAt time.Time
}

// identifiers are a patient's direct identifiers, each sealed with the context
// "patient/<id>/<json name>".
type identifiers struct {
	GivenName  string `bson:"givenName,omitempty"`
	FamilyName string `bson:"familyName,omitempty"`
	BirthDate  string `bson:"birthDate,omitempty"`
	NHSNumber  string `bson:"nhsNumber,omitempty"`
	Email      string `bson:"email,omitempty"`
	Phone      string `bson:"phone,omitempty"`
	Postcode   string `bson:"postcode,omitempty"`
}

// fields lists each identifier with its JSON name, for sealing and opening in step.
func (ids *identifiers) fields() []struct {
	name string
	v    *string
} {
	return []struct {
		name string
		v    *string
	}{
		{"givenName", &ids.GivenName}, {"familyName", &ids.FamilyName}, {"birthDate", &ids.BirthDate},
		{"nhsNumber", &ids.NHSNumber}, {"email", &ids.Email}, {"phone", &ids.Phone}, {"postcode", &ids.Postcode},
	}
}

// patientDoc is a patient as stored.
type patientDoc struct {
	ID     string `bson:"_id"`
	Org    string `bson:"org"`
	Source string `bson:"source,omitempty"`
	// Sealed holds the encrypted identifiers; KeyID is the key they are sealed under,
	// so that re-sealing after a key rotation finds the records still to do.
	Sealed          *identifiers `bson:"sealed,omitempty"`
	KeyID           string       `bson:"keyId,omitempty"`
	NHSLookup       string       `bson:"nhsLookup,omitempty"`
	AccessTokenHash string       `bson:"accessTokenHash,omitempty"`

	Sex                 string                    `bson:"sex,omitempty"`
	EthnicCategory      string                    `bson:"ethnicCategory,omitempty"`
	Census2021Ethnicity string                    `bson:"census2021Ethnicity,omitempty"`
	Conditions          []equitrial.Condition     `bson:"conditions,omitempty"`
	ConditionsComplete  bool                      `bson:"conditionsComplete,omitempty"`
	Answers             []equitrial.Answer        `bson:"answers,omitempty"`
	Medicines           []string                  `bson:"medicines,omitempty"`
	Observations        []equitrial.Observation   `bson:"observations,omitempty"`
	Pregnant            *bool                     `bson:"pregnant,omitempty"`
	Breastfeeding       *bool                     `bson:"breastfeeding,omitempty"`
	SMI                 *bool                     `bson:"smi,omitempty"`
	Language            string                    `bson:"language,omitempty"`
	InterpreterNeeded   *bool                     `bson:"interpreterNeeded,omitempty"`
	AccessibilityNeeds  []string                  `bson:"accessibilityNeeds,omitempty"`
	Consent             equitrial.Consent         `bson:"consent"`
	Strata              *equitrial.Strata         `bson:"strata,omitempty"`
	CreatedAt           time.Time                 `bson:"createdAt"`
	UpdatedAt           time.Time                 `bson:"updatedAt"`
	Withdrawn           *equitrial.WithdrawalNote `bson:"withdrawn,omitempty"`
}

func (s *Patients) ensureIndexes(ctx context.Context) error {
	if err := ensureIndexes(ctx, s.c,
		mongo.IndexModel{Keys: bson.D{{Key: "org", Value: 1}, {Key: "createdAt", Value: -1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "nhsLookup", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "accessTokenHash", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "consent.contact", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "keyId", Value: 1}}},
	); err != nil {
		return err
	}
	return s.backfillNHSClaims(ctx)
}

// SetKeyring gives the repository the keys to seal and open identifiers with. Until
// it is called, reads and writes of patients fail as unavailable.
func (s *Patients) SetKeyring(k *seal.Keyring) { s.keys.Store(k) }

// SetReference sets the postcode directory and deprivation index strata are derived
// from; nil means none is loaded (IMD unknown, with a note).
func (s *Patients) SetReference(r *refdata.Reference) { s.ref.Store(r) }

// Reference returns the reference data in use, or nil.
func (s *Patients) Reference() *refdata.Reference { return s.ref.Load() }

// SetClock replaces the clock (tests use a fixed one); it also decides what "in the
// future" means for validation.
func (s *Patients) SetClock(now func() time.Time) {
	s.now = now
	s.checker = patients.NewChecker(now)
}

// Subscribe registers fn to be called, in the writing goroutine, after every
// successful write of a patient by this process. fn must be quick and must not call
// back into Patients.
func (s *Patients) Subscribe(fn func(PatientChange)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs = append(s.subs, fn)
}

func (s *Patients) notify(ch PatientChange) {
	s.mu.RLock()
	subs := s.subs
	s.mu.RUnlock()
	for _, fn := range subs {
		fn(ch)
	}
}

func (s *Patients) keyring() (*seal.Keyring, error) {
	k := s.keys.Load()
	if k == nil {
		return nil, equitrial.Errorf(equitrial.KindUnavailable, "patient records are unavailable: no data encryption keys are configured")
	}
	return k, nil
}

// newPatientID returns "pt_" and 20 random base32 characters (100 bits): ids appear
// in URLs and audit entries, so they carry no meaning and cannot be guessed.
func newPatientID() string {
	b := make([]byte, 13)
	rand.Read(b)
	return "pt_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:20]
}

// CreateOptions carries what the service, not the caller, sets on a new record.
type CreateOptions struct {
	// AccessTokenHash is the hash of the patient's private-link token
	// (patients.HashAccessToken), for self-registered patients.
	AccessTokenHash string
}

// Create validates p, derives its strata, and stores it under a new id. p.Org and
// p.Source must be set by the caller (the API sets them from who is calling); any id,
// strata, timestamps or withdrawal on p are ignored. A patient whose NHS number is
// already registered in the same organisation is a KindConflict error. It returns
// the stored record.
func (s *Patients) Create(ctx context.Context, p *equitrial.Patient, opt CreateOptions) (*equitrial.Patient, error) {
	keys, err := s.keyring()
	if err != nil {
		return nil, err
	}
	rec := *p
	rec.ID, rec.Strata, rec.Withdrawn = "", nil, nil
	if err := s.checker.Prepare(&rec); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	rec.ID, rec.CreatedAt, rec.UpdatedAt = newPatientID(), now, now
	rec.Strata = patients.DeriveStrata(&rec, s.ref.Load(), now)
	doc, err := toDoc(keys, &rec)
	if err != nil {
		return nil, err
	}
	doc.AccessTokenHash = opt.AccessTokenHash
	if err := s.claimNHSNumber(ctx, rec.Org, doc.NHSLookup, rec.ID); err != nil {
		return nil, err
	}
	if err := s.changes.mark(ctx, ChangePatients, OpWrite, now, rec.ID); err != nil {
		s.releaseNHSNumber(ctx, rec.Org, doc.NHSLookup, rec.ID)
		return nil, fmt.Errorf("store: create patient: %w", err)
	}
	if _, err := s.c.InsertOne(ctx, doc); err != nil {
		s.releaseNHSNumber(ctx, rec.Org, doc.NHSLookup, rec.ID)
		return nil, fmt.Errorf("store: create patient: %w", err)
	}
	s.notify(PatientChange{Kind: PatientCreated, ID: rec.ID, Org: rec.Org, Patient: matchView(&rec), UpdatedAt: rec.UpdatedAt})
	return &rec, nil
}

// Get returns a patient with identifiers opened, or a KindNotFound error.
func (s *Patients) Get(ctx context.Context, id string) (*equitrial.Patient, error) {
	keys, err := s.keyring()
	if err != nil {
		return nil, err
	}
	doc, err := s.getDoc(ctx, bson.M{"_id": id}, "no patient with id "+id)
	if err != nil {
		return nil, err
	}
	return fromDoc(keys, doc)
}

func (s *Patients) getDoc(ctx context.Context, filter bson.M, notFound string) (*patientDoc, error) {
	var doc patientDoc
	err := s.c.FindOne(ctx, filter).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, equitrial.Errorf(equitrial.KindNotFound, "%s", notFound)
	}
	if err != nil {
		return nil, err
	}
	return &doc, nil
}

// PatientQuery selects patients for List; zero fields do not filter.
type PatientQuery struct {
	Org       string // "" means every organisation (admins only)
	Consented *bool  // true: consent to contact given and not withdrawn; false: not
	Page      int    // 1-based
	Size      int    // at most 100; default 20
}

// PatientPage is one page of patients, newest first.
type PatientPage struct {
	Patients []*equitrial.Patient `json:"patients"`
	Total    int64                `json:"total"`
	Page     int                  `json:"page"`
	Size     int                  `json:"size"`
}

// paged is q with the page size defaulted (20) and capped (100) and the page at
// least 1: List and Search page alike, so both share it.
func (q PatientQuery) paged() PatientQuery {
	if q.Size <= 0 {
		q.Size = 20
	}
	q.Size = min(q.Size, 100)
	q.Page = max(q.Page, 1)
	return q
}

// filter selects q's organisation and consent; List and Search select alike, so
// both share it.
func (q PatientQuery) filter() bson.M {
	filter := bson.M{}
	if q.Org != "" {
		filter["org"] = q.Org
	}
	if q.Consented != nil {
		if *q.Consented {
			filter["consent.contact"] = true
		} else {
			filter["consent.contact"] = bson.M{"$ne": true}
		}
	}
	return filter
}

// List returns a page of patients, newest first, with identifiers opened.
func (s *Patients) List(ctx context.Context, q PatientQuery) (*PatientPage, error) {
	keys, err := s.keyring()
	if err != nil {
		return nil, err
	}
	q = q.paged()
	filter := q.filter()
	total, err := s.c.CountDocuments(ctx, filter)
	if err != nil {
		return nil, err
	}
	cur, err := s.c.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}).
		SetSkip(int64((q.Page-1)*q.Size)).SetLimit(int64(q.Size)))
	if err != nil {
		return nil, err
	}
	var docs []patientDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := &PatientPage{Patients: make([]*equitrial.Patient, 0, len(docs)), Total: total, Page: q.Page, Size: q.Size}
	for i := range docs {
		p, err := fromDoc(keys, &docs[i])
		if err != nil {
			return nil, err
		}
		out.Patients = append(out.Patients, p)
	}
	return out, nil
}

// Update replaces a patient's profile with p (whose ID names the record), after
// validating the whole of it, and re-derives the strata. Org, source, creation time
// and the private-link token are kept from the stored record. A withdrawn patient
// cannot be updated (KindConflict); a record changed by another writer since it was
// read is a KindConflict too, when p.UpdatedAt is set to the time it was read.
func (s *Patients) Update(ctx context.Context, p *equitrial.Patient) (*equitrial.Patient, error) {
	unlock, err := s.lock(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	keys, err := s.keyring()
	if err != nil {
		return nil, err
	}
	old, err := s.getDoc(ctx, bson.M{"_id": p.ID}, "no patient with id "+p.ID)
	if err != nil {
		return nil, err
	}
	if old.Withdrawn != nil {
		return nil, equitrial.Errorf(equitrial.KindConflict, "patient %s withdrew consent; the record can no longer be changed", p.ID)
	}
	if !p.UpdatedAt.IsZero() && !p.UpdatedAt.Equal(old.UpdatedAt) {
		return nil, equitrial.Errorf(equitrial.KindConflict, "patient %s was changed by someone else since it was read; read it again", p.ID)
	}
	rec := *p
	rec.Org, rec.Source, rec.CreatedAt, rec.Withdrawn = old.Org, old.Source, old.CreatedAt, nil
	if err := s.checker.Prepare(&rec); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	if !now.After(old.UpdatedAt) {
		now = old.UpdatedAt.Add(time.Millisecond) // keep updatedAt strictly increasing for the check above
	}
	rec.UpdatedAt = now
	rec.Strata = patients.DeriveStrata(&rec, s.ref.Load(), now)
	doc, err := toDoc(keys, &rec)
	if err != nil {
		return nil, err
	}
	doc.AccessTokenHash = old.AccessTokenHash
	moved := doc.NHSLookup != old.NHSLookup
	if moved {
		if err := s.claimNHSNumber(ctx, rec.Org, doc.NHSLookup, rec.ID); err != nil {
			return nil, err
		}
	}
	err = s.changes.mark(ctx, ChangePatients, OpWrite, now, rec.ID)
	var res *mongo.UpdateResult
	if err == nil {
		res, err = s.c.ReplaceOne(ctx, bson.M{"_id": rec.ID, "updatedAt": old.UpdatedAt, "withdrawn": bson.M{"$exists": false}}, doc)
	}
	if err == nil && res.MatchedCount == 0 {
		err = equitrial.Errorf(equitrial.KindConflict, "patient %s was changed by someone else while saving; read it again", rec.ID)
	}
	if err != nil {
		if moved {
			s.releaseNHSNumber(ctx, rec.Org, doc.NHSLookup, rec.ID)
		}
		if equitrial.Is(equitrial.KindConflict, err) {
			return nil, err
		}
		return nil, fmt.Errorf("store: update patient: %w", err)
	}
	if moved {
		if err := s.releaseNHSNumber(ctx, old.Org, old.NHSLookup, rec.ID); err != nil {
			return nil, fmt.Errorf("store: update patient: releasing the old NHS number: %w", err)
		}
	}
	s.notify(PatientChange{Kind: PatientUpdated, ID: rec.ID, Org: rec.Org, Patient: matchView(&rec), UpdatedAt: rec.UpdatedAt})
	return &rec, nil
}

// SetAnswers writes answers to matching questions on a patient's record: each edit
// replaces the earlier answer to the same key, and an empty value removes it
// (patients.MergeAnswers); by and role are recorded on each answer written, with
// the time. The edits are normalised and checked first (Checker.CheckAnswers),
// every bad one named, and nothing is written if any is bad. Only the answers and
// updatedAt change, so identifiers are not re-sealed and the rest of the profile
// is not validated again. A write racing another change to the record
// is retried on the fresh record. A withdrawn patient's record cannot be answered
// for (KindConflict). It returns the stored record; subscribers are told, so the
// matching index sees the answers before this returns.
func (s *Patients) SetAnswers(ctx context.Context, id string, edits []equitrial.Answer, by, role string) (*equitrial.Patient, error) {
	unlock, err := s.lock(ctx, id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	keys, err := s.keyring()
	if err != nil {
		return nil, err
	}
	edits = slices.Clone(edits)
	if err := s.checker.CheckAnswers(edits); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		doc, err := s.getDoc(ctx, bson.M{"_id": id}, "no patient with id "+id)
		if err != nil {
			return nil, err
		}
		if doc.Withdrawn != nil {
			return nil, equitrial.Errorf(equitrial.KindConflict, "patient %s withdrew consent; the record can no longer be changed", id)
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		if !now.After(doc.UpdatedAt) {
			now = doc.UpdatedAt.Add(time.Millisecond)
		}
		answers := patients.MergeAnswers(doc.Answers, edits, by, role, now)
		if len(answers) > patients.MaxAnswers {
			return nil, equitrial.Invalid("", equitrial.FieldError{Field: "answers", Detail: fmt.Sprintf("a record holds at most %d answers; remove some first", patients.MaxAnswers)})
		}
		// an answer about serious mental illness is a stratum for equity monitoring
		// too, so the strata are derived again from the answered record
		doc.Answers = answers
		answered, err := fromDoc(keys, doc)
		if err != nil {
			return nil, err
		}
		strata := patients.DeriveStrata(answered, s.ref.Load(), now)
		update := bson.M{"$set": bson.M{"answers": answers, "updatedAt": now, "strata": strata}}
		if len(answers) == 0 {
			update = bson.M{"$set": bson.M{"updatedAt": now, "strata": strata}, "$unset": bson.M{"answers": ""}}
		}
		if err := s.changes.mark(ctx, ChangePatients, OpWrite, now, id); err != nil {
			return nil, fmt.Errorf("store: set answers: %w", err)
		}
		res, err := s.c.UpdateOne(ctx, bson.M{"_id": id, "updatedAt": doc.UpdatedAt, "withdrawn": bson.M{"$exists": false}}, update)
		if err != nil {
			return nil, fmt.Errorf("store: set answers: %w", err)
		}
		if res.MatchedCount == 0 {
			if attempt < 4 {
				continue // changed meanwhile: merge into the fresh record
			}
			return nil, equitrial.Errorf(equitrial.KindConflict, "patient %s is being changed by someone else; try again", id)
		}
		doc.UpdatedAt, doc.Strata = now, strata
		rec, err := fromDoc(keys, doc)
		if err != nil {
			return nil, err
		}
		s.notify(PatientChange{Kind: PatientUpdated, ID: rec.ID, Org: rec.Org, Patient: matchView(rec), UpdatedAt: rec.UpdatedAt})
		return rec, nil
	}
}

// WithdrawConsent records that the patient no longer agrees to be contacted and, in
// the same single-document update, erases everything but what equity counts need:
// every identifier, the NHS-number hash, the private-link token, and the clinical
// profile are removed; the strata, organisation, source, creation date and the
// consent record (now contact: false) stay, with withdrawn.at set. The patient leaves
// matching at once (subscribers are told before this returns). Withdrawing twice is
// not an error: the second call changes nothing and returns the record.
func (s *Patients) WithdrawConsent(ctx context.Context, id string) (*equitrial.Patient, error) {
	p, _, err := s.withdraw(ctx, id, nil)
	return p, err
}

// withdraw is WithdrawConsent's write; cond, when not nil, is part of its filter
// (the retention purge's staleness condition), so that the write itself refuses a
// record that no longer meets it. It reports whether this call withdrew the record.
func (s *Patients) withdraw(ctx context.Context, id string, cond bson.M) (*equitrial.Patient, bool, error) {
	unlock, err := s.lock(ctx, id)
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	keys, err := s.keyring()
	if err != nil {
		return nil, false, err
	}
	filter := bson.M{"_id": id, "withdrawn": bson.M{"$exists": false}}
	for k, v := range cond {
		filter[k] = v
	}
	var before struct {
		NHSLookup string `bson:"nhsLookup"`
	}
	if err := s.c.FindOne(ctx, bson.M{"_id": id}, options.FindOne().SetProjection(bson.M{"nhsLookup": 1})).Decode(&before); err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, false, fmt.Errorf("store: withdraw consent: %w", err)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	unset := bson.M{}
	for _, f := range []string{"sealed", "keyId", "nhsLookup", "accessTokenHash", "sex", "ethnicCategory",
		"census2021Ethnicity", "conditions", "conditionsComplete", "answers", "medicines", "observations", "pregnant", "breastfeeding", "smi",
		"language", "interpreterNeeded", "accessibilityNeeds"} {
		unset[f] = ""
	}
	if err := s.changes.mark(ctx, ChangePatients, OpWrite, now, id); err != nil {
		return nil, false, fmt.Errorf("store: withdraw consent: %w", err)
	}
	res, err := s.c.UpdateOne(ctx, filter, bson.M{
		"$set":   bson.M{"consent.contact": false, "withdrawn": equitrial.WithdrawalNote{At: now}, "updatedAt": now},
		"$unset": unset,
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: withdraw consent: %w", err)
	}
	doc, err := s.getDoc(ctx, bson.M{"_id": id}, "no patient with id "+id)
	if err != nil {
		return nil, false, err
	}
	withdrawn := res.ModifiedCount > 0
	if withdrawn {
		if err := s.releaseNHSNumber(ctx, doc.Org, before.NHSLookup, id); err != nil {
			return nil, false, fmt.Errorf("store: withdraw consent: releasing the NHS number: %w", err)
		}
		s.notify(PatientChange{Kind: PatientWithdrawn, ID: id, Org: doc.Org, UpdatedAt: doc.UpdatedAt})
	}
	p, err := fromDoc(keys, doc)
	return p, withdrawn, err
}

// Delete removes a patient's record entirely, strata included. The API's DELETE is
// WithdrawConsent; this is for the retention purge and for tests.
func (s *Patients) Delete(ctx context.Context, id string) error {
	unlock, err := s.lock(ctx, id)
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.changes.mark(ctx, ChangePatients, OpDelete, s.now(), id); err != nil {
		return fmt.Errorf("store: delete patient: %w", err)
	}
	var doc struct {
		Org       string `bson:"org"`
		NHSLookup string `bson:"nhsLookup"`
	}
	err = s.c.FindOneAndDelete(ctx, bson.M{"_id": id}).Decode(&doc) // FerretDB has no projection in findAndModify
	if errors.Is(err, mongo.ErrNoDocuments) {
		return equitrial.Errorf(equitrial.KindNotFound, "no patient with id %s", id)
	}
	if err != nil {
		return err
	}
	if err := s.releaseNHSNumber(ctx, doc.Org, doc.NHSLookup, id); err != nil {
		return err
	}
	s.notify(PatientChange{Kind: PatientDeleted, ID: id, Org: doc.Org})
	return nil
}

// ByNHSNumber finds the live patient with an NHS number (any spelling) in org, or in
// any organisation when org is "", through the keyed hash.
func (s *Patients) ByNHSNumber(ctx context.Context, org, nhsNumber string) (*equitrial.Patient, error) {
	keys, err := s.keyring()
	if err != nil {
		return nil, err
	}
	filter, err := s.nhsFilter(nhsNumber)
	if err != nil {
		return nil, err
	}
	lookup := filter["nhsLookup"].(string)
	if org != "" {
		// one organisation: its claim names the record, read by _id alone (on the
		// embedded store any other filter reads every record)
		id, err := s.claimedBy(ctx, org, lookup)
		if err != nil {
			return nil, err
		}
		filter = bson.M{"_id": id}
	}
	doc, err := s.getDoc(ctx, filter, "no patient with that NHS number")
	if err != nil {
		return nil, err
	}
	if doc.NHSLookup != lookup || doc.Withdrawn != nil {
		return nil, equitrial.Errorf(equitrial.KindNotFound, "no patient with that NHS number")
	}
	return fromDoc(keys, doc)
}

// ByAccessToken finds the patient a private-link token belongs to. Withdrawn
// patients' tokens are erased, so they are not found.
func (s *Patients) ByAccessToken(ctx context.Context, token string) (*equitrial.Patient, error) {
	keys, err := s.keyring()
	if err != nil {
		return nil, err
	}
	if !patients.LooksLikeAccessToken(token) {
		return nil, equitrial.Errorf(equitrial.KindNotFound, "no patient for that link")
	}
	doc, err := s.getDoc(ctx, bson.M{"accessTokenHash": patients.HashAccessToken(token)}, "no patient for that link")
	if err != nil {
		return nil, err
	}
	return fromDoc(keys, doc)
}

// Each calls fn for every patient who has consented to be contacted (and not
// withdrawn), in id order, as matching needs them: the clinical profile, strata, and
// the birth date and postcode (for age and distance), but never names, NHS number or
// contact details, which are not even read from the database.
func (s *Patients) Each(ctx context.Context, fn func(*equitrial.Patient) error) error {
	keys, err := s.keyring()
	if err != nil {
		return err
	}
	cur, err := s.c.Find(ctx, bson.M{"consent.contact": true, "withdrawn": bson.M{"$exists": false}},
		options.Find().SetProjection(matchProjection).SetSort(bson.D{{Key: "_id", Value: 1}}).SetBatchSize(1000))
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc patientDoc
		if err := cur.Decode(&doc); err != nil {
			return err
		}
		p, err := fromDoc(keys, &doc)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return cur.Err()
}

// Count returns how many patient records org holds (all organisations when "").
func (s *Patients) Count(ctx context.Context, org string) (int64, error) {
	filter := bson.M{}
	if org != "" {
		filter["org"] = org
	}
	return s.c.CountDocuments(ctx, filter)
}

// EquityStrata returns the equity strata of each patient id found (withdrawn
// patients included: their strata stay in recruitment counts). Ids not found are
// absent from the map.
func (s *Patients) EquityStrata(ctx context.Context, ids []string) (map[string]equity.Strata, error) {
	out := make(map[string]equity.Strata, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	cur, err := s.c.Find(ctx, bson.M{"_id": bson.M{"$in": ids}}, options.Find().SetProjection(bson.M{"strata": 1}))
	if err != nil {
		return nil, err
	}
	var docs []struct {
		ID     string            `bson:"_id"`
		Strata *equitrial.Strata `bson:"strata"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	for _, d := range docs {
		out[d.ID] = patients.EquityStrata(d.Strata)
	}
	return out, nil
}

// Reseal re-encrypts, under the keyring's current key, the identifiers of every
// record sealed under another key, so that an old key can be retired after a
// rotation. It is safe to run while the service is writing: a record changed
// meanwhile is skipped (it was sealed with the current key by that write). It
// returns how many records it re-sealed.
func (s *Patients) Reseal(ctx context.Context) (int, error) {
	keys, err := s.keyring()
	if err != nil {
		return 0, err
	}
	cur, err := s.c.Find(ctx, bson.M{"sealed": bson.M{"$exists": true}, "keyId": bson.M{"$ne": keys.Current()}},
		options.Find().SetProjection(bson.M{"sealed": 1, "keyId": 1}))
	if err != nil {
		return 0, err
	}
	defer cur.Close(ctx)
	n := 0
	for cur.Next(ctx) {
		var doc struct {
			ID     string       `bson:"_id"`
			Sealed *identifiers `bson:"sealed"`
			KeyID  string       `bson:"keyId"`
		}
		if err := cur.Decode(&doc); err != nil {
			return n, err
		}
		if doc.Sealed == nil {
			continue
		}
		for _, f := range doc.Sealed.fields() {
			plain, err := keys.Open(*f.v, sealContext(doc.ID, f.name))
			if err != nil {
				return n, fmt.Errorf("store: reseal patient %s %s: %w", doc.ID, f.name, err)
			}
			if *f.v, err = keys.Seal(plain, sealContext(doc.ID, f.name)); err != nil {
				return n, err
			}
		}
		filter := bson.M{"_id": doc.ID, "keyId": doc.KeyID}
		if doc.KeyID == "" {
			filter["keyId"] = bson.M{"$exists": false}
		}
		unlock, err := s.lock(ctx, doc.ID) // on FerretDB, a racing withdrawal could otherwise be undone
		if err != nil {
			return n, err
		}
		res, err := s.c.UpdateOne(ctx, filter, bson.M{"$set": bson.M{"sealed": doc.Sealed, "keyId": keys.Current()}})
		unlock()
		if err != nil {
			return n, err
		}
		n += int(res.ModifiedCount)
	}
	return n, cur.Err()
}

// RederiveStrata recomputes the strata of every live record from its profile and the
// reference data now in use, as of now: after new reference data is loaded, and from
// time to time so that age bands keep up with birthdays. Withdrawn records keep the
// strata they had. It returns how many records changed.
func (s *Patients) RederiveStrata(ctx context.Context) (int, error) {
	keys, err := s.keyring()
	if err != nil {
		return 0, err
	}
	cur, err := s.c.Find(ctx, bson.M{"withdrawn": bson.M{"$exists": false}},
		options.Find().SetProjection(bson.M{"sealed.givenName": 0, "sealed.familyName": 0, "sealed.nhsNumber": 0, "sealed.email": 0, "sealed.phone": 0}))
	if err != nil {
		return 0, err
	}
	defer cur.Close(ctx)
	now := s.now().UTC().Truncate(time.Millisecond)
	ref := s.ref.Load()
	n := 0
	// The strata change without a new updatedAt (a re-derivation is not a change
	// to the record's retention clock), so other replicas hear of the records
	// changed through refresh marks written after the writes, a thousand at a time.
	var changed []string
	flush := func() error {
		err := s.changes.mark(ctx, ChangePatients, OpRefresh, s.now(), changed...)
		changed = changed[:0]
		return err
	}
	defer func() { // a pass that stops early still announces what it changed
		if len(changed) > 0 {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			s.changes.mark(ctx, ChangePatients, OpRefresh, s.now(), changed...)
		}
	}()
	for cur.Next(ctx) {
		var doc patientDoc
		if err := cur.Decode(&doc); err != nil {
			return n, err
		}
		p, err := fromDoc(keys, &doc)
		if err != nil {
			return n, err
		}
		st := patients.DeriveStrata(p, ref, now)
		if sameStrata(st, doc.Strata) {
			continue
		}
		unlock, err := s.lock(ctx, doc.ID)
		if err != nil {
			return n, err
		}
		res, err := s.c.UpdateOne(ctx, bson.M{"_id": doc.ID, "updatedAt": doc.UpdatedAt}, bson.M{"$set": bson.M{"strata": st}})
		unlock()
		if err != nil {
			return n, err
		}
		if res.ModifiedCount > 0 {
			n++
			p.Strata = st
			s.notify(PatientChange{Kind: PatientUpdated, ID: p.ID, Org: p.Org, Patient: matchView(p), UpdatedAt: p.UpdatedAt})
			if changed = append(changed, p.ID); len(changed) == 1000 {
				if err := flush(); err != nil {
					return n, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return n, err
	}
	return n, cur.Err()
}

func sameStrata(a, b *equitrial.Strata) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	x.DerivedAt, y.DerivedAt = time.Time{}, time.Time{}
	return x == y
}

func sealContext(id, field string) string { return "patient/" + id + "/" + field }

func toDoc(keys *seal.Keyring, p *equitrial.Patient) (*patientDoc, error) {
	ids := &identifiers{GivenName: p.GivenName, FamilyName: p.FamilyName, BirthDate: p.BirthDate, NHSNumber: p.NHSNumber,
		Email: p.Email, Phone: p.Phone, Postcode: p.Postcode}
	for _, f := range ids.fields() {
		sealed, err := keys.Seal(*f.v, sealContext(p.ID, f.name))
		if err != nil {
			return nil, fmt.Errorf("store: seal %s: %w", f.name, err)
		}
		*f.v = sealed
	}
	doc := &patientDoc{
		ID: p.ID, Org: p.Org, Source: p.Source, Sealed: ids, KeyID: keys.Current(),
		Sex: p.Sex, EthnicCategory: p.EthnicCategory, Census2021Ethnicity: p.Census2021Ethnicity,
		Conditions: p.Conditions, ConditionsComplete: p.ConditionsComplete, Answers: p.Answers,
		Medicines: p.Medicines, Observations: p.Observations, Pregnant: p.Pregnant, Breastfeeding: p.Breastfeeding, SMI: p.SMI, Language: p.Language,
		InterpreterNeeded: p.InterpreterNeeded, AccessibilityNeeds: p.AccessibilityNeeds, Consent: p.Consent,
		Strata: p.Strata, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Withdrawn: p.Withdrawn,
	}
	if p.NHSNumber != "" {
		doc.NHSLookup = keys.Lookup("nhsNumber", p.NHSNumber)
	}
	return doc, nil
}

func fromDoc(keys *seal.Keyring, d *patientDoc) (*equitrial.Patient, error) {
	p := &equitrial.Patient{
		ID: d.ID, Org: d.Org, Source: d.Source,
		Sex: d.Sex, EthnicCategory: d.EthnicCategory, Census2021Ethnicity: d.Census2021Ethnicity,
		Conditions: d.Conditions, ConditionsComplete: d.ConditionsComplete, Answers: d.Answers,
		Medicines: d.Medicines, Observations: d.Observations, Pregnant: d.Pregnant, Breastfeeding: d.Breastfeeding, SMI: d.SMI, Language: d.Language,
		InterpreterNeeded: d.InterpreterNeeded, AccessibilityNeeds: d.AccessibilityNeeds, Consent: d.Consent,
		Strata: d.Strata, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Withdrawn: d.Withdrawn,
	}
	if len(d.Answers) > 0 {
		p.Answers = make([]equitrial.Answer, len(d.Answers))
		for i, a := range d.Answers {
			a.At = a.At.UTC()
			p.Answers[i] = a
		}
	}
	if d.Sealed == nil {
		return p, nil
	}
	plain := identifiers{}
	dst := plain.fields()
	for i, f := range d.Sealed.fields() {
		v, err := keys.Open(*f.v, sealContext(d.ID, f.name))
		if err != nil {
			return nil, fmt.Errorf("store: open %s of patient %s: %w", f.name, d.ID, err)
		}
		*dst[i].v = v
	}
	p.GivenName, p.FamilyName, p.BirthDate, p.NHSNumber = plain.GivenName, plain.FamilyName, plain.BirthDate, plain.NHSNumber
	p.Email, p.Phone, p.Postcode = plain.Email, plain.Phone, plain.Postcode
	return p, nil
}

// matchView is the record without the identifiers matching has no use for.
func matchView(p *equitrial.Patient) *equitrial.Patient {
	if !p.Consent.Contact || p.Withdrawn != nil {
		return nil
	}
	v := *p
	v.GivenName, v.FamilyName, v.NHSNumber, v.Email, v.Phone = "", "", "", "", ""
	return &v
}
