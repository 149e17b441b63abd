package eligibility

import "strings"

// phraseIndex finds vocabulary phrases in token streams, longest match first.
// A phrase written in capitals in the vocabulary ("ALL", "MS") is an abbreviation
// and only matches words written in capitals, so "all patients" is not leukaemia.
type phraseIndex struct {
	root *phraseNode
}

type phraseNode struct {
	next map[string]*phraseNode
	any  []int32 // entries whose phrase ends here, any case
	caps []int32 // entries whose phrase ends here, capitals only
}

func newPhraseIndex() *phraseIndex { return &phraseIndex{root: &phraseNode{}} }

// add files one phrase under entry id. It reports false for a phrase with no words.
func (x *phraseIndex) add(phrase string, id int32) bool {
	folded := fold(phrase)
	toks := tokenize(folded, nil)
	n := x.root
	words := 0
	for _, t := range toks {
		if t.punct {
			continue
		}
		if n.next == nil {
			n.next = map[string]*phraseNode{}
		}
		c := n.next[t.key]
		if c == nil {
			c = &phraseNode{}
			n.next[t.key] = c
		}
		n = c
		words++
	}
	if words == 0 {
		return false
	}
	abbr := strings.ToUpper(folded) == folded && strings.ToLower(folded) != folded
	if abbr {
		n.caps = appendUnique(n.caps, id)
	} else {
		n.any = appendUnique(n.any, id)
	}
	return true
}

func appendUnique(s []int32, id int32) []int32 {
	for _, v := range s {
		if v == id {
			return s
		}
	}
	return append(s, id)
}

// phraseMatch is one vocabulary phrase found at tokens [from, to).
type phraseMatch struct {
	from, to int
	ids      []int32
	headEnd  int // for a list item completed by a shared head, where that head ends
}

// find returns the longest phrase starting at token i, or ok=false. capsOK says
// whether capital-only abbreviations may match (not in text written all in capitals).
func (x *phraseIndex) find(toks []token, i int, capsOK bool) (to int, ids []int32, ok bool) {
	n := x.root
	allCaps := true
	for j := i; j < len(toks); j++ {
		t := toks[j]
		if t.punct || n.next == nil {
			break
		}
		c := n.next[t.key]
		if c == nil {
			break
		}
		n = c
		if !t.upper {
			allCaps = false
		}
		if len(n.any) > 0 {
			to, ids, ok = j+1, n.any, true
		} else if capsOK && allCaps && len(n.caps) > 0 {
			to, ids, ok = j+1, n.caps, true
		}
	}
	return
}

// findAll returns every longest, non-overlapping phrase in toks.
func (x *phraseIndex) findAll(toks []token, capsOK bool, dst []phraseMatch) []phraseMatch {
	for i := 0; i < len(toks); {
		if to, ids, ok := x.find(toks, i, capsOK); ok {
			dst = append(dst, phraseMatch{from: i, to: to, ids: ids})
			i = to
			continue
		}
		i++
	}
	return dst
}
