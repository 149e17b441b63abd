package matcher

import (
	"context"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"equitrial"
	"equitrial/eligibility"
	"equitrial/equity"
	"equitrial/patients"
)

// maxIndexedAge is the oldest age with its own bitmap; older ages share it.
const maxIndexedAge = 120

// PatientIndex is the in-memory feature index over consented patients that trial →
// patients reads instead of scanning the store: roaring bitmaps of patients by
// ICD-10 category, by stratum ("ethnicGroup:Black"), by sex, by organisation and
// by whole year of age (the age bitmaps are the sorted ages: a range of ages is
// the union of a run of them), and per patient the eligibility profile, which
// holds the age in years but no name, contact detail or birth date.
//
// It is filled from the store at start (Load) and kept current by the patients
// change feed (Put on every create or update, Withdraw on withdrawal or deletion,
// Remove when a change takes a patient out of matching without its record), so a
// withdrawal is reflected in the next request and is final. Readers take a read lock only
// while combining bitmaps; evaluation runs outside it.
type PatientIndex struct {
	mu      sync.RWMutex
	slots   map[string]uint32 // patient id → slot, the bitmaps' element
	recs    []*patientRec     // by slot; nil when free
	free    []uint32
	live    *roaring.Bitmap
	byCat   map[string]*roaring.Bitmap
	byGroup map[string]*roaring.Bitmap // "dimension:group"
	bySex   map[string]*roaring.Bitmap // FEMALE, MALE
	byOrg   map[string]*roaring.Bitmap
	byAge   [maxIndexedAge + 1]*roaring.Bitmap
	noAge   *roaring.Bitmap
	now     func() time.Time
	// gone remembers patients taken out, so that a notification older than the
	// removal (the feed does not promise order) cannot bring them back, and a
	// withdrawn or deleted patient never comes back at all.
	gone    map[string]tombstone
	loading *PatientIndex   // during Load: the index being built, which hears changes too
	touched map[string]bool // during Load: patients removed by the feed without a version; the load's read of them is older
	// loadHook, when set (tests), runs in Load between the check of a patient read
	// from the store and the put.
	loadHook func(id string)
}

// tombstone is what the index remembers of a patient it took out.
type tombstone struct {
	version time.Time // the updatedAt of the record that removed them, or of the last one held
	final   bool      // withdrawn or deleted: never indexed again
	at      time.Time // wall-clock time of the removal, for forgetting it (tombstoneTTL)
}

// tombstoneTTL is how long a removal is remembered across reloads: far longer than
// any notification can be in flight, so that a late, stale one is still refused.
const tombstoneTTL = 48 * time.Hour

// patientRec is what the index keeps about one patient. It is replaced, never
// changed, so a reader holding one needs no lock.
type patientRec struct {
	id      string
	version time.Time // the record's updatedAt: older notifications are dropped
	org     string
	age     int // -1: not known
	cats    []string
	strata  equity.Strata
	profile *eligibility.Profile
	// prepared is the profile resolved for evaluation on the day it was indexed,
	// so that a trial → patients query does not resolve tens of thousands of
	// profiles again; preparedFor (below) re-resolves one from a later day.
	prepared *eligibility.Prepared
	day      int64 // the day prepared is for, in days since the Unix epoch
}

// preparedFor returns the patient's profile resolved for evaluation on asOf.
func (r *patientRec) preparedFor(asOf time.Time) *eligibility.Prepared {
	if dayOf(asOf) == r.day {
		return r.prepared
	}
	return eligibility.Prepare(r.profile, asOf)
}

func dayOf(t time.Time) int64 { return t.UTC().Unix() / 86400 }

// NewPatientIndex makes an empty index; now (nil: time.Now) dates ages.
func NewPatientIndex(now func() time.Time) *PatientIndex {
	if now == nil {
		now = time.Now
	}
	x := &PatientIndex{slots: map[string]uint32{}, live: roaring.New(), byCat: map[string]*roaring.Bitmap{},
		byGroup: map[string]*roaring.Bitmap{}, bySex: map[string]*roaring.Bitmap{}, byOrg: map[string]*roaring.Bitmap{},
		noAge: roaring.New(), now: now, gone: map[string]tombstone{}}
	for i := range x.byAge {
		x.byAge[i] = roaring.New()
	}
	return x
}

// Consented reports whether a patient record may be matched: contact agreed and
// consent not withdrawn.
func Consented(p *equitrial.Patient) bool {
	return p != nil && p.Consent.Contact && p.Withdrawn == nil
}

// StratumDimensions are the strata patients are counted and filtered by.
var StratumDimensions = []string{equity.DimEthnicGroup, equity.DimIMDQuintile, equity.DimSMI, equity.DimSex, equity.DimAgeBand}

func newPatientRec(p *equitrial.Patient, asOf time.Time) *patientRec {
	pr := ProfileOf(p, asOf)
	r := &patientRec{id: p.ID, version: p.UpdatedAt, org: p.Org, age: -1, cats: conditionCategories(pr), strata: patients.EquityStrata(p.Strata), profile: pr,
		prepared: eligibility.Prepare(pr, asOf), day: dayOf(asOf)}
	if pr.AgeYears != nil {
		r.age = int(*pr.AgeYears)
		if s, ok := ageStratum(r.age); ok {
			r.strata.AgeBand = s // as of today, not as of the record's last write
		}
	}
	return r
}

func ageStratum(age int) (string, bool) {
	b := equity.AgeBand(age)
	return b, equity.IsGroup(equity.DimAgeBand, b)
}

// Put applies a patient's record as the change feed delivers it: a consented
// patient is added or replaced, a record without consent to contact is removed,
// and a withdrawn record removes the patient for good. Notifications may arrive
// out of order: a record older (by updatedAt) than the one the index holds, or
// than the one that removed the patient, is dropped, and once a patient is
// withdrawn or deleted no record brings them back.
func (x *PatientIndex) Put(p *equitrial.Patient) {
	var r *patientRec
	if Consented(p) {
		r = newPatientRec(p, x.now()) // the costly part, outside the lock
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.loading != nil {
		x.loading.apply(p, r)
	}
	x.apply(p, r)
}

// apply is Put under the lock; r is p's record when p is consented. It reports
// whether the index now holds r.
func (x *PatientIndex) apply(p *equitrial.Patient, r *patientRec) bool {
	if p.Withdrawn != nil {
		x.removeLocked(p.ID, p.UpdatedAt, true)
		return false
	}
	if t, ok := x.gone[p.ID]; ok && (t.final || !p.UpdatedAt.After(t.version)) {
		return false // withdrawn, or this record is not newer than the one that removed them
	}
	slot, held := x.slots[p.ID]
	if held && p.UpdatedAt.Before(x.recs[slot].version) {
		return false // older than the record held
	}
	if r == nil {
		x.removeLocked(p.ID, p.UpdatedAt, false)
		return false
	}
	if held {
		x.unindex(slot)
	} else {
		slot = x.allocate()
		x.slots[r.id] = slot
	}
	delete(x.gone, r.id)
	x.recs[slot] = r
	x.index(slot, r)
	return true
}

// Remove drops a patient who may no longer be matched (say, updated to no
// consent to contact) when the change does not say which version did it: records
// not newer than the one held are dropped from then on. A withdrawn or deleted
// patient is taken out with Withdraw.
func (x *PatientIndex) Remove(id string) { x.remove(id, time.Time{}, false) }

// RemoveVersion is Remove when the change says which version of the record did
// it: only records newer than version bring the patient back, however late an
// older notification arrives.
func (x *PatientIndex) RemoveVersion(id string, version time.Time) { x.remove(id, version, false) }

// Withdraw drops a patient who withdrew consent or was deleted, for good: no later
// notification (however late an older one arrives) and no reload while it is
// remembered brings them back.
func (x *PatientIndex) Withdraw(id string) { x.remove(id, time.Time{}, true) }

func (x *PatientIndex) remove(id string, version time.Time, final bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.loading != nil {
		x.loading.removeLocked(id, version, final)
		x.touched[id] = true
	}
	x.removeLocked(id, version, final)
}

// removeLocked takes a patient out and remembers it; version is the removing
// record's updatedAt (zero: not known, and the version held stands for it).
func (x *PatientIndex) removeLocked(id string, version time.Time, final bool) {
	t := x.gone[id]
	t.final = t.final || final
	t.at = time.Now()
	if version.After(t.version) {
		t.version = version
	}
	if slot, ok := x.slots[id]; ok {
		if v := x.recs[slot].version; v.After(t.version) {
			t.version = v
		}
		x.unindex(slot)
		x.recs[slot] = nil
		delete(x.slots, id)
		x.free = append(x.free, slot)
	}
	x.gone[id] = t
}

// Len is the number of patients indexed.
func (x *PatientIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.slots)
}

// PatientEach walks consented patients, as the patients store's Each does.
type PatientEach func(ctx context.Context, fn func(*equitrial.Patient) error) error

// Load rebuilds the index from the store: every consented patient, ages as of
// now. Re-running it daily keeps ages (and age bands) from drifting. The new index
// replaces the old at once; changes that arrive during the load are applied to
// both, so none is lost, and each record read is checked and put under the lock,
// so a change cannot fall between the two: a patient the feed removed or changed
// since the load read them keeps the feed's state. Removals stay remembered
// across the reload (for tombstoneTTL).
func (x *PatientIndex) Load(ctx context.Context, each PatientEach) (int, error) {
	fresh := NewPatientIndex(x.now)
	x.mu.Lock()
	for id, t := range x.gone {
		if time.Since(t.at) < tombstoneTTL {
			fresh.gone[id] = t
		}
	}
	x.loading, x.touched = fresh, map[string]bool{}
	x.mu.Unlock()
	n := 0
	err := each(ctx, func(p *equitrial.Patient) error {
		if !Consented(p) {
			return nil
		}
		r := newPatientRec(p, x.now())
		// fresh is only ever changed under x.mu while it loads.
		x.mu.Lock()
		defer x.mu.Unlock()
		if x.touched[p.ID] {
			return nil
		}
		if x.loadHook != nil {
			x.loadHook(p.ID)
		}
		if fresh.apply(p, r) {
			n++
		}
		return nil
	})
	x.mu.Lock()
	defer x.mu.Unlock()
	x.loading, x.touched = nil, nil
	if err != nil {
		return n, err
	}
	x.slots, x.recs, x.free, x.live = fresh.slots, fresh.recs, fresh.free, fresh.live
	x.byCat, x.byGroup, x.bySex, x.byOrg, x.byAge, x.noAge = fresh.byCat, fresh.byGroup, fresh.bySex, fresh.byOrg, fresh.byAge, fresh.noAge
	x.gone = fresh.gone
	return n, nil
}

func (x *PatientIndex) allocate() uint32 {
	if n := len(x.free); n > 0 {
		s := x.free[n-1]
		x.free = x.free[:n-1]
		return s
	}
	x.recs = append(x.recs, nil)
	return uint32(len(x.recs) - 1)
}

func (x *PatientIndex) bitmapsOf(r *patientRec, create bool) []*roaring.Bitmap {
	get := func(m map[string]*roaring.Bitmap, k string) *roaring.Bitmap {
		b := m[k]
		if b == nil && create {
			b = roaring.New()
			m[k] = b
		}
		return b
	}
	bs := []*roaring.Bitmap{x.live, get(x.byOrg, r.org)}
	for _, c := range r.cats {
		bs = append(bs, get(x.byCat, c))
	}
	for _, dim := range StratumDimensions {
		bs = append(bs, get(x.byGroup, dim+":"+r.strata.Group(dim)))
	}
	if s := r.profile.Sex; s == "FEMALE" || s == "MALE" {
		bs = append(bs, get(x.bySex, s))
	}
	if r.age < 0 {
		bs = append(bs, x.noAge)
	} else {
		bs = append(bs, x.byAge[min(r.age, maxIndexedAge)])
	}
	return bs
}

func (x *PatientIndex) index(slot uint32, r *patientRec) {
	for _, b := range x.bitmapsOf(r, true) {
		b.Add(slot)
	}
}

func (x *PatientIndex) unindex(slot uint32) {
	for _, b := range x.bitmapsOf(x.recs[slot], false) {
		if b != nil {
			b.Remove(slot)
		}
	}
}

// Filter narrows trial → patients beyond what the trial's criteria allow.
type Filter struct {
	Orgs  []string         // only patients of these organisations; empty: all
	Group *equity.GroupKey // only patients in this stratum
}

// prefilter returns the patients not ruled out before evaluation: those with one
// of the categories of every diagnosis the trial requires, of an age inside its
// range (or not known), and of its sex (or not known). Everyone else is certainly
// ineligible, so the result holds every patient evaluation could keep.
func (x *PatientIndex) prefilter(t *CompiledTrial, f Filter) []*patientRec {
	x.mu.RLock()
	defer x.mu.RUnlock()
	set := x.live.Clone()
	if len(f.Orgs) > 0 {
		var orgs []*roaring.Bitmap
		for _, o := range f.Orgs {
			if b := x.byOrg[o]; b != nil {
				orgs = append(orgs, b)
			}
		}
		set.And(roaring.FastOr(orgs...))
	}
	if f.Group != nil {
		if b := x.byGroup[f.Group.Dimension+":"+f.Group.Group]; b != nil {
			set.And(b)
		} else {
			set.Clear()
		}
	}
	for _, group := range t.Required {
		var any []*roaring.Bitmap
		for _, c := range group {
			if b := x.byCat[c]; b != nil {
				any = append(any, b)
			}
		}
		set.And(roaring.FastOr(any...))
	}
	if t.MinAge != nil || t.MaxAge != nil {
		var out []*roaring.Bitmap // ages outside the range
		for a := 0; a <= maxIndexedAge; a++ {
			age := float64(a)
			// a whole-year age a covers a to a+1: a baby of 0 years may be 28 days old
			if a < maxIndexedAge && ((t.MinAge != nil && age+1 <= *t.MinAge) || (t.MaxAge != nil && age > *t.MaxAge)) {
				out = append(out, x.byAge[a])
			}
		}
		if len(out) > 0 {
			set.AndNot(roaring.FastOr(out...))
		}
	}
	switch t.Sex {
	case "FEMALE":
		if b := x.bySex["MALE"]; b != nil {
			set.AndNot(b)
		}
	case "MALE":
		if b := x.bySex["FEMALE"]; b != nil {
			set.AndNot(b)
		}
	}
	recs := make([]*patientRec, 0, set.GetCardinality())
	it := set.Iterator()
	for it.HasNext() {
		recs = append(recs, x.recs[it.Next()])
	}
	return recs
}
