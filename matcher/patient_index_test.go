package matcher

import (
	"context"
	"slices"
	"strconv"
	"sync"
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

// Withdrawing consent (or deleting) takes the patient out of every bitmap at once,
// for good; a patient who only stopped consenting to contact comes back when a
// newer record consents again.
func TestPatientIndexRemove(t *testing.T) {
	ps := synthPatients(200, 5)
	x := indexOf(ps)
	var targets []*equitrial.Patient
	for _, p := range ps {
		if len(x.recs[x.slots[p.ID]].cats) > 0 {
			targets = append(targets, p)
		}
	}
	target, paused := targets[0], targets[1]
	withdrawn := *target
	withdrawn.Withdrawn = &equitrial.WithdrawalNote{At: testNow}
	withdrawn.UpdatedAt = testNow
	x.Put(&withdrawn) // an update that withdraws
	x.assertAbsent(t, target.ID)
	again := *target
	again.UpdatedAt = testNow.Add(time.Hour)
	x.Put(&again) // no record brings a withdrawn patient back
	x.assertAbsent(t, target.ID)

	noContact := *paused
	noContact.Consent.Contact = false
	noContact.UpdatedAt = testNow
	x.Put(&noContact)
	x.assertAbsent(t, paused.ID)
	back := *paused
	back.UpdatedAt = testNow.Add(time.Minute)
	x.Put(&back) // consents again: back, in a reused slot
	if _, ok := x.slots[paused.ID]; !ok || x.Len() != len(ps)-1 || len(x.recs) != len(ps) {
		t.Fatalf("re-consented patient not indexed (%d of %d, %d slots)", x.Len(), len(ps)-1, len(x.recs))
	}
}

func (x *PatientIndex) assertAbsent(t *testing.T, id string) {
	t.Helper()
	x.mu.RLock()
	defer x.mu.RUnlock()
	if _, ok := x.slots[id]; ok {
		t.Fatalf("patient %s still indexed", id)
	}
	for name, b := range x.allBitmaps() {
		if slices.Contains(x.idsOf(b), id) {
			t.Fatalf("patient %s still in bitmap %s", id, name)
		}
	}
}

// Issue 10, item 12: change notifications may arrive out of order (each is sent
// by the writing goroutine after its write). One older than the record the index
// holds, or than the change that took the patient out, is dropped; after a
// withdrawal or deletion, none brings the patient back.
func TestPatientIndexDropsStaleNotifications(t *testing.T) {
	ps := synthPatients(50, 12)
	for _, p := range ps {
		p.UpdatedAt = testNow.Add(-time.Hour)
	}
	x := indexOf(ps)
	at := func(p *equitrial.Patient, d time.Duration, change func(*equitrial.Patient)) *equitrial.Patient {
		c := *p
		c.UpdatedAt = testNow.Add(d)
		if change != nil {
			change(&c)
		}
		return &c
	}
	withCondition := func(code string) func(*equitrial.Patient) {
		return func(p *equitrial.Patient) {
			p.Conditions = []equitrial.Condition{{System: "icd10", Code: code}}
		}
	}
	withdraw := func(p *equitrial.Patient) {
		p.Withdrawn, p.Consent.Contact = &equitrial.WithdrawalNote{At: p.UpdatedAt}, false
	}

	// A newer update, then the older one it followed.
	a := ps[0]
	x.Put(at(a, 2*time.Minute, withCondition("F20.0")))
	x.Put(at(a, time.Minute, withCondition("E11.9")))
	if r := x.recs[x.slots[a.ID]]; !slices.Equal(r.cats, []string{"F20"}) || !r.version.Equal(testNow.Add(2*time.Minute)) {
		t.Errorf("after an older update arrived late the index holds %v of %v; want the newer record's F20", r.cats, r.version)
	}
	if slices.Contains(x.idsOf(x.byCat["E11"]), a.ID) || !slices.Contains(x.idsOf(x.byCat["F20"]), a.ID) {
		t.Errorf("the bitmaps hold the older record's E11, not the newer one's F20")
	}

	// The withdrawal, then an update written before it.
	b := ps[1]
	x.Put(at(b, 2*time.Minute, withdraw))
	x.Put(at(b, time.Minute, nil))
	x.assertAbsent(t, b.ID)

	// The feed's withdrawal or deletion (no record), then an update before it,
	// and even a record claiming to be newer.
	c := ps[2]
	x.Withdraw(c.ID)
	x.Put(at(c, time.Minute, nil))
	x.Put(at(c, time.Hour, nil))
	x.assertAbsent(t, c.ID)

	// No more consent to contact, then the older consented record.
	d := ps[3]
	x.Put(at(d, 2*time.Minute, func(p *equitrial.Patient) { p.Consent.Contact = false }))
	x.Put(at(d, time.Minute, nil))
	x.assertAbsent(t, d.ID)
	x.Put(at(d, 3*time.Minute, nil)) // consents again, later
	if _, ok := x.slots[d.ID]; !ok {
		t.Error("a patient consenting again after no consent is not indexed")
	}

	// Trial → patients never offers the withdrawn.
	m := &Matcher{Trials: NewTrialCache(), Patients: x, Now: func() time.Time { return testNow }}
	trials := synthRecruitingTrials(t, 30, 4)
	m.Trials.Put(trials...)
	for _, tr := range trials {
		res, err := m.ForTrial(context.Background(), tr.NCTID, TrialQuery{Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, pc := range res.Patients {
			if pc.PatientID == b.ID || pc.PatientID == c.ID {
				t.Errorf("%s offers withdrawn patient %s", tr.NCTID, pc.PatientID)
			}
		}
	}
}

// Issue 10, item 12: a withdrawal that arrives while a reload has read the patient
// from the store but not yet put them in the new index must win. The hook holds
// the load between its check and its put and gives the withdrawal time to land.
func TestPatientIndexLoadRacesWithdrawal(t *testing.T) {
	ps := synthPatients(100, 7)
	x := indexOf(ps)
	target := ps[40].ID
	done := make(chan struct{})
	x.loadHook = func(id string) {
		if id != target {
			return
		}
		go func() {
			x.Withdraw(target)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(200 * time.Millisecond):
		}
	}
	each := func(ctx context.Context, fn func(*equitrial.Patient) error) error {
		for _, p := range ps {
			if err := fn(p); err != nil {
				return err
			}
		}
		return nil
	}
	n, err := x.Load(context.Background(), each)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the withdrawal never finished")
	}
	x.assertAbsent(t, target)
	if x.Len() != len(ps)-1 || n > len(ps) {
		t.Fatalf("%d indexed after the load (%d loaded), want %d", x.Len(), n, len(ps)-1)
	}
	// The next reload reads a store that still lists them (a stale replica, say):
	// the withdrawal is remembered.
	x.loadHook = nil
	if _, err := x.Load(context.Background(), each); err != nil {
		t.Fatal(err)
	}
	x.assertAbsent(t, target)
}

// Issue 10, item 12: reloads race with withdrawals and late, older updates, round
// after round; no withdrawn patient is ever left in the index.
func TestPatientIndexConcurrentWithdrawals(t *testing.T) {
	ps := synthPatients(300, 21)
	for _, p := range ps {
		p.UpdatedAt = testNow.Add(-time.Hour)
	}
	x := indexOf(ps)
	each := func(ctx context.Context, fn func(*equitrial.Patient) error) error {
		for _, p := range ps {
			if err := fn(p); err != nil {
				return err
			}
		}
		return nil
	}
	var withdrawn []string
	for round := range 10 {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.Load(context.Background(), each)
		}()
		for k := range 10 {
			p := ps[round*10+k]
			withdrawn = append(withdrawn, p.ID)
			wg.Add(2)
			go func() { // the withdrawal, and an update written just before it whose notification comes last
				defer wg.Done()
				if k%2 == 0 {
					x.Withdraw(p.ID)
				} else {
					w := *p
					w.UpdatedAt, w.Withdrawn, w.Consent.Contact = testNow, &equitrial.WithdrawalNote{At: testNow}, false
					x.Put(&w)
				}
			}()
			go func() {
				defer wg.Done()
				u := *p
				u.UpdatedAt = testNow.Add(-time.Minute)
				x.Put(&u)
			}()
		}
		wg.Wait()
		for _, id := range withdrawn {
			x.assertAbsent(t, id)
		}
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

// Contact turned off reaches the index without the record, but with its version:
// a late notification of an older, consented version must not bring the patient
// back; a newer one (contact turned on again) does.
func TestPatientIndexRemoveVersionDropsOlderRecords(t *testing.T) {
	ps := synthPatients(10, 13)
	for _, p := range ps {
		p.UpdatedAt = testNow.Add(-time.Hour)
	}
	x := indexOf(ps)
	a := *ps[0]
	x.RemoveVersion(a.ID, testNow) // contact turned off at testNow
	late := a
	late.UpdatedAt = testNow.Add(-time.Minute)
	x.Put(&late)
	if _, held := x.slots[a.ID]; held {
		t.Fatal("an older consented record arriving late brought the patient back")
	}
	again := a
	again.UpdatedAt = testNow.Add(time.Minute)
	x.Put(&again)
	if _, held := x.slots[a.ID]; !held {
		t.Error("a newer consented record did not bring the patient back")
	}
}
