package patients

import (
	"strings"
	"testing"
	"time"

	"equitrial"
)

func TestCheckAnswersNamesEveryBadEntry(t *testing.T) {
	c := NewChecker(func() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) })
	in := []equitrial.Answer{
		{Key: " pregnant ", Value: "No"},                                          // 0 fine, normalised
		{Key: "lab:egfr", Value: "52", Unit: "ml/min/1.73m2", Date: "2026-11-20"}, // 1 fine
		{Key: "capacity", Value: "perhaps"},                                       // 2 value
		{Key: "lab:egfr", Value: "40"},                                            // 3 key twice
		{Key: "lab:hba1c", Value: "58", Unit: "furlongs"},                         // 4 unit
		{Key: "smi", Value: "no", Date: "2026-11-22"},                             // 5 future date
		{Key: "what", Value: "yes"},                                               // 6 unknown key
		{Key: "lab:egfr2", Value: ""},                                             // 7 removal: any key
		{Key: "lab:platelets", Value: "99999", Unit: "10^9/L"},                    // 8 implausible
		{Key: "sex", Value: "Female", Unit: "kg"},                                 // 9 unit on a yes/no
		{Key: "", Value: "yes"},                                                   // 10 no key
	}
	err := c.CheckAnswers(in)
	var e *equitrial.Error
	if !equitrial.Is(equitrial.KindInvalid, err) || !asErr(err, &e) {
		t.Fatalf("CheckAnswers = %v, want invalid", err)
	}
	got := map[string]bool{}
	for _, f := range e.Fields {
		got[f.Field] = true
	}
	want := []string{"answers[2].value", "answers[3].key", "answers[4].unit", "answers[5].date", "answers[6].key", "answers[8].value", "answers[9].unit", "answers[10].key"}
	for _, f := range want {
		if !got[f] {
			t.Errorf("%s not named; got %v", f, e.Fields)
		}
	}
	if len(e.Fields) != len(want) {
		t.Errorf("named %d fields, want %d: %v", len(e.Fields), len(want), e.Fields)
	}
	if in[0].Key != "pregnant" || in[0].Value != "no" || in[1].Unit != "mL/min/1.73m2" || in[9].Value != "female" {
		t.Errorf("not normalised: %+v", in[:2])
	}
	if err := c.CheckAnswers(nil); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Errorf("no answers: %v", err)
	}
}

func asErr(err error, e **equitrial.Error) bool {
	x, ok := err.(*equitrial.Error)
	*e = x
	return ok
}

func TestMergeAnswers(t *testing.T) {
	at := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	cur := []equitrial.Answer{{Key: "pregnant", Value: "no", By: "a"}, {Key: "lab:egfr", Value: "50", By: "a"}, {Key: "smi", Value: "no", By: "a"}}
	out := MergeAnswers(cur, []equitrial.Answer{{Key: "lab:egfr", Value: "20"}, {Key: "smi", Value: ""}, {Key: "capacity", Value: "yes"}}, "b", "nurse", at)
	var keys []string
	for _, a := range out {
		keys = append(keys, a.Key+"="+a.Value+"/"+a.By)
	}
	if got := strings.Join(keys, " "); got != "pregnant=no/a lab:egfr=20/b capacity=yes/b" {
		t.Errorf("merged %s", got)
	}
	if cur[1].Value != "50" {
		t.Error("MergeAnswers changed its input")
	}
	if out[1].Role != "nurse" || !out[1].At.Equal(at) {
		t.Errorf("who and when not recorded: %+v", out[1])
	}
}

func TestPatchAndCreateRefuseAnswers(t *testing.T) {
	cur := &equitrial.Patient{ID: "pt_x", Answers: []equitrial.Answer{{Key: "pregnant", Value: "no"}}}
	if _, err := MergePatch(cur, []byte(`{"answers":[]}`)); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Errorf("PATCH of answers: %v, want refused", err)
	}
	if err := CheckWritable([]byte(`{"answers":[]}`)); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Errorf("create with answers: %v, want refused", err)
	}
	out, err := MergePatch(cur, []byte(`{"conditionsComplete":true,"conditions":[{"system":"icd10","code":"I21","status":"absent"}]}`))
	if err != nil || !out.ConditionsComplete || len(out.Answers) != 1 || out.Conditions[0].Status != "absent" {
		t.Fatalf("PATCH of conditionsComplete and status: %+v, %v", out, err)
	}
	p := &equitrial.Patient{Conditions: []equitrial.Condition{{System: "icd10", Code: "I21", Status: "Absent"}, {System: "icd10", Code: "I10", Status: "gone"}}}
	err = Default().Prepare(p)
	var e *equitrial.Error
	if !asErr(err, &e) || len(e.Fields) == 0 {
		t.Fatalf("Prepare = %v", err)
	}
	for _, f := range e.Fields {
		if f.Field == "conditions[0].status" {
			t.Errorf("status Absent refused: %v", f)
		}
	}
	found := false
	for _, f := range e.Fields {
		found = found || f.Field == "conditions[1].status"
	}
	if !found || p.Conditions[0].Status != "absent" {
		t.Errorf("status gone not named, or Absent not normalised: %v %+v", e.Fields, p.Conditions)
	}
}
