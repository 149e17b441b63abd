package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// A sign-in through NHS CIS2 or NHS login that failed comes back to the sign-in
// page, which says why in an error summary; an unknown reason says nothing.
func TestSignInPageExplainsAFailedNHSSignIn(t *testing.T) {
	s := newService(t)
	for query, want := range map[string]string{
		"?failed=no-account":      "not linked to an equitrial account",
		"?failed=no-registration": "no registration for your NHS number",
		"?failed=<script>":        "",
	} {
		res, err := http.Get(s.url + "/sign-in" + query)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		page := string(body)
		hasSummary := strings.Contains(page, "nhsuk-error-summary")
		if want == "" && (hasSummary || strings.Contains(page, "<script>")) || want != "" && (!hasSummary || !strings.Contains(page, want)) {
			t.Errorf("/sign-in%s: error summary %v, want message %q", query, hasSummary, want)
		}
	}
}
