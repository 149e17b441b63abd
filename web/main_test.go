package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"equitrial"
	"equitrial/auth"
	"equitrial/catalog"
	"equitrial/ctgov"
	"equitrial/internal/app"
	"equitrial/internal/testdata"
	"equitrial/refdata"
	"equitrial/store"
	"equitrial/store/storetest"
	"equitrial/synth"
	"equitrial/web/webtest"
)

var assetsDir = webtest.AssetsDir()

func TestMain(m *testing.M) {
	webtest.Start()
	storetest.Main(m)
}

// service is the real API and web UI over a fresh database, index and synthetic
// trials, reached over HTTP by the browser.
type service struct {
	url  string
	db   *store.DB
	auth *auth.Service
	log  *testdata.SyncBuffer
	nct  []string // imported trial ids
	near string   // a postcode whose location is a site of nct[0]
	cat  *catalog.Catalog
}

const testKeys = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func newService(t *testing.T) *service {
	t.Helper()
	ctx := context.Background()
	db := storetest.NewDB(t)
	s := &service{db: db, log: &testdata.SyncBuffer{}}
	records := synth.Trials(80, 7)
	// A one-postcode directory placed at a site of a recruiting diabetes or hypertension trial, so
	// that "near a postcode" has a known answer and the nurse journey's diabetic
	// patient has a trial nearby.
	var site *equitrial.LatLon
	for _, raw := range records {
		tr, err := ctgov.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range tr.Locations {
			if site == nil && l.Geo != nil && tr.Recruiting() && (slices.Contains(tr.Conditions, "Type 2 Diabetes") || slices.Contains(tr.Conditions, "Hypertension")) {
				site = l.Geo
			}
		}
	}
	if site == nil {
		t.Fatal("the synthetic trials have no recruiting diabetes or hypertension trial with a located site")
	}
	s.near = "LS1 4AP"
	csv := fmt.Sprintf("pcds,lsoa11,ctry,lat,long\n%s,E01033010,E92000001,%f,%f\n", s.near, site.Lat, site.Lon)
	dir, _, err := refdata.LoadPostcodes(strings.NewReader(csv), refdata.PostcodeOptions{Label: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := refdata.NewReference(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Patients.SetReference(ref)

	log := slog.New(slog.NewTextHandler(s.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.Build(ctx, app.Config{DB: db, IndexDir: t.TempDir(), Keyring: storetest.TestKeyring(t, testKeys),
		AssetsDir: assetsDir, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	if _, err := a.Catalog.Import(ctx, synth.Reader(records), nil); err != nil {
		t.Fatal(err)
	}
	db.Trials.Each(ctx, time.Time{}, func(tr *equitrial.Trial) error {
		s.nct = append(s.nct, tr.NCTID)
		return nil
	})
	s.auth = a.Auth
	s.cat = a.Catalog
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// user makes a staff account and returns its one-time password.
func (s *service) user(t *testing.T, email, role, org, kind string, trials ...string) string {
	t.Helper()
	ctx := context.Background()
	if err := s.db.Orgs.Put(ctx, &store.Org{ID: org, Name: org, Kind: kind, Trials: trials}); err != nil {
		t.Fatal(err)
	}
	_, pw, err := s.auth.CreateUser(ctx, email, role, org)
	if err != nil {
		t.Fatal(err)
	}
	return pw
}
