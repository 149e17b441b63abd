package eligibility

import "strings"

// Conditional criteria. An inclusion criterion can name a diagnosis only to say
// what applies to the patients who happen to have it ("in children with
// tuberculosis, treatment is guided by CD4 count"; "patients with brain
// metastases must have completed radiotherapy"). The diagnosis is then a
// condition of the rule, not something every patient must have.

// groupNouns are the people a conditional clause narrows down.
var groupNouns = map[string]bool{"children": true, "child": true, "patient": true, "patients": true, "subject": true, "subjects": true,
	"participant": true, "participants": true, "adults": true, "adult": true, "women": true, "men": true, "infants": true,
	"those": true, "persons": true, "people": true, "individuals": true, "cases": true}

// conditionalGroup reports whether the condition at offset at follows "in
// <people> ... with" in its clause: "in children aged > 12 months with X" picks
// out a subgroup for a rule, where "patients with X" states who is eligible.
// "for patients with X:" is left alone: it is how multi-cohort trials list the
// alternative diagnoses each cohort requires.
func conditionalGroup(lower string, at int) bool {
	cs := clauseStart(lower, at)
	seg := lower[cs:at]
	w := strings.LastIndex(seg, " with ")
	if w < 0 {
		return false
	}
	head := seg[:w]
	for _, prep := range []string{"in", "among"} {
		i := lastWordIndex(head, prep)
		if i < 0 || len(head)-i > 60 {
			continue
		}
		rest := strings.TrimLeft(head[i+len(prep):], " ")
		word := rest
		if sp := strings.IndexByte(rest, ' '); sp >= 0 {
			word = rest[:sp]
		}
		if groupNouns[word] {
			return true
		}
	}
	return false
}

// conditionalModals, after "<people> with X", make X the subject of a rule.
var conditionalModals = []string{" must ", " should ", " are to ", " is to ", " need to ", " needs to ", " will need ", " are required to ", " have to "}

// diagnosisWords after the modal keep the condition: "patients with X must have a
// confirmed diagnosis" still requires X.
var diagnosisWords = []string{"diagnos", "confirm", "positive", "histolog", "cytolog", "document", "proven", "evidence of"}

// conditionalSubject reports whether the condition ending at token to is the
// subject of a rule about something else: "patients with X must have completed
// treatment". The condition must follow "<people> with" directly (at most a few
// words apart) and a modal must follow it in the same clause.
func conditionalSubject(lower string, to int, toks []token) bool {
	if to >= len(toks) {
		return false
	}
	end := toks[to-1].end
	from := max(0, end-90)
	seg := lower[from:end]
	w := strings.LastIndex(seg, " with ")
	if w < 0 {
		return false
	}
	head := strings.TrimRight(seg[:w], " ")
	word := head
	if sp := strings.LastIndexByte(head, ' '); sp >= 0 {
		word = head[sp+1:]
	}
	if !groupNouns[word] {
		return false
	}
	_, e := sentenceBounds(lower, end)
	if e <= end {
		return false
	}
	tail := lower[end:e]
	for _, m := range conditionalModals {
		i := strings.Index(tail, m)
		if i < 0 || i > 80 || strings.ContainsAny(tail[:i], ",:") {
			continue
		}
		after := tail[i+len(m):]
		after = after[:min(len(after), 40)]
		return !containsAny(after, diagnosisWords)
	}
	return false
}
