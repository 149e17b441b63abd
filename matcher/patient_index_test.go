package matcher

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"equitrial"
	"equitrial/eligibility"
	"equitrial/equity"
)

func indexOf(ps []*equitrial.Patient) *PatientIndex {
	x := NewPatientIndex(func() time.Time { return testNow })
	for _, p := range ps {
		x.Put(p)
	}
	return x
}

// The bitmaps hold exactly the patients a scan of the records finds, and the
// prefilter never drops a patient evaluation would keep among those recorded
// with the trial's required conditions (trial → patients looks among them; a
// patient without the diagnosis recorded is asked about it on their own
// matches): for every synthetic trial, the candidates equal a brute-force
// evaluation of every such patient.
func TestPatientIndexEqualsBruteForce(t *testing.T) {
	ps := synthPatients(3000, 11)
	ps[5].Consent.Contact = false                            // never indexed
	ps[6].Withdrawn = &equitrial.WithdrawalNote{At: testNow} // never indexed
	x := indexOf(ps)
	if got, want := x.Len(), len(ps)-2; got != want {
		t.Fatalf("indexed %d patients, want %d", got, want)
	}
	// Bitmaps against a scan.
	for _, cat := range []string{"E11", "I10", "F20", "J45"} {
		var want []string
		for _, p := range ps {
			if Consented(p) && slices.Contains(conditionCategories(ProfileOf(p, testNow)), cat) {
				want = append(want, p.ID)
			}
		}
		if got := x.idsOf(x.byCat[cat]); !slices.Equal(got, want) {
			t.Errorf("category %s: bitmap has %d patients, a scan finds %d", cat, len(got), len(want))
		}
	}
	for _, g := range []string{"ethnicGroup:Black", "imdQuintile:1", "smi:yes", "sex:female"} {
		key, _ := ParseGroup(g)
		var want []string
		for _, p := range ps {
			if Consented(p) && newPatientRec(p, testNow).strata.Group(key.Dimension) == key.Group {
				want = append(want, p.ID)
			}
		}
		if got := x.idsOf(x.byGroup[g]); !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("group %s: bitmap has %d patients, a scan finds %d", g, len(got), len(want))
		}
	}
	// Candidates against brute force, over trials of every synthetic kind.
	m := &Matcher{Trials: NewTrialCache(), Patients: x, Now: func() time.Time { return testNow }}
	trials := synthRecruitingTrials(t, 60, 3)
	m.Trials.Put(trials...)
	dropped := 0
	for _, tr := range trials {
		ct := m.Trials.Get(tr.NCTID)
		want := map[string]eligibility.Status{}
		for _, p := range ps {
			if !Consented(p) || !hasRequired(ct, conditionCategories(ProfileOf(p, testNow))) {
				continue
			}
			if st := ct.Compiled.Status(eligibility.Prepare(ProfileOf(p, testNow), testNow)); st != eligibility.Ineligible {
				want[p.ID] = st
			}
		}
		res, err := m.ForTrial(context.Background(), tr.NCTID, TrialQuery{Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		got := res.Counts.Eligible + res.Counts.PotentiallyEligible
		if got != len(want) || res.Total != len(want) {
			t.Errorf("%s: %d candidates (total %d), brute force finds %d", tr.NCTID, got, res.Total, len(want))
		}
		for _, pc := range res.Patients {
			if want[pc.PatientID] != pc.Status {
				t.Errorf("%s: patient %s listed as %s, brute force says %q", tr.NCTID, pc.PatientID, pc.Status, want[pc.PatientID])
			}
		}
		dropped += len(ps) - 2 - res.Evaluated
	}
	if dropped == 0 {
		t.Error("the prefilter dropped nobody: the bitmaps are not being used")
	}
}

// Withdrawing consent (or deleting) takes the patient out of every bitmap at once.
func TestPatientIndexRemove(t *testing.T) {
	ps := synthPatients(200, 5)
	x := indexOf(ps)
	var target *equitrial.Patient
	for _, p := range ps {
		if len(x.recs[x.slots[p.ID]].cats) > 0 {
			target = p
			break
		}
	}
	withdrawn := *target
	withdrawn.Withdrawn = &equitrial.WithdrawalNote{At: testNow}
	x.Put(&withdrawn) // an update that withdraws
	if _, ok := x.slots[target.ID]; ok {
		t.Fatal("withdrawn patient still indexed")
	}
	for name, b := range x.allBitmaps() {
		if slices.Contains(x.idsOf(b), target.ID) {
			t.Errorf("withdrawn patient still in bitmap %s", name)
		}
	}
	x.Put(target) // consents again: back, in a reused slot
	if _, ok := x.slots[target.ID]; !ok || x.Len() != len(ps) {
		t.Fatalf("re-consented patient not indexed (%d of %d)", x.Len(), len(ps))
	}
}

func (x *PatientIndex) idsOf(b *roaring.Bitmap) []string {
	var out []string
	if b == nil {
		return out
	}
	for _, s := range b.ToArray() {
		out = append(out, x.recs[s].id)
	}
	slices.Sort(out)
	return out
}

func (x *PatientIndex) allBitmaps() map[string]*roaring.Bitmap {
	out := map[string]*roaring.Bitmap{"live": x.live, "noAge": x.noAge}
	for k, b := range x.byCat {
		out["cat:"+k] = b
	}
	for k, b := range x.byGroup {
		out[k] = b
	}
	for k, b := range x.bySex {
		out["sex:"+k] = b
	}
	for k, b := range x.byOrg {
		out["org:"+k] = b
	}
	for a, b := range x.byAge {
		out["age:"+strconv.Itoa(a)] = b
	}
	return out
}

// Patients of a group the trial under-recruits come first, with the reason; the
// others follow, none hidden, and counts cover everyone.
func TestDiversityOrdering(t *testing.T) {
	ps := synthPatients(2000, 9)
	x := indexOf(ps)
	trials := synthRecruitingTrials(t, 40, 3)
	m := &Matcher{Trials: NewTrialCache(), Patients: x, Now: func() time.Time { return testNow }}
	m.Trials.Put(trials...)
	// the trial with the most candidates, so that every group is present
	var best *TrialCandidates
	for _, tr := range trials {
		res, err := m.ForTrial(context.Background(), tr.NCTID, TrialQuery{Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		if best == nil || res.Total > best.Total {
			best = res
		}
	}
	plain, _ := m.ForTrial(context.Background(), best.NCTID, TrialQuery{Size: 100})
	m.OpenFlags = func(ctx context.Context, id string) ([]Flag, error) {
		return []Flag{{Dimension: equity.DimEthnicGroup, Group: equity.EthnicBlack, Status: equity.StatusUnder, PPR: 0.41}}, nil
	}
	all := []PatientCandidate{}
	for page := 1; ; page++ {
		res, err := m.ForTrial(context.Background(), best.NCTID, TrialQuery{Size: 100, Page: page})
		if err != nil {
			t.Fatal(err)
		}
		if res.Counts != plain.Counts || res.Total != plain.Total {
			t.Fatalf("flags changed the counts: %+v vs %+v", res.Counts, plain.Counts)
		}
		all = append(all, res.Patients...)
		if len(res.Patients) < 100 {
			break
		}
	}
	if len(all) != plain.Total {
		t.Fatalf("listed %d patients over all pages, want %d: someone is hidden", len(all), plain.Total)
	}
	black, seenOther := 0, false
	for _, pc := range all {
		isBlack := pc.Strata.EthnicGroup == equity.EthnicBlack
		if isBlack {
			black++
			if seenOther {
				t.Fatalf("patient %s (Black) listed after a patient outside the flagged group", pc.PatientID)
			}
			if !pc.Priority || pc.PriorityReason != "Black participants are under-represented in this trial (PPR 0.41)" {
				t.Errorf("patient %s: priority %v, reason %q", pc.PatientID, pc.Priority, pc.PriorityReason)
			}
		} else {
			seenOther = true
			if pc.Priority {
				t.Errorf("patient %s (%s) marked priority", pc.PatientID, pc.Strata.EthnicGroup)
			}
		}
	}
	if black == 0 || black == len(all) {
		t.Fatalf("the test needs both flagged and other patients (%d of %d flagged)", black, len(all))
	}
	// The group filter lists exactly the flagged group.
	res, _ := m.ForTrial(context.Background(), best.NCTID, TrialQuery{Size: 100, Group: &equity.GroupKey{Dimension: equity.DimEthnicGroup, Group: equity.EthnicBlack}})
	if res.Total != black {
		t.Errorf("group filter lists %d, want %d", res.Total, black)
	}
	if c := res.ByStratum[equity.DimEthnicGroup][equity.EthnicBlack]; c.Eligible+c.PotentiallyEligible != black {
		t.Errorf("stratum count %+v, want %d", c, black)
	}
}

// hasRequired: the patient's categories meet every required group of the trial.
func hasRequired(ct *CompiledTrial, cats []string) bool {
	for _, group := range ct.Required {
		found := false
		for _, c := range group {
			if slices.Contains(cats, c) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
