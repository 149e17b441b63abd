package store

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"equitrial"
)

// Searching and sorting an organisation's patients. Names, postcodes and NHS numbers
// are sealed at rest, so the database cannot search or sort them:
//
//   - an NHS number is found through its keyed lookup hash (an index), whatever the
//     size of the organisation;
//   - words of a name or a postcode, and sorting by name or date of birth, open the
//     organisation's records one by one: linear in the organisation's patients, and
//     bounded by MaxPatientScan, beyond which the search is refused with a message
//     asking for an NHS number instead. A research site holds hundreds to a few
//     thousand records, for which opening each (AES-GCM) takes milliseconds. A blind
//     index of name tokens would scale further but leaks more (equal names, name
//     frequencies); it is not worth it at this size.
//   - with no words and the default order (newest first) it is List: one page read.

// MaxPatientScan is the most records a name or postcode search, or a sort by name or
// date of birth, opens.
const MaxPatientScan = 20000

// Patient orders for PatientSearch.Sort.
const (
	SortNewest    = "newest"     // added, newest first (the default)
	SortName      = "name"       // family name, then given name, A to Z
	SortBirthDate = "birth-date" // oldest first
)

// PatientSearch selects and orders patients for Search; zero fields do not filter.
type PatientSearch struct {
	PatientQuery
	Text      string // words that must each start a word of the name, or the start of the postcode
	NHSNumber string // an NHS number in any spelling
	Sort      string // SortNewest, SortName or SortBirthDate
}

// Search returns a page of patients matching q, with identifiers opened.
func (s *Patients) Search(ctx context.Context, q PatientSearch) (*PatientPage, error) {
	q.Text = strings.TrimSpace(q.Text)
	if q.Sort == "" {
		q.Sort = SortNewest
	}
	if q.NHSNumber == "" && q.Text == "" && q.Sort == SortNewest {
		return s.List(ctx, q.PatientQuery)
	}
	keys, err := s.keyring()
	if err != nil {
		return nil, err
	}
	q.PatientQuery = q.PatientQuery.paged()
	filter := q.PatientQuery.filter()
	if q.NHSNumber != "" {
		n, ok := equitrial.NormaliseNHSNumber(q.NHSNumber)
		if !ok {
			return nil, equitrial.Invalid("", equitrial.FieldError{Field: "nhsNumber", Detail: "is not a valid NHS number: 10 digits, like 943 476 5919"})
		}
		filter["nhsLookup"] = keys.Lookup("nhsNumber", n)
	} else {
		n, err := s.c.CountDocuments(ctx, filter)
		if err != nil {
			return nil, err
		}
		if n > MaxPatientScan {
			return nil, equitrial.Invalid("", equitrial.FieldError{Field: "q",
				Detail: "cannot search or sort this many records by name or postcode; search by NHS number instead"})
		}
	}
	cur, err := s.c.Find(ctx, filter, options.Find().SetBatchSize(1000))
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	words := strings.Fields(strings.ToLower(q.Text))
	var hits []*equitrial.Patient
	for cur.Next(ctx) {
		var doc patientDoc
		if err := cur.Decode(&doc); err != nil {
			return nil, err
		}
		p, err := fromDoc(keys, &doc)
		if err != nil {
			return nil, err
		}
		if patientMatchesWords(p, q.Text, words) {
			hits = append(hits, p)
		}
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	sortPatients(hits, q.Sort)
	out := &PatientPage{Patients: []*equitrial.Patient{}, Total: int64(len(hits)), Page: q.Page, Size: q.Size}
	if from := (q.Page - 1) * q.Size; from < len(hits) {
		out.Patients = hits[from:min(from+q.Size, len(hits))]
	}
	return out, nil
}

// patientMatchesWords: every word starts a word of the name, or the text is the
// start of the postcode (spaces and case ignored).
func patientMatchesWords(p *equitrial.Patient, text string, words []string) bool {
	if len(words) == 0 {
		return true
	}
	compact := func(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), "")) }
	if pc := compact(p.Postcode); pc != "" && len(compact(text)) >= 2 && strings.HasPrefix(pc, compact(text)) {
		return true
	}
	name := strings.FieldsFunc(strings.ToLower(p.GivenName+" "+p.FamilyName), func(r rune) bool { return r == ' ' || r == '-' || r == '\'' })
	for _, w := range words {
		if !slices.ContainsFunc(name, func(n string) bool { return strings.HasPrefix(n, w) }) {
			return false
		}
	}
	return true
}

func sortPatients(ps []*equitrial.Patient, order string) {
	slices.SortStableFunc(ps, func(a, b *equitrial.Patient) int {
		switch order {
		case SortName:
			if c := cmp.Compare(strings.ToLower(a.FamilyName), strings.ToLower(b.FamilyName)); c != 0 {
				return c
			}
			if c := cmp.Compare(strings.ToLower(a.GivenName), strings.ToLower(b.GivenName)); c != 0 {
				return c
			}
		case SortBirthDate:
			if c := cmp.Compare(a.BirthDate, b.BirthDate); c != 0 {
				return c
			}
		}
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
}
