package equity

import (
	"strings"
	"time"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// enrol gives the events of an anonymous participant enrolled at the given time.
func enrol(site string, at time.Time, s Strata) Event {
	return Event{TrialID: "NCT00000001", Stage: StageEnrolled, At: at, Site: site, Strata: &s}
}
