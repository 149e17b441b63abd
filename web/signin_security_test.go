package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

var webNoRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// After sign-in the browser goes only to a path on this site: next= values that a
// browser would read as another host (tabs and newlines are dropped, a backslash is
// a slash), or that hide such a value under percent-encoding, are ignored.
func TestSignInNextStaysOnThisSite(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	u, once, err := s.auth.CreateUser(ctx, "next@example.nhs.uk", "nurse", "site-a")
	if err != nil {
		t.Fatal(err)
	}
	pw := "a long enough password for next"
	if err := s.auth.ChangePassword(ctx, u.ID, once, pw); err != nil {
		t.Fatal(err)
	}
	evil := []string{
		"//evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example",
		"/\\/evil.example", "/a\\b", "https://evil.example/", "javascript:alert(1)", "evil.example", "/%2F/evil.example",
		"/%2f%2fevil.example", "/%5Cevil.example", "/%09/evil.example", "/%252F%252Fevil.example", "/%25252F/evil.example",
		"/\x00/evil.example", "/my/ptl_secret", "/%6Dy/ptl_secret", "/\u3000/evil.example", "/ /evil.example",
	}
	for _, next := range evil {
		res, err := http.Get(s.url + "/sign-in?next=" + url.QueryEscape(next))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if strings.Contains(string(body), `name="next"`) {
			t.Errorf("the sign-in form keeps next=%q", next)
		}
	}
	for _, next := range []string{"/patients", "/trials/NCT01234567/equity?dimension=ethnicGroup#alerts", "/?q=heart%20failure"} {
		res, _ := http.Get(s.url + "/sign-in?next=" + url.QueryEscape(next))
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), `name="next" value="`+html.EscapeString(next)+`"`) {
			t.Errorf("the sign-in form drops the same-site next=%q", next)
		}
	}
	signIn := func(next string) string {
		t.Helper()
		form := url.Values{"email": {"next@example.nhs.uk"}, "password": {pw}, "next": {next}}
		res, err := webNoRedirect.PostForm(s.url+"/sign-in", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in with next=%q: %d", next, res.StatusCode)
		}
		return res.Header.Get("Location")
	}
	if where := signIn("/\t/evil.example"); where != "/patients" {
		t.Errorf("sign-in with next=/\\t/evil.example went to %q, want the nurse's start page", where)
	}
	if where := signIn("/patients?page=2"); where != "/patients?page=2" {
		t.Errorf("sign-in with a same-site next went to %q", where)
	}
}

// The assets folder serves its files and nothing else: no listings of it or its
// subfolders, no dot files, however the path is spelt.
func TestAssetsServeFilesOnly(t *testing.T) {
	s := newService(t)
	get := func(path string) (int, string) {
		res, err := http.Get(s.url + path) // following the router's clean-path redirects
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := get("/assets/nhsuk.min.css"); code != http.StatusOK {
		t.Fatalf("/assets/nhsuk.min.css: %d", code)
	}
	for _, path := range []string{"/assets/", "/assets/images/", "/assets/images", "/assets/.built", "/assets/%2ebuilt",
		"/assets/images/../.built", "/assets/./", "/assets/index.html", "/assets/%2e%2e/web.go"} {
		code, body := get(path)
		if code == http.StatusOK || strings.Contains(body, "<a href=") || strings.Contains(body, "nhsuk.min.css\"") {
			t.Errorf("%s: %d %.80q; want not found and no listing", path, code, body)
		}
	}
}

// Repeated wrong passwords slow the sign-in form with a wait it names, not a lock.
func TestSignInFormSaysHowLongToWait(t *testing.T) {
	s := newService(t)
	s.user(t, "slow@example.nhs.uk", "nurse", "site-a", "site")
	var page string
	for i := 0; i < 4; i++ {
		res, err := webNoRedirect.PostForm(s.url+"/sign-in", url.Values{"email": {"slow@example.nhs.uk"}, "password": {"not the password"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		page = string(b)
		if i == 3 && res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("fourth wrong password: %d", res.StatusCode)
		}
	}
	if !strings.Contains(page, "Try again in 1 second") {
		t.Fatalf("the sign-in page after too many attempts does not say how long to wait")
	}
}
