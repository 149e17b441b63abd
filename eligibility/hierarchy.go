package eligibility

import (
	_ "embed"
	"strings"
	"sync"
)

// The classification's hierarchy, as far as matching needs it: a broad category
// ("stroke", I64) covers the specific ones (I60–I63). Criteria compare through it
// in both directions:
//   - a criterion naming a broad category is met by any category it covers, so a
//     recorded cerebral infarction (I63.9) satisfies "stroke" whatever category the
//     vocabulary chose for the word;
//   - a recorded broad category may stand for any category it covers, so it can
//     neither satisfy nor rule out a criterion about one of them: it is a question.
// Codes longer than three characters compare by their category (E11.65 is E11).

//go:embed vocab/broader.tsv
var broaderTSV string

var (
	broaderOnce sync.Once
	broader     map[int16][]int16 // broad category → the categories it covers, itself excluded
)

func loadBroader() map[int16][]int16 {
	broaderOnce.Do(func() {
		broader = map[int16][]int16{}
		eachTSVRow(broaderTSV, 2, func(f []string) {
			id := categoryID(f[0])
			if id < 0 {
				return
			}
			var covered []int16
			for _, r := range strings.Split(f[1], ",") {
				lo, hi, _ := strings.Cut(r, "-")
				if hi == "" {
					hi = lo
				}
				a, b := categoryID(lo), categoryID(hi)
				if a < 0 || b < a || a/100 != b/100 {
					continue
				}
				for c := a; c <= b; c++ {
					if c != id {
						covered = append(covered, c)
					}
				}
			}
			broader[id] = sortedUnique16(append(broader[id], covered...))
		})
	})
	return broader
}

// coveredBy returns the categories the given categories cover through the
// hierarchy, less those already given (sorted, unique).
func coveredBy(ids []int16) []int16 {
	b := loadBroader()
	var out []int16
	for _, id := range ids {
		out = append(out, b[id]...)
	}
	out = sortedUnique16(out)
	return minus16(out, ids)
}

// vagueCodes: the categories a patient's broad codes may stand for.
func vagueCodes(codes []int16) []int16 { return coveredBy(codes) }

// minus16 returns the sorted a without the elements of sorted b.
func minus16(a, b []int16) []int16 {
	out := a[:0]
	j := 0
	for _, v := range a {
		for j < len(b) && b[j] < v {
			j++
		}
		if j < len(b) && b[j] == v {
			continue
		}
		out = append(out, v)
	}
	return out
}

// intersects reports whether two sorted id lists share an element.
func intersects(a, b []int16) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			return true
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return false
}

// RelatedCategories returns the category and every category that satisfies or
// may stand for it through the hierarchy: those it covers, and the broad ones
// that cover it. An index keyed by category finds every patient a criterion
// about cat could be true of with one lookup per related category.
func RelatedCategories(cat string) []string {
	id := categoryID(icdCategory(cat))
	if id < 0 {
		return nil
	}
	rel := []int16{id}
	rel = append(rel, loadBroader()[id]...)
	for broad, covered := range loadBroader() {
		for _, c := range covered {
			if c == id {
				rel = append(rel, broad)
			}
		}
	}
	rel = sortedUnique16(rel)
	out := make([]string, len(rel))
	for i, r := range rel {
		out[i] = categoryString(r)
	}
	return out
}
