package eligibility

import (
	_ "embed"
	"sort"
	"strings"
	"sync"
)

//go:embed vocab/conditions.tsv
var conditionsTSV string

// Code is one coded diagnosis: a WHO ICD-10 three-character category and, where
// known, the SNOMED CT concept for the same condition.
type Code struct {
	ICD10  string `json:"icd10"`
	SNOMED string `json:"snomed,omitempty"`
	Name   string `json:"name"`
}

// Condition is one vocabulary entry: a code and every way trials write it.
type Condition struct {
	Code
	Terms []string `json:"terms"`
}

type vocabulary struct {
	conditions []Condition
	index      *phraseIndex
	bySNOMED   map[string]int32
	byICD      map[string][]int32
}

var (
	vocabOnce sync.Once
	vocab     *vocabulary
)

func loadVocabulary() *vocabulary {
	vocabOnce.Do(func() {
		v := &vocabulary{index: newPhraseIndex(), bySNOMED: map[string]int32{}, byICD: map[string][]int32{}}
		eachTSVRow(conditionsTSV, 3, func(f []string) {
			terms := strings.Split(f[2], "|")
			c := Condition{Code: Code{ICD10: f[0], Name: terms[0]}, Terms: terms}
			if f[1] != "-" {
				c.SNOMED = f[1]
			}
			id := int32(len(v.conditions))
			v.conditions = append(v.conditions, c)
			for _, t := range terms {
				v.index.add(t, id)
			}
			if c.SNOMED != "" {
				v.bySNOMED[c.SNOMED] = id
			}
			v.byICD[c.ICD10] = append(v.byICD[c.ICD10], id)
		})
		vocab = v
	})
	return vocab
}

// Conditions returns the whole condition vocabulary, in file order.
func Conditions() []Condition { return loadVocabulary().conditions }

// LookupCondition maps free text ("Type II diabetes", "COPD", "schizo-affective
// disorder") to the codes of every vocabulary condition it names. It is what
// patient self-registration uses to code what people type.
func LookupCondition(text string) []Code {
	v := loadVocabulary()
	folded := fold(text)
	toks := tokenize(folded, nil)
	var out []Code
	seen := map[int32]bool{}
	for _, m := range v.index.findAll(toks, !mostlyUpper(folded) || len(toks) <= 2, nil) {
		for _, id := range m.ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, v.conditions[id].Code)
			}
		}
	}
	return out
}

// CodeForSNOMED returns the vocabulary code for a SNOMED CT concept id.
func CodeForSNOMED(id string) (Code, bool) {
	v := loadVocabulary()
	if i, ok := v.bySNOMED[strings.TrimSpace(id)]; ok {
		return v.conditions[i].Code, true
	}
	return Code{}, false
}

// NameForICD10 returns the vocabulary's display name for an ICD-10 code (any
// length; the three-character category is used), or "" when unknown.
func NameForICD10(code string) string {
	c := icdCategory(code)
	if ids := loadVocabulary().byICD[c]; len(ids) > 0 {
		return loadVocabulary().conditions[ids[0]].Name
	}
	return ""
}

// icdCategory reduces "E11.9", "e11" or "E119" to the three-character category.
func icdCategory(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	code = strings.ReplaceAll(code, ".", "")
	if len(code) < 3 {
		return code
	}
	return code[:3]
}

// categoryID packs an ICD-10 category into a small integer (letter*100 + number)
// so that compiled trials can compare codes without strings. -1 when malformed.
func categoryID(cat string) int16 {
	if len(cat) < 3 {
		return -1
	}
	l := cat[0]
	if l >= 'a' && l <= 'z' {
		l -= 'a' - 'A'
	}
	if l < 'A' || l > 'Z' || cat[1] < '0' || cat[1] > '9' || cat[2] < '0' || cat[2] > '9' {
		return -1
	}
	return int16(l-'A')*100 + int16(cat[1]-'0')*10 + int16(cat[2]-'0')
}

func categoryString(id int16) string {
	return string([]byte{byte('A' + id/100), byte('0' + id%100/10), byte('0' + id%10)})
}

func sortedUnique16(s []int16) []int16 {
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
