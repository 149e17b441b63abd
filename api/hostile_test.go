package api_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
)

// Hostile bodies on every write route that takes JSON: each gets a 400 (or 413)
// problem that says what is wrong, and nothing is stored.
func TestHostileInputsAreRefused(t *testing.T) {
	s := newService(t)
	admin := map[string]string{"Authorization": "Bearer " + adminToken, "Content-Type": "application/json"}
	bodies := map[string]struct {
		body   []byte
		status int
		says   string
	}{
		"operator injection": {[]byte(`{"email":{"$gt":""},"role":"nurse","org":"a"}`), 400, "$gt"},
		"unknown field":      {[]byte(`{"email":"a@b.nhs.uk","role":"nurse","org":"a","isAdmin":true}`), 400, "unknown field"},
		"invalid UTF-8":      {[]byte("{\"email\":\"\xff\xfe@b.nhs.uk\",\"role\":\"nurse\",\"org\":\"a\"}"), 400, "UTF-8"},
		"deep nesting":       {[]byte(strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100)), 400, "nested"},
		"malformed JSON":     {[]byte(`{"email":"a@b.nhs.uk",`), 400, "not valid JSON"},
		"two values":         {[]byte(`{"email":"a@b.nhs.uk","role":"nurse","org":"a"}{}`), 400, "more than one"},
		"wrong type":         {[]byte(`{"email":["a@b.nhs.uk"],"role":"nurse","org":"a"}`), 400, "email must be a string"},
		"oversize":           {append(append([]byte(`{"email":"`), bytes.Repeat([]byte("a"), 2<<20)...), []byte(`","role":"nurse","org":"a"}`)...), 413, "larger than"},
	}
	for name, tc := range bodies {
		req, _ := http.NewRequest("POST", s.url+"/api/v1/users", bytes.NewReader(tc.body))
		for k, v := range admin {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p problem
		decodeProblem(t, res, &p)
		if res.StatusCode != tc.status || !strings.Contains(p.Detail+p.Title+fieldsOf(p), tc.says) {
			t.Errorf("%s: %d %+v; want %d mentioning %q", name, res.StatusCode, p, tc.status, tc.says)
		}
	}
	if n, _ := s.db.Users.ByEmail(context.Background(), "a@b.nhs.uk"); n != nil {
		t.Fatal("a hostile request stored an account")
	}
	// A form-encoded body where JSON is expected is refused, not guessed at.
	req, _ := http.NewRequest("POST", s.url+"/api/v1/users", strings.NewReader("email=a@b.nhs.uk&role=admin"))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, _ := http.DefaultClient.Do(req)
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("form body to a JSON route: %d, want 400", res.StatusCode)
	}
}

func fieldsOf(p problem) string {
	var b strings.Builder
	for _, e := range p.Errors {
		b.WriteString(e.Field + " " + e.Detail + ";")
	}
	return b.String()
}
