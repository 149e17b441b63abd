package refdata

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"equitrial"
)

// IMDTable maps small areas to their deprivation decile in one index edition. Each
// area's nation is kept with it, because a table may hold several nations' indices
// (the UK-wide file) whose deciles must not be compared with one another.
// A table is read-only once loaded and safe for concurrent use.
type IMDTable struct {
	// Edition names the index, as given by the caller (e.g. "IMD2019"). Strata record
	// it so that deciles from different editions are never compared.
	Edition string
	// AreaColumn is the header the area codes were read from, e.g. "LSOA code (2011)".
	AreaColumn string

	index   map[string]int32
	codes   []string
	deciles []uint8
	ranks   []uint32 // 0 when the file has no rank
	nations []Nation
}

// IMDEntry is one area's place in the index.
type IMDEntry struct {
	Area     string `json:"area"`
	Decile   int    `json:"decile"`         // 1 = most deprived 10% of the nation's areas
	Quintile int    `json:"quintile"`       // 1 = most deprived 20%
	Rank     int    `json:"rank,omitempty"` // 1 = most deprived; 0 when not given
	Nation   Nation `json:"nation"`
}

// Quintile derives the quintile from a decile: deciles 1–2 are quintile 1, 9–10 are
// quintile 5 (ceil(decile/2)). It returns 0 for a decile outside 1–10.
func Quintile(decile int) int {
	if decile < 1 || decile > 10 {
		return 0
	}
	return (decile + 1) / 2
}

// Len is the number of areas in the table.
func (t *IMDTable) Len() int { return len(t.codes) }

// Lookup returns the entry for an area code. It does not allocate.
func (t *IMDTable) Lookup(area string) (IMDEntry, bool) {
	i, ok := t.index[area]
	if !ok {
		return IMDEntry{}, false
	}
	return t.entry(int(i)), true
}

func (t *IMDTable) entry(i int) IMDEntry {
	d := int(t.deciles[i])
	return IMDEntry{Area: t.codes[i], Decile: d, Quintile: Quintile(d), Rank: int(t.ranks[i]), Nation: t.nations[i]}
}

// Nations lists the nations the table covers, in Nation order.
func (t *IMDTable) Nations() []Nation {
	var seen [nationCount]bool
	for _, n := range t.nations {
		seen[n] = true
	}
	var out []Nation
	for n, ok := range seen {
		if ok {
			out = append(out, Nation(n))
		}
	}
	return out
}

// Each calls fn for every area in load order until fn returns false.
func (t *IMDTable) Each(fn func(IMDEntry) bool) {
	for i := range t.codes {
		if !fn(t.entry(i)) {
			return
		}
	}
}

func (t *IMDTable) add(code string, decile, rank int, nation Nation) {
	if t.index == nil {
		t.index = map[string]int32{}
	}
	t.index[code] = int32(len(t.codes))
	t.codes = append(t.codes, code)
	t.deciles = append(t.deciles, uint8(decile))
	t.ranks = append(t.ranks, uint32(rank))
	t.nations = append(t.nations, nation)
}

// IMDOptions tunes LoadIMD.
type IMDOptions struct {
	// MaxProblems caps the problem rows listed in the report (DefaultMaxProblems if 0).
	MaxProblems int
}

// Area code headers, in order of preference: MHCLG File 7 and File 1 ("LSOA code
// (2011)", "LSOA code (2021)"), the shared extract ("lsoa_code"), ONS geography
// lookups, Scottish SIMD ("Data_Zone") and Northern Ireland NIMDM ("SOA2001").
var areaHeaders = []string{
	"LSOA code (2011)", "LSOA code (2021)", "lsoa_code", "LSOA code", "lsoa11cd", "lsoa21cd",
	"lsoa11", "lsoa21", "lsoa", "Data_Zone", "DataZone", "DZ", "data zone code", "SOA2001", "SOA code", "area code",
}

// Words that mark a column as the overall index rather than one of its domains
// (income, employment, …), whose deciles sit alongside it in the official files.
var overallWords = []string{"imd", "wimd", "mdm", "nimdm", "overall"}

var overallPhrases = []string{"index of multiple deprivation", "multiple deprivation measure"}

// Words that mark a domain or sub-index column even when it also names the index, as
// in SIMD's "SIMD2020v2_Income_Domain_Rank".
var domainWords = []string{
	"domain", "income", "employment", "education", "health", "crime", "housing", "access",
	"environment", "barriers", "idaci", "idaopi", "children", "older", "skills",
}

// findIndexColumn finds the overall decile or rank column: a header containing the
// word (decile or rank) and naming the overall index — "IMD_decile", "Index of
// Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
// "IMD Deciles, 1: most deprived, 10: least deprived", "SIMD2020v2_Decile",
// "WIMD 2019 Overall Decile". When only one such column exists it is used whatever
// else it says. More than one overall candidate is ambiguous and is an error.
func findIndexColumn(h headerIndex, word string) (int, error) {
	var all, overall []int
	for i, name := range h.norm {
		words := headerWords(name)
		if !hasWord(words, word, word+"s") {
			continue
		}
		all = append(all, i)
		if isOverall(name, words) {
			overall = append(overall, i)
		}
	}
	switch {
	case len(overall) == 1:
		return overall[0], nil
	case len(overall) > 1:
		names := make([]string, len(overall))
		for j, i := range overall {
			names[j] = h.raw[i]
		}
		return -1, fmt.Errorf("more than one overall %s column: %s", word, strings.Join(names, "; "))
	case len(all) == 1:
		return all[0], nil
	}
	return -1, nil
}

func hasWord(words []string, want ...string) bool {
	for _, w := range words {
		if slices.Contains(want, w) {
			return true
		}
	}
	return false
}

func isOverall(name string, words []string) bool {
	if hasWord(words, domainWords...) {
		return false
	}
	for _, p := range overallPhrases {
		if strings.Contains(name, p) {
			return true
		}
	}
	for _, w := range words {
		if slices.Contains(overallWords, w) {
			return true
		}
		// SIMD2020v2, WIMD2019, IMD2019 written as one word.
		for _, p := range []string{"simd", "wimd", "imd"} {
			if strings.HasPrefix(w, p) && len(w) > len(p) && isDigit(w[len(p)]) {
				return true
			}
		}
		if w == "simd" {
			return true
		}
	}
	return false
}

// LoadIMD reads a deprivation index CSV: the official MHCLG files (File 1 or File 7,
// England), their Welsh, Scottish and Northern Ireland counterparts, or the extracts
// in the shared reference folder. It needs an area code column and an overall decile
// column; a rank column is read when present. The nation of each area comes from a
// nation/country column when present, otherwise from the code's prefix. edition names
// the index (e.g. "IMD2019") and is required. Bad rows are skipped and reported.
func LoadIMD(r io.Reader, edition string, opts IMDOptions) (*IMDTable, LoadReport, error) {
	rep := LoadReport{Columns: map[string]string{}}
	edition = strings.TrimSpace(edition)
	if edition == "" {
		return nil, rep, equitrial.Invalid("an index edition is required", equitrial.FieldError{Field: "edition", Detail: `name the index, e.g. "IMD2019"`})
	}
	cr, header, err := openCSV(r, "deprivation index")
	if err != nil {
		return nil, rep, err
	}
	h := newHeaderIndex(header)
	area := h.find(areaHeaders...)
	decile, derr := findIndexColumn(h, "decile")
	rank, rerr := findIndexColumn(h, "rank")
	nationCol := h.find("nation", "country", "ctry")
	if area < 0 || decile < 0 || derr != nil {
		detail := "the header is: " + h.names()
		if derr != nil {
			detail = derr.Error()
		}
		missing := "an area code column"
		if area >= 0 {
			missing = "one overall decile column"
		}
		return nil, rep, equitrial.Invalid("the deprivation index file needs "+missing, equitrial.FieldError{Field: "imd", Detail: detail})
	}
	if rerr != nil {
		rank = -1 // ranks are optional; an ambiguous one is better left out than guessed
	}
	for name, i := range map[string]int{"area": area, "decile": decile, "rank": rank, "nation": nationCol} {
		if i >= 0 {
			rep.Columns[name] = header[i]
		}
	}
	need := max(area, decile, rank, nationCol) + 1
	probs := problemLog{rep: &rep, max: maxProblems(opts.MaxProblems)}
	t := &IMDTable{Edition: edition, AreaColumn: header[area]}
	if err := eachRow(cr, "deprivation index", &rep, probs, need, len(header), func(line int, rec []string) {
		code := strings.TrimSpace(rec[area])
		if !validAreaCode(code) {
			probs.add(line, "%q is not an LSOA, data zone or super output area code", code)
			return
		}
		d, err := strconv.Atoi(strings.TrimSpace(rec[decile]))
		if err != nil || d < 1 || d > 10 {
			probs.add(line, "decile %q for %s is not a whole number from 1 to 10", rec[decile], code)
			return
		}
		rk := 0
		if rank >= 0 {
			if s := strings.TrimSpace(rec[rank]); s != "" {
				if rk, err = strconv.Atoi(s); err != nil || rk < 1 {
					probs.add(line, "rank %q for %s is not a positive whole number", s, code)
					return
				}
			}
		}
		n := NationUnknown
		if nationCol >= 0 {
			s := strings.TrimSpace(rec[nationCol])
			if err := n.UnmarshalText([]byte(s)); err != nil {
				n = NationOfArea(s) // a country code such as E92000001
			}
		}
		if n == NationUnknown {
			n = NationOfArea(code)
		}
		if _, dup := t.index[code]; dup {
			probs.add(line, "area %s appears more than once; the first row was kept", code)
			return
		}
		t.add(code, d, rk, n)
	}); err != nil {
		return nil, rep, err
	}
	rep.Loaded = t.Len()
	if t.Len() == 0 {
		return nil, rep, equitrial.Invalid("the deprivation index file has no usable rows",
			equitrial.FieldError{Field: "imd", Detail: fmt.Sprintf("%d rows read, %d skipped", rep.Rows, rep.Skipped)})
	}
	t.codes = trim(t.codes)
	t.deciles = trim(t.deciles)
	t.ranks = trim(t.ranks)
	t.nations = trim(t.nations)
	return t, rep, nil
}
