package eligibility

import (
	"strings"
)

// Question is what to ask to settle an unknown criterion, worded for whoever can
// answer it: Patient in plain English (empty when only staff can answer, e.g. a
// criterion's own clinical wording), Clinical for a nurse. Key says what is
// asked, so that one answer serves every trial that asks it (see answers.go).
type Question struct {
	Key      string `json:"key"`
	Kind     string `json:"kind"` // yes_no, number, sex
	Patient  string `json:"patient,omitempty"`
	Clinical string `json:"clinical"`
	Analyte  string `json:"analyte,omitempty"`
	Unit     string `json:"unit,omitempty"` // the unit the criterion uses
}

const (
	KindYesNo  = "yes_no"
	KindNumber = "number"
	KindSex    = "sex"
)

// ask returns the question that would settle an unknown criterion: the first
// part that cannot be decided, or, when the parts were softened because the text
// says more than was understood, the criterion itself.
func (c *Compiled) ask(cr *compiledCriterion, pp *Prepared) *Question {
	for i := cr.first; i < cr.end; i++ {
		p := &c.parts[i]
		if p.ok(pp, cr.exclusion) != triUnknown {
			continue
		}
		if q := p.question(); q != nil {
			return q
		}
	}
	if cr.index < 0 {
		return nil
	}
	src := &c.Criteria.Criteria[cr.index]
	if _, answered := pp.answer(cr.topic); !answered || cr.topic == "" {
		if q := topicQuestion(src); q != nil {
			return q
		}
	} // answered, yet unknown: the answer's period does not cover this criterion's, which asks its own

	t := src.Text
	if len(t) > 300 {
		t = t[:300] + "…"
	}
	verb := "Is this criterion met?"
	if cr.exclusion {
		verb = "Does this exclusion apply?"
	}
	return &Question{Key: CriterionKey(c.NCTID, cr.index), Kind: KindYesNo, Clinical: verb + " \"" + t + "\""}
}

func (p *part) question() *Question {
	switch p.kind {
	case partAge:
		return &Question{Key: "age", Kind: KindNumber, Unit: "years", Patient: "How old are you?", Clinical: "Patient's age (years)?"}
	case partSex:
		return &Question{Key: "sex", Kind: KindSex, Patient: "What sex were you registered at birth?", Clinical: "Sex registered at birth?"}
	case partLab:
		label := analyteLabel(p.th.Analyte)
		unit := p.th.Unit
		if p.uln {
			unit = ""
			if a, ok := LookupAnalyte(p.th.Analyte); ok {
				unit = a.Canonical()
			}
		}
		clin := "Latest " + label + unitInBrackets(unit) + "?"
		if p.th.Timing == "first" {
			clin = label + " at presentation" + unitInBrackets(unit) + "?"
		}
		if p.uln {
			clin += " (with the lab's upper limit of normal)"
		}
		return &Question{Key: "lab:" + p.th.Analyte, Kind: KindNumber, Analyte: p.th.Analyte, Unit: unit, Clinical: clin,
			Patient: "Do you know your most recent " + label + " result? If not, your care team can check it."}
	case partRequire, partExclude:
		names := codeNames(p.codes)
		plain := plainConditionNames(p.codes)
		return &Question{Key: p.key, Kind: KindYesNo,
			Clinical: "Has the patient been diagnosed with " + names + "?",
			Patient:  "Has a doctor ever told you that you have " + plain + "?"}
	case partPregnancy, partPregnant:
		return &Question{Key: "pregnant", Kind: KindYesNo, Patient: "Are you pregnant, or could you be pregnant?", Clinical: "Is the patient pregnant?"}
	case partBreastfeeding:
		return &Question{Key: "breastfeeding", Kind: KindYesNo, Patient: "Are you breastfeeding?", Clinical: "Is the patient breastfeeding?"}
	case partSMI:
		return &Question{Key: "smi", Kind: KindYesNo,
			Patient:  "Have you ever been diagnosed with schizophrenia, bipolar disorder or another psychotic illness?",
			Clinical: "Does the patient have a serious mental illness (schizophrenia, bipolar disorder or other psychosis)?"}
	case partPsychiatric:
		return &Question{Key: "psychiatric", Kind: KindYesNo, Patient: "Have you ever been diagnosed with a mental health condition?",
			Clinical: "Does the patient have a psychiatric history?"}
	case partLanguage:
		l := titleWord(p.text)
		return &Question{Key: "language:" + p.text, Kind: KindYesNo, Patient: "Can you speak, read and understand " + l + "?",
			Clinical: "Can the patient take part in " + l + " without an interpreter?"}
	case partCapacity:
		return &Question{Key: "capacity", Kind: KindYesNo, Patient: "Are you able to understand the study information and decide for yourself whether to take part?",
			Clinical: "Does the patient have capacity to give informed consent personally?"}
	}
	return nil
}

func unitInBrackets(u string) string {
	switch u {
	case "", "score", "class", "ratio":
		return ""
	}
	return " (" + u + ")"
}

// plainConditionNames: the vocabulary's display names, without codes, for people.
func plainConditionNames(ids []int16) string {
	var names []string
	for _, id := range ids {
		n := NameForICD10(categoryString(id))
		if n == "" {
			continue
		}
		dup := false
		for _, x := range names {
			if x == n {
				dup = true
			}
		}
		if !dup {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "this condition"
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// topics are free-text questions that many trials ask in their own words; one
// answer serves them all. Polarity: an inclusion that asks for the opposite
// ("non-smokers") is met by "no".
var topics = []struct {
	key, patient, clinical string
	days                   int // the period the question covers back from today (0: only now; topic_window.go)
	cues                   []string
	negated                []string
}{
	{"topic:other-trial", "Are you taking part in another research study that tests a treatment, or have you in the last 3 months?",
		"Is the patient in, or recently (within 3 months) in, another interventional trial?", windowDays(3, "month"),
		[]string{"another clinical trial", "another interventional", "another investigational", "other clinical trial", "other interventional",
			"another research study", "other investigational", "another study", "concurrent participation", "participation in a clinical trial",
			"participation in another", "participating in another", "enrolled in another", "enrollment in another", "enrolment in another"},
		[]string{"not participat", "not be participating", "not currently participat", "not enrolled", "not be enrolled", "no participation", "no concurrent", "not in another"}},
	{"topic:smoker", "Do you smoke?", "Does the patient currently smoke?", 0,
		[]string{"smoker", "smoking", "smokes", "tobacco use", "cigarette"},
		[]string{"non-smoker", "nonsmoker", "non smoker", "never smoked", "never-smoker", "not smok", "no smok", "quit smoking", "stopped smoking", "ex-smoker", "former smoker"}},
}

// topicQuestion returns the shared question for a free-text criterion about a
// common topic, when it is only about that topic (a short criterion).
func topicQuestion(src *Criterion) *Question {
	if i := topicIndex(src); i >= 0 {
		t := &topics[i]
		return &Question{Key: t.key, Kind: KindYesNo, Patient: t.patient, Clinical: t.clinical}
	}
	return nil
}

// topicOf returns the key of the shared question a free-text criterion asks,
// whether the criterion asks for its opposite, and the days back the question
// covers; "" when it asks none.
func topicOf(src *Criterion) (key string, negated bool, days int) {
	i := topicIndex(src)
	if i < 0 {
		return "", false, 0
	}
	return topics[i].key, containsAny(strings.ToLower(src.Text), topics[i].negated), topics[i].days
}

// topicIndex is the topic a short free-text criterion is about, or -1.
func topicIndex(src *Criterion) int {
	if len(src.Text) > 160 {
		return -1
	}
	lt := strings.ToLower(src.Text)
	for i, t := range topics {
		if containsAny(lt, t.cues) {
			return i
		}
	}
	return -1
}
