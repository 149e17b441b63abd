package equity

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"equitrial"
)

// Where a target share comes from.
const (
	SourceCatchment     = "catchment"      // the sites' catchment population
	SourcePrevalence    = "prevalence"     // who has the disease
	SourceDiversityPlan = "diversity_plan" // the sponsor's diversity plan
	SourceCensus2021    = "census_2021"    // default: 2021 England & Wales census
	SourceUniformIMD    = "imd_uniform"    // default: a fifth of England in each quintile
	SourceRegional      = "regional"       // a regional reference table
)

var targetSources = []string{SourceCatchment, SourcePrevalence, SourceDiversityPlan,
	SourceCensus2021, SourceUniformIMD, SourceRegional}

// ShareTolerance is how far a dimension's shares may sum from 1: published tables
// round each share, so five groups at one decimal place of a percent can be 0.25
// points out.
const ShareTolerance = 0.01

// Targets are a trial's recruitment goals: a total, an end date, and per dimension
// the share of participants each group should make up.
type Targets struct {
	Total   int                           `json:"total,omitempty"`   // participants to recruit in all
	EndDate string                        `json:"endDate,omitempty"` // last day of recruitment, YYYY-MM-DD (inclusive)
	Source  string                        `json:"source,omitempty"`  // the source of the shares, when one source serves all
	Sources map[string]string             `json:"sources,omitempty"` // per-dimension source, overriding Source
	Shares  map[string]map[string]float64 `json:"shares,omitempty"`  // dimension → group → share in [0,1]
	// Region names the row of the regional table of ethnic groups (reference data)
	// that gives this trial's default ethnicity target, in place of the national
	// shares; shares the trial sets itself still win.
	Region string `json:"region,omitempty"`
}

// RegionalDefaults are the default targets with the ethnic-group shares of one
// region of a regional table (region → group → share); ok is false when the table
// has no such region.
func RegionalDefaults(table map[string]map[string]float64, region string) (Targets, bool) {
	shares, ok := table[region]
	if !ok || region == "" {
		return Targets{}, false
	}
	def := DefaultTargets()
	def.Shares[DimEthnicGroup] = shares
	if def.Sources == nil {
		def.Sources = map[string]string{}
	}
	def.Sources[DimEthnicGroup] = SourceRegional
	return def, true
}

// DefaultTargets are used for any dimension a trial sets no target for: IMD 20% per
// quintile (England by construction) and ethnicity from the 2021 census of England
// & Wales. SMI has no safe default — prevalence differs too much by condition — so
// it is left unset and the dashboard says so.
func DefaultTargets() Targets {
	return Targets{
		Sources: map[string]string{DimEthnicGroup: SourceCensus2021, DimIMDQuintile: SourceUniformIMD},
		Shares: map[string]map[string]float64{
			DimEthnicGroup: {EthnicWhite: 0.817, EthnicAsian: 0.093, EthnicBlack: 0.040, EthnicMixed: 0.029, EthnicOther: 0.021},
			DimIMDQuintile: {"1": 0.2, "2": 0.2, "3": 0.2, "4": 0.2, "5": 0.2},
		},
	}
}

// SourceOf gives the source of dim's shares.
func (t Targets) SourceOf(dim string) string {
	if s, ok := t.Sources[dim]; ok {
		return s
	}
	return t.Source
}

// Share gives a group's target share and whether one is set.
func (t Targets) Share(dim, group string) (float64, bool) {
	s, ok := t.Shares[dim][group]
	return s, ok
}

// WithDefaults fills every dimension t sets no share for from def (DefaultTargets
// or a regional table), recording def's source for it. Total and end date are the
// trial's own.
func (t Targets) WithDefaults(def Targets) Targets {
	out := t
	out.Shares = make(map[string]map[string]float64, len(Dimensions))
	out.Sources = make(map[string]string, len(Dimensions))
	for _, dim := range Dimensions {
		if s, ok := t.Shares[dim]; ok && len(s) > 0 {
			out.Shares[dim] = s
			if src := t.SourceOf(dim); src != "" {
				out.Sources[dim] = src
			}
		} else if s, ok := def.Shares[dim]; ok && len(s) > 0 {
			out.Shares[dim] = s
			if src := def.SourceOf(dim); src != "" {
				out.Sources[dim] = src
			}
		}
	}
	out.Source = ""
	return out
}

// End gives the moment recruitment ends (the end of EndDate, UTC) and whether an
// end date is set and readable.
func (t Targets) End() (time.Time, bool) {
	if t.EndDate == "" {
		return time.Time{}, false
	}
	if d, err := time.Parse("2006-01-02", t.EndDate); err == nil {
		return d.Add(24 * time.Hour), true
	}
	if d, err := time.Parse(time.RFC3339, t.EndDate); err == nil {
		return d, true
	}
	return time.Time{}, false
}

// Validate checks targets as a sponsor sends them, naming every field at fault.
func (t Targets) Validate() error {
	var fields []equitrial.FieldError
	add := func(f, d string) { fields = append(fields, equitrial.FieldError{Field: f, Detail: d}) }
	if len(t.Region) > 100 || strings.ContainsAny(t.Region, "\x00\n") {
		add("region", "must be a region name from the regional table")
	}
	if t.Total < 0 {
		add("total", "must not be negative")
	}
	if t.EndDate != "" {
		if _, ok := t.End(); !ok {
			add("endDate", "must be a date, YYYY-MM-DD")
		}
	}
	if t.Source != "" && !slices.Contains(targetSources, t.Source) {
		add("source", "must be one of catchment, prevalence, diversity_plan, census_2021, imd_uniform, regional")
	}
	for dim, src := range t.Sources {
		if !IsDimension(dim) {
			add("sources."+dim, "is not a dimension")
		} else if !slices.Contains(targetSources, src) {
			add("sources."+dim, "must be one of catchment, prevalence, diversity_plan, census_2021, imd_uniform, regional")
		}
	}
	for _, dim := range sortedKeys(t.Shares) {
		shares := t.Shares[dim]
		if !IsDimension(dim) {
			add("shares."+dim, "is not a dimension; use ethnicGroup, imdQuintile, smi, sex or ageBand")
			continue
		}
		sum := 0.0
		bad := false
		for _, g := range sortedKeys(shares) {
			s := shares[g]
			f := "shares." + dim + "." + g
			switch {
			case !IsGroup(dim, g):
				add(f, "is not a group of "+dim+"; use "+joinGroups(dim))
				bad = true
			case math.IsNaN(s) || s < 0 || s > 1:
				add(f, "must be a share between 0 and 1")
				bad = true
			}
			sum += s
		}
		if !bad && len(shares) > 0 && math.Abs(sum-1) > ShareTolerance {
			add("shares."+dim, "shares must add up to 1 (they add up to "+strconv.FormatFloat(sum, 'f', 4, 64)+")")
		}
	}
	if len(fields) > 0 {
		return equitrial.Invalid("the recruitment targets are not valid", fields...)
	}
	return nil
}

func joinGroups(dim string) string {
	out := ""
	for i, g := range dimensionGroups[dim] {
		if i > 0 {
			out += ", "
		}
		out += g
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
