package web

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// The patient's matches page is worked through in clinic in a couple of minutes,
// so it is short: a page of 20 trials, the questions that settle several of them
// asked once at the top, and each trial's card folded to a line or two, its own
// questions, the event form and the criteria each in a details element the nurse
// opens when needed.

// patientURL is the patient's page at matches page pageNo (1: no parameter), with
// the trial whose event was just recorded, and an anchor.
func patientURL(id string, pageNo int, recorded, anchor string) string {
	q := url.Values{}
	if recorded != "" {
		q.Set("recorded", recorded)
	}
	if pageNo > 1 {
		q.Set("page", strconv.Itoa(pageNo))
	}
	u := "/patients/" + url.PathEscape(id)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

// onPage is path with the matches page the forms were drawn on, so that a form
// sent back with errors is shown on the same page as its card, and a saved one
// returns there.
func (d patientData) onPage(path string) string {
	if d.PageNo > 1 {
		return path + "?page=" + strconv.Itoa(d.PageNo)
	}
	return path
}

// sharedQuestion is a question several trials on the page ask: one answer settles
// it for all of them.
type sharedQuestion struct {
	Form   answerForm
	Trials int // how many trials on this page ask it
}

// SharedQuestions are the questions at least two trials on this page ask, most
// asked first, each as one form. A trial's own questions stay on its card.
func (d patientData) SharedQuestions() []sharedQuestion {
	if d.Matches == nil || d.Patient == nil || d.Patient.Withdrawn != nil {
		return nil
	}
	count := map[string]int{}
	first := map[string]question{}
	var order []string
	for _, t := range d.Matches.Results {
		seen := map[string]bool{}
		for _, q := range t.Asks {
			if seen[q.Key] {
				continue
			}
			seen[q.Key] = true
			if count[q.Key] == 0 {
				first[q.Key] = q
				order = append(order, q.Key)
			}
			count[q.Key]++
		}
	}
	var asks []question
	for _, k := range order {
		if count[k] >= 2 {
			asks = append(asks, first[k])
		}
	}
	sort.SliceStable(asks, func(i, j int) bool { return count[asks[i].Key] > count[asks[j].Key] })
	var out []sharedQuestion
	for i, f := range answerForms(d.SharedAction(), "", asks, false, nil) {
		n := count[f.Key]
		f.Hint = "Asked by " + strconv.Itoa(n) + " of the trials on this page"
		f.Suffix = "-" + strconv.Itoa(i)
		if st := d.Batch[f.Key]; st != nil {
			f.Value, f.Unit, f.Date, f.Err, f.HasError = st.Value, st.Unit, st.Date, st.Err, len(st.Err) > 0
		}
		out = append(out, sharedQuestion{Form: f, Trials: n})
	}
	return out
}

// QuestionsOpen reports whether a card's questions start open: when an answer to
// one of them came back with an error.
func (d patientData) QuestionsOpen(t trialMatch) bool {
	return d.Answer != nil && d.Answer.NCTID == t.NCTID
}

// Studies says what the trial studies, and whether that is one of the patient's
// own conditions: "Studies asthma, one of the patient's conditions".
func (t trialMatch) Studies() string {
	if len(t.Conditions) == 0 {
		return ""
	}
	names := t.Conditions
	if len(names) > 3 {
		names = append(names[:3:3], "others")
	}
	s := "Studies " + strings.Join(names, ", ")
	switch t.Relevance {
	case "condition":
		s += " — a condition the patient has"
	case "healthy_volunteers":
		s += " — open to healthy volunteers"
	}
	return s
}
