package matcher

import (
	"context"
	"math"
	"strings"
	"sync"
	"time"

	"equitrial"
	"equitrial/eligibility"
)

// CompiledTrial is one trial as matching reads it: its criteria parsed and compiled
// once, what ranking needs (condition categories, sites) and what a result shows.
// It is never changed after it is built, so readers share it without locks.
type CompiledTrial struct {
	NCTID             string
	Title             string
	Status            string
	Recruiting        bool
	HealthyVolunteers bool
	Conditions        []string
	// Categories are the ICD-10 categories of the trial's conditions (registered
	// conditions, MeSH terms, and diagnoses its inclusion criteria require), for
	// telling trials about the patient's own conditions from the rest.
	Categories []string
	// Required holds, for each criterion that requires a diagnosis, the categories
	// any one of which satisfies it or may (through the classification's
	// hierarchy). Trial → patients lists the patients recorded with one of each
	// group: someone with none recorded is not ruled out (matching asks whether
	// they have it), but a search for a trial's patients looks among those known
	// to have its conditions.
	Required [][]string
	MinAge   *float64 // as evaluation reads them (structured fields and text)
	MaxAge   *float64
	Sex      string // ALL, FEMALE, MALE
	Sites    []equitrial.LatLon
	Compiled *eligibility.Compiled
	units    []unitVec // Sites on the unit sphere, so nearest-site needs no trigonometry per site
}

// Compile builds the matching view of a trial.
func CompileTrial(t *equitrial.Trial) *CompiledTrial {
	crit := eligibility.Parse(t)
	ct := &CompiledTrial{
		NCTID: t.NCTID, Title: t.BriefTitle, Status: t.OverallStatus, Recruiting: t.Recruiting(),
		HealthyVolunteers: t.HealthyVolunteer, Conditions: t.Conditions,
		MinAge: crit.MinAge, MaxAge: crit.MaxAge, Sex: crit.Sex,
		Compiled: eligibility.Compile(crit),
	}
	addCat := func(code string) {
		if c, ok := icdCategory(code); ok && !containsExact(ct.Categories, c) {
			ct.Categories = append(ct.Categories, c)
		}
	}
	for _, list := range [][]string{t.Conditions, t.ConditionMeSH} {
		for _, name := range list {
			for _, code := range eligibility.LookupCondition(name) {
				addCat(code.ICD10)
			}
		}
	}
	for _, cr := range crit.Criteria {
		if len(cr.RequireAny) == 0 {
			continue
		}
		var group []string
		for _, code := range cr.RequireAny {
			for _, c := range eligibility.RelatedCategories(code.ICD10) {
				if !containsExact(group, c) {
					group = append(group, c)
				}
			}
			if cr.Section == eligibility.Inclusion {
				addCat(code.ICD10)
			}
		}
		ct.Required = append(ct.Required, group)
	}
	for _, l := range t.Locations {
		if l.Geo != nil {
			ct.Sites = append(ct.Sites, *l.Geo)
			ct.units = append(ct.units, toUnit(*l.Geo))
		}
	}
	return ct
}

// earthRadiusKm is the mean radius of the Earth (IUGG), as DistanceKm uses.
const earthRadiusKm = 6371.0088

// unitVec is a point on the unit sphere.
type unitVec struct{ x, y, z float64 }

func toUnit(p equitrial.LatLon) unitVec {
	lat, lon := p.Lat*math.Pi/180, p.Lon*math.Pi/180
	return unitVec{math.Cos(lat) * math.Cos(lon), math.Cos(lat) * math.Sin(lon), math.Sin(lat)}
}

// NearestSiteKm is the great-circle distance from p to the trial's nearest located
// site, and false when the trial has none. The nearest site is the one with the
// largest dot product with p; only its distance is computed.
func (ct *CompiledTrial) NearestSiteKm(p equitrial.LatLon) (float64, bool) {
	return ct.nearestKm(toUnit(p))
}

func (ct *CompiledTrial) nearestKm(u unitVec) (float64, bool) {
	if len(ct.units) == 0 {
		return math.Inf(1), false
	}
	best := -2.0
	for _, s := range ct.units {
		best = math.Max(best, u.x*s.x+u.y*s.y+u.z*s.z)
	}
	// the chord length gives the angle more accurately than acos for close points
	chord := math.Sqrt(math.Max(0, 2-2*best))
	return 2 * earthRadiusKm * math.Asin(math.Min(1, chord/2)), true
}

// AboutAny reports whether the trial studies any of the given ICD-10 categories.
func (ct *CompiledTrial) AboutAny(categories []string) bool {
	for _, c := range categories {
		if containsExact(ct.Categories, c) {
			return true
		}
	}
	return false
}

// mentionsText reports whether any of the free-text conditions (ones the
// vocabulary could not code) appears in the trial's registered conditions.
func (ct *CompiledTrial) mentionsText(texts []string) bool {
	for _, t := range texts {
		t = strings.ToLower(strings.TrimSpace(t))
		if len(t) < 4 {
			continue
		}
		for _, c := range ct.Conditions {
			if strings.Contains(strings.ToLower(c), t) {
				return true
			}
		}
	}
	return false
}

// TrialCache holds every stored trial compiled for matching, keyed by NCT id. It
// is filled from the store at start and kept current by the catalog's change hook
// (Put after every import or rebuild); lookups take a read lock only.
type TrialCache struct {
	mu      sync.RWMutex
	trials  map[string]*CompiledTrial
	version uint64 // changes with every Put and Delete
}

// NewTrialCache makes an empty cache.
func NewTrialCache() *TrialCache { return &TrialCache{trials: map[string]*CompiledTrial{}} }

// Put compiles and stores (or replaces) trials. Compiling happens outside the lock.
func (c *TrialCache) Put(trials ...*equitrial.Trial) {
	compiled := make([]*CompiledTrial, len(trials))
	for i, t := range trials {
		compiled[i] = CompileTrial(t)
	}
	c.mu.Lock()
	for _, ct := range compiled {
		c.trials[ct.NCTID] = ct
	}
	c.version++
	c.mu.Unlock()
}

// Delete removes trials by id.
func (c *TrialCache) Delete(ids ...string) {
	c.mu.Lock()
	for _, id := range ids {
		delete(c.trials, id)
	}
	c.version++
	c.mu.Unlock()
}

// Get returns the compiled trial, or nil when it is not known.
func (c *TrialCache) Get(id string) *CompiledTrial {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.trials[id]
}

// GetMany returns the compiled trials for ids, skipping unknown ones, under one lock.
func (c *TrialCache) GetMany(ids []string) []*CompiledTrial {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*CompiledTrial, 0, len(ids))
	for _, id := range ids {
		if t := c.trials[id]; t != nil {
			out = append(out, t)
		}
	}
	return out
}

// Version changes whenever the cache does.
func (c *TrialCache) Version() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.version
}

// Len is the number of trials held.
func (c *TrialCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.trials)
}

// Recruiting lists the trials open, or about to open, to new participants.
func (c *TrialCache) Recruiting() []*CompiledTrial {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*CompiledTrial, 0, len(c.trials))
	for _, ct := range c.trials {
		if ct.Recruiting {
			out = append(out, ct)
		}
	}
	return out
}

// TrialEach walks every stored trial, as store.Trials.Each does.
type TrialEach func(ctx context.Context, updatedSince time.Time, fn func(*equitrial.Trial) error) error

// Load fills the cache from the store, in batches so compiling and reading overlap
// little memory.
func (c *TrialCache) Load(ctx context.Context, each TrialEach) (int, error) {
	var n int
	batch := make([]*equitrial.Trial, 0, 500)
	err := each(ctx, time.Time{}, func(t *equitrial.Trial) error {
		t.Raw = nil // not needed for matching; keeps the cache small
		batch = append(batch, t)
		if len(batch) == cap(batch) {
			c.Put(batch...)
			n += len(batch)
			batch = batch[:0]
		}
		return nil
	})
	c.Put(batch...)
	n += len(batch)
	return n, err
}
