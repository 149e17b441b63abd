package refdata

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"equitrial"
)

// PostcodeOptions tunes LoadPostcodes.
type PostcodeOptions struct {
	// LSOAColumn names the small-area column to use. Empty picks the first present of
	// lsoa11, lsoa11cd, lsoa21, lsoa21cd, lsoa: 2011 areas match IMD 2019, so a file
	// with both is read for 2011 unless told otherwise ("lsoa21" for IoD 2025).
	LSOAColumn string
	// Label is copied to Directory.Label.
	Label string
	// SizeHint is the expected number of rows (e.g. 2,700,000 for the full ONSPD);
	// it only saves slice growth while loading.
	SizeHint int
	// MaxProblems caps the problem rows listed in the report (DefaultMaxProblems if 0).
	MaxProblems int
}

// Header names accepted for each field, in order of preference. Matching ignores
// case, byte-order marks, underscores and repeated spaces. The first names are the
// ONSPD/NSPL ones; pcd7/pcd8/…cd are the forms used by later ONSPD releases.
var (
	postcodeHeaders = []string{"pcds", "pcd", "pcd2", "pcd7", "pcd8", "postcode"}
	lsoaHeaders     = []string{"lsoa11", "lsoa11cd", "lsoa21", "lsoa21cd", "lsoa", "lsoa code"}
	countryHeaders  = []string{"ctry", "country", "country code"}
	countryPrefixes = []string{"ctry"} // ctry25cd and the like
	latHeaders      = []string{"lat", "latitude"}
	lonHeaders      = []string{"long", "lon", "lng", "longitude"}
	termHeaders     = []string{"doterm"}
)

// LoadPostcodes reads an ONS Postcode Directory or National Statistics Postcode
// Lookup CSV (full or an extract with at least a postcode column) into a Directory.
// Columns are found by header name. Terminated postcodes (doterm set) are skipped;
// rows that cannot be used are skipped and listed in the report with their line
// numbers. It returns an error only when the file cannot be read as CSV at all, has
// no postcode column, or yields no postcodes.
func LoadPostcodes(r io.Reader, opts PostcodeOptions) (*Directory, LoadReport, error) {
	rep := LoadReport{Columns: map[string]string{}}
	cr, header, err := openCSV(r, "postcode directory")
	if err != nil {
		return nil, rep, err
	}
	h := newHeaderIndex(header)
	col := struct{ pc, lsoa, ctry, lat, lon, term int }{
		pc: h.find(postcodeHeaders...), lsoa: -1,
		ctry: h.find(countryHeaders...), lat: h.find(latHeaders...), lon: h.find(lonHeaders...),
		term: h.find(termHeaders...),
	}
	if col.pc < 0 {
		return nil, rep, equitrial.Invalid("the postcode directory has no postcode column",
			equitrial.FieldError{Field: "postcodes", Detail: fmt.Sprintf("expected one of %s; the header is: %s", strings.Join(postcodeHeaders, ", "), h.names())})
	}
	if opts.LSOAColumn != "" {
		if col.lsoa = h.find(opts.LSOAColumn); col.lsoa < 0 {
			return nil, rep, equitrial.Invalid("the postcode directory has no column "+opts.LSOAColumn,
				equitrial.FieldError{Field: "postcodes", Detail: "the header is: " + h.names()})
		}
	} else {
		col.lsoa = h.find(lsoaHeaders...)
	}
	if col.ctry < 0 {
		col.ctry = h.findPrefix(countryPrefixes...)
	}
	if col.lat < 0 || col.lon < 0 {
		col.lat, col.lon = -1, -1
	}
	for name, i := range map[string]int{"postcode": col.pc, "lsoa": col.lsoa, "country": col.ctry, "lat": col.lat, "lon": col.lon, "terminated": col.term} {
		if i >= 0 {
			rep.Columns[name] = header[i]
		}
	}
	need := max(col.pc, col.lsoa, col.ctry, col.lat, col.lon, col.term) + 1
	probs := problemLog{rep: &rep, max: maxProblems(opts.MaxProblems)}
	b := NewDirectoryBuilder(opts.SizeHint)

	if err := eachRow(cr, "postcode directory", &rep, probs, need, len(header), func(line int, rec []string) {
		if col.term >= 0 && strings.TrimSpace(rec[col.term]) != "" {
			rep.Terminated++
			return
		}
		pc := rec[col.pc]
		if !ValidPostcode(pc) {
			probs.add(line, "%q is not a valid UK postcode", pc)
			return
		}
		var lsoa string
		if col.lsoa >= 0 {
			lsoa = strings.TrimSpace(rec[col.lsoa])
		}
		nation := NationUnknown
		if col.ctry >= 0 {
			nation = NationOfArea(strings.TrimSpace(rec[col.ctry]))
		}
		if lsoa != "" && isPseudoArea(lsoa) {
			if nation == NationUnknown {
				nation = NationOfArea(lsoa)
			}
			lsoa = ""
		}
		if lsoa != "" && !validAreaCode(lsoa) {
			probs.add(line, "%q in column %s is not an LSOA, data zone or super output area code", lsoa, header[col.lsoa])
			return
		}
		var loc *Point
		if col.lat >= 0 {
			p, ok, err := parseLocation(rec[col.lat], rec[col.lon])
			if err != nil {
				probs.add(line, "%v", err)
				return
			}
			if ok {
				loc = &p
			}
		}
		if err := b.Add(pc, lsoa, nation, loc); err != nil {
			probs.add(line, "%v", err)
			return
		}
		if lsoa == "" {
			rep.NoLSOA++
		}
		if loc == nil {
			rep.NoLocation++
		}
	}); err != nil {
		return nil, rep, err
	}
	d, dups := b.Build()
	for _, pc := range dups {
		probs.add(0, "postcode %s appears more than once; the first row was kept", pc)
	}
	// A duplicate row was counted in NoLSOA/NoLocation before Build dropped it; that
	// only matters for a malformed file, whose report lists the duplicates anyway.
	rep.Loaded = d.Len()
	d.Label = opts.Label
	if col.lsoa >= 0 {
		d.LSOAColumn = header[col.lsoa]
	}
	if d.Len() == 0 {
		return nil, rep, equitrial.Invalid("the postcode directory has no usable postcodes",
			equitrial.FieldError{Field: "postcodes", Detail: fmt.Sprintf("%d rows read, %d terminated, %d skipped", rep.Rows, rep.Terminated, rep.Skipped)})
	}
	return d, rep, nil
}

// isPseudoArea reports ONS pseudo-codes such as L99999999 and M99999999, which stand
// for "no area of this type here" (Channel Islands, Isle of Man).
func isPseudoArea(code string) bool {
	return len(code) == 9 && code[1:] == "99999999"
}

// validAreaCode accepts GSS codes (a letter and eight digits: E01000001, S01006506)
// and NISRA super output area codes (95AA01S1).
func validAreaCode(code string) bool {
	if len(code) == 9 && code[0] >= 'A' && code[0] <= 'Z' {
		for i := 1; i < 9; i++ {
			if !isDigit(code[i]) {
				return false
			}
		}
		return true
	}
	if len(code) >= 6 && len(code) <= 10 && strings.HasPrefix(code, "95") {
		for i := 2; i < len(code); i++ {
			if !isDigit(code[i]) && (code[i] < 'A' || code[i] > 'Z') {
				return false
			}
		}
		return true
	}
	return false
}

// parseLocation reads ONSPD lat/long. Both empty, or ONSPD's "no location" value
// (latitude 99.999999), means no location rather than a bad row.
func parseLocation(latS, lonS string) (Point, bool, error) {
	latS, lonS = strings.TrimSpace(latS), strings.TrimSpace(lonS)
	if latS == "" && lonS == "" {
		return Point{}, false, nil
	}
	lat, err1 := strconv.ParseFloat(latS, 64)
	lon, err2 := strconv.ParseFloat(lonS, 64)
	if err1 != nil || err2 != nil {
		return Point{}, false, fmt.Errorf("location %q, %q is not a pair of numbers", latS, lonS)
	}
	if lat > 99.99 {
		return Point{}, false, nil
	}
	if lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return Point{}, false, fmt.Errorf("location %q, %q is out of range", latS, lonS)
	}
	return Point{Lat: lat, Lon: lon}, true, nil
}

func readError(what string, err error) error {
	if err == io.EOF {
		return equitrial.Invalid("the "+what+" file is empty", equitrial.FieldError{Field: what, Detail: "no header row"})
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &equitrial.Error{Kind: equitrial.KindInvalid, Detail: "the " + what + " file is not valid CSV", Err: err}
	}
	return &equitrial.Error{Kind: equitrial.KindOther, Op: "read " + what, Err: err}
}
