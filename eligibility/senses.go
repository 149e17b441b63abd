package eligibility

import (
	_ "embed"
	"strings"
	"sync"
)

// Word sense. Some vocabulary phrases name a diagnosis in one context and
// something else in another: "depression" is a depressive disorder, but
// "ST-segment depression" is an ECG finding and "respiratory depression" a drug
// effect; "stroke" is a stroke, "stroke volume" a measurement. The contexts are
// data (vocab/senses.tsv), so that a clinician can add a trap without code.

//go:embed vocab/senses.tsv
var sensesTSV string

// senseContexts holds, per ICD-10 category, the word sequences (token keys)
// that make a match another sense when they come just before or just after it.
type senseContexts struct {
	before, after map[string][][]string
}

var (
	sensesOnce sync.Once
	senses     *senseContexts
)

func loadSenses() *senseContexts {
	sensesOnce.Do(func() {
		s := &senseContexts{before: map[string][][]string{}, after: map[string][][]string{}}
		eachTSVRow(sensesTSV, 3, func(f []string) {
			dst := s.after
			if f[1] == "before" {
				dst = s.before
			}
			for _, phrase := range strings.Split(f[2], "|") {
				var keys []string
				for _, t := range tokenize(fold(phrase), nil) {
					if !t.punct {
						keys = append(keys, strings.ToLower(t.key))
					}
				}
				if len(keys) > 0 {
					dst[f[0]] = append(dst[f[0]], keys)
				}
			}
		})
		senses = s
	})
	return senses
}

// otherSense reports whether the match of category code at tokens [from, to)
// is, by the words around it, not that diagnosis.
func (s *senseContexts) otherSense(code string, toks []token, from, to int) bool {
	for _, w := range s.before[code] {
		if from >= len(w) && keysEqual(toks[from-len(w):from], w) {
			return true
		}
	}
	for _, w := range s.after[code] {
		if to+len(w) <= len(toks) && keysEqual(toks[to:to+len(w)], w) {
			return true
		}
	}
	return false
}

func keysEqual(ts []token, keys []string) bool {
	for i, t := range ts {
		if t.punct || t.key != keys[i] {
			return false
		}
	}
	return true
}

// senseFiltered returns the ids of a match that keep their sense in context:
// usually all of them, none when the phrase means something else here.
func senseFiltered(v *vocabulary, toks []token, m phraseMatch) []int32 {
	s := loadSenses()
	var keep []int32
	dropped := false
	for i, id := range m.ids {
		if s.otherSense(v.conditions[id].ICD10, toks, m.from, m.to) {
			if !dropped {
				keep, dropped = append([]int32(nil), m.ids[:i]...), true
			}
			continue
		}
		if dropped {
			keep = append(keep, id)
		}
	}
	if !dropped {
		return m.ids
	}
	return keep
}
