package eligibility

import "strings"

// Whether a number of years, months, weeks or days in a criterion is the
// patient's age or a time window / duration ("stopped at least 14 days before
// randomisation", "within 6 months of screening", "symptoms for 2 years"). Both
// are written the same way; only the words around the number tell them apart,
// so an age needs an age word and no duration word.

// ageWords are the words that make a number an age. Whole words only: "agent",
// "dosage", "management" and "shoulder" hold the letters but not the meaning.
var ageWords = map[string]bool{"age": true, "aged": true, "ages": true, "old": true, "older": true, "younger": true,
	"birthday": true, "elderly": true}

// subjectWords may precede an age written as a bare number of years: "Patients
// ≥ 18 years", "Healthy men and women 18 years or above". Nothing else is
// measured in such a sentence, so the years are the person's.
var subjectWords = map[string]bool{"participants": true, "participant": true, "patients": true, "patient": true, "subjects": true,
	"subject": true, "adults": true, "adult": true, "individuals": true, "volunteers": true, "people": true, "persons": true,
	"men": true, "women": true, "males": true, "females": true, "male": true, "female": true, "healthy": true, "and": true,
	"or": true, "children": true, "adolescents": true, "infants": true, "neonates": true, "all": true}

// durationBefore are words that, shortly before the number, make it a span of
// time: "within 6 months", "for at least 2 years", "since 3 months".
var durationBefore = []struct {
	w    string
	span int
}{{"within ", 30}, {"for ", 14}, {"since ", 14}, {"during ", 20}, {"duration", 30}, {"lasting", 20},
	{"history", 30}, {"last ", 14}, {"past ", 14}, {"previous", 14}, {"interval", 30}, {"period", 20}, {"stable", 30}}

// durationAfter are words that, right after the number, tie it to an event:
// "14 days before randomisation", "6 months prior to screening", "2 years ago".
var durationAfter = []string{"before", "prior", "after", "ago", "from", "since", "following", "preceding", "post", "until",
	"or longer", "and longer", "longer", "in duration", "duration", "apart", "between", "earlier", "previously",
	"of screening", "of randomi", "of enrol", "of the ", "of study", "of starting", "of first", "of last", "of treatment",
	"of baseline", "of dosing", "of surgery", "of diagnosis", "of symptom", "of onset", "of consent", "of inclusion"}

// ageAfter are words that, right after "N years", make it an age at a moment of
// the study: "≥ 18 years at consent", "18 years at the time of screening".
var ageAfter = []string{"at consent", "at the time of", "at time of", "at screening", "at enrol", "at inclusion",
	"at registration", "at randomi", "at study entry", "at entry", "at signing", "on the day of"}

// isAgeNumber reports whether the expression l[i:end], a number with a time
// unit, is an age.
func isAgeNumber(l string, i, end int, unit string) bool {
	before, after := clauseBefore(l, i), strings.TrimLeft(l[end:], " ,")
	if hasAnyPrefix(after, durationAfter) && !strings.HasPrefix(after, "of age") {
		return false
	}
	// an age at some event ("diagnosed at age < 40 years") is not the age now
	if hasWordWithin(before, "diagnos", 20) || hasWordWithin(before, "onset", 20) {
		return false
	}
	if ageWordBefore(before) {
		return true // "History of asthma, aged over 18 years"
	}
	for _, d := range durationBefore {
		if hasWordWithin(before, d.w, d.span) {
			return false
		}
	}
	if hasAgeWord(lastChars(before, 25)) || hasAgeWord(firstChars(after, 25)) || hasAgeWord(l[i:end]) {
		return true
	}
	if unit != "years" {
		return false
	}
	return hasAnyPrefix(after, ageAfter) || onlySubjectWords(before)
}

// ageWordBefore: the word age (aged, ages, age between, age range) right before
// a bare number ("Age ≥ 18", "aged 18-65").
func ageWordBefore(before string) bool {
	bt := strings.TrimRight(before, " :")
	for _, s := range []string{"age", "aged", "ages", "age between", "aged between", "age range"} {
		if strings.HasSuffix(bt, s) && (len(bt) == len(s) || !isLetter(bt[len(bt)-len(s)-1])) {
			return true
		}
	}
	return false
}

// clauseBefore is the text before i back to the start of its clause, so that
// "Aged 18-65; symptoms for 2 years" does not lend "aged" to the 2 years.
func clauseBefore(l string, i int) string {
	b := l[:i]
	if k := strings.LastIndexAny(b, ";\n"); k >= 0 {
		b = b[k+1:]
	}
	return b
}

// firstChars cuts s to about n bytes, at the end of a word.
func firstChars(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n < len(s) && isLetter(s[n-1]) && isLetter(s[n]) {
		n++
	}
	return s[:n]
}

// hasWordWithin reports whether the whole word (or word start) w ends within the
// last span bytes of s.
func hasWordWithin(s, w string, span int) bool {
	tail := s[max(0, len(s)-span-len(w)):]
	for off := 0; ; {
		k := strings.Index(tail[off:], w)
		if k < 0 {
			return false
		}
		k += off
		if atWordStart(tail, k) {
			return true
		}
		off = k + 1
	}
}

// lastChars is about the last n bytes of s, from the start of a word.
func lastChars(s string, n int) string {
	k := max(0, len(s)-n)
	for k > 0 && k < len(s) && isLetter(s[k-1]) && isLetter(s[k]) {
		k++
	}
	return s[k:]
}

// hasAgeWord reports whether s holds an age word as a whole word.
func hasAgeWord(s string) bool {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z') }) {
		if ageWords[w] {
			return true
		}
	}
	return false
}

func onlySubjectWords(before string) bool {
	n := 0
	for _, w := range strings.FieldsFunc(before, func(r rune) bool { return !(r >= 'a' && r <= 'z') }) {
		if !subjectWords[w] {
			return false
		}
		n++
	}
	return n > 0
}
