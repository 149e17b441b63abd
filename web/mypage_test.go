package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"equitrial"
	"equitrial/patients"
	"equitrial/store"
	"equitrial/web/webtest"
)

// A patient's own page puts "stop being contacted" near the top, lists the studies
// they might join with where each is run and what happens next, takes an answer,
// and stops contact from the page.
func TestMyPageStudiesAnswersAndStopContact(t *testing.T) {
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

	// "Stop being contacted" comes before the studies.
	order := js[[]string](t, ctx, `Array.from(document.querySelectorAll("main #stop-contact, main h2")).map(e => e.id || e.innerText.trim())`)
	if len(order) < 2 || order[0] != "stop-contact" {
		t.Errorf("stop being contacted is not near the top: page order %q", order)
	}
	studies := texts(t, ctx, ".equitrial-study")
	if len(studies) == 0 {
		t.Fatalf("no studies on the patient's page:\n%s", text(t, ctx, "main"))
	}
	for _, st := range studies {
		if !strings.Contains(st, "What happens next") || !strings.Contains(st, "A research nurse will contact you") {
			t.Errorf("a study without what happens next:\n%s", st)
		}
		if !strings.Contains(st, "The study is run at") && !strings.Contains(st, "has not listed where") {
			t.Errorf("a study without where it is run:\n%s", st)
		}
	}
	if !strings.Contains(strings.Join(studies, "\n"), "The study is run at") {
		t.Errorf("no study says where it is run:\n%s", strings.Join(studies, "\n---\n"))
	}
	axe(t, ctx, "private page with studies")

	tick(t, ctx, `form[data-key="pregnant"] input[value="no"]`)
	submit(t, ctx, `form[data-key="pregnant"] button[type=submit]`)
	if n := js[int](t, ctx, `document.querySelectorAll('form[data-key="pregnant"]').length`); n != 0 {
		t.Errorf("the pregnancy question is still asked after the answer")
	}
	got, _ := s.db.Patients.Get(context.Background(), p.ID)
	if len(got.Answers) != 1 || got.Answers[0].Value != "no" {
		t.Errorf("stored answers %+v", got.Answers)
	}

	submit(t, ctx, "#withdraw-top")
	if h := text(t, ctx, "h1"); !strings.Contains(h, "Are you sure") {
		t.Fatalf("stop being contacted asks for confirmation? h1 %q", h)
	}
	submit(t, ctx, "form button[type=submit]")
	if h := text(t, ctx, "h1"); !strings.Contains(h, "will not contact you") {
		t.Fatalf("after stopping contact: h1 %q", h)
	}
	axe(t, ctx, "withdrawn")
	got, err = s.db.Patients.Get(context.Background(), p.ID)
	if err == nil && got.Withdrawn == nil {
		t.Errorf("the patient is not withdrawn after stopping contact: %+v", got)
	}
}

// Registering with an NHS number that is already registered shows the same
// confirmation as the first time, never an error page, and says where to go next.
func TestRegisterTwiceShowsConfirmation(t *testing.T) {
	ctx := tab(t)
	s := newService(t)
	for i := 1; i <= 2; i++ {
		visit(t, ctx, s.url+"/register")
		fill(t, ctx, map[string]string{
			"#given-name": "Tomasz", "#family-name": "Nowak", "#nhs-number": "943 476 5919",
			"#dob-day": "12", "#dob-month": "6", "#dob-year": "1975",
			"#postcode": "LS1 4AP", "#conditions": "type 2 diabetes", "#language": "Polish",
			"#email": "tomasz@example.org",
		})
		tick(t, ctx, "#sex-male", "#ethnicity-not-stated", "#interpreter-no", "#consent")
		submit(t, ctx, "form button[type=submit]")
		if h := text(t, ctx, "h1"); !strings.Contains(h, "You have joined the research register") {
			t.Fatalf("registration %d: h1 %q\n%s", i, h, text(t, ctx, "main"))
		}
		link := js[string](t, ctx, `document.querySelector("#private-link").href`)
		if !strings.Contains(link, "/my/ptl_") {
			t.Fatalf("registration %d: private link %q", i, link)
		}
		if open := js[string](t, ctx, `document.querySelector("#open-link").href`); open != link {
			t.Errorf("registration %d: the bookmark button goes to %q, not the private link %q", i, open, link)
		}
		if body := text(t, ctx, "main"); !strings.Contains(body, "bookmark") {
			t.Errorf("registration %d: the confirmation does not say to bookmark the link", i)
		}
		axe(t, ctx, "registered")
	}
	if strings.Contains(s.log.String(), "level=ERROR") {
		t.Errorf("registering twice logged an error:\n%s", s.log.String())
	}
}

// A patient's own page reads back what they registered in plain words ("English",
// "Type 2 diabetes"), names the nearest place running each study and how far it is
// from their postcode, and shows a few studies at a time, saying of how many.
func TestMyPagePlainWordsNearestSiteAndPages(t *testing.T) {
	ctx := tab(t)
	s := newService(t)
	token, hash := patients.NewAccessToken()
	_, err := s.db.Patients.Create(context.Background(), &equitrial.Patient{GivenName: "Tomasz", FamilyName: "Nowak",
		BirthDate: "1961-06-12", Sex: "male", Language: "en", Postcode: s.near, Email: "tomasz@example.org",
		Conditions: []equitrial.Condition{{Text: "type 2 diabetes"}, {Text: "hypertension"}}, Org: "self-registered", Source: "self-registered",
		Consent: equitrial.Consent{Contact: true, Date: "2026-01-10", Version: "v1", Channel: "web"}}, store.CreateOptions{AccessTokenHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	visit(t, ctx, s.url+"/my/"+token)
	details := text(t, ctx, "main dl")
	for _, want := range []string{"English", "Type 2 diabetes, Hypertension"} {
		if !strings.Contains(details, want) {
			t.Errorf("the patient's details do not read %q:\n%s", want, details)
		}
	}
	if strings.Contains(details, "ICD10") || strings.Contains(details, "\ten\n") {
		t.Errorf("the patient's details show codes:\n%s", details)
	}
	wheres := texts(t, ctx, ".equitrial-study .equitrial-where")
	nearest := 0
	for _, w := range wheres {
		if strings.HasPrefix(w, "The nearest place running this study is ") && strings.Contains(w, "from your postcode.") {
			nearest++
		}
	}
	if nearest == 0 {
		t.Errorf("no study names the nearest place to the patient's postcode %s:\n%s", s.near, strings.Join(wheres, "\n"))
	}
	if !strings.Contains(strings.Join(wheres, "\n"), "less than a mile from your postcode") {
		t.Errorf("the trial with a site at the patient's postcode is not said to be less than a mile away:\n%s", strings.Join(wheres, "\n"))
	}
	total := webtest.Await[int](t, ctx, `fetch("/api/v1/me", {headers: {Authorization: "Bearer `+token+`"}}).then(r => r.json()).then(me =>
		fetch("/api/v1/patients/" + me.patientId + "/matches?size=1", {headers: {Authorization: "Bearer `+token+`"}})).then(r => r.json()).then(j => j.total)`)
	found := text(t, ctx, "#studies ~ p")
	if !strings.HasPrefix(found, "We found "+strconv.Itoa(total)+" ") {
		t.Errorf("the page says %q, the API lists %d studies", found, total)
	}
	if n := len(wheres); n > 10 || (total > 10 && n != 10) {
		t.Errorf("%d studies on the first page of %d", n, total)
	}
	axe(t, ctx, "private page, plain words and nearest sites")
	if total > 10 {
		if got := text(t, ctx, "#studies-showing"); got != "Showing 1–10 of "+strconv.Itoa(total)+" studies" {
			t.Errorf("studies count: %q", got)
		}
		submit(t, ctx, "a.nhsuk-pagination__next")
		if got := text(t, ctx, "#studies-showing"); !strings.HasPrefix(got, "Showing 11–") {
			t.Errorf("page 2 of the studies: %q", got)
		}
	} else {
		t.Logf("only %d studies: no second page to check", total)
	}
}
