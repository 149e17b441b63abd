package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzPatientForm: whatever a browser (or anything pretending to be one) posts to
// the registration form, turning it into the API's JSON body never panics, and
// every local error names a field of the form.
func FuzzPatientForm(f *testing.F) {
	f.Add("given-name=Ada&family-name=Lovelace&dob-day=10&dob-month=12&dob-year=1815&postcode=SW1A+1AA&consent=yes", false)
	f.Add("dob-day=31&dob-month=2&dob-year=2000&conditions=asthma%0Adiabetes&pregnant=yes&sex=female", true)
	f.Add("dob-day=-1&dob-month=99999999999999999999&dob-year=x&ethnicity=%00", false)
	f.Fuzz(func(t *testing.T, body string, staff bool) {
		r, err := http.NewRequest("POST", "/register", strings.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if _, err := url.ParseQuery(body); err != nil {
			return
		}
		form := readPatientForm(r, staff)
		_, errs := form.body(time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
		for _, e := range errs {
			if e.Field == "" || e.Detail == "" {
				t.Fatalf("a form error without a field or message: %+v", e)
			}
		}
	})
}
