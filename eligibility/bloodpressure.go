package eligibility

import "strings"

// bloodPressurePairs reads a blood pressure written as one comparison on a
// systolic/diastolic pair ("BP persistently > 140/90 mmHg", "blood pressure
// ≥ 160/100"): the one limit applies to each of the two measurements.
func bloodPressurePairs(lower string) []Threshold {
	var out []Threshold
	for _, name := range []string{"blood pressure", "bp"} {
		for off := 0; off < len(lower); {
			i := strings.Index(lower[off:], name)
			if i < 0 {
				break
			}
			i += off
			off = i + len(name)
			if !atWordStart(lower, i) || off < len(lower) && isLetter(lower[off]) {
				continue
			}
			if th, ok := pairAfter(lower, off); ok {
				out = append(out, th...)
			}
		}
	}
	return out
}

// pairAfter finds "<comparator> N/M" within a few words after p.
func pairAfter(lower string, p int) ([]Threshold, bool) {
	end := min(len(lower), p+40)
	for k := p; k < end; k++ {
		if lower[k] == ';' || lower[k] == '.' && k+1 < len(lower) && lower[k+1] == ' ' {
			return nil, false
		}
		cmp, q := comparatorAt(lower, k)
		if cmp == cmpNone {
			continue
		}
		q = skipSpaces(lower, q)
		sys, e, ok := numberAt(lower, q, false)
		if !ok || e >= len(lower) || lower[e] != '/' {
			return nil, false
		}
		dia, e2, ok := numberAt(lower, e+1, false)
		if !ok || sys < 50 || sys > 300 || dia < 20 || dia > sys {
			return nil, false
		}
		if rest := strings.TrimLeft(lower[e2:], " "); rest != "" && !strings.HasPrefix(rest, "mm") && isLetter(rest[0]) && !strings.HasPrefix(rest, "or") && !strings.HasPrefix(rest, "and") {
			return nil, false
		}
		mk := func(a string, v float64) Threshold {
			t := Threshold{Analyte: a, Unit: "mmHg"}
			if cmp.lower() {
				t.Low, t.LowStrict = f64(v), cmp == cmpGT
			} else {
				t.High, t.HighStrict = f64(v), cmp == cmpLT
			}
			return t
		}
		return []Threshold{mk("sbp", sys), mk("dbp", dia)}, true
	}
	return nil, false
}
