package matcher

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"equitrial"
	"equitrial/equity"
)

// A blanket "history of psychiatric illness" exclusion shuts out the patients with
// serious mental illness; equity.Impact must flag that group for that criterion.
func TestImpactFindsWhomACriterionExcludes(t *testing.T) {
	trial := &equitrial.Trial{NCTID: "NCT00000042", BriefTitle: "Diabetes trial", OverallStatus: "RECRUITING",
		MinimumAge: "18 Years", MaximumAge: "75 Years", Sex: "ALL", Conditions: []string{"Type 2 Diabetes"},
		EligibilityText: "Inclusion Criteria:\n\n* Type 2 diabetes\n\nExclusion Criteria:\n\n* History of schizophrenia or bipolar disorder\n"}
	cache := NewTrialCache()
	cache.Put(trial)
	pix := NewPatientIndex(func() time.Time { return testNow })
	for i := 0; i < 200; i++ {
		p := &equitrial.Patient{ID: fmt.Sprintf("p%03d", i), BirthDate: "1960-05-05", Sex: "female",
			Conditions: []equitrial.Condition{{System: "icd10", Code: "E11"}}, Consent: equitrial.Consent{Contact: true},
			Strata: &equitrial.Strata{EthnicGroup: "White", SMI: "no", IMDQuintile: 1 + i%5, AgeBand: "65-74", Sex: "female"}}
		if i%10 == 0 { // 20 patients with schizophrenia
			p.Conditions = append(p.Conditions, equitrial.Condition{System: "icd10", Code: "F20"})
			p.Strata.SMI = "yes"
		}
		pix.Put(p)
	}
	// Someone without the trial's condition is not counted.
	pix.Put(&equitrial.Patient{ID: "other", BirthDate: "1960-05-05", Consent: equitrial.Consent{Contact: true},
		Conditions: []equitrial.Condition{{System: "icd10", Code: "J45"}}})
	m := &Matcher{Trials: cache, Patients: pix, Now: func() time.Time { return testNow }}
	labels, patients, err := m.Impact(context.Background(), "NCT00000042")
	if err != nil {
		t.Fatal(err)
	}
	if len(patients) != 200 {
		t.Fatalf("%d patients evaluated, want the 200 with the trial's condition", len(patients))
	}
	impact := equity.Impact(labels, patients, equity.ImpactRule{})
	var found bool
	for _, ci := range impact {
		if !strings.Contains(ci.Criterion, "schizophrenia") {
			continue
		}
		found = true
		g := ci.Groups[equity.DimSMI][equity.SMIYes]
		if int(g.Excluded) != 20 || int(ci.Excluded) != 20 {
			t.Fatalf("schizophrenia criterion excludes %d of SMI group and %d overall, want 20 and 20", g.Excluded, ci.Excluded)
		}
		if !g.Flagged {
			t.Fatalf("the SMI group is not flagged: %+v", ci)
		}
	}
	if !found {
		t.Fatalf("no schizophrenia criterion among %q", labels)
	}
	if _, _, err := m.Impact(context.Background(), "NCT09999999"); !equitrial.Is(equitrial.KindNotFound, err) {
		t.Fatalf("unknown trial: %v", err)
	}
}
