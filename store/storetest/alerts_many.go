package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"equitrial/equity"
	"equitrial/store"
)

// testAlertsMany opens, updates and marks notified 300 alerts in one call each:
// FerretDB v1.24 stopped answering an update command of about a hundred
// statements, which hung the equity monitor at 10,000 trials (store/bulkwrite.go).
func testAlertsMany(t *testing.T, db *store.DB) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	now := at("2024-06-01T00:00:00Z")
	var alerts []equity.Alert
	for i := range 300 {
		alerts = append(alerts, equity.Alert{TrialID: fmt.Sprintf("NCT%08d", i), Dimension: "smi", Group: "yes",
			Status: equity.StatusAtRisk, OpenedAt: now, UpdatedAt: now})
	}
	opened, err := db.Alerts.Open(ctx, alerts)
	if err != nil || len(opened) != len(alerts) {
		t.Fatalf("Open: %d, %v", len(opened), err)
	}
	for i := range opened {
		opened[i].Status, opened[i].UpdatedAt = equity.StatusUnder, now.Add(time.Hour)
	}
	if err := db.Alerts.Update(ctx, opened); err != nil {
		t.Fatalf("Update of %d alerts: %v", len(opened), err)
	}
	notices, err := db.Alerts.Unnotified(ctx)
	if err != nil || len(notices) != len(alerts) {
		t.Fatalf("Unnotified: %d, %v", len(notices), err)
	}
	if err := db.Alerts.Notified(ctx, notices); err != nil {
		t.Fatalf("Notified of %d notices: %v", len(notices), err)
	}
	if rest, err := db.Alerts.Unnotified(ctx); err != nil || len(rest) != 0 {
		t.Fatalf("after Notified, %d notices still pending (%v)", len(rest), err)
	}
}
