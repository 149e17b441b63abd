package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"equitrial"
	"equitrial/synth"
	"equitrial/web/webtest"
)

// kidneyTrials adds n recruiting trials that all ask the same two questions (the
// eGFR, and whether the patient is pregnant), so that a patient has many matches
// and shared questions.
func kidneyTrials(t *testing.T, s *service, n int) []string {
	t.Helper()
	var records []json.RawMessage
	var ids []string
	for i := range n {
		id := fmt.Sprintf("NCT0991%04d", i)
		ids = append(ids, id)
		records = append(records, answerTrial(id, fmt.Sprintf("Kidney outcomes study %d", i+1),
			"Inclusion Criteria:\n\n* Adults aged 18 years or older\n* eGFR of 30 mL/min/1.73m2 or more\n\nExclusion Criteria:\n\n* Currently pregnant"))
	}
	if _, err := s.cat.Import(context.Background(), synth.Reader(records), nil); err != nil {
		t.Fatal(err)
	}
	return ids
}

// A nurse works through a patient with many matches (issue 12, items 1 and 3): the
// page shows 20 and says of how many, every card folded so the page is short; the
// questions several trials ask come first, answered once for all of them; the
// next page keeps its place when an answer is refused and when one is saved.
func TestNurseWorksThroughManyMatches(t *testing.T) {
	ctx := longTab(t)
	s := newService(t)
	kidneyTrials(t, s, 28)
	pw := s.user(t, "nurse@example.org", "nurse", "site-leeds", "site")
	p := nursePatient(t, s, equitrial.Patient{GivenName: "Grace", FamilyName: "Okonjo", BirthDate: "1970-05-05", Sex: "female",
		Language: "English", NHSNumber: "9434765919"})

	signIn(t, ctx, s, "nurse@example.org", pw)
	visit(t, ctx, s.url+"/patients/"+p.ID)
	if caption := text(t, ctx, ".nhsuk-caption-l"); !strings.Contains(caption, "NHS number 943 476 5919") {
		t.Errorf("the NHS number is not written as people read it: %q", caption)
	}
	total := webtest.Await[int](t, ctx, `fetch("/api/v1/patients/`+p.ID+`/matches?size=1", {credentials: "same-origin"}).then(r => r.json()).then(j => j.total)`)
	if total < 28 {
		t.Fatalf("the API lists %d matches, want the 28 kidney trials at least", total)
	}
	if got, want := text(t, ctx, "#matches-showing"), fmt.Sprintf("Showing 1–20 of %d matches", total); got != want {
		t.Errorf("matches count %q, want %q", got, want)
	}
	if n := len(texts(t, ctx, ".equitrial-match")); n != 20 {
		t.Errorf("%d trial cards on page 1, want 20", n)
	}
	// Folded: no card shows an input until the nurse opens it.
	if shown := js[int](t, ctx, `[...document.querySelectorAll(".equitrial-match input:not([type=hidden]), .equitrial-match select")].filter(e => e.checkVisibility()).length`); shown != 0 {
		t.Errorf("%d inputs show on the cards before any is opened: the cards are not folded", shown)
	}
	if open := js[int](t, ctx, `document.querySelectorAll(".equitrial-match details[open]").length`); open != 0 {
		t.Errorf("%d card sections start open", open)
	}
	axe(t, ctx, "many matches, page 1")

	// The questions every kidney trial asks are at the top, once each, with how many ask.
	asking := js[int](t, ctx, `document.querySelectorAll('.equitrial-match form[data-key="lab:egfr"]').length`)
	hint := text(t, ctx, `#questions [data-key="lab:egfr"] .equitrial-answer-hint`)
	if asking < 2 || hint != "Asked by "+strconv.Itoa(asking)+" of the trials on this page" {
		t.Fatalf("shared eGFR question: hint %q, %d cards ask it", hint, asking)
	}
	if n := js[int](t, ctx, `document.querySelectorAll('#questions [data-key="pregnant"]').length`); n != 1 {
		t.Fatalf("the pregnancy question is asked %d times at the top, want once", n)
	}
	// Saving with nothing answered says so, on the first question.
	submit(t, ctx, "#save-shared-answers")
	if summary := text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(summary, "Answer at least one question") {
		t.Errorf("saving no answers: error summary %q", summary)
	}
	axe(t, ctx, "shared questions with nothing answered")
	// A bad number and a good yes/no: the bad one is refused, both kept as typed, nothing saved.
	fill(t, ctx, map[string]string{`#questions [data-key="lab:egfr"] input[name^=value]`: "lots"})
	tick(t, ctx, `#questions [data-key="pregnant"] input[value=no]`)
	submit(t, ctx, "#save-shared-answers")
	href := js[string](t, ctx, `(document.querySelector(".nhsuk-error-summary a") || {getAttribute: () => ""}).getAttribute("href")`)
	if href == "" || !js[bool](t, ctx, `(() => { const e = document.querySelector(`+quote(href)+`); return !!e && e.checkVisibility() && e.closest("[data-key]").dataset.key === "lab:egfr" })()`) {
		t.Errorf("the error summary links to %q, which must be the shown eGFR field", href)
	}
	if v := js[string](t, ctx, `document.querySelector('#questions [data-key="lab:egfr"] input[name^=value]').value`); v != "lots" {
		t.Errorf("the refused answer is not kept as typed: %q", v)
	}
	if !js[bool](t, ctx, `document.querySelector('#questions [data-key="pregnant"] input[value=no]').checked`) {
		t.Error("the other answer was lost when one was refused")
	}
	if got, _ := s.db.Patients.Get(context.Background(), p.ID); len(got.Answers) != 0 {
		t.Fatalf("answers were saved although one was refused: %+v", got.Answers)
	}
	axe(t, ctx, "shared questions with a refused answer")

	fill(t, ctx, map[string]string{`#questions [data-key="lab:egfr"] input[name^=value]`: "52"})
	submit(t, ctx, "#save-shared-answers")
	if h := js[string](t, ctx, "location.hash"); h != "#questions" {
		t.Errorf("after saving the page is at %q, want the questions", h)
	}
	if n := js[int](t, ctx, `document.querySelectorAll('form[data-key="lab:egfr"], [data-key="lab:egfr"] input, [data-key="pregnant"] input').length`); n != 0 {
		t.Errorf("the answered questions are still asked %d times", n)
	}
	counts := text(t, ctx, ".equitrial-counts")
	eligible, _ := strconv.Atoi(regexp.MustCompile(`^(\d+) eligible`).FindStringSubmatch(counts + " ")[1])
	if eligible < 28 {
		t.Errorf("after two answers the 28 kidney trials should be eligible: %q", counts)
	}
	if tags := texts(t, ctx, ".equitrial-match .equitrial-verdict .nhsuk-tag--green"); len(tags) != 20 {
		t.Errorf("page 1 has %d eligible cards, want 20 (eligible first)", len(tags))
	}
	axe(t, ctx, "many matches after the shared answers")

	// Page 2 keeps its place through a refused answer and a saved one.
	submit(t, ctx, "a.nhsuk-pagination__next")
	if got := text(t, ctx, "#matches-showing"); !strings.HasPrefix(got, "Showing 21–") || !strings.HasSuffix(got, fmt.Sprintf(" of %d matches", total)) {
		t.Errorf("page 2: %q", got)
	}
	card := js[string](t, ctx, `(() => { const c = [...document.querySelectorAll(".equitrial-match")].find(c => c.querySelector('details.equitrial-questions form[data-key] input[type=radio]')); return c ? c.id : "" })()`)
	if card == "" {
		t.Skipf("no card on page 2 asks a yes/no question:\n%s", text(t, ctx, "main"))
	}
	form := "#" + card + " details.equitrial-questions form[data-key]"
	tick(t, ctx, "#"+card+" details.equitrial-questions summary")
	if !js[bool](t, ctx, `document.querySelector(`+quote(form+" input[type=radio]")+`).checkVisibility()`) {
		t.Errorf("opening the card's questions does not show them")
	}
	submit(t, ctx, form+" button[type=submit]")
	if got := text(t, ctx, "#matches-showing"); !strings.HasPrefix(got, "Showing 21–") {
		t.Errorf("a refused answer on page 2 shows %q", got)
	}
	if !js[bool](t, ctx, `document.querySelector(`+quote("#"+card+" details.equitrial-questions")+`).open`) || text(t, ctx, ".nhsuk-error-summary") == "" {
		t.Errorf("the refused answer's card is not open with the error")
	}
	axe(t, ctx, "page 2 with a refused answer")
	tick(t, ctx, form+" input[type=radio]")
	submit(t, ctx, form+" button[type=submit]")
	if p := path(t, ctx); !strings.Contains(p, "page=2") {
		t.Errorf("after answering on page 2 the nurse is at %s", p)
	}
	if h := js[string](t, ctx, "location.hash"); h != "#"+card {
		t.Errorf("after answering the page is at %q, want %s", h, card)
	}

	// Every page is logged by its route pattern, never by its path with the
	// patient's record id in it (issue 12, item 12).
	logged := s.log.String()
	for _, want := range []string{`route="web GET /patients/{id}"`, `route="web POST /patients/{id}/answers/all"`, `route="web POST /patients/{id}/answers"`} {
		if !strings.Contains(logged, want) {
			t.Errorf("the service log has no request line with %s", want)
		}
	}
	if strings.Contains(logged, p.ID) {
		t.Errorf("the service log carries the patient's record id %s", p.ID)
	}
}
