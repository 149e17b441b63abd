package refdata

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"equitrial"
)

// RegionalShares is a table of population shares by region: region → group →
// share in [0,1]. Equity monitoring uses a regional table of ethnic groups as the
// default targets of trials recruiting in that region, in place of the national
// shares.
type RegionalShares map[string]map[string]float64

// LoadRegionalShares reads a CSV with a region column (headed "region", "region
// name", "rgn" or "area") and one column per group, matched to groups by header,
// ignoring case. Values may be shares (0.093) or percentages (9.3); each row must
// add up to the whole, give or take rounding. Bad rows are reported and skipped.
func LoadRegionalShares(r io.Reader, groups []string, maxProblemsN int) (RegionalShares, LoadReport, error) {
	rep := LoadReport{Columns: map[string]string{}}
	probs := problemLog{rep: &rep, max: maxProblems(maxProblemsN)}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, rep, readError("regional shares", err)
	}
	h := newHeaderIndex(header)
	region := h.find("region", "region name", "rgn", "area", "area name")
	if region < 0 {
		return nil, rep, equitrial.Invalid("the regional table has no region column",
			equitrial.FieldError{Field: "region", Detail: "head the column of region names \"region\""})
	}
	rep.Columns["region"] = header[region]
	cols := make([]int, len(groups))
	var missing []string
	for i, g := range groups {
		cols[i] = h.find(normaliseHeader(g))
		if cols[i] < 0 {
			missing = append(missing, g)
		} else {
			rep.Columns[g] = header[cols[i]]
		}
	}
	if len(missing) > 0 {
		return nil, rep, equitrial.Invalid("the regional table lacks group columns",
			equitrial.FieldError{Field: "groups", Detail: "missing " + strings.Join(missing, ", ")})
	}
	need := region
	for _, c := range cols {
		need = max(need, c)
	}
	out := RegionalShares{}
	err = eachRow(cr, "regional shares", &rep, probs, need+1, len(header), func(line int, rec []string) {
		name := strings.TrimSpace(rec[region])
		if name == "" {
			probs.add(line, "no region name")
			return
		}
		shares := make(map[string]float64, len(groups))
		sum := 0.0
		for i, g := range groups {
			v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rec[cols[i]]), "%"), 64)
			if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				probs.add(line, "%s share %q for %s is not a number", g, rec[cols[i]], name)
				return
			}
			shares[g], sum = v, sum+v
		}
		scale := 1.0
		switch {
		case math.Abs(sum-100) <= 2:
			scale = 100
		case math.Abs(sum-1) > 0.02:
			probs.add(line, "the shares for %s add up to %s, not to the whole", name, strconv.FormatFloat(sum, 'f', -1, 64))
			return
		}
		for g := range shares {
			shares[g] /= scale
		}
		if _, dup := out[name]; dup {
			probs.add(line, "region %s appears more than once; the first row was kept", name)
			return
		}
		out[name] = shares
	})
	if err != nil {
		return nil, rep, err
	}
	rep.Loaded = len(out)
	if len(out) == 0 {
		return nil, rep, equitrial.Invalid("the regional table has no usable rows",
			equitrial.FieldError{Field: "ethnicity", Detail: fmt.Sprintf("%d rows read, %d skipped", rep.Rows, rep.Skipped)})
	}
	return out, rep, nil
}
