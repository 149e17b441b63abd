package matcher

import (
	"strconv"
	"strings"
	"time"

	"equitrial"
	"equitrial/eligibility"
)

// indexDoc is what bleve indexes for one trial: searchable text, facet keywords,
// numeric age bounds, one geo point per site, and the few stored fields a search
// result shows, so that a search needs no round trip to the store.
type indexDoc struct {
	Title         string     `json:"title"`
	BriefTitle    string     `json:"briefTitle"`
	Summary       string     `json:"summary,omitempty"`
	Conditions    []string   `json:"conditions,omitempty"`
	Keywords      []string   `json:"keywords,omitempty"`
	Interventions []string   `json:"interventions,omitempty"`
	Eligibility   string     `json:"eligibility,omitempty"`
	MeshText      []string   `json:"meshText,omitempty"`
	Sponsor       string     `json:"sponsor,omitempty"`
	Status        []string   `json:"status,omitempty"`
	Phase         []string   `json:"phase,omitempty"`
	StudyType     []string   `json:"studyType,omitempty"`
	SponsorClass  []string   `json:"sponsorClass,omitempty"`
	Country       []string   `json:"country,omitempty"`
	Mesh          []string   `json:"mesh,omitempty"`
	Sex           string     `json:"sex"`
	MinAge        float64    `json:"minAge"`
	MaxAge        float64    `json:"maxAge"`
	Enrollment    int        `json:"enrollment,omitempty"`
	SiteLat       []float64  `json:"siteLat,omitempty"`
	SiteLon       []float64  `json:"siteLon,omitempty"`
	MinimumAge    string     `json:"minimumAge,omitempty"`
	MaximumAge    string     `json:"maximumAge,omitempty"`
	StartDate     *time.Time `json:"startDate,omitempty"`
	LastUpdate    *time.Time `json:"lastUpdate,omitempty"`
	Sites         []string   `json:"sites,omitempty"` // "lat,lon": bleve indexes every point of a string array
}

func newIndexDoc(t *equitrial.Trial) indexDoc {
	d := indexDoc{
		Title:        joinNonEmpty(" — ", t.BriefTitle, t.OfficialTitle, t.Acronym),
		BriefTitle:   t.BriefTitle,
		Summary:      t.BriefSummary,
		Conditions:   t.Conditions,
		Keywords:     t.Keywords,
		Eligibility:  t.EligibilityText,
		MeshText:     t.ConditionMeSH,
		Mesh:         t.ConditionMeSH,
		Sponsor:      t.LeadSponsor,
		Status:       nonEmpty(t.OverallStatus),
		Phase:        t.Phases,
		StudyType:    nonEmpty(t.StudyType),
		SponsorClass: nonEmpty(t.SponsorClass),
		Sex:          t.Sex,
		MinAge:       noMinAge,
		MaxAge:       noMaxAge,
		Enrollment:   t.Enrollment,
		MinimumAge:   t.MinimumAge,
		MaximumAge:   t.MaximumAge,
		StartDate:    datePtr(t.StartDate),
		LastUpdate:   datePtr(t.LastUpdate),
	}
	// The structured limits as matching reads them ("28 Days" stays 28 days, in
	// years), so that search and matching agree on who is old enough.
	if lo, hi := eligibility.StructuredAges(t); lo != nil || hi != nil {
		if lo != nil {
			d.MinAge = *lo
		}
		if hi != nil {
			d.MaxAge = *hi
		}
	}
	for _, iv := range t.Interventions {
		d.Interventions = append(d.Interventions, iv.Name)
	}
	seen := map[string]bool{}
	for _, l := range t.Locations {
		if l.Country != "" && !seen[l.Country] {
			seen[l.Country] = true
			d.Country = append(d.Country, l.Country)
		}
		if l.Geo != nil {
			d.Sites = append(d.Sites, strconv.FormatFloat(l.Geo.Lat, 'f', -1, 64)+","+strconv.FormatFloat(l.Geo.Lon, 'f', -1, 64))
			d.SiteLat = append(d.SiteLat, l.Geo.Lat)
			d.SiteLon = append(d.SiteLon, l.Geo.Lon)
		}
	}
	return d
}

// nonEmpty keeps an empty keyword out of the index, where it would show as a facet.
func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func datePtr(s string) *time.Time {
	t := equitrial.ParsePartialDate(s)
	if t.IsZero() {
		return nil
	}
	return &t
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" && !contains(out, p) {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
