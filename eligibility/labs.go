package eligibility

import (
	"math"
	"strings"
)

// Threshold is one numeric condition on a measurement or score, in the numbers
// and unit the text used (Low/High nil = unbounded on that side).
type Threshold struct {
	Analyte string   `json:"analyte"`
	Low     *float64 `json:"low"`
	High    *float64 `json:"high"`
	Unit    string   `json:"unit"`
	// LowStrict/HighStrict: the bound itself lies outside the range the text
	// describes ("eGFR > 30": 30 is not enough; "eGFR < 30" in exclusion: 30 is
	// not excluded). FORMAT.md does not score them; evaluation needs them.
	LowStrict  bool `json:"lowStrict,omitempty"`
	HighStrict bool `json:"highStrict,omitempty"`
	// Timing "first": the text asks for the first value of an episode ("initial
	// haemoglobin", "platelets at presentation", "creatinine on admission"), not
	// the latest. "" for the usual current (screening, baseline) value.
	Timing string `json:"timing,omitempty"`
}

// gapWords may sit between analyte names that share one threshold:
// "AST (SGOT), ALT (SGPT), and total bilirubin ≤ 2.5 x ULN".
var gapWords = map[string]bool{"or": true, "and": true, "serum": true, "total": true, "level": true, "count": true,
	"the": true, "plasma": true, "blood": true, "value": true, "both": true, "either": true, "their": true}

var cellCounts = map[string]bool{"platelets": true, "anc": true, "wbc": true, "lymphocytes": true}

type mentionGroup struct {
	analytes   []int
	start, end int // byte offsets in the lower-case text
}

// extractLabs finds every threshold in one criterion. lower is the folded,
// lower-cased criterion; toks its tokens.
func extractLabs(lower string, toks []token, capsOK bool) []Threshold {
	t := loadAnalytes()
	ms := t.index.findAll(toks, capsOK, nil)
	var bp []Threshold
	if strings.Contains(lower, "/") {
		bp = bloodPressurePairs(lower)
	}
	if len(ms) == 0 {
		return bp
	}
	var groups []mentionGroup
	for _, m := range ms {
		ids := t.groups[m.ids[0]]
		start, end := toks[m.from].start, toks[m.to-1].end
		if n := len(groups); n > 0 && onlyGapWords(lower[groups[n-1].end:start]) {
			g := &groups[n-1]
			for _, id := range ids {
				g.analytes = appendIntUnique(g.analytes, id)
			}
			g.end = end
			continue
		}
		groups = append(groups, mentionGroup{analytes: append([]int(nil), ids...), start: start, end: end})
	}
	var out []Threshold
	for gi, g := range groups {
		limit := len(lower)
		if gi+1 < len(groups) {
			limit = groups[gi+1].start
		}
		exprs := scanForward(lower, g, limit)
		if len(exprs) == 0 {
			if e, ok := scanBackward(lower, g); ok {
				exprs = append(exprs, e)
			}
		}
		if len(exprs) == 0 && t.list[g.analytes[0]].Canonical() == "class" {
			if i := strings.Index(lower, "class"); i >= 0 {
				if e, ok := exprAt(lower, skipSpaces(lower, i+5), true, true); ok {
					exprs = append(exprs, e)
				} else if v, _, ok := numberAt(lower, skipSpaces(lower, i+5), true); ok {
					exprs = append(exprs, expr{lo: f64(v), hi: f64(v), hasRange: true})
				}
			}
		}
		for _, e := range exprs {
			timing := labTiming(lower, g.start, e.start)
			for _, id := range g.analytes {
				if th, ok := thresholdFor(t.list[id], e); ok {
					th.Timing = timing
					out = append(out, th)
				}
			}
		}
	}
	if len(bp) > 0 {
		// the pair reading replaces a reading of "140/90" as one number
		kept := out[:0]
		for _, th := range out {
			if th.Analyte != "sbp" && th.Analyte != "dbp" {
				kept = append(kept, th)
			}
		}
		out = append(kept, bp...)
	}
	return dedupeThresholds(out)
}

func appendIntUnique(s []int, v int) []int {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func onlyGapWords(gap string) bool {
	if len(gap) > 40 {
		return false
	}
	for _, w := range strings.FieldsFunc(gap, func(r rune) bool {
		return r == ' ' || r == ',' || r == '/' || r == '(' || r == ')' || r == '&' || r == '-' || r == '+'
	}) {
		if !gapWords[w] && w != "and/or" {
			return false
		}
	}
	return true
}

// sentenceEnd finds where the text about a measurement stops: a semicolon, a line
// break, or a full stop that is not a decimal point.
func sentenceEnd(s string, from, limit int) int {
	for i := from; i < limit; i++ {
		switch s[i] {
		case ';', '\n':
			return i
		case '.':
			if i+1 >= len(s) || s[i+1] == ' ' && !(i > 0 && isDigit(s[i-1]) && i+2 < len(s) && isDigit(s[i+2])) {
				if i+1 >= len(s) || !(i > 0 && isDigit(s[i-1])) || s[i+1] == ' ' {
					return i
				}
			}
		}
	}
	return limit
}

func scanForward(lower string, g mentionGroup, limit int) []expr {
	a := loadAnalytes().list[g.analytes[0]]
	p := g.end
	// "CD4 %" or "CD4 percent" names a different measurement than the count
	q := skipSpaces(lower, p)
	if q < len(lower) && (lower[q] == '%' || strings.HasPrefix(lower[q:], "percent")) && !hasUnit(a, "%") {
		return nil
	}
	end := sentenceEnd(lower, p, limit)
	// a new list item (", blood pressure") ends the text about this analyte
	for i := p; i+2 < end; i++ {
		if lower[i] == ',' && lower[i+1] == ' ' && isLetter(lower[i+2]) && strings.TrimSpace(strings.Trim(lower[p:i], "() ")) == "" {
			break
		}
		if lower[i] == ',' && lower[i+1] == ' ' && isLetter(lower[i+2]) {
			if k, _ := comparatorAt(lower, i+2); k == cmpNone {
				end = i
				break
			}
		}
	}
	if end-p > 140 {
		end = p + 140
	}
	s := lower[:end]
	score := a.Canonical() == "score" || a.Canonical() == "class"
	var out []expr
	firstUnit := ""
	from := p
	for i := p; i < end; i++ {
		c := s[i]
		if !(c == '<' || c == '>' || c == '=' || isDigit(c) || c == '.' || isLetter(c) && atWordStart(s, i)) {
			continue
		}
		e, ok := exprAt(s, i, a.Canonical() == "class", score)
		if !ok {
			if isLetter(c) {
				for i+1 < end && isLetter(s[i+1]) {
					i++
				}
			}
			for i+1 < end && (isDigit(s[i+1]) || s[i+1] == '.' || s[i+1] == ',') {
				i++
			}
			continue
		}
		if strings.Contains(s[from:i], "item ") {
			// "HAMD item 1 >= 2 and total score >= 20": the first limit is on one item
			from, i = e.end, e.end-1
			continue
		}
		from = e.end
		if relativeToReference(lower, p, i, e.end) {
			i = e.end - 1
			continue
		}
		if isTimeUnit(e.unit) && a.Name != "life_expectancy" {
			i = e.end - 1
			continue
		}
		if !e.hasCmp && !e.hasRange {
			i = e.end - 1
			continue
		}
		if len(out) == 1 && closesRange(s, out[0], e) {
			out[0] = joinRange(out[0], e)
			i = e.end - 1
			continue
		}
		if len(out) > 0 && e.unit != firstUnit && e.unit != "" {
			break
		}
		if len(out) == 0 {
			firstUnit = e.unit
		}
		out = append(out, e)
		i = e.end - 1
	}
	return out
}

// scanBackward reads a threshold written before the analyte: "(>3x ULN SGOT)",
// "< 750 g birth weight".
func scanBackward(lower string, g mentionGroup) (expr, bool) {
	from := g.start - 50
	if from < 0 {
		from = 0
	}
	seg := lower[from:g.start]
	if i := strings.LastIndexAny(seg, "(;\n"); i >= 0 {
		from += i + 1
		seg = seg[i+1:]
	}
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if !(c == '<' || c == '>' || c == '=' || isLetter(c) && atWordStart(seg, i)) {
			continue
		}
		if k, _ := comparatorAt(seg, i); k == cmpNone {
			continue
		}
		e, ok := exprAt(lower[:g.start], from+i, false, false)
		if !ok {
			continue
		}
		rest := strings.TrimSpace(lower[e.end:g.start])
		rest = strings.TrimSuffix(strings.TrimSuffix(rest, "of"), "in")
		if strings.TrimSpace(rest) == "" {
			return e, true
		}
	}
	return expr{}, false
}

func isTimeUnit(u string) bool {
	switch u {
	case "years", "months", "weeks", "days", "hours":
		return true
	}
	return false
}

func hasUnit(a Analyte, u string) bool {
	for _, x := range a.Units {
		if x == u {
			return true
		}
	}
	return false
}

// thresholdFor fits an expression to an analyte: it checks the unit, supplies the
// usual unit where none was written, and converts units the labelled format does
// not list (grams of birth weight, years of life expectancy) to ones it does.
func thresholdFor(a Analyte, e expr) (Threshold, bool) {
	unit := e.unit
	maxv := 0.0
	for _, v := range e.numberValues {
		maxv = math.Max(maxv, v)
	}
	canon := a.Canonical()
	switch {
	case canon == "score" || canon == "class":
		if e.unitSeen && unit != "%" && unit != "score" && unit != "" {
			return Threshold{}, false
		}
		if e.unitSeen && unit == "" {
			return Threshold{}, false
		}
		unit = canon
	case !e.unitSeen:
		unit = defaultUnit(a, maxv)
	case unit == "":
		return Threshold{}, false
	}
	if cellCounts[a.Name] && unit == "g/L" {
		unit = "10^9/L"
	}
	th := Threshold{Analyte: a.Name, Low: e.lo, High: e.hi, Unit: unit, LowStrict: e.loStrict, HighStrict: e.hiStrict}
	if hasUnit(a, unit) {
		return th, true
	}
	f, ok := conversions[a.Name][unit]
	if !ok {
		return Threshold{}, false
	}
	conv := func(p *float64) *float64 {
		if p == nil {
			return nil
		}
		return f64(math.Round((*p*f.mul+f.add)*1000) / 1000)
	}
	th.Low, th.High, th.Unit = conv(e.lo), conv(e.hi), canon
	return th, true
}

// defaultUnit guesses the unit of a bare number from its size, the way a reader
// would: "platelets > 100,000" is per mm³, "platelets > 100" is 10⁹/L.
func defaultUnit(a Analyte, v float64) string {
	switch a.Name {
	case "platelets", "anc", "wbc", "lymphocytes":
		if v >= 100 {
			return "/mm3"
		}
		return "10^9/L"
	case "hba1c":
		if v > 20 {
			return "mmol/mol"
		}
	case "glucose", "ldl", "cholesterol", "triglycerides":
		if v > 35 {
			return "mg/dL"
		}
		return "mmol/L"
	case "creatinine", "bilirubin":
		if v > 20 {
			return "umol/L"
		}
		return "mg/dL"
	case "fev1_fvc":
		if v > 1.5 {
			return "%" // "FEV1/FVC < 70": a percentage, written without its sign
		}
	case "hemoglobin", "albumin":
		if v > 25 {
			return "g/L"
		}
		return "g/dL"
	}
	return a.Canonical()
}

func dedupeThresholds(in []Threshold) []Threshold {
	var out []Threshold
	for _, t := range in {
		dup := false
		for _, o := range out {
			if o.Analyte == t.Analyte && eqp(o.Low, t.Low) && eqp(o.High, t.High) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out
}

func eqp(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// closesRange reports whether e is the upper end of a range that first opened
// with a lower bound: "eGFR >= 30 and < 60 mL/min", "Hb >= 8 g/dL and <= 11 g/dL".
// FORMAT.md gives such a criterion one entry with both ends. The bounds must be
// joined by "and" alone and carry the same unit (or the first none at all).
func closesRange(s string, first, e expr) bool {
	if first.hasRange || e.hasRange || first.uln != e.uln || first.lo == nil || first.hi != nil || e.hi == nil || e.lo != nil {
		return false
	}
	if first.unit != "" && first.unit != e.unit {
		return false
	}
	if *first.lo > *e.hi {
		return false
	}
	gap := strings.TrimSpace(s[first.end:e.start])
	return gap == "and" || gap == ", and" || gap == "but"
}

func joinRange(first, e expr) expr {
	first.hi, first.hiStrict, first.end = e.hi, e.hiStrict, e.end
	if first.unit == "" {
		first.unit, first.unitSeen = e.unit, e.unitSeen
	}
	return first
}
