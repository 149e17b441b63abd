package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"equitrial"
	"equitrial/store"
)

// Run runs the conformance suite against databases made by newDB.
func Run(t *testing.T, newDB func(testing.TB) *store.DB) {
	t.Run("TrialsUpsert", func(t *testing.T) { testTrialsUpsert(t, newDB(t)) })
	t.Run("TrialsGetAndEach", func(t *testing.T) { testTrialsGetAndEach(t, newDB(t)) })
	t.Run("Events", func(t *testing.T) { testEvents(t, newDB(t)) })
	t.Run("Targets", func(t *testing.T) { testTargets(t, newDB(t)) })
	t.Run("Alerts", func(t *testing.T) { testAlerts(t, newDB(t)) })
	t.Run("AlertsMany", func(t *testing.T) { testAlertsMany(t, newDB(t)) })
	t.Run("AlertNotices", func(t *testing.T) { testAlertNotices(t, newDB(t)) })
	t.Run("Dashboards", func(t *testing.T) { testDashboards(t, newDB(t)) })
	t.Run("JobRuns", func(t *testing.T) { testJobRuns(t, newDB(t)) })
	t.Run("Leases", func(t *testing.T) { testLeases(t, newDB(t)) })
	t.Run("Webhooks", func(t *testing.T) { testWebhooks(t, newDB(t)) })
	t.Run("Matches", func(t *testing.T) { testMatches(t, newDB(t)) })
	t.Run("PatientsLifecycle", func(t *testing.T) { testPatientsLifecycle(t, newDB(t)) })
	t.Run("PatientsNothingStoredOnFailure", func(t *testing.T) { testPatientsNothingStoredOnFailure(t, newDB(t)) })
	t.Run("PatientsNoPlaintextIdentifiers", func(t *testing.T) { testPatientsNoPlaintextIdentifiers(t, newDB(t)) })
	t.Run("PatientsReseal", func(t *testing.T) { testPatientsReseal(t, newDB(t)) })
	t.Run("PatientsAnswers", func(t *testing.T) { testPatientsAnswers(t, newDB(t)) })
	t.Run("RefDataRoundTrip", func(t *testing.T) { testRefDataRoundTrip(t, newDB(t)) })
	t.Run("SyncStates", func(t *testing.T) { testSyncStates(t, newDB(t)) })
}

func trial(id, lastUpdate, title string) *equitrial.Trial {
	raw := fmt.Sprintf(`{"protocolSection":{"identificationModule":{"nctId":%q,"briefTitle":%q},"statusModule":{"lastUpdatePostDateStruct":{"date":%q}}}}`, id, title, lastUpdate)
	return &equitrial.Trial{NCTID: id, BriefTitle: title, LastUpdate: lastUpdate, Sex: "ALL", Raw: []byte(raw)}
}

func testTrialsUpsert(t *testing.T, db *store.DB) {
	ctx := context.Background()
	check := func(step string, trials []*equitrial.Trial, want ...store.Outcome) {
		t.Helper()
		got, err := db.Trials.Upsert(ctx, trials)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: outcomes %v, want %v", step, got, want)
		}
	}
	check("first import", []*equitrial.Trial{trial("NCT00000001", "2024-01-01", "A"), trial("NCT00000002", "2024-01-01", "B")},
		store.Imported, store.Imported)
	check("re-import", []*equitrial.Trial{trial("NCT00000001", "2024-01-01", "A"), trial("NCT00000002", "2024-01-01", "B")},
		store.Unchanged, store.Unchanged)
	check("newer", []*equitrial.Trial{trial("NCT00000001", "2024-06-01", "A2")}, store.Updated)
	check("older", []*equitrial.Trial{trial("NCT00000001", "2023-01-01", "A0")}, store.Unchanged)
	check("same date, corrected", []*equitrial.Trial{trial("NCT00000002", "2024-01-01", "B fixed")}, store.Updated)
	check("twice in one batch", []*equitrial.Trial{trial("NCT00000003", "2024-01-01", "C"), trial("NCT00000003", "2024-01-01", "C")},
		store.Imported, store.Unchanged)
	got, err := db.Trials.Get(ctx, "NCT00000001")
	if err != nil || got.BriefTitle != "A2" || got.LastUpdate != "2024-06-01" {
		t.Fatalf("after updates Get = %+v, %v; want the 2024-06-01 version", got, err)
	}
	if n, err := db.Trials.Count(ctx); err != nil || n != 3 {
		t.Fatalf("Count = %d, %v; want 3", n, err)
	}
}

func testTrialsGetAndEach(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if _, err := db.Trials.Get(ctx, "NCT09999999"); !equitrial.Is(equitrial.KindNotFound, err) {
		t.Fatalf("Get of a missing trial: %v, want not found", err)
	}
	min, max := 18.0, 65.0
	in := trial("NCT00000010", "2024-01-01", "Ten")
	in.MinAgeYears, in.MaxAgeYears = &min, &max
	in.Phases = []string{"PHASE2", "PHASE3"}
	in.Locations = []equitrial.Location{{City: "Leeds", Country: "United Kingdom", Geo: &equitrial.LatLon{Lat: 53.8, Lon: -1.55}}}
	before := time.Now().Add(-time.Second)
	if _, err := db.Trials.Upsert(ctx, []*equitrial.Trial{in, trial("NCT00000005", "2024-01-01", "Five")}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Trials.Get(ctx, "NCT00000010")
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Raw) != string(in.Raw) || *got.MinAgeYears != 18 || *got.MaxAgeYears != 65 ||
		len(got.Phases) != 2 || got.Locations[0].Geo.Lat != 53.8 {
		t.Fatalf("round trip lost data: %+v", got)
	}
	var ids []string
	err = db.Trials.Each(ctx, time.Time{}, func(t *equitrial.Trial) error {
		ids = append(ids, t.NCTID)
		if t.Raw != nil {
			return fmt.Errorf("Each returned the raw record of %s", t.NCTID)
		}
		return nil
	})
	if err != nil || fmt.Sprint(ids) != "[NCT00000005 NCT00000010]" {
		t.Fatalf("Each = %v, %v; want both in id order", ids, err)
	}
	var since int
	db.Trials.Each(ctx, time.Now().Add(time.Hour), func(*equitrial.Trial) error { since++; return nil })
	var recent int
	db.Trials.Each(ctx, before, func(*equitrial.Trial) error { recent++; return nil })
	if since != 0 || recent != 2 {
		t.Fatalf("Each since: %d in the future, %d since before the write; want 0 and 2", since, recent)
	}
}
