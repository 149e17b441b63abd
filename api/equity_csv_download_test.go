package api

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"equitrial/equity"
)

// csvDashboard is a dashboard of 40 White participants and extra Black ones.
func csvDashboard(black int) equity.Dashboard {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var evs []equity.Event
	add := func(n int, group string) {
		for i := range n {
			evs = append(evs, equity.Event{TrialID: "NCT00000001", Stage: equity.StageEnrolled, At: now.Add(-time.Duration(i+1) * 24 * time.Hour),
				Site: "RXX01", Strata: &equity.Strata{EthnicGroup: group, IMDQuintile: 3, SMI: "no", Sex: "female", AgeBand: "50-64"}})
		}
	}
	add(40, "White")
	add(black, "Black")
	targets := equity.Targets{Total: 200, EndDate: "2027-01-31", Shares: map[string]map[string]float64{"smi": {"yes": 0.1, "no": 0.9}}}
	d := equity.Compute(evs, targets, now, equity.Options{})
	d.Alerts = []equity.Alert{}
	return d
}

// A sponsor's CSV cannot tell an empty group from a group of 1–7: with no Black
// participant and with two (everything else rounding alike) the bytes are the same.
// The exact CSVs differ, so the comparison can fail.
func TestEquityCSVSuppressedEqualsEmpty(t *testing.T) {
	none, two := csvDashboard(0), csvDashboard(2)
	if bytes.Equal(equityCSV(equityResponse(none, true)), equityCSV(equityResponse(two, true))) {
		t.Fatal("the exact CSVs of 0 and 2 Black participants are the same: the test cannot tell")
	}
	a, b := equityCSV(equityResponse(none, false)), equityCSV(equityResponse(two, false))
	if !bytes.Equal(a, b) {
		t.Fatalf("a sponsor's CSV tells 0 from 2:\n%s\n---\n%s", a, b)
	}
	rows, err := csv.NewReader(bytes.NewReader(a)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+5+5+2+2+6 || strings.Join(rows[0], ",") != strings.Join(equityCSVHeader, ",") {
		t.Fatalf("%d rows, header %q", len(rows), rows[0])
	}
	for _, r := range rows[1:] {
		if r[0] == "Ethnic group" && (r[1] == "Black" || r[1] == "Mixed") {
			if r[3] != equity.SuppressedText || r[4] != "" || r[5] != "" || r[7] != "" {
				t.Errorf("withheld %s row: %q", r[1], r)
			}
			if r[12] != equity.StatusLabel(equity.StatusSuppressed) && r[12] != equity.StatusLabel(equity.StatusInsufficient) {
				t.Errorf("withheld %s row's status %q", r[1], r[12])
			}
		}
		if r[0] == "Ethnic group" && r[1] == "White" && (r[3] != "40" || r[4] != "100.0" || r[2] != "81.7") {
			t.Errorf("White row: %q", r)
		}
		for _, cell := range r[3:4] {
			if n, err := strconv.Atoi(cell); err == nil && n > 0 && n < equity.SuppressBelow {
				t.Errorf("a count of %d in the sponsor's CSV: %q", n, r)
			}
		}
	}
}
