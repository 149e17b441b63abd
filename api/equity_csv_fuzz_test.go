package api

import (
	"strings"
	"testing"

	"equitrial"
)

// FuzzEventsCSV: an uploaded CSV of anonymous recruitment rows is either read
// whole or refused with an invalid-input error; never a panic, never a half.
func FuzzEventsCSV(f *testing.F) {
	f.Add("stage,at,site,imdQuintile,ethnicGroup,smi,sex,ageBand,reasons,rowKey\nenrolled,2026-01-02T10:00:00Z,Leeds,1,Black,no,female,35-49,,r1\n")
	f.Add("stage,at\n\"unterminated")
	f.Add("at,stage,site\n2026-01-02,declined,X\n")
	f.Fuzz(func(t *testing.T, body string) {
		events, err := parseEventsCSV(strings.NewReader(body), "NCT00000001")
		if err != nil {
			if k := equitrial.KindOf(err); k != equitrial.KindInvalid && k != equitrial.KindTooLarge {
				t.Fatalf("error of kind %v: %v", k, err)
			}
			if len(events) != 0 {
				t.Fatalf("%d events returned with an error", len(events))
			}
			return
		}
		for _, e := range events {
			if err := e.Validate(); err != nil {
				t.Fatalf("an accepted row does not validate: %v", err)
			}
		}
	})
}
