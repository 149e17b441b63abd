package eligibility

import (
	"strings"
)

// Section says whether a criterion must hold (inclusion) or must not (exclusion).
type Section string

const (
	Inclusion Section = "inclusion"
	Exclusion Section = "exclusion"
)

// rawCriterion is one criterion as cut from the text, before interpretation.
type rawCriterion struct {
	text    string // as written, whitespace collapsed
	section Section
	heading string // the nearest sub-heading above it ("Hepatic:", "For parent participants:")
	parent  string // the criterion a nested bullet hangs from, if it ends with ':'
	depth   int
}

// headingSection reports whether a line is an inclusion/exclusion heading, which
// section it opens, and any criterion text that follows the heading on the same
// line ("Inclusion Criteria: Fulfilling all the following criteria").
func headingSection(line string) (Section, string, bool) {
	l := strings.ToLower(line)
	if len(l) > 180 {
		return "", "", false
	}
	iIn := lastWordIndex(l, "inclusion")
	iEx := lastWordIndex(l, "exclusion")
	if iEx < 0 {
		iEx = lastWordIndex(l, "exclusions")
	}
	if i := lastWordIndex(l, "non-inclusion"); i >= 0 {
		iEx, iIn = i, -1
	}
	if i := lastWordIndex(l, "non inclusion"); i >= 0 {
		iEx, iIn = i, -1
	}
	if iIn < 0 && iEx < 0 {
		// "Patients are excluded if:", "Ineligible if they:"
		if strings.HasSuffix(strings.TrimSpace(l), ":") && len(strings.Fields(l)) <= 10 {
			if strings.Contains(l, "excluded") || strings.Contains(l, "ineligible") || strings.Contains(l, "not eligible") {
				return Exclusion, "", true
			}
			if strings.Contains(l, "eligible if") || strings.Contains(l, "included if") {
				return Inclusion, "", true
			}
		}
		return "", "", false
	}
	sec, at := Inclusion, iIn
	if iEx > iIn {
		sec, at = Exclusion, iEx
	}
	trimmed := strings.TrimSpace(l)
	words := len(strings.Fields(trimmed))
	first := firstIndexAny(l, "inclusion", "exclusion", "non-inclusion", "non inclusion")
	prefixWords := len(strings.Fields(l[:first]))
	// The keyword must lead the line (after a few words such as "Key", "Study",
	// "Swab") or the line must read as a heading: ending in ':' or "criteria".
	rest := ""
	switch {
	case prefixWords <= 3:
		if c := strings.Index(line[at:], ":"); c >= 0 {
			rest = strings.TrimSpace(line[at+c+1:])
			head := strings.ToLower(line[:at+c])
			// a colon deep into a long sentence is not the heading's colon
			if len(strings.Fields(head)) > 12 {
				return "", "", false
			}
		} else if words > 8 && !strings.HasSuffix(trimmed, "criteria") && !strings.HasSuffix(trimmed, "criterion") && !strings.HasSuffix(trimmed, ")") {
			return "", "", false
		}
	case strings.HasSuffix(trimmed, ":"), strings.HasSuffix(trimmed, "criteria"), strings.HasSuffix(trimmed, "criterion"):
	default:
		return "", "", false
	}
	return sec, rest, true
}

func lastWordIndex(s, w string) int {
	i := strings.LastIndex(s, w)
	for i >= 0 {
		before := i == 0 || !isLetter(s[i-1])
		after := i+len(w) >= len(s) || !isLetter(s[i+len(w)])
		if before && after {
			return i
		}
		i = strings.LastIndex(s[:i], w)
	}
	return -1
}

func firstIndexAny(s string, ws ...string) int {
	best := len(s)
	for _, w := range ws {
		if i := strings.Index(s, w); i >= 0 && i < best {
			best = i
		}
	}
	return best
}

// bullet strips a list marker ("-", "*", "1.", "a)", "(ii)") from a line, and
// reports whether there was one.
func bullet(line string) (string, bool) {
	s := strings.TrimLeft(line, " ")
	if s == "" {
		return s, false
	}
	switch s[0] {
	case '-', '*', '+', '>':
		if len(s) > 1 && (s[1] == ' ' || s[1] == '-' || s[1] == '*') || len(s) == 1 {
			return strings.TrimLeft(s, "-*+> "), true
		}
		if s[0] == '-' && len(s) > 1 && isLetter(s[1]) {
			return s[1:], true
		}
	case 'o':
		if len(s) > 1 && s[1] == ' ' {
			return strings.TrimSpace(s[1:]), true
		}
	}
	// "1.", "1)", "(1)", "a.", "a)", "iv)", "1.2."
	i := 0
	if s[0] == '(' {
		i = 1
	}
	j := i
	for j < len(s) && j-i < 4 && (isDigit(s[j]) || s[j] == '.' && j > i && j+1 < len(s) && isDigit(s[j+1])) {
		j++
	}
	if j == i {
		for j < len(s) && j-i < 4 && isLetter(s[j]) {
			j++
		}
		if j-i > 1 && !isRoman(strings.ToLower(s[i:j])) {
			return s, false
		}
	}
	if j > i && j < len(s) && (s[j] == '.' || s[j] == ')') && (j+1 == len(s) || s[j+1] == ' ') {
		// a decimal "1.5 mg" is not a marker; a marker is followed by a space
		return strings.TrimSpace(s[j+1:]), true
	}
	return s, false
}

func isRoman(s string) bool {
	switch s {
	case "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii":
		return true
	}
	return false
}

func indentOf(line string) int {
	n := 0
	for n < len(line) && line[n] == ' ' {
		n++
	}
	return n
}

// splitCriteria cuts a folded eligibility text into criteria, each tagged with its
// section. Without any heading every criterion counts as inclusion, as in older
// records that list "DISEASE CHARACTERISTICS" and "PATIENT CHARACTERISTICS".
func splitCriteria(text string) []rawCriterion {
	var out []rawCriterion
	sec := Inclusion
	heading := ""
	type open struct {
		b      strings.Builder
		indent int
		bullet bool
		depth  int
		parent string
	}
	var cur *open
	var parents []struct {
		indent int
		text   string
	}
	flush := func() {
		if cur == nil {
			return
		}
		t := strings.Join(strings.Fields(cur.b.String()), " ")
		if t != "" {
			out = append(out, rawCriterion{text: t, section: sec, heading: heading, parent: cur.parent, depth: cur.depth})
			if strings.HasSuffix(t, ":") {
				parents = append(parents, struct {
					indent int
					text   string
				}{cur.indent, t})
			}
		}
		cur = nil
	}
	lines := strings.Split(text, "\n")
	for _, line := range lines {
		if strings.TrimSpace(line) == "" {
			if cur != nil && dangles(cur.b.String(), "") {
				continue // the criterion goes on after the blank line
			}
			flush()
			continue
		}
		body, isBullet := bullet(line)
		body = strings.TrimSpace(body)
		if body == "" {
			continue
		}
		if s, rest, ok := headingSection(strings.Trim(body, "*# _")); ok {
			flush()
			sec, heading, parents = s, "", parents[:0]
			if rest != "" && !strings.HasPrefix(strings.ToLower(rest), "fulfil") {
				cur = &open{}
				cur.b.WriteString(rest)
				flush()
			}
			continue
		}
		ind := indentOf(line)
		// A short line ending in ':' that is not a bullet is a sub-heading
		// ("Hepatic:", "For adolescent participants:").
		if !isBullet && strings.HasSuffix(body, ":") && len(strings.Fields(body)) <= 8 {
			flush()
			heading, parents = strings.TrimSuffix(body, ":"), parents[:0]
			continue
		}
		if strings.ToUpper(body) == body && strings.HasSuffix(body, ":") && len(body) < 80 {
			flush()
			heading, parents = strings.TrimSuffix(body, ":"), parents[:0]
			continue
		}
		continuation := cur != nil && (dangles(cur.b.String(), body) || !isBullet && (ind > 0 && ind >= cur.indent || cur.bullet && ind > 0))
		if cur != nil && !isBullet && !continuation {
			// Plain lines: a wrapped sentence continues when the previous line did
			// not end a sentence and this one starts in lower case.
			prev := strings.TrimSpace(cur.b.String())
			if prev != "" && !strings.ContainsAny(prev[len(prev)-1:], ".:;") && body[0] >= 'a' && body[0] <= 'z' {
				continuation = true
			}
		}
		if continuation {
			cur.b.WriteByte(' ')
			cur.b.WriteString(body)
			continue
		}
		flush()
		for len(parents) > 0 && parents[len(parents)-1].indent >= ind {
			parents = parents[:len(parents)-1]
		}
		cur = &open{indent: ind, bullet: isBullet}
		if len(parents) > 0 {
			cur.parent = parents[len(parents)-1].text
			cur.depth = len(parents)
		}
		cur.b.WriteString(body)
	}
	flush()
	return splitLongParagraphs(out)
}

// dangles reports whether a criterion stops on a word that needs more: "or",
// "and/or" or a comma. The next line, even a new bullet, is the rest of it:
// "Prior myocardial infarction or" / "Prior stroke" is one criterion with two
// alternatives, not two criteria that must both hold. After a comma the next
// line must go on in lower case ("metformin," / "sulfonylurea or insulin"):
// bullets that each end in a comma and start with a capital are a list written
// with commas, one item each. next is the next line ("" when not yet known).
func dangles(t, next string) bool {
	t = strings.TrimRight(t, " ")
	n := len(t)
	switch {
	case n == 0:
		return false
	case t[n-1] == ',':
		return next == "" || !(next[0] >= 'A' && next[0] <= 'Z')
	case n >= 3 && t[n-3] == ' ' && strings.EqualFold(t[n-2:], "or"):
		return true
	case n >= 6 && strings.EqualFold(t[n-6:], "and/or"):
		return true
	}
	return false
}

// splitLongParagraphs breaks criteria written as one paragraph of several
// sentences into one criterion per sentence, so that "Inclusion: adults with X.
// Pregnant women are excluded." is not read as one criterion.
func splitLongParagraphs(in []rawCriterion) []rawCriterion {
	var out []rawCriterion
	for _, c := range in {
		if len(c.text) < 400 {
			out = append(out, c)
			continue
		}
		start := 0
		t := c.text
		for i := 0; i+2 < len(t); i++ {
			if t[i] == '.' && t[i+1] == ' ' && t[i+2] >= 'A' && t[i+2] <= 'Z' && i-start > 40 && !(i > 0 && isDigit(t[i-1]) && i+2 < len(t) && isDigit(t[i+2])) {
				// keep abbreviations like "e.g. X" and "Dr. X" together
				w := lastWord(t[start:i])
				if len(w) <= 2 || w == "e.g" || w == "i.e" || w == "etc" || w == "vs" {
					continue
				}
				n := c
				n.text = strings.TrimSpace(t[start : i+1])
				out = append(out, n)
				start = i + 2
			}
		}
		n := c
		n.text = strings.TrimSpace(t[start:])
		if n.text != "" {
			out = append(out, n)
		}
	}
	return out
}

func lastWord(s string) string {
	i := strings.LastIndexAny(s, " (")
	return strings.ToLower(s[i+1:])
}
