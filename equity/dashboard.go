package equity

import (
	"slices"
	"time"
)

// Dashboard is the whole equity picture of one trial, as the API serves it.
type Dashboard struct {
	TrialID         string                           `json:"nctId,omitempty"`
	AsOf            time.Time                        `json:"asOf"`
	View            string                           `json:"view"` // ViewExact or ViewSponsor
	Enrolled        Count                            `json:"enrolled"`
	Targets         Targets                          `json:"targets"` // the targets in force, defaults filled in
	Dimensions      map[string]map[string]GroupStats `json:"dimensions"`
	Completeness    map[string]Completeness          `json:"completeness"`
	Series          Series                           `json:"series"`
	Alerts          []Alert                          `json:"alerts"`          // filled in by the caller from the store
	CriterionImpact []CriterionImpact                `json:"criterionImpact"` // filled in by the caller (see Impact)
	RecentDays      Float                            `json:"recentDays"`      // the window "recent" enrolment is counted over
	Notes           []string                         `json:"notes,omitempty"`
}

// Views of a dashboard.
const (
	ViewExact   = "exact"   // site staff and admins: exact counts
	ViewSponsor = "sponsor" // sponsors: statistical disclosure control applied
)

// Completeness says how much of the enrolment a dimension is recorded for.
type Completeness struct {
	Enrolled       Count `json:"enrolled"`
	Known          Count `json:"known"`
	NotStated      Count `json:"notStated"`
	NotKnown       Count `json:"notKnown"`
	Missing        Float `json:"missing"` // share of enrolled not stated or not known
	NotStatedShare Float `json:"notStatedShare"`
	NotKnownShare  Float `json:"notKnownShare"`
}

// Options tune Compute; the zero value gives the documented defaults.
type Options struct {
	Lookup          StrataLookup  // strata of equitrial patients; nil: events' own strata only
	Defaults        *Targets      // targets for dimensions a trial sets none for; nil: DefaultTargets()
	RecentWindow    time.Duration // the "recent" in recent enrolment rate; default 90 days
	SeriesStep      time.Duration // spacing of series points; default 7 days
	MaxSeriesPoints int           // the step doubles until the series fits; default 260
}

func (o Options) withDefaults() Options {
	if o.RecentWindow <= 0 {
		o.RecentWindow = 90 * 24 * time.Hour
	}
	if o.SeriesStep <= 0 {
		o.SeriesStep = 7 * 24 * time.Hour
	}
	if o.MaxSeriesPoints <= 0 {
		o.MaxSeriesPoints = 260
	}
	return o
}

// Compute builds a trial's dashboard from its recruitment events as of now. Events
// dated after now are ignored, so a dashboard can be recomputed for any past moment.
// Dimensions the targets leave unset take opts.Defaults (DefaultTargets when nil).
func Compute(events []Event, targets Targets, now time.Time, opts Options) Dashboard {
	if i := slices.IndexFunc(events, func(e Event) bool { return e.At.After(now) }); i >= 0 {
		kept := make([]Event, 0, len(events))
		for _, e := range events {
			if !e.At.After(now) {
				kept = append(kept, e)
			}
		}
		events = kept
	}
	d := ComputeParticipants(Fold(events, opts.Lookup), targets, now, opts)
	if len(events) > 0 {
		d.TrialID = events[0].TrialID
	}
	return d
}

// ComputeParticipants builds a dashboard from already folded participants.
func ComputeParticipants(ps []Participant, targets Targets, now time.Time, opts Options) Dashboard {
	opts = opts.withDefaults()
	def := DefaultTargets()
	if opts.Defaults != nil {
		def = *opts.Defaults
	}
	eff := targets.WithDefaults(def)
	t := tally(ps, now, opts.RecentWindow)
	d := summarise(t, eff, now)
	d.View = ViewExact
	d.Series = buildSeries(ps, now, opts.SeriesStep, opts.MaxSeriesPoints)
	return d
}

// summarise turns counts into the dashboard's figures. Counts of -1 are withheld.
func summarise(t tallied, eff Targets, now time.Time) Dashboard {
	end, hasEnd := eff.End()
	d := Dashboard{
		AsOf:            now,
		Enrolled:        Count(t.Enrolled),
		Targets:         eff,
		Dimensions:      make(map[string]map[string]GroupStats, len(dimOrder)),
		Completeness:    make(map[string]Completeness, len(dimOrder)),
		Alerts:          []Alert{},
		CriterionImpact: []CriterionImpact{},
		RecentDays:      Float(t.Window.Hours() / 24),
	}
	h := horizon{total: eff.Total, end: end, hasEnd: hasEnd, now: now, window: t.Window, enrolled: t.Enrolled}
	for di, dim := range dimOrder {
		groups := dimensionGroups[dim]
		stats := make(map[string]GroupStats, len(groups))
		_, dimSet := eff.Shares[dim]
		if !dimSet {
			d.Notes = append(d.Notes, "no "+dimLabel(dim)+" target is set")
		}
		n := t.Known[di]
		for gi, g := range groups {
			k := t.Groups[di][gi]
			share, set := eff.Share(dim, g)
			var gs GroupStats
			if k >= 0 && n >= 0 {
				gs = ShareStatistics(k, n, share, set)
			} else {
				gs = withheldStatistics(k, n, share, set)
			}
			gs.Recent = Count(t.Recent[di][gi])
			gs.outlook(k, t.Recent[di][gi], share, h)
			stats[g] = gs
		}
		d.Dimensions[dim] = stats
		ns, nk := t.Groups[di][len(groups)], t.Groups[di][len(groups)+1]
		d.Completeness[dim] = Completeness{
			Enrolled:       Count(t.Enrolled),
			Known:          Count(n),
			NotStated:      Count(ns),
			NotKnown:       Count(nk),
			Missing:        ratio(t.Missing[di], t.Enrolled),
			NotStatedShare: ratio(ns, t.Enrolled),
			NotKnownShare:  ratio(nk, t.Enrolled),
		}
	}
	return d
}

func dimLabel(dim string) string {
	switch dim {
	case DimEthnicGroup:
		return "ethnicity"
	case DimIMDQuintile:
		return "IMD quintile"
	case DimSMI:
		return "SMI"
	case DimAgeBand:
		return "age band"
	}
	return dim
}

// ratio is a ÷ b, NaN when either is withheld or b is 0.
func ratio(a, b int) Float {
	if a < 0 || b <= 0 {
		return NaN
	}
	return Float(float64(a) / float64(b))
}

// Statuses gives the status of every group, for alerting.
func (d *Dashboard) Statuses() map[GroupKey]string {
	out := make(map[GroupKey]string, 24)
	for dim, groups := range d.Dimensions {
		for g, s := range groups {
			out[GroupKey{Dimension: dim, Group: g}] = s.Status
		}
	}
	return out
}
