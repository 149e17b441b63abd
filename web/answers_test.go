package web_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"equitrial"
	"equitrial/patients"
	"equitrial/store"
	"equitrial/synth"
)

// answerTrial is a recruiting trial with the given criteria, as ClinicalTrials.gov
// API v2 gives it.
func answerTrial(nctID, title, criteria string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"protocolSection": map[string]any{
		"identificationModule": map[string]any{"nctId": nctID, "briefTitle": title},
		"statusModule":         map[string]any{"overallStatus": "RECRUITING", "lastUpdateSubmitDate": "2026-01-05"},
		"conditionsModule":     map[string]any{"conditions": []string{"Chronic Kidney Disease"}},
		"eligibilityModule":    map[string]any{"eligibilityCriteria": criteria, "sex": "ALL", "minimumAge": "18 Years"},
	}})
	return b
}

const (
	egfrTrial = "NCT09900001"
	pregTrial = "NCT09900002"
)

// importAnswerTrials adds two trials whose questions are known: the first asks
// only for the eGFR, the second for the eGFR and whether the patient is pregnant.
func importAnswerTrials(t *testing.T, s *service) {
	t.Helper()
	_, err := s.cat.Import(context.Background(), synth.Reader([]json.RawMessage{
		answerTrial(egfrTrial, "Kidney function and heart health",
			"Inclusion Criteria:\n\n* Adults aged 18 years or older\n* eGFR of 30 mL/min/1.73m2 or more\n\nExclusion Criteria:\n\n* Myocardial infarction within the last 6 months"),
		answerTrial(pregTrial, "Kidney function in women",
			"Inclusion Criteria:\n\n* Adults aged 18 years or older\n* Estimated glomerular filtration rate (eGFR) >= 45 mL/min/1.73 m2\n\nExclusion Criteria:\n\n* Currently pregnant"),
	}), nil)
	if err != nil {
		t.Fatal(err)
	}
}

// cardStatus is the eligibility tag of a trial's card on the page.
func cardStatus(t *testing.T, ctx context.Context, nctID string) string {
	t.Helper()
	return text(t, ctx, "#trial-"+nctID+" .nhsuk-tag")
}

// A nurse answers a trial's question on the patient's page and sees its verdict
// change; a bad answer is shown back with the error summary and nothing is saved.
func TestNurseAnswersQuestion(t *testing.T) {
	ctx := tab(t)
	s := newService(t)
	importAnswerTrials(t, s)
	pw := s.user(t, "nurse@example.org", "nurse", "site-leeds", "site")
	p, err := s.db.Patients.Create(context.Background(), &equitrial.Patient{GivenName: "Grace", FamilyName: "Okonjo",
		BirthDate: "1970-05-05", Sex: "female", Language: "English", Org: "site-leeds", Source: "nurse",
		Consent: equitrial.Consent{Contact: true, Date: "2026-01-10", Version: "v1", Channel: "in-person"}}, store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	signIn(t, ctx, s, "nurse@example.org", pw)
	visit(t, ctx, s.url+"/patients/"+p.ID)
	if st := cardStatus(t, ctx, egfrTrial); st != "Potentially eligible" {
		t.Fatalf("%s before any answer: %q\n%s", egfrTrial, st, text(t, ctx, "main"))
	}
	form := "#trial-" + egfrTrial + ` form[data-key="lab:egfr"]`
	if js[bool](t, ctx, `document.querySelector(`+quote("#trial-"+egfrTrial+" details.equitrial-questions")+`).open`) {
		t.Errorf("the card's questions are open before the nurse opens them")
	}
	tick(t, ctx, "#trial-"+egfrTrial+" details.equitrial-questions summary")
	if n := js[int](t, ctx, `document.querySelectorAll(`+quote(form)+`).length`); n != 1 {
		t.Fatalf("no eGFR answer form under %s:\n%s", egfrTrial, text(t, ctx, "#trial-"+egfrTrial))
	}
	if u := js[string](t, ctx, `document.querySelector(`+quote(form+` input[name=unit]`)+`).value`); u != "mL/min/1.73m2" {
		t.Errorf("the unit is not filled in from the question: %q", u)
	}
	if label := text(t, ctx, form+" legend"); !strings.Contains(label, "eGFR") {
		t.Errorf("the eGFR form is labelled %q", label)
	}
	axe(t, ctx, "patient page with answer forms")

	// A value that is not a number: the error summary, the answer as typed, nothing saved.
	fill(t, ctx, map[string]string{form + " input[name=value]": "lots"})
	submit(t, ctx, form+" button[type=submit]")
	summary := text(t, ctx, ".nhsuk-error-summary")
	if !strings.Contains(strings.ToLower(summary), "number") {
		t.Fatalf("a bad answer: error summary %q", summary)
	}
	href := js[string](t, ctx, `(document.querySelector(".nhsuk-error-summary a") || {getAttribute: () => ""}).getAttribute("href")`)
	if href == "" || js[int](t, ctx, `document.querySelectorAll(`+quote(href)+`).length`) != 1 {
		t.Errorf("the error summary links to %q, which is not on the page", href)
	}
	if v := js[string](t, ctx, `document.querySelector(`+quote(form+` input[name=value]`)+`).value`); v != "lots" {
		t.Errorf("the answer as typed is lost: %q", v)
	}
	if !js[bool](t, ctx, `document.querySelector(`+quote("#trial-"+egfrTrial+" details.equitrial-questions")+`).open`) {
		t.Errorf("the card whose answer was refused has its questions closed: the error summary links to a hidden field")
	}
	axe(t, ctx, "patient page with a bad answer")
	if got, _ := s.db.Patients.Get(context.Background(), p.ID); len(got.Answers) != 0 {
		t.Fatalf("a bad answer was saved: %+v", got.Answers)
	}

	fill(t, ctx, map[string]string{form + " input[name=value]": "52", form + " input[name=date]": "2025-11-20"})
	submit(t, ctx, form+" button[type=submit]")
	if p := path(t, ctx); !strings.HasPrefix(p, "/patients/") {
		t.Fatalf("after answering: at %s\n%s", p, text(t, ctx, "main"))
	}
	if h := js[string](t, ctx, "location.hash"); h != "#trial-"+egfrTrial {
		t.Errorf("after answering the page is anchored at %q, want the trial", h)
	}
	if st := cardStatus(t, ctx, egfrTrial); st != "Eligible" {
		t.Fatalf("%s after eGFR 52: %q, want Eligible\n%s", egfrTrial, st, text(t, ctx, "#trial-"+egfrTrial))
	}
	if rests := text(t, ctx, "#trial-"+egfrTrial+" .equitrial-rests-on"); !strings.HasPrefix(rests, "Eligible — rests on:") || !strings.Contains(rests, "criteria met") {
		t.Errorf("what the verdict rests on: %q", rests)
	}
	// One answer serves the other trial too; it still asks about pregnancy.
	other := "#trial-" + pregTrial
	if n := js[int](t, ctx, `document.querySelectorAll(`+quote(other+` form[data-key="lab:egfr"]`)+`).length`); n != 0 {
		t.Errorf("%s still asks for the eGFR after it was answered", pregTrial)
	}
	pregForm := other + ` form[data-key="pregnant"]`
	if n := js[int](t, ctx, `document.querySelectorAll(`+quote(pregForm)+`).length`); n != 1 {
		t.Fatalf("%s has no pregnancy question:\n%s", pregTrial, text(t, ctx, other))
	}
	tick(t, ctx, other+" details.equitrial-questions summary", pregForm+` input[value="no"]`)
	submit(t, ctx, pregForm+" button[type=submit]")
	if st := cardStatus(t, ctx, pregTrial); st != "Eligible" {
		t.Errorf("%s after answering no to pregnancy: %q\n%s", pregTrial, st, text(t, ctx, other))
	}
	axe(t, ctx, "patient page after answers")

	got, err := s.db.Patients.Get(context.Background(), p.ID)
	if err != nil || len(got.Answers) != 2 || got.Answers[0].Key != "lab:egfr" || got.Answers[0].Role != "nurse" || got.Answers[0].Date != "2025-11-20" {
		t.Errorf("stored answers %+v (%v)", got.Answers, err)
	}
}

// A patient sees, on their own page, only the questions they can answer
// themselves, in their own words, and answers one.
func TestPatientAnswersOnOwnPage(t *testing.T) {
	ctx := tab(t)
	s := newService(t)
	importAnswerTrials(t, s)
	token, hash := patients.NewAccessToken()
	p, err := s.db.Patients.Create(context.Background(), &equitrial.Patient{GivenName: "Amara", FamilyName: "Bello",
		BirthDate: "1988-02-02", Sex: "female", Language: "English", Email: "amara@example.org", Org: "self-registered", Source: "self-registered",
		Consent: equitrial.Consent{Contact: true, Date: "2026-01-10", Version: "v1", Channel: "web"}}, store.CreateOptions{AccessTokenHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	visit(t, ctx, s.url+"/my/"+token)
	keys := js[[]string](t, ctx, `Array.from(document.querySelectorAll("form[data-key]")).map(f => f.dataset.key)`)
	if !slices.Contains(keys, "pregnant") {
		t.Fatalf("the patient's page asks %v, want the pregnancy question among them", keys)
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "lab:") || strings.HasPrefix(k, "criterion:") || k == "capacity" {
			t.Errorf("the patient's page asks %s, which only staff may answer", k)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(keys)))) != len(keys) {
		t.Errorf("a question is asked twice on the patient's page: %v", keys)
	}
	if label := text(t, ctx, `form[data-key="pregnant"] legend`); !strings.Contains(label, "Are you pregnant") {
		t.Errorf("the question is not in the patient's words: %q", label)
	}
	axe(t, ctx, "private page with questions")
	submit(t, ctx, `form[data-key="pregnant"] button[type=submit]`)
	if summary := text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(summary, "Select yes or no") {
		t.Errorf("no answer chosen: error summary %q", summary)
	}
	axe(t, ctx, "private page with an unanswered question")
	tick(t, ctx, `form[data-key="pregnant"] input[value="no"]`)
	submit(t, ctx, `form[data-key="pregnant"] button[type=submit]`)
	if n := js[int](t, ctx, `document.querySelectorAll('form[data-key="pregnant"]').length`); n != 0 {
		t.Errorf("the pregnancy question is still asked after the answer:\n%s", text(t, ctx, "main"))
	}
	got, _ := s.db.Patients.Get(context.Background(), p.ID)
	if len(got.Answers) != 1 || got.Answers[0].Role != "patient" || got.Answers[0].Value != "no" {
		t.Errorf("stored answers %+v", got.Answers)
	}
}
