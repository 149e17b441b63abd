package equity

import "testing"

func TestImpactFlagsSMIExclusion(t *testing.T) {
	var ps []ImpactPatient
	add := func(n int, s Strata, excluded ...bool) {
		for range n {
			ps = append(ps, ImpactPatient{Strata: s, Excluded: excluded})
		}
	}
	// 20 with SMI, all excluded by criterion 0; 80 without, 5 of them excluded.
	add(20, Strata{SMI: SMIYes, EthnicGroup: EthnicWhite}, true, false)
	add(5, Strata{SMI: SMINo, EthnicGroup: EthnicWhite}, true, false)
	add(70, Strata{SMI: SMINo, EthnicGroup: EthnicWhite}, false, true)
	// 5 "Other" patients, all excluded by criterion 1: a high rate but too few to flag.
	add(5, Strata{SMI: SMINo, EthnicGroup: EthnicOther}, false, true)
	criteria := []string{"history of psychiatric illness", "BMI over 40"}
	out := Impact(criteria, ps, ImpactRule{})

	c0 := out[0]
	if c0.Patients != 100 || c0.Excluded != 25 || c0.Rate != 0.25 {
		t.Fatalf("criterion 0 overall: %+v", c0)
	}
	yes := c0.Groups[DimSMI][SMIYes]
	if yes.Rate != 1 || yes.RateRatio != 4 || !yes.Flagged {
		t.Errorf("SMI yes: %+v", yes)
	}
	if no := c0.Groups[DimSMI][SMINo]; no.Flagged || no.Patients != 80 || no.Excluded != 5 {
		t.Errorf("SMI no: %+v", no)
	}
	if len(c0.Flagged) != 1 || c0.Flagged[0] != (GroupKey{DimSMI, SMIYes}) {
		t.Errorf("flagged %v", c0.Flagged)
	}
	if c0.Groups[DimSex][GroupNotKnown].Flagged {
		t.Error("missing-value groups are never flagged")
	}

	c1 := out[1]
	if o := c1.Groups[DimEthnicGroup][EthnicOther]; o.Rate != 1 || o.Flagged {
		t.Errorf("5 patients are too few to flag: %+v", o)
	}
	// With the minimum lowered to 5, they are flagged: the rule is configurable.
	c1 = Impact(criteria, ps, ImpactRule{Ratio: 1.2, MinGroup: 5})[1]
	if o := c1.Groups[DimEthnicGroup][EthnicOther]; !o.Flagged {
		t.Errorf("MinGroup 5 should flag: %+v", o)
	}
	// A ratio of 5 is more than SMI's 4×.
	if Impact(criteria, ps, ImpactRule{Ratio: 5})[0].Groups[DimSMI][SMIYes].Flagged {
		t.Error("ratio 5 should not flag a 4× rate")
	}
}

func TestImpactNoExclusions(t *testing.T) {
	ps := []ImpactPatient{{Strata: Strata{SMI: SMIYes}}, {Strata: Strata{SMI: SMINo}}}
	out := Impact([]string{"adults only"}, ps, ImpactRule{MinGroup: 1})
	if out[0].Rate != 0 || len(out[0].Flagged) != 0 || out[0].Groups[DimSMI][SMIYes].RateRatio.Defined() {
		t.Errorf("%+v", out[0])
	}
	if out := Impact([]string{"x"}, nil, ImpactRule{}); out[0].Rate.Defined() || out[0].Patients != 0 {
		t.Errorf("no patients: %+v", out[0])
	}
}
