package web_test

import (
	"context"
	"strings"
	"testing"

	"equitrial"
	"equitrial/patients"
	"equitrial/store"
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
	shot(t, ctx, "my-page")

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
		shot(t, ctx, "registered-"+string(rune('0'+i)))
	}
	if strings.Contains(s.log.String(), "level=ERROR") {
		t.Errorf("registering twice logged an error:\n%s", s.log.String())
	}
}
