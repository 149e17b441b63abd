package equity

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"equitrial"
)

// GroupKey names one group of one dimension.
type GroupKey struct {
	Dimension string `json:"dimension"`
	Group     string `json:"group"`
}

// Alert says that a group of a trial has fallen behind its target. There is at most
// one open alert per trial, dimension and group.
type Alert struct {
	ID             string    `json:"id,omitempty"` // assigned by the store
	TrialID        string    `json:"nctId"`
	Dimension      string    `json:"dimension"`
	Group          string    `json:"group"`
	Status         string    `json:"status"`                   // the group's latest judged status
	PreviousStatus string    `json:"previousStatus,omitempty"` // what it was before it worsened
	OpenedAt       time.Time `json:"openedAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
	ResolvedAt     time.Time `json:"resolvedAt,omitzero"`
	AcknowledgedAt time.Time `json:"acknowledgedAt,omitzero"`
	AcknowledgedBy string    `json:"acknowledgedBy,omitempty"`
	// Escalated marks, in a plan's Update list, an alert that got worse: its
	// acknowledgement no longer stands. Other updates leave any acknowledgement,
	// including one given while the plan was being made, as it is.
	Escalated bool `json:"-"`
}

// Key gives the group the alert is about.
func (a *Alert) Key() GroupKey { return GroupKey{a.Dimension, a.Group} }

// IsOpen reports whether the alert is not yet resolved.
func (a *Alert) IsOpen() bool { return a.ResolvedAt.IsZero() }

// Acknowledge records that a user has seen the alert. Acknowledging again changes
// nothing; a resolved alert cannot be acknowledged.
func (a *Alert) Acknowledge(by string, at time.Time) error {
	if strings.TrimSpace(by) == "" {
		return equitrial.Invalid("who acknowledged the alert is required",
			equitrial.FieldError{Field: "acknowledgedBy", Detail: "is required"})
	}
	if !a.IsOpen() {
		return equitrial.Errorf(equitrial.KindConflict, "the alert was resolved at %s", a.ResolvedAt.Format(time.RFC3339))
	}
	if !a.AcknowledgedAt.IsZero() {
		return nil
	}
	a.AcknowledgedAt, a.AcknowledgedBy = at, by
	return nil
}

// AlertPlan is what the monitor must write after a pass: new alerts, open alerts
// whose status changed, and alerts to close. Alerts in Update and Resolve are
// copies of the given ones with the changes made; the caller stores them.
type AlertPlan struct {
	Open    []Alert
	Update  []Alert
	Resolve []Alert
}

// PlanAlerts compares a trial's group statuses before and after a monitor pass.
//
//   - An alert opens when a group's status worsens to at_risk or under (on_target or
//     over → at_risk or under, at_risk → under) and the group has no open alert. A
//     group seen for the first time, or coming out of insufficient_data or
//     target_not_set, counts as worsening from no concern: otherwise a trial that
//     is under target from its first judged day would never alert.
//   - Over-representation never opens an alert: it is the mirror of another group's
//     under-representation, which raises its own.
//   - An open alert whose group gets worse (at_risk → under) is escalated: its status
//     changes and its acknowledgement is cleared, so someone looks again. One that
//     improves without recovering (under → at_risk) just has its status updated.
//   - An open alert resolves when its group recovers to on_target or over.
//   - insufficient_data, target_not_set and suppressed make no judgement: they
//     neither open nor resolve.
//   - If open holds more than one open alert for a group (a storage race), the
//     oldest is kept and the rest are resolved, so duplicates do not persist.
func PlanAlerts(trialID string, prev, next map[GroupKey]string, open []Alert, now time.Time) AlertPlan {
	var plan AlertPlan
	byKey := make(map[GroupKey]Alert, len(open))
	sorted := slices.Clone(open)
	slices.SortStableFunc(sorted, func(a, b Alert) int { return a.OpenedAt.Compare(b.OpenedAt) })
	for _, a := range sorted {
		if !a.IsOpen() {
			continue
		}
		if _, dup := byKey[a.Key()]; dup {
			a.ResolvedAt, a.UpdatedAt = now, now
			plan.Resolve = append(plan.Resolve, a)
			continue
		}
		byKey[a.Key()] = a
	}
	keys := make([]GroupKey, 0, len(next))
	for k := range next {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b GroupKey) int {
		return cmp.Or(cmp.Compare(a.Dimension, b.Dimension), cmp.Compare(a.Group, b.Group))
	})
	for _, k := range keys {
		status := next[k]
		sev := severity(status)
		a, isOpen := byKey[k]
		switch {
		case isOpen && sev == 0:
			a.Status, a.ResolvedAt, a.UpdatedAt = status, now, now
			plan.Resolve = append(plan.Resolve, a)
		case isOpen && sev > 0 && status != a.Status:
			if sev > severity(a.Status) {
				a.PreviousStatus = a.Status
				a.AcknowledgedAt, a.AcknowledgedBy, a.Escalated = time.Time{}, "", true
			}
			a.Status, a.UpdatedAt = status, now
			plan.Update = append(plan.Update, a)
		case !isOpen && sev > 0 && sev > max(severity(prev[k]), 0):
			plan.Open = append(plan.Open, Alert{TrialID: trialID, Dimension: k.Dimension, Group: k.Group,
				Status: status, PreviousStatus: prev[k], OpenedAt: now, UpdatedAt: now})
		}
	}
	return plan
}
