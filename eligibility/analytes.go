package eligibility

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed vocab/analytes.tsv
var analytesTSV string

// Analyte is one measurement or score that criteria put thresholds on. Name is the
// identifier of shared/eligibility/analytes.csv; Units are the units criteria and
// observations may use, the first being the canonical one that evaluation
// converts to.
type Analyte struct {
	Name    string   `json:"name"`
	Label   string   `json:"label"`
	Units   []string `json:"units"`
	Aliases []string `json:"aliases"`
}

// Canonical is the unit evaluation works in.
func (a Analyte) Canonical() string { return a.Units[0] }

type analyteTable struct {
	list   []Analyte
	byName map[string]int
	index  *phraseIndex // alias → analyte ids (an alias may name several, e.g. "transaminases")
	groups [][]int      // phrase entry id → analyte ids
}

var (
	analyteOnce sync.Once
	analytes    *analyteTable
)

func loadAnalytes() *analyteTable {
	analyteOnce.Do(func() {
		t := &analyteTable{byName: map[string]int{}, index: newPhraseIndex()}
		type pending struct {
			names   []string
			aliases []string
		}
		var groups []pending
		eachTSVRow(analytesTSV, 4, func(f []string) {
			names := strings.Split(f[0], ",")
			aliases := strings.Split(f[3], "|")
			if len(names) == 1 {
				t.byName[names[0]] = len(t.list)
				t.list = append(t.list, Analyte{Name: names[0], Label: f[2], Units: strings.Split(f[1], "|"), Aliases: aliases})
			}
			groups = append(groups, pending{names, aliases})
		})
		for _, g := range groups {
			var ids []int
			for _, n := range g.names {
				if i, ok := t.byName[n]; ok {
					ids = append(ids, i)
				}
			}
			gid := int32(len(t.groups))
			t.groups = append(t.groups, ids)
			for _, a := range g.aliases {
				t.index.add(a, gid)
			}
		}
		analytes = t
	})
	return analytes
}

// Analytes returns the analyte table.
func Analytes() []Analyte { return loadAnalytes().list }

// LookupAnalyte finds an analyte by its identifier ("hba1c") or any alias
// ("glycated haemoglobin", "A1C").
func LookupAnalyte(name string) (Analyte, bool) {
	t := loadAnalytes()
	if i, ok := t.byName[strings.ToLower(strings.TrimSpace(name))]; ok {
		return t.list[i], true
	}
	toks := tokenize(fold(name), nil)
	if to, ids, ok := t.index.find(toks, 0, true); ok && to == len(nonPunct(toks)) {
		if g := t.groups[ids[0]]; len(g) == 1 {
			return t.list[g[0]], true
		}
	}
	return Analyte{}, false
}

func nonPunct(toks []token) []token {
	out := toks[:0:0]
	for _, t := range toks {
		if !t.punct {
			out = append(out, t)
		}
	}
	return out
}

func analyteIndex(name string) int {
	if i, ok := loadAnalytes().byName[name]; ok {
		return i
	}
	return -1
}

// unitFactor: value_in_canonical = value*mul + add, for one analyte and unit.
type unitFactor struct{ mul, add float64 }

// conversions lists, per analyte, how each non-canonical unit reaches the
// canonical one. Units not listed (e.g. xULN, or FEV1 % vs litres) do not convert.
var conversions = map[string]map[string]unitFactor{
	"hba1c":           {"mmol/mol": {1 / 10.929, 2.15}},
	"glucose":         {"mg/dL": {1 / 18.016, 0}},
	"creatinine":      {"umol/L": {1 / 88.42, 0}},
	"bilirubin":       {"umol/L": {1 / 17.1, 0}},
	"albumin":         {"g/L": {0.1, 0}},
	"hemoglobin":      {"g/L": {0.1, 0}, "mmol/L": {1.611, 0}},
	"platelets":       {"10^3/uL": {1, 0}, "/mm3": {0.001, 0}, "/uL": {0.001, 0}},
	"anc":             {"/mm3": {0.001, 0}, "/uL": {0.001, 0}, "10^3/uL": {1, 0}},
	"wbc":             {"/mm3": {0.001, 0}, "/uL": {0.001, 0}, "10^3/uL": {1, 0}},
	"lymphocytes":     {"/mm3": {0.001, 0}, "/uL": {0.001, 0}, "10^3/uL": {1, 0}},
	"cd4":             {"/mm3": {1, 0}, "/uL": {1, 0}},
	"ldl":             {"mg/dL": {1 / 38.67, 0}},
	"cholesterol":     {"mg/dL": {1 / 38.67, 0}},
	"triglycerides":   {"mg/dL": {1 / 88.57, 0}},
	"crp":             {"mg/dL": {10, 0}},
	"ferritin":        {"ug/L": {1, 0}},
	"d_dimer":         {"mg/L": {1, 0}, "ng/mL": {0.001, 0}},
	"troponin":        {"ng/mL": {1000, 0}},
	"temperature":     {"F": {5.0 / 9, -32 * 5.0 / 9}},
	"life_expectancy": {"weeks": {12.0 / 52, 0}, "years": {12, 0}, "days": {12.0 / 365, 0}},
	"potassium":       {"mEq/L": {1, 0}},
	"sodium":          {"mEq/L": {1, 0}},
	"weight":          {"g": {0.001, 0}, "lb": {0.45359237, 0}},
	"egfr":            {"mL/min": {1, 0}},
	"heart_rate":      {"/min": {1, 0}},
	"crcl":            {"mL/min/1.73m2": {1, 0}},
	"tsh":             {"uIU/mL": {1, 0}},
	"fev1_fvc":        {"%": {0.01, 0}},
}

// ConvertUnit converts a value of an analyte between two of its units. It reports
// false when either unit is unknown for the analyte or they do not convert (xULN).
func ConvertUnit(analyte string, value float64, from, to string) (float64, bool) {
	a, ok := LookupAnalyte(analyte)
	if !ok {
		return 0, false
	}
	from, to = canonicalUnitSpelling(from), canonicalUnitSpelling(to)
	if from == to {
		return value, true
	}
	c, ok := toCanonical(a, value, from)
	if !ok {
		return 0, false
	}
	if to == a.Canonical() {
		return c, true
	}
	f, ok := conversions[a.Name][to]
	if !ok {
		return 0, false
	}
	return (c - f.add) / f.mul, true
}

func toCanonical(a Analyte, v float64, unit string) (float64, bool) {
	if unit == a.Canonical() || (unit == "score" || unit == "class" || unit == "ratio") && unit == a.Canonical() {
		return v, true
	}
	if f, ok := conversions[a.Name][unit]; ok {
		return v*f.mul + f.add, true
	}
	return 0, false
}

// ValidUnit reports whether unit (in any common spelling) is one an observation of
// the analyte may be given in, and returns its standard spelling.
func ValidUnit(analyte, unit string) (string, bool) {
	a, ok := LookupAnalyte(analyte)
	if !ok {
		return "", false
	}
	u := canonicalUnitSpelling(unit)
	if u == "" && (a.Canonical() == "score" || a.Canonical() == "class" || a.Canonical() == "ratio") {
		return a.Canonical(), true
	}
	for _, x := range a.Units {
		if x == u {
			return u, true
		}
	}
	if _, ok := conversions[a.Name][u]; ok {
		return u, true
	}
	return "", false
}

// canonicalUnitSpelling maps a written unit ("mg/dl", "µmol/L", "x10^9/L") onto
// the spelling used in the analyte table; "" when not recognised.
func canonicalUnitSpelling(u string) string {
	l := strings.ToLower(fold(u))
	l = strings.ReplaceAll(l, " ", "")
	if l == "" {
		return ""
	}
	if unit, n := matchUnit(l); n == len(l) {
		return unit
	}
	return ""
}
