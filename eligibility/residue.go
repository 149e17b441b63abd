package eligibility

import (
	"math"
	"strconv"
	"strings"
)

// What a criterion says beyond what was compiled. A machine may rule a patient
// out only on a criterion it read whole; otherwise it asks.
//
//   - narrowing: qualifiers ("uncontrolled", "active", "severe", "treated with"),
//     time windows ("within 6 months", "prior to"), stages, grades and classes.
//     They make the criterion describe fewer people than its parts do, so a part
//     that puts the patient inside the described group can only ask ("is the
//     hypertension uncontrolled?"), while a part that puts them outside stands
//     (no hypertension at all: "uncontrolled hypertension" does not apply).
//   - opaque: a number, unit or measurement that was not compiled, or a reading
//     of low confidence. The parts may be only some of what the criterion tests
//     (an alternative, a threshold), so nothing is decided on them.
type residue struct {
	narrowing string // the first narrowing word or phrase, for the reason
	opaque    string // the first thing not understood
}

func (r residue) partial() bool { return r.narrowing != "" || r.opaque != "" }

// narrowingCues are words that restrict a condition or a finding. Leading and
// trailing spaces keep them whole words.
var narrowingCues = []string{
	" uncontrolled", " poorly controlled", " inadequately controlled", " not controlled", " not well controlled", " unstable",
	" active ", " actively", " severe", " significant", " symptomatic", " decompensated", " refractory", " resistant",
	" advanced", " end-stage", " end stage", " untreated", " progressing", " moderate", " serious",
	" life-threatening", " life threatening", " requiring", " requires treatment", " treated with", " treatment with",
	" receiving", " on treatment", " newly diagnosed", " relapsed", " metastatic",
	" within ", " prior to", " before ", " after ", " in the last", " in the past", " during ", " recent", " since ",
	" currently", " ongoing", " persistent", " unless", " except", " other than", " excluding",
	" if ", " that would", " which would", " that may", " which may", " in the opinion", " investigator", " judgement",
	" judgment", " deemed", " considered", " at risk", " high risk", " high-risk", " evidence of", " sign of", " signs of",
	" stage", " grade", " class ", " nyha", " gold ", " hospitali", " admission", " admitted",
	" more than one", " multiple", " complicated", " associated with", " secondary to", " due to", " caused by",
	" following", " medication", " therapy", " taking ", " treated", " on treatment", " users", " use of",
}

var timeUnits = map[string]bool{"day": true, "days": true, "week": true, "weeks": true, "month": true, "months": true,
	"year": true, "years": true, "hour": true, "hours": true, "h": true, "hrs": true, "hr": true, "yr": true, "yrs": true,
	"wk": true, "wks": true, "mo": true, "minutes": true, "min": true, "d": true}

// wordsBeforeIgnoredNumbers: numbers that name things, not quantities.
var wordsBeforeIgnoredNumbers = map[string]bool{"type": true, "covid": true, "cov": true, "ii": true, "phase": false,
	"hla": true, "cd": true, "il": true, "brca": true, "her": true, "icd": true, "version": true, "v": true, "no": true,
	"number": true, "item": true, "criterion": true, "criteria": true, "section": true, "appendix": true, "table": true}

var narrowingBeforeNumbers = map[string]bool{"stage": true, "grade": true, "class": true, "level": true, "score": true,
	"tier": true, "step": true, "dose": true, "doses": true}

// residueOf reads what the criterion says beyond its compiled parts. compiled is
// the number of its lab thresholds that compiled.
func residueOf(cr *Criterion, compiled int) residue {
	var r residue
	if compiled < len(cr.Labs) {
		r.opaque = "a threshold whose unit could not be converted"
	}
	if cr.Confidence > 0 && cr.Confidence < 0.5 {
		r.opaque = "a long criterion read with low confidence"
	}
	lt := " " + strings.ToLower(fold(cr.Text)) + " "
	for _, cue := range narrowingCues {
		if strings.Contains(lt, cue) {
			r.narrowing = strings.TrimSpace(cue)
			break
		}
	}
	if r.opaque == "" {
		if n, timeWindow, qualifier := unexplainedNumber(lt, cr); n != "" {
			switch {
			case timeWindow || qualifier:
				if r.narrowing == "" {
					r.narrowing = n
				}
			default:
				r.opaque = "the number " + n
			}
		}
	}
	return r
}

// unexplainedNumber finds the first number in the text that no compiled part
// accounts for; timeWindow says it counts time ("6 months"), qualifier that it
// is a stage, grade or class.
func unexplainedNumber(lt string, cr *Criterion) (n string, timeWindow, qualifier bool) {
	for i := 0; i < len(lt); {
		c := lt[i]
		if c < '0' || c > '9' {
			i++
			continue
		}
		j := i
		for j < len(lt) && (lt[j] >= '0' && lt[j] <= '9' || (lt[j] == '.' || lt[j] == ',') && j+1 < len(lt) && lt[j+1] >= '0' && lt[j+1] <= '9') {
			j++
		}
		num, prev, next := lt[i:j], byte(' '), byte(' ')
		if i > 0 {
			prev = lt[i-1]
		}
		if j < len(lt) {
			next = lt[j]
		}
		start := i
		i = j
		// attached to a word (FEV1, COVID-19, CD4, 1.73m2's 2), a unit's exponent
		// (10^9/L), a ratio's or unit's denominator (/1.73 m2, 140/90), or a list number
		if isLetter(prev) || prev == '^' || prev == '*' || prev == '/' || next == '^' || next == '*' ||
			prev == '-' && start >= 2 && isLetter(lt[start-2]) || isLetter(next) && !unitSuffixLetter(lt[j:]) {
			continue
		}
		if strings.TrimSpace(lt[:start]) == "" && (next == '.' || next == ')') {
			continue
		}
		before, after := wordBefore(lt, start), wordAfter(lt, j)
		if wordsBeforeIgnoredNumbers[before] {
			continue
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", ""), 64)
		if err != nil || explainedNumber(v, cr, before, after) {
			continue
		}
		if timeUnits[after] {
			return num, true, false
		}
		if narrowingBeforeNumbers[before] {
			return num, false, true
		}
		return num, false, false
	}
	return "", false, false
}

func unitSuffixLetter(rest string) bool {
	// "5mg", "10kg", "3x" are quantities with units attached; "2nd" an ordinal
	for _, u := range []string{"st ", "nd ", "rd ", "th "} {
		if strings.HasPrefix(rest, u) {
			return false
		}
	}
	return true
}

func explainedNumber(v float64, cr *Criterion, before, after string) bool {
	for _, t := range cr.Labs {
		if t.Low != nil && near(*t.Low, v) || t.High != nil && near(*t.High, v) {
			return true
		}
	}
	for _, a := range []*float64{cr.AgeMin, cr.AgeMax} {
		// "aged 21-65", "less than 13 years (<13)": the age bound as written
		if a != nil && (near(*a, v) || near(math.Floor(*a)+1, v) && *a-math.Floor(*a) > 0.5) {
			return true
		}
	}
	if cr.AgeMin != nil || cr.AgeMax != nil {
		if before == "age" || before == "aged" || after == "years" || after == "year" || after == "months" ||
			after == "weeks" || after == "days" || after == "yrs" || after == "y" || after == "yo" {
			return true
		}
	}
	return false
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(a)) }

func wordBefore(s string, i int) string {
	j := i
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '-' || s[j-1] == '(') {
		j--
	}
	k := j
	for k > 0 && isLetter(s[k-1]) {
		k--
	}
	return s[k:j]
}

func wordAfter(s string, i int) string {
	for i < len(s) && (s[i] == ' ' || s[i] == '-') {
		i++
	}
	k := i
	for k < len(s) && isLetter(s[k]) {
		k++
	}
	return s[i:k]
}
