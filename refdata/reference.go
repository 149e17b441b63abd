package refdata

import (
	"fmt"
	"strings"

	"equitrial"
)

// Status says how far a lookup got, for programs; Note says the same for people.
type Status string

const (
	StatusFound           Status = "found"              // postcode, LSOA and decile all known
	StatusInvalidPostcode Status = "invalid_postcode"   // not a UK postcode at all
	StatusNotInDirectory  Status = "postcode_not_found" // well formed, but not a live postcode in the directory
	StatusNoLSOA          Status = "no_lsoa"            // in the directory without a small area
	StatusNoIMD           Status = "no_imd"             // the area is not in the index edition loaded
)

// Result is what a lookup tells the rest of the service about a postcode. Found is
// true only when the decile is known; every other outcome is "IMD unknown", with
// Status and Note saying why. It is never an error: an unknown postcode must not stop
// a patient being registered.
type Result struct {
	Postcode    string  `json:"postcode"` // canonical form, or as given when invalid
	Found       bool    `json:"found"`
	Status      Status  `json:"status"`
	LSOA        string  `json:"lsoa,omitempty"`
	IMDDecile   int     `json:"imdDecile,omitempty"`   // 1 = most deprived 10% within the nation
	IMDQuintile int     `json:"imdQuintile,omitempty"` // 1 = most deprived 20% within the nation
	IMDRank     int     `json:"imdRank,omitempty"`
	IMDEdition  string  `json:"imdEdition,omitempty"`
	Nation      Nation  `json:"nation,omitempty"`
	HasLocation bool    `json:"hasLocation,omitempty"`
	Lat         float64 `json:"lat,omitempty"`
	Lon         float64 `json:"lon,omitempty"`
	// Approximate: the location is the postcode's small-area centroid, not its own.
	Approximate bool   `json:"approximate,omitempty"`
	Note        string `json:"note,omitempty"`
}

// Reference joins a postcode directory to a deprivation index. The join from each
// interned LSOA to its index entry is made once, here, so a lookup is one search of
// the directory and two slice reads.
type Reference struct {
	dir   *Directory
	imd   *IMDTable
	join  []int32 // per interned LSOA: index into imd, or -1
	Stats JoinStats
}

// JoinStats says how well the directory's areas and the index line up; a low match
// usually means LSOA 2011 postcodes against a 2021-boundary index, or the reverse.
type JoinStats struct {
	Areas        int            `json:"areas"`        // distinct areas in the directory
	Matched      int            `json:"matched"`      // of those, areas in the index
	UnmatchedBy  map[Nation]int `json:"unmatchedBy"`  // areas without a decile, by nation
	IndexNations []Nation       `json:"indexNations"` // nations the index covers
}

// NewReference joins dir and imd. Either may be nil: without an index every lookup
// reports IMD unknown; without a directory every postcode is not found. It returns a
// KindInvalid error when both are present but share no area at all, which means the
// wrong files were paired (e.g. 2011 LSOAs with an index on 2021 boundaries).
func NewReference(dir *Directory, imd *IMDTable) (*Reference, error) {
	r := &Reference{dir: dir, imd: imd, Stats: JoinStats{UnmatchedBy: map[Nation]int{}}}
	if dir == nil {
		return r, nil
	}
	r.join = make([]int32, len(dir.lsoas))
	nationOf := make([]Nation, len(dir.lsoas))
	for i, n := range dir.lsoa {
		nationOf[n] = dir.nation[i]
	}
	for i, code := range dir.lsoas {
		r.join[i] = -1
		if i == noLSOA {
			continue
		}
		r.Stats.Areas++
		if imd != nil {
			if j, ok := imd.index[code]; ok {
				r.join[i] = j
				r.Stats.Matched++
				continue
			}
		}
		r.Stats.UnmatchedBy[nationOf[i]]++
	}
	if imd != nil {
		r.Stats.IndexNations = imd.Nations()
		if r.Stats.Areas > 0 && r.Stats.Matched == 0 {
			return nil, equitrial.Invalid("the postcode directory and the deprivation index share no areas",
				equitrial.FieldError{Field: "imd", Detail: fmt.Sprintf("directory areas from column %q, index areas from column %q; check they use the same LSOA boundaries (2011 or 2021)", dir.LSOAColumn, imd.AreaColumn)})
		}
	}
	return r, nil
}

// Directory returns the postcode directory, or nil.
func (r *Reference) Directory() *Directory { return r.dir }

// IMD returns the deprivation index, or nil.
func (r *Reference) IMD() *IMDTable { return r.imd }

// Lookup finds a postcode, typed in any spelling, and its deprivation decile. When the
// postcode is already canonical ("SW1A 1AA") and found, it does not allocate.
func (r *Reference) Lookup(postcode string) Result {
	c, ok := parsePostcode(postcode)
	if !ok {
		return Result{Postcode: strings.TrimSpace(postcode), Status: StatusInvalidPostcode,
			Note: fmt.Sprintf("%q is not a valid UK postcode: IMD unknown", strings.TrimSpace(postcode))}
	}
	res := Result{Postcode: postcode}
	if !c.canonical(postcode) {
		res.Postcode = c.String()
	}
	if r.dir == nil {
		res.Status, res.Note = StatusNotInDirectory, "no postcode directory is loaded: IMD unknown"
		return res
	}
	i, ok := r.dir.find(c.key())
	if !ok {
		res.Status = StatusNotInDirectory
		res.Note = fmt.Sprintf("postcode %s is not in the postcode directory%s (it may be new, terminated or mistyped): IMD unknown", res.Postcode, r.dir.labelSuffix())
		return res
	}
	e := r.dir.entry(i)
	res.LSOA, res.Nation = e.LSOA, e.Nation
	res.HasLocation, res.Lat, res.Lon, res.Approximate = e.HasLocation, e.Lat, e.Lon, e.Approximate
	if r.imd != nil {
		res.IMDEdition = r.imd.Edition
	}
	if e.LSOA == "" {
		res.Status = StatusNoLSOA
		res.Note = fmt.Sprintf("postcode %s has no small area (LSOA) in the postcode directory%s, as for Channel Islands, Isle of Man and some non-geographic postcodes: IMD unknown", res.Postcode, r.dir.labelSuffix())
		return res
	}
	j := r.join[r.dir.lsoa[i]]
	if j < 0 {
		res.Status = StatusNoIMD
		if r.imd == nil {
			res.Note = fmt.Sprintf("no deprivation index is loaded for area %s: IMD unknown", e.LSOA)
		} else {
			res.Note = fmt.Sprintf("area %s (%s) is not in %s: IMD unknown", e.LSOA, e.Nation, r.imd.Edition)
		}
		return res
	}
	ie := r.imd.entry(int(j))
	res.Found, res.Status = true, StatusFound
	res.IMDDecile, res.IMDQuintile, res.IMDRank = ie.Decile, ie.Quintile, ie.Rank
	if ie.Nation != NationUnknown {
		res.Nation = ie.Nation // the index's nation is the one the decile ranks within
	}
	return res
}

func (d *Directory) labelSuffix() string {
	if d.Label == "" {
		return ""
	}
	return " (" + d.Label + ")"
}
