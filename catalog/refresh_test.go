package catalog_test

import (
	"context"
	"testing"

	"equitrial"
	"equitrial/catalog"
	"equitrial/matcher"
	"equitrial/store/storetest"
)

// Refresh applies what the store holds (written by another replica) to the index
// and to Changed, and says which versions it applied; an id not stored is absent.
// A trial that an import in this process writes while Refresh is reading is left
// as the import indexed it: the version Refresh read may be older.
func TestRefresh(t *testing.T) {
	ctx := context.Background()
	dbs := storetest.NewSharedDBs(t, 2)
	ix, err := matcher.OpenMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	heard := map[string]string{}
	cat := &catalog.Catalog{Store: dbs[1].Trials, Index: ix, Changed: func(ts []*equitrial.Trial) {
		for _, t := range ts {
			heard[t.NCTID] = t.LastUpdate
		}
	}}
	if _, err := dbs[0].Trials.Upsert(ctx, []*equitrial.Trial{version("NCT00000101", "2024-01-01"), version("NCT00000102", "2024-01-01")}); err != nil {
		t.Fatal(err)
	}
	got, err := cat.Refresh(ctx, []string{"NCT00000101", "NCT00000102", "NCT00000109"})
	if err != nil || len(got) != 2 || got["NCT00000101"].IsZero() {
		t.Fatalf("Refresh = %v, %v; want the versions of the two stored trials", got, err)
	}
	if n, _ := ix.Count(); n != 2 || heard["NCT00000102"] != "2024-01-01" {
		t.Fatalf("after Refresh: %d indexed, Changed heard %v", n, heard)
	}

	// Another replica writes a newer version; while this one reads it, an import
	// here writes a newer one still.
	if _, err := dbs[0].Trials.Upsert(ctx, []*equitrial.Trial{version("NCT00000101", "2024-02-01")}); err != nil {
		t.Fatal(err)
	}
	catalog.SetAfterRefreshRead(cat, func() {
		if _, err := cat.Import(ctx, reader(version("NCT00000101", "2024-03-01")), nil); err != nil {
			t.Error(err)
		}
	})
	got, err = cat.Refresh(ctx, []string{"NCT00000101"})
	catalog.SetAfterRefreshRead(cat, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("Refresh racing an import = %v, %v; want nothing applied", got, err)
	}
	if heard["NCT00000101"] != "2024-03-01" {
		t.Fatalf("matching holds %s of the trial, want the import's 2024-03-01", heard["NCT00000101"])
	}
	res, err := ix.Search(ctx, matcher.Query{Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		if h.NCTID == "NCT00000101" && h.Title != "version of 2024-03-01" {
			t.Fatalf("the index holds %q, want the import's version", h.Title)
		}
	}
}
