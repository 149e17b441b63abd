package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"equitrial"
	"equitrial/refdata"
	"equitrial/store"
	"equitrial/synth"
)

// Journeys of a research nurse's working day (issue 12, items 1–5).

const newTrial = "NCT09900003"

// nursePatient adds a patient of site-leeds straight to the store.
func nursePatient(t *testing.T, s *service, p equitrial.Patient) *equitrial.Patient {
	t.Helper()
	p.Org, p.Source = "site-leeds", "nurse"
	p.Consent = equitrial.Consent{Contact: true, Date: "2026-01-10", Version: "v1", Channel: "in-person"}
	got, err := s.db.Patients.Create(context.Background(), &p, store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// setVisit makes the browser remember a visit to the patient's page: the last
// sitting ended at since, and this sitting started now.
func setVisit(t *testing.T, ctx context.Context, s *service, patientID string, since time.Time) {
	t.Helper()
	yes := true
	v := patientID + "." + strconv.FormatInt(since.Unix(), 36) + "." + strconv.FormatInt(time.Now().Unix(), 36)
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "equitrial_visits", Value: v,
		URL: s.url + "/patients", Path: "/patients", HTTPOnly: &yes, Secure: &yes}); err != nil {
		t.Fatalf("setting the visits cookie: %v", err)
	}
}

// A nurse opens a patient's matches: the trial matched since their last visit is
// tagged New; they answer a question and see the verdict and the list change, then
// record what happened for that trial without typing anything again, mistakes
// first, and the card shows the latest event.
func TestNurseAnswersRecordsEventAndSeesNew(t *testing.T) {
	ctx := longTab(t)
	s := newService(t)
	importAnswerTrials(t, s)
	pw := s.user(t, "nurse@example.org", "nurse", "site-leeds", "site")
	p := nursePatient(t, s, equitrial.Patient{GivenName: "Grace", FamilyName: "Okonjo", BirthDate: "1970-05-05", Sex: "female", Language: "English"})
	bg := context.Background()
	// The two kidney trials were matched before the last visit; the third is new.
	for _, id := range []string{egfrTrial, pregTrial} {
		if _, err := s.db.Matches.Record(bg, id, map[string]string{p.ID: "potentially_eligible"}, time.Now().Add(-3*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.cat.Import(bg, synth.Reader([]json.RawMessage{answerTrial(newTrial, "Kidney health for adults",
		"Inclusion Criteria:\n\n* Adults aged 18 years or older\n\nExclusion Criteria:\n\n* Currently pregnant")}), nil); err != nil {
		t.Fatal(err)
	}

	signIn(t, ctx, s, "nurse@example.org", pw)
	setVisit(t, ctx, s, p.ID, time.Now().Add(-time.Hour))
	visit(t, ctx, s.url+"/patients/"+p.ID)
	if tag := text(t, ctx, "#trial-"+newTrial+" .nhsuk-tag--blue"); tag != "New" {
		t.Errorf("the trial matched since the last visit is not tagged New: %q\n%s", tag, text(t, ctx, "#trial-"+newTrial))
	}
	for _, id := range []string{egfrTrial, pregTrial} {
		if tag := text(t, ctx, "#trial-"+id+" .nhsuk-tag--blue"); tag != "" {
			t.Errorf("%s, matched before the last visit, is tagged %q", id, tag)
		}
	}
	if body := text(t, ctx, "main"); !strings.Contains(body, "matched since your last visit") {
		t.Errorf("the page does not say what New means:\n%s", body)
	}
	if showing := text(t, ctx, ".equitrial-showing"); !regexp.MustCompile(`^Showing 1–(\d+) of (\d+) matches$`).MatchString(showing) {
		t.Errorf("matches count: %q", showing)
	}
	axe(t, ctx, "patient matches with New and event forms")

	// Answer the eGFR question: the verdict and the list change.
	counts := func() string { return text(t, ctx, ".equitrial-counts") }
	before := counts()
	form := "#trial-" + egfrTrial + ` form[data-key="lab:egfr"]`
	tick(t, ctx, "#trial-"+egfrTrial+" details.equitrial-questions summary")
	fill(t, ctx, map[string]string{form + " input[name=value]": "52", form + " input[name=date]": "2025-11-20"})
	submit(t, ctx, form+" button[type=submit]")
	if st := cardStatus(t, ctx, egfrTrial); st != "Eligible" {
		t.Fatalf("%s after eGFR 52: %q, want Eligible", egfrTrial, st)
	}
	eligibleCards := js[[]string](t, ctx, `(() => { const out = []; let h = [...document.querySelectorAll("h3")].find(e => e.textContent.trim() === "Eligible"); if (!h) return out; for (let e = h.nextElementSibling; e && e.tagName !== "H3"; e = e.nextElementSibling) if (e.dataset.nctId) out.push(e.dataset.nctId); return out })()`)
	if len(eligibleCards) == 0 || eligibleCards[0] != egfrTrial {
		t.Errorf("after the answer the Eligible list is %v, want %s in it", eligibleCards, egfrTrial)
	}
	if after := counts(); after == before {
		t.Errorf("the counts did not change with the verdict: %q", after)
	}

	// Record an event: nothing chosen, then a decline without a reason, then right.
	card := "#trial-" + egfrTrial
	ev := card + " form[id^=event-]"
	if n := js[int](t, ctx, `document.querySelectorAll(`+quote(ev)+`).length`); n != 1 {
		t.Fatalf("no event form on the card:\n%s", text(t, ctx, card))
	}
	keys := js[[]string](t, ctx, `[...document.querySelectorAll("form[id^=event-] input[name=key]")].map(e => e.value)`)
	distinct := map[string]bool{}
	for _, k := range keys {
		distinct[k] = k != ""
	}
	if len(keys) < 3 || len(distinct) != len(keys) || !distinct[keys[0]] {
		t.Errorf("each card's form needs its own idempotency key: %v", keys)
	}
	tick(t, ctx, card+" details.equitrial-event summary")
	submit(t, ctx, ev+" button[type=submit]")
	if summary := text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(summary, "Select what happened") {
		t.Fatalf("an event without a stage: error summary %q", summary)
	}
	href := js[string](t, ctx, `document.querySelector(".nhsuk-error-summary a").getAttribute("href")`)
	if js[int](t, ctx, `document.querySelectorAll(`+quote(href)+`).length`) != 1 || !js[bool](t, ctx, `document.querySelector(`+quote(card+" details.equitrial-event")+`).open`) {
		t.Errorf("the error links to %q, which must be on the page with its form open", href)
	}
	axe(t, ctx, "event form with an error")
	tick(t, ctx, ev+` input[value="declined"]`)
	submit(t, ctx, ev+" button[type=submit]")
	if summary := text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(summary, "Select why the patient declined") {
		t.Fatalf("a decline without a reason: error summary %q", summary)
	}
	if !js[bool](t, ctx, `document.querySelector(`+quote(ev+` input[value="declined"]`)+`).checked`) {
		t.Error("the stage chosen was lost")
	}
	if evs, _ := s.db.Events.List(bg, egfrTrial); len(evs) != 0 {
		t.Fatalf("a refused event was stored: %+v", evs)
	}
	js[bool](t, ctx, `(() => { document.querySelector(`+quote(ev+" select[name=declined-reason]")+`).value = "travel_distance"; return true })()`)
	submit(t, ctx, ev+" button[type=submit]")
	if h := js[string](t, ctx, "location.hash"); h != "#trial-"+egfrTrial {
		t.Errorf("after recording, the page is at %q, want the card", h)
	}
	latest := text(t, ctx, card+" .equitrial-latest-event")
	if !strings.Contains(latest, "Declined on") || !strings.Contains(latest, "travel distance") {
		t.Errorf("the card's latest event: %q\n%s", latest, text(t, ctx, card))
	}
	evs, err := s.db.Events.List(bg, egfrTrial)
	if err != nil || len(evs) != 1 || evs[0].PatientID != p.ID || evs[0].Stage != "declined" || evs[0].Site != "site-leeds" ||
		len(evs[0].Reasons) != 1 || evs[0].Reasons[0] != "travel_distance" || time.Since(evs[0].At) > time.Minute {
		t.Fatalf("stored events %+v (%v)", evs, err)
	}
	// A later event replaces it on the card.
	tick(t, ctx, card+" details.equitrial-event summary", ev+` input[value="enrolled"]`)
	submit(t, ctx, ev+" button[type=submit]")
	if latest := text(t, ctx, card+" .equitrial-latest-event"); !strings.Contains(latest, "Enrolled on") {
		t.Errorf("after enrolling, the card says %q", latest)
	}
	if other := text(t, ctx, "#trial-"+pregTrial+" .equitrial-latest-event"); other != "" {
		t.Errorf("another trial's card shows an event: %q", other)
	}
	axe(t, ctx, "patient matches after events")
}

// A nurse edits a patient: every field of the add form is there, filled in; they
// add a condition the patient does not have, mark the list complete and add an
// observation with its date, see every mistake at once, fix them and save.
func TestNurseEditsPatient(t *testing.T) {
	ctx := longTab(t)
	s := newService(t)
	pw := s.user(t, "nurse@example.org", "nurse", "site-leeds", "site")
	p := nursePatient(t, s, equitrial.Patient{GivenName: "Bola", FamilyName: "Adeyemi", BirthDate: "1972-03-09", Sex: "female",
		Postcode: "LS1 4AP", Phone: "07700 900982", Census2021Ethnicity: "black_caribbean",
		Conditions: []equitrial.Condition{{Text: "type 2 diabetes"}, {System: "icd10", Code: "I10", Text: "Hypertension"}}})

	signIn(t, ctx, s, "nurse@example.org", pw)
	visit(t, ctx, s.url+"/patients/"+p.ID)
	submit(t, ctx, "#edit-patient")
	if h := text(t, ctx, "h1"); h != "Edit Bola Adeyemi" {
		t.Fatalf("edit page h1 %q at %s", h, path(t, ctx))
	}
	vals := js[map[string]string](t, ctx, `Object.fromEntries(["given-name","family-name","dob-day","dob-month","dob-year","postcode","phone","conditions"].map(id => [id, document.getElementById(id).value]))`)
	want := map[string]string{"given-name": "Bola", "family-name": "Adeyemi", "dob-day": "9", "dob-month": "3", "dob-year": "1972",
		"postcode": "LS1 4AP", "phone": "+447700900982", "conditions": "type 2 diabetes (ICD10 E11)\nHypertension (ICD10 I10)"}
	for k, v := range want {
		if vals[k] != v {
			t.Errorf("edit form %s = %q, want %q", k, vals[k], v)
		}
	}
	if !js[bool](t, ctx, `document.getElementById("sex").checked && document.getElementById("ethnicity-black_caribbean").checked`) {
		t.Error("the edit form lost the sex or ethnic group")
	}
	if js[int](t, ctx, `document.querySelectorAll("#consent").length`) != 0 {
		t.Error("the edit form offers the consent box: withdrawing has its own page")
	}
	axe(t, ctx, "edit patient")

	// Two mistakes at once: an observation value that is not a number, and an email.
	fill(t, ctx, map[string]string{"#absent-conditions": "Myocardial infarction", "#email": "not an email",
		"#obs-0-value": "lots", "#obs-0-unit": "mL/min/1.73m2", "#obs-0-date": "2026-11-03", "#postcode": "LS1 4AP"})
	js[bool](t, ctx, `(() => { document.getElementById("obs-0-analyte").value = "egfr"; return true })()`)
	tick(t, ctx, "#conditions-complete")
	submit(t, ctx, "main form button[type=submit]")
	links := js[[]string](t, ctx, `[...document.querySelectorAll(".nhsuk-error-summary a")].map(a => a.getAttribute("href"))`)
	if len(links) != 2 || links[0] != "#obs-0-value" || links[1] != "#email" {
		t.Fatalf("error summary links %v, want the observation value and the email, in the form's order; summary %q", links, text(t, ctx, ".nhsuk-error-summary"))
	}
	if v := js[string](t, ctx, `document.getElementById("absent-conditions").value`); v != "Myocardial infarction" {
		t.Errorf("the form lost what was typed: %q", v)
	}
	if got, _ := s.db.Patients.Get(context.Background(), p.ID); got.ConditionsComplete || len(got.Observations) != 0 {
		t.Fatalf("a refused edit was stored: %+v", got)
	}
	axe(t, ctx, "edit patient with errors")

	fill(t, ctx, map[string]string{"#obs-0-value": "48", "#email": "bola@example.org", "#phone": ""})
	submit(t, ctx, "main form button[type=submit]")
	if body := text(t, ctx, "main"); !strings.Contains(body, "Patient details saved") {
		t.Fatalf("after saving: %s\n%s", path(t, ctx), text(t, ctx, ".nhsuk-error-summary"))
	}
	got, err := s.db.Patients.Get(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ConditionsComplete || len(got.Observations) != 1 || got.Observations[0].Analyte != "egfr" || got.Observations[0].Value != 48 ||
		got.Observations[0].Date != "2026-11-03" || got.Email != "bola@example.org" || got.Phone != "" {
		t.Errorf("stored after the edit: complete %v, observations %+v, email %q, phone %q", got.ConditionsComplete, got.Observations, got.Email, got.Phone)
	}
	var absent, coded int
	for _, c := range got.Conditions {
		if c.Status == equitrial.ConditionAbsent && strings.Contains(strings.ToLower(c.Text), "myocardial") {
			absent++
		}
		if c.Code == "I10" && c.Status == "" {
			coded++
		}
	}
	if absent != 1 || coded != 1 {
		t.Errorf("conditions after the edit %+v: want the absent one added and the coded one kept", got.Conditions)
	}
	axe(t, ctx, "patient after edit")
}

// A nurse finds patients by name, NHS number and postcode, sorts and pages.
func TestNurseSearchesSortsAndPagesPatients(t *testing.T) {
	ctx := longTab(t)
	s := newService(t)
	pw := s.user(t, "nurse@example.org", "nurse", "site-leeds", "site")
	for i := range 24 {
		nursePatient(t, s, equitrial.Patient{GivenName: fmt.Sprintf("Person%02d", i), FamilyName: fmt.Sprintf("Zed%02d", i), BirthDate: fmt.Sprintf("19%02d-01-01", 50+i),
			Postcode: s.near, Conditions: []equitrial.Condition{{Text: "type 2 diabetes"}}})
	}
	nursePatient(t, s, equitrial.Patient{GivenName: "Ada", FamilyName: "Okafor", BirthDate: "1999-12-31", NHSNumber: "9434765919", Postcode: "LS2 9JT"})

	signIn(t, ctx, s, "nurse@example.org", pw)
	visit(t, ctx, s.url+"/patients")
	if got := text(t, ctx, "#showing"); got != "Showing 1–20 of 25 patients at your organisation" {
		t.Errorf("patients count: %q", got)
	}
	if n := len(texts(t, ctx, "tbody tr")); n != 20 {
		t.Errorf("%d rows on page 1", n)
	}
	if first := text(t, ctx, "tbody tr a"); first != "Ada Okafor" {
		t.Errorf("newest first: %q", first)
	}
	if nhs := text(t, ctx, "tbody tr .equitrial-nhs-number"); nhs != "943 476 5919" {
		t.Errorf("NHS number shown as %q", nhs)
	}
	axe(t, ctx, "patients page 1")
	submit(t, ctx, "a.nhsuk-pagination__next")
	if got := text(t, ctx, "#showing"); !strings.HasPrefix(got, "Showing 21–25 of 25 patients") {
		t.Errorf("page 2: %q", got)
	}
	if cur := text(t, ctx, ".nhsuk-pagination__item--current"); cur != "2" {
		t.Errorf("current page %q", cur)
	}

	find := func(q, sort string) []string {
		t.Helper()
		visit(t, ctx, s.url+"/patients")
		fill(t, ctx, map[string]string{"#q": q, "#sort": sort})
		submit(t, ctx, "#search-patients")
		return texts(t, ctx, "tbody tr td:first-child a")
	}
	for _, c := range []struct{ q, want string }{{"943 476 5919", "Ada Okafor"}, {"9434765919", "Ada Okafor"}, {"okafor", "Ada Okafor"}, {"ls2 9jt", "Ada Okafor"}, {"person07", "Person07 Zed07"}} {
		if got := find(c.q, "newest"); len(got) != 1 || got[0] != c.want {
			t.Errorf("search %q: %v, want %s", c.q, got, c.want)
		}
	}
	axe(t, ctx, "patients search results")
	if got := find("Nobody", "newest"); len(got) != 0 || !strings.Contains(text(t, ctx, "main"), "No patients at your organisation match") {
		t.Errorf("a search matching no one: %v", got)
	}
	find("943 476 5918", "newest") // a mistyped number: the check digit fails
	if msg := text(t, ctx, ".nhsuk-error-summary"); !strings.Contains(msg, "not a valid NHS number") {
		t.Errorf("a mistyped NHS number: %q", msg)
	}
	axe(t, ctx, "patients search error")
	if got := find("", "name"); len(got) != 20 || got[0] != "Ada Okafor" || got[1] != "Person00 Zed00" {
		t.Errorf("sorted by name: %v", got)
	}
	if got := find("", "birth-date"); len(got) == 0 || got[0] != "Person00 Zed00" {
		t.Errorf("sorted by date of birth: %v", got)
	}
	// Paging keeps the order.
	submit(t, ctx, "a.nhsuk-pagination__next")
	if got := texts(t, ctx, "tbody tr td:first-child a"); len(got) != 5 || got[4] != "Ada Okafor" || !strings.Contains(path(t, ctx), "sort=birth-date") {
		t.Errorf("page 2 by date of birth: %v at %s", got, path(t, ctx))
	}
	axe(t, ctx, "patients sorted by date of birth, page 2")

	// A trial's candidates say how many there are, and page.
	counted := regexp.MustCompile(`^(Showing \d+–\d+ of (\d+) candidates|Showing \d+ of \d+ candidates|Showing 1 candidate|No candidates)$`)
	for _, id := range s.nct {
		visit(t, ctx, s.url+"/trials/"+id)
		got := text(t, ctx, "#candidates-showing")
		if !counted.MatchString(got) {
			t.Errorf("%s candidates: %q", id, got)
			continue
		}
		if js[int](t, ctx, `document.querySelectorAll("a.nhsuk-pagination__next").length`) == 1 {
			axe(t, ctx, "candidates page 1")
			submit(t, ctx, "a.nhsuk-pagination__next")
			if got := text(t, ctx, "#candidates-showing"); !strings.HasPrefix(got, "Showing 21–") {
				t.Errorf("%s candidates page 2: %q", id, got)
			}
			return
		}
	}
	t.Error("no trial has a second page of candidates among the 25 patients")
}

// Anyone searches for trials near a postcode that has no coordinates of its own
// in the directory: it is placed at its small area's centroid and the page says
// distances are approximate. Every mistake in the form is reported at once, and a
// postcode not in the directory is named as such.
func TestSearchNearPostcodeWithoutCoordinates(t *testing.T) {
	ctx := longTab(t)
	s := newService(t)
	// The directory as the bundled sample has it: postcodes without coordinates,
	// placed by the centroids of their areas.
	here := s.db.Patients.Reference().Lookup(s.near)
	csv := fmt.Sprintf("pcds,lsoa11,ctry\n%s,E01033010,E92000001\nLS2 9JT,E01011365,E92000001\n", s.near)
	dir, _, err := refdata.LoadPostcodes(strings.NewReader(csv), refdata.PostcodeOptions{Label: "sample"})
	if err != nil {
		t.Fatal(err)
	}
	cs, _, err := refdata.LoadCentroids(strings.NewReader(fmt.Sprintf("lsoa11,lat,long\nE01011365,%f,%f\n", here.Lat+0.01, here.Lon)))
	if err != nil {
		t.Fatal(err)
	}
	dir.SetCentroids(cs)
	ref, err := refdata.NewReference(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.db.Patients.SetReference(ref)

	visit(t, ctx, s.url+"/?near=LS2+9JT&radius=50&recruiting=no")
	if errs := text(t, ctx, ".nhsuk-error-summary"); errs != "" {
		t.Fatalf("searching near LS2 9JT: %s", errs)
	}
	if note := text(t, ctx, "#approximate"); !strings.Contains(note, "approximate") || !strings.Contains(note, "LS2 9JT") {
		t.Errorf("the page does not say distances are approximate: %q", note)
	}
	sites := texts(t, ctx, ".equitrial-site")
	if len(sites) == 0 {
		t.Fatalf("no trial near LS2 9JT:\n%s", text(t, ctx, "main"))
	}
	if !strings.HasPrefix(sites[0], "Nearest site: ") || !strings.Contains(sites[0], "· nearest site") || !strings.Contains(sites[0], "miles") || !strings.Contains(sites[0], "(approximate)") {
		t.Errorf("first result's site line: %q", sites[0])
	}
	if showing := text(t, ctx, "#showing"); !regexp.MustCompile(`^Showing 1–\d+ of \d+ trials$`).MatchString(showing) {
		t.Errorf("results count: %q", showing)
	}
	axe(t, ctx, "search near an approximate postcode")

	// Text search: one clean snippet per result, the title linked, the status.
	visit(t, ctx, s.url+"/?q=diabetes&recruiting=no")
	cards := js[[]map[string]any](t, ctx, `[...document.querySelectorAll("li[data-nct-id]")].map(li => ({
		snippets: li.querySelectorAll(".equitrial-snippet").length, snippet: (li.querySelector(".equitrial-snippet") || {textContent: ""}).textContent,
		link: (li.querySelector("h3 a") || {}).getAttribute ? li.querySelector("h3 a").getAttribute("href") : "", status: (li.querySelector(".equitrial-status") || {textContent: ""}).textContent}))`)
	if len(cards) == 0 {
		t.Fatal("no results for diabetes")
	}
	for i, c := range cards {
		snip, _ := c["snippet"].(string)
		if c["snippets"].(float64) != 1 || strings.Contains(snip, "*") || len([]rune(snip)) > 200 || !strings.HasPrefix(c["link"].(string), "/trials/NCT") || c["status"] == "" {
			t.Errorf("result %d: %+v", i, c)
		}
	}
	axe(t, ctx, "search results with snippets")
	if next := js[string](t, ctx, `(document.querySelector("a.nhsuk-pagination__next") || {}).href || ""`); next != "" {
		submit(t, ctx, "a.nhsuk-pagination__next")
		if showing := text(t, ctx, "#showing"); !strings.HasPrefix(showing, "Showing 11–") {
			t.Errorf("page 2 of the results: %q", showing)
		}
	}

	// Every mistake at once.
	visit(t, ctx, s.url+"/?age=old&near=LS9+9ZZ&radius=-3")
	links := js[[]string](t, ctx, `[...document.querySelectorAll(".nhsuk-error-summary a")].map(a => a.getAttribute("href"))`)
	if strings.Join(links, " ") != "#age #near #radius" {
		t.Errorf("error summary links %v, want age, near and radius together", links)
	}
	if msg := text(t, ctx, "#near-error"); !strings.Contains(msg, "Postcode LS9 9ZZ is not in the postcode directory") {
		t.Errorf("a postcode not in the directory: %q", msg)
	}
	axe(t, ctx, "search with every error")
}
