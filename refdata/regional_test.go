package refdata

import (
	"math"
	"strings"
	"testing"
)

func TestLoadRegionalShares(t *testing.T) {
	groups := []string{"Asian", "Black", "Mixed", "White", "Other"}
	csv := "Region,asian,BLACK,Mixed,White,Other\n" +
		"London,20.7,13.5,5.7,53.8,6.3\n" + // percentages
		"North East,0.036,0.012,0.014,0.928,0.01\n" + // shares
		"Nowhere,50,50,50,50,50\n" + // does not add up
		"Leeds,x,1,1,1,1\n" +
		"London,1,1,1,96,1\n"
	table, rep, err := LoadRegionalShares(strings.NewReader(csv), groups, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(table) != 2 || rep.Skipped != 3 || len(rep.Problems) != 3 {
		t.Fatalf("table %v, report %+v; want London and North East, three rows skipped", table, rep)
	}
	if got := table["London"]["Black"]; math.Abs(got-0.135) > 1e-9 {
		t.Errorf("London Black share %v, want 0.135", got)
	}
	if got := table["North East"]["White"]; math.Abs(got-0.928) > 1e-9 {
		t.Errorf("North East White share %v, want 0.928", got)
	}
	if _, _, err := LoadRegionalShares(strings.NewReader("region,Asian\nLondon,1\n"), groups, 0); err == nil {
		t.Error("a table without every group column was accepted")
	}
}
