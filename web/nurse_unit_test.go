package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSnippetIsShortAndClean(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		// bullets and numbering from registry text go, words are whole, marks stay
		{"…lusion Criteria:\n\n* Adults with <mark>type</mark> 2 <mark>diabetes</mark>\n* HbA1c &gt;= 7%\n1. Able to consent and willing to attend every visit at the hospital for a full year of follo…",
			"… Criteria: Adults with <mark>type</mark> 2 <mark>diabetes</mark> HbA1c &gt;= 7% Able to consent and willing to attend every visit at the hospital for a full year of …"},
		{"A study of <mark>asthma</mark> in children.", "A study of <mark>asthma</mark> in children."},
		{"…<mark>Asthma</mark> in children and young peo…", "… <mark>Asthma</mark> in children and young …"},
		{"…ple with <mark>asthma</mark>…", "… with <mark>asthma</mark> …"},
		{"<mark>Asthma</mark> * care", "<mark>Asthma</mark> care"},
		{"<b>Bold</b> &lt;script&gt; <mark>x</mark>", "Bold &lt;script&gt; <mark>x</mark>"},
	}
	for _, c := range cases {
		if got := string(snippet(c.in, snippetLen)); got != c.want {
			t.Errorf("snippet(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
	long := strings.Repeat("word ", 100) + "<mark>end</mark>"
	got := string(snippet(long, 60))
	if len([]rune(got)) > 70 || strings.Contains(got, "wor …") || !strings.HasSuffix(got, "…") || strings.Contains(got, "<mark>") {
		t.Errorf("a long fragment: %q", got)
	}
	if got := string(snippet("<mark>"+strings.Repeat("a", 10)+" "+strings.Repeat("b ", 100)+"</mark>", 40)); strings.Count(got, "<mark>") != strings.Count(got, "</mark>") {
		t.Errorf("unbalanced marks: %q", got)
	}
	if got := string(bestHighlight(map[string][]string{"eligibility": {"* one <mark>x</mark>"}, "summary": {"Summary <mark>x</mark>."}})); got != "Summary <mark>x</mark>." {
		t.Errorf("the summary's highlight is preferred: %q", got)
	}
}

func TestPagerSaysWhereYouAre(t *testing.T) {
	href := func(n int) string { return pageHref("/patients", url.Values{"q": {"ada"}}, n) }
	p := newPager(28, 1, 20, 20, "match", "matches", href)
	if p.Showing() != "Showing 1–20 of 28 matches" || p.Next != "/patients?page=2&q=ada" || p.Prev != "" || len(p.Items) != 2 {
		t.Errorf("page 1 of 28: %q %+v", p.Showing(), p)
	}
	p = newPager(28, 2, 20, 8, "match", "matches", href)
	if p.Showing() != "Showing 21–28 of 28 matches" || p.Prev != "/patients?q=ada" || p.Next != "" {
		t.Errorf("page 2 of 28: %q %+v", p.Showing(), p)
	}
	p = newPager(200, 5, 10, 10, "trial", "trials", href)
	var nums []int
	ell := 0
	for _, it := range p.Items {
		if it.Ellipsis {
			ell++
		} else {
			nums = append(nums, it.Number)
		}
	}
	if ell != 2 || len(nums) != 5 || nums[0] != 1 || nums[4] != 20 || !p.Items[3].Current {
		t.Errorf("page 5 of 20: %+v", p.Items)
	}
	if s := newPager(1, 1, 20, 1, "patient", "patients", href).Showing(); s != "Showing 1 patient" {
		t.Error(s)
	}
	if s := newPager(0, 1, 20, 0, "patient", "patients", href).Showing(); s != "No patients" {
		t.Error(s)
	}
}

func TestNHSNumberShownInThrees(t *testing.T) {
	for in, want := range map[string]string{"9434765919": "943 476 5919", "943 476 5919": "943 476 5919", "943-476-5919": "943 476 5919", "12345": "12345"} {
		if got := formatNHS(in); got != want {
			t.Errorf("formatNHS(%q) = %q, want %q", in, got, want)
		}
	}
	if nhsDigits("Ada Okafor") != "" || nhsDigits("LS1 4AP") != "" {
		t.Error("a name or postcode read as an NHS number")
	}
}

// The visit cookie keeps "new since" fixed within a sitting and moves it on at the next.
func TestVisitsMarkNewSinceLastSitting(t *testing.T) {
	var cookie *http.Cookie
	visit := func(at time.Time) time.Time {
		r := httptest.NewRequest("GET", "/patients/p1", nil)
		if cookie != nil {
			r.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		since := seePatient(w, r, "p1", at)
		for _, c := range w.Result().Cookies() {
			if c.Name == visitsCookie {
				cookie = c
			}
		}
		return since
	}
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if s := visit(t0); !s.IsZero() {
		t.Errorf("first visit: since %v, want none", s)
	}
	if s := visit(t0.Add(10 * time.Minute)); !s.IsZero() {
		t.Errorf("same sitting: since %v, want none", s)
	}
	if s := visit(t0.Add(3 * time.Hour)); !s.Equal(t0.Add(10 * time.Minute)) {
		t.Errorf("next sitting: since %v, want the end of the last one", s)
	}
	if s := visit(t0.Add(3*time.Hour + 5*time.Minute)); !s.Equal(t0.Add(10 * time.Minute)) {
		t.Errorf("within the sitting: since %v, want it unchanged", s)
	}
	if !cookie.HttpOnly || !cookie.Secure || cookie.Path != "/patients" {
		t.Errorf("cookie %+v", cookie)
	}
}

func TestEventFormNeedsStageAndReason(t *testing.T) {
	post := func(form url.Values) (eventForm, []fieldError) {
		r := httptest.NewRequest("POST", "/patients/p1/events", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return readEventForm(r)
	}
	if _, errs := post(url.Values{"nct": {"NCT00000001"}, "key": {"k"}}); len(errs) != 1 || errs[0].Detail != "Select what happened" {
		t.Errorf("no stage: %+v", errs)
	}
	if _, errs := post(url.Values{"nct": {"NCT00000001"}, "stage": {"declined"}}); len(errs) != 1 || !strings.Contains(errs[0].Detail, "why the patient declined") {
		t.Errorf("declined without a reason: %+v", errs)
	}
	f, errs := post(url.Values{"nct": {"NCT00000001"}, "stage": {"screen_failed"}, "screen-failed-reason": {"laboratory_value"}, "declined-reason": {"other"}})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	b := f.body("p1", "site-a", time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	if b["stage"] != "screen_failed" || b["at"] != "2026-12-02T10:00:00Z" || b["site"] != "site-a" || b["patientId"] != "p1" {
		t.Errorf("body %v", b)
	}
	if rs, _ := b["reasons"].([]string); len(rs) != 1 || rs[0] != "laboratory_value" {
		t.Errorf("reasons %v: only the screen-failure reason", b["reasons"])
	}
	if f.Key == "" {
		t.Error("a form without a key gets one")
	}
}

// The edit form's merge patch: emptied fields removed (null), consent never sent,
// coded conditions kept when their line is unchanged, absent ones marked, and a
// form mistake holds the whole save back.
func TestPatientEditPatch(t *testing.T) {
	cur := &patientView{GivenName: "Bola", Phone: "+447700900982", Census2021Ethnicity: "black_caribbean",
		Conditions: []conditionView{{System: "icd10", Code: "E11", Text: "type 2 diabetes"}, {Text: "asthma", Status: "absent"}}}
	f := formFromPatient(cur)
	if f.Conditions != "type 2 diabetes (ICD10 E11)" || f.Absent != "asthma" || len(f.Obs) != blankObsRows {
		t.Fatalf("form from the record: %+v", f)
	}
	f.DobDay, f.DobMonth, f.DobYear = "9", "3", "1972"
	f.Phone = ""
	f.Absent = "asthma\nMyocardial infarction"
	f.Obs = []obsRow{{Analyte: "egfr", Value: "48", Unit: "mL/min/1.73m2", Date: "2026-11-03"}}
	b, local := f.patchBody(cur, time.Now())
	if len(local) != 0 {
		t.Fatal(local)
	}
	if _, ok := b["consent"]; ok {
		t.Error("the edit sends consent")
	}
	if v, ok := b["phone"]; !ok || v != nil {
		t.Errorf("an emptied phone: %v, want null", v)
	}
	if _, ok := b["ethnicCategory"]; ok {
		t.Error("an unchanged ethnic group touches the category")
	}
	conds, _ := b["conditions"].([]map[string]string)
	if len(conds) != 3 || conds[0]["code"] != "E11" || conds[1]["status"] != "absent" || conds[2]["text"] != "Myocardial infarction" || conds[2]["status"] != "absent" {
		t.Errorf("conditions %v", conds)
	}
	if obs, _ := b["observations"].([]map[string]any); len(obs) != 1 || obs[0]["value"] != 48.0 || b["birthDate"] != "1972-03-09" {
		t.Errorf("observations %v, birth date %v", b["observations"], b["birthDate"])
	}
	f.Obs[0].Value = "lots"
	b, local = f.patchBody(cur, time.Now())
	if len(local) != 1 || local[0].Field != "obs-0-value" || b["birthDate"] != "not-a-date" {
		t.Errorf("a bad value: errors %v, birth date %v (the API must refuse the whole patch)", local, b["birthDate"])
	}
}
