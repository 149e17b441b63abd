package web_test

import (
	"strings"
	"testing"
)

// Every mistake in the trial search form is reported at once (issue 12, item 4):
// an error summary at the top linking to each field, the same message on each
// field, and what was typed kept, so nothing has to be typed twice.
func TestSearchReportsEveryMistakeAtOnce(t *testing.T) {
	ctx := tab(t)
	s := newService(t)
	visit(t, ctx, s.url+"/")
	long := strings.Repeat("asthma ", 30) // 210 characters: the condition is too long
	fill(t, ctx, map[string]string{"#q": "inhaler", "#condition": long, "#age": "old", "#near": "LS9 9ZZ", "#radius": "-3"})
	submit(t, ctx, "main form button[type=submit]")

	type fieldState struct {
		Href, Summary, Inline, Value, Describedby string
		GroupError, InputError                    bool
	}
	fields := js[[]fieldState](t, ctx, `[...document.querySelectorAll(".nhsuk-error-summary a")].map(a => {
		const href = a.getAttribute("href"), el = document.querySelector(href);
		const group = el && el.closest(".nhsuk-form-group");
		const msg = group && group.querySelector(".nhsuk-error-message");
		return {Href: href, Summary: a.innerText.trim(), Inline: msg ? msg.innerText.replace(/^Error:\s*/, "").trim() : "",
			Value: el ? el.value : "", Describedby: el ? el.getAttribute("aria-describedby") || "" : "",
			GroupError: !!group && group.classList.contains("nhsuk-form-group--error"),
			InputError: !!el && (el.classList.contains("nhsuk-input--error") || el.classList.contains("nhsuk-select--error"))} })`)
	var hrefs []string
	for _, f := range fields {
		hrefs = append(hrefs, f.Href)
		id := strings.TrimPrefix(f.Href, "#")
		if f.Inline != f.Summary || !f.GroupError || !f.InputError || !strings.Contains(f.Describedby, id+"-error") {
			t.Errorf("%s: summary %q, inline %q, group error %v, input error %v, described by %q", f.Href, f.Summary, f.Inline, f.GroupError, f.InputError, f.Describedby)
		}
	}
	if strings.Join(hrefs, " ") != "#condition #age #near #radius" {
		t.Fatalf("error summary links %v, want condition, age, near and radius together, in the form's order", hrefs)
	}
	kept := js[map[string]string](t, ctx, `Object.fromEntries(["q", "condition", "age", "near", "radius"].map(id => [id, document.getElementById(id).value]))`)
	for id, want := range map[string]string{"q": "inhaler", "condition": strings.TrimSpace(long), "age": "old", "near": "LS9 9ZZ", "radius": "-3"} {
		if strings.TrimSpace(kept[id]) != want {
			t.Errorf("%s lost what was typed: %q", id, kept[id])
		}
	}
	for _, want := range []string{"Condition must be 200 characters or fewer", "Enter an age in years from 0 to 130", "Postcode LS9 9ZZ is not in the postcode directory", "Enter a distance in miles from 1 to 1000"} {
		if !strings.Contains(text(t, ctx, ".nhsuk-error-summary"), want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
	if title := js[string](t, ctx, "document.title"); !strings.HasPrefix(title, "Error: ") {
		t.Errorf("page title %q does not start with Error:", title)
	}
	if text(t, ctx, "#results-heading") != "" {
		t.Error("results are shown under errors")
	}
	tick(t, ctx, `.nhsuk-error-summary a[href="#near"]`)
	if id := js[string](t, ctx, "document.activeElement.id"); id != "near" {
		t.Errorf("the summary's link focused %q, want the postcode", id)
	}
	axe(t, ctx, "search with every mistake")

	// A distance without a postcode is still checked, and the sex select reports its own.
	visit(t, ctx, s.url+"/?radius=abc&sex=x&age=200")
	links := js[[]string](t, ctx, `[...document.querySelectorAll(".nhsuk-error-summary a")].map(a => a.getAttribute("href"))`)
	if strings.Join(links, " ") != "#age #radius #sex" {
		t.Errorf("error summary links %v, want age, radius and sex", links)
	}
	if msg := text(t, ctx, "#sex-error"); !strings.Contains(msg, "Select any sex, female or male") {
		t.Errorf("the sex field's own message: %q", msg)
	}

	// Put right, the search runs.
	fill(t, ctx, map[string]string{"#age": "54", "#radius": "25"})
	js[bool](t, ctx, `(() => { document.getElementById("sex").value = "female"; return true })()`)
	submit(t, ctx, "main form button[type=submit]")
	if summary := text(t, ctx, ".nhsuk-error-summary"); summary != "" {
		t.Errorf("after putting the mistakes right: %q", summary)
	}
	if h := text(t, ctx, "#results-heading"); !strings.Contains(h, "found") {
		t.Errorf("after putting the mistakes right: results heading %q", h)
	}
}
