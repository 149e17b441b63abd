package store_test

import (
	"testing"

	"equitrial"

	"equitrial/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// TestConformance runs the store conformance suite against the embedded FerretDB,
// or against the MongoDB named by MONGODB_URI.
func TestConformance(t *testing.T) { storetest.Run(t, storetest.NewDB) }

func storeTrials(ids ...string) []*equitrial.Trial {
	var out []*equitrial.Trial
	for _, id := range ids {
		out = append(out, &equitrial.Trial{NCTID: id, BriefTitle: id, Raw: []byte(`{"id":"` + id + `"}`)})
	}
	return out
}
