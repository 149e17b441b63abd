package equity

import (
	"testing"
	"time"

	"equitrial"
)

func TestPlanAlerts(t *testing.T) {
	now := mustTime("2025-06-01T00:00:00Z")
	earlier := mustTime("2025-05-01T00:00:00Z")
	k := func(g string) GroupKey { return GroupKey{DimEthnicGroup, g} }

	t.Run("open on worsening only", func(t *testing.T) {
		prev := map[GroupKey]string{k("Asian"): StatusOnTarget, k("Black"): StatusAtRisk, k("Mixed"): StatusOnTarget,
			k("White"): StatusInsufficient, k("Other"): StatusUnder}
		next := map[GroupKey]string{k("Asian"): StatusAtRisk, k("Black"): StatusUnder, k("Mixed"): StatusOver,
			k("White"): StatusUnder, k("Other"): StatusUnder}
		p := PlanAlerts("NCT1", prev, next, nil, now)
		got := map[string]string{}
		for _, a := range p.Open {
			got[a.Group] = a.PreviousStatus + "→" + a.Status
			if a.TrialID != "NCT1" || !a.OpenedAt.Equal(now) || !a.IsOpen() {
				t.Errorf("alert %+v", a)
			}
		}
		want := map[string]string{"Asian": "on_target→at_risk", "Black": "at_risk→under", "White": "insufficient_data→under"}
		if len(got) != len(want) {
			t.Fatalf("opened %v, want %v", got, want)
		}
		for g, w := range want {
			if got[g] != w {
				t.Errorf("%s: %q, want %q", g, got[g], w)
			}
		}
	})

	t.Run("first pass under opens", func(t *testing.T) {
		p := PlanAlerts("NCT1", nil, map[GroupKey]string{k("Black"): StatusUnder}, nil, now)
		if len(p.Open) != 1 {
			t.Errorf("plan %+v", p)
		}
	})

	t.Run("no duplicate while open", func(t *testing.T) {
		open := []Alert{{TrialID: "NCT1", Dimension: DimEthnicGroup, Group: "Black", Status: StatusAtRisk, OpenedAt: earlier}}
		// Even if the previous status claims recovery in between, an open alert blocks a new one.
		p := PlanAlerts("NCT1", map[GroupKey]string{k("Black"): StatusOnTarget}, map[GroupKey]string{k("Black"): StatusAtRisk}, open, now)
		if len(p.Open)+len(p.Update)+len(p.Resolve) != 0 {
			t.Errorf("plan %+v, want nothing", p)
		}
	})

	t.Run("escalate clears acknowledgement, improvement keeps it", func(t *testing.T) {
		open := []Alert{{TrialID: "NCT1", Dimension: DimEthnicGroup, Group: "Black", Status: StatusAtRisk, OpenedAt: earlier,
			AcknowledgedAt: earlier, AcknowledgedBy: "sam"}}
		p := PlanAlerts("NCT1", map[GroupKey]string{k("Black"): StatusAtRisk}, map[GroupKey]string{k("Black"): StatusUnder}, open, now)
		if len(p.Open) != 0 || len(p.Update) != 1 || p.Update[0].Status != StatusUnder || !p.Update[0].AcknowledgedAt.IsZero() {
			t.Errorf("escalation plan %+v", p)
		}
		if open[0].Status != StatusAtRisk {
			t.Error("PlanAlerts must not change the alerts it is given")
		}
		open[0].Status = StatusUnder
		p = PlanAlerts("NCT1", map[GroupKey]string{k("Black"): StatusUnder}, map[GroupKey]string{k("Black"): StatusAtRisk}, open, now)
		if len(p.Update) != 1 || p.Update[0].Status != StatusAtRisk || p.Update[0].AcknowledgedBy != "sam" {
			t.Errorf("improvement plan %+v", p)
		}
	})

	t.Run("resolve on recovery, not on insufficient data", func(t *testing.T) {
		open := []Alert{
			{TrialID: "NCT1", Dimension: DimEthnicGroup, Group: "Black", Status: StatusUnder, OpenedAt: earlier},
			{TrialID: "NCT1", Dimension: DimEthnicGroup, Group: "Asian", Status: StatusUnder, OpenedAt: earlier},
			{TrialID: "NCT1", Dimension: DimEthnicGroup, Group: "Mixed", Status: StatusUnder, OpenedAt: earlier},
		}
		next := map[GroupKey]string{k("Black"): StatusOnTarget, k("Asian"): StatusOver, k("Mixed"): StatusInsufficient}
		p := PlanAlerts("NCT1", nil, next, open, now)
		if len(p.Resolve) != 2 || len(p.Update) != 0 || len(p.Open) != 0 {
			t.Fatalf("plan %+v", p)
		}
		for _, a := range p.Resolve {
			if a.IsOpen() || !a.ResolvedAt.Equal(now) || a.Group == "Mixed" {
				t.Errorf("resolved %+v", a)
			}
		}
	})

	t.Run("stored duplicates are closed", func(t *testing.T) {
		open := []Alert{
			{ID: "b", TrialID: "NCT1", Dimension: DimEthnicGroup, Group: "Black", Status: StatusUnder, OpenedAt: now},
			{ID: "a", TrialID: "NCT1", Dimension: DimEthnicGroup, Group: "Black", Status: StatusUnder, OpenedAt: earlier},
		}
		p := PlanAlerts("NCT1", nil, map[GroupKey]string{k("Black"): StatusUnder}, open, now)
		if len(p.Resolve) != 1 || p.Resolve[0].ID != "b" || len(p.Open) != 0 {
			t.Errorf("plan %+v: the newer duplicate should close", p)
		}
	})
}

func TestAcknowledge(t *testing.T) {
	now := mustTime("2025-06-01T00:00:00Z")
	a := Alert{Status: StatusUnder, OpenedAt: now}
	if err := a.Acknowledge("", now); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Errorf("anonymous acknowledgement: %v", err)
	}
	if err := a.Acknowledge("sam", now); err != nil || a.AcknowledgedBy != "sam" || !a.AcknowledgedAt.Equal(now) {
		t.Errorf("acknowledge: %v %+v", err, a)
	}
	if err := a.Acknowledge("kim", now.Add(1)); err != nil || a.AcknowledgedBy != "sam" {
		t.Errorf("acknowledging again changes nothing: %v %+v", err, a)
	}
	a.ResolvedAt = now
	b := Alert{ResolvedAt: now}
	if err := b.Acknowledge("sam", now); !equitrial.Is(equitrial.KindConflict, err) {
		t.Errorf("acknowledging a resolved alert: %v", err)
	}
}

// Only a worsening marks an update as an escalation (which drops the
// acknowledgement when stored); an improvement that stays a concern does not.
func TestPlanAlertsMarksEscalations(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	k := GroupKey{DimEthnicGroup, EthnicBlack}
	open := []Alert{{ID: "a1", TrialID: "NCT1", Dimension: k.Dimension, Group: k.Group, Status: StatusAtRisk,
		AcknowledgedAt: now.Add(-time.Hour), AcknowledgedBy: "n1"}}
	worse := PlanAlerts("NCT1", map[GroupKey]string{k: StatusAtRisk}, map[GroupKey]string{k: StatusUnder}, open, now)
	if len(worse.Update) != 1 || !worse.Update[0].Escalated || !worse.Update[0].AcknowledgedAt.IsZero() {
		t.Fatalf("at_risk → under: %+v", worse.Update)
	}
	open[0].Status = StatusUnder
	better := PlanAlerts("NCT1", map[GroupKey]string{k: StatusUnder}, map[GroupKey]string{k: StatusAtRisk}, open, now)
	if len(better.Update) != 1 || better.Update[0].Escalated || better.Update[0].AcknowledgedBy != "n1" {
		t.Fatalf("under → at_risk: %+v", better.Update)
	}
}
