package refdata

import (
	"bytes"
	"testing"

	"equitrial"
)

func TestBinaryRoundTripSharedSample(t *testing.T) {
	s := loadSample(t)
	var buf bytes.Buffer
	if _, err := s.dir.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := s.eng.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	size := buf.Len()
	var dir Directory
	var imd IMDTable
	if _, err := dir.ReadFrom(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := imd.ReadFrom(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Fatalf("%d bytes left after reading both blobs", buf.Len())
	}
	t.Logf("100k postcodes + %d IMD areas: %d bytes", imd.Len(), size)
	if dir.Len() != s.dir.Len() || dir.Label != s.dir.Label || dir.LSOAColumn != s.dir.LSOAColumn || imd.Edition != "IMD2019" || imd.Len() != s.eng.Len() {
		t.Fatalf("round trip lost metadata: %d/%d postcodes, label %q, column %q, edition %q", dir.Len(), s.dir.Len(), dir.Label, dir.LSOAColumn, imd.Edition)
	}
	// Every postcode and every area must come back identical.
	var orig []Entry
	s.dir.Each(func(e Entry) bool { orig = append(orig, e); return true })
	i := 0
	dir.Each(func(e Entry) bool {
		if e != orig[i] {
			t.Fatalf("entry %d: got %+v, want %+v", i, e, orig[i])
		}
		i++
		return true
	})
	s.eng.Each(func(e IMDEntry) bool {
		if got, ok := imd.Lookup(e.Area); !ok || got != e {
			t.Fatalf("IMD %s: got %+v, want %+v", e.Area, got, e)
		}
		return true
	})
	a, _ := NewReference(s.dir, s.eng)
	b, _ := NewReference(&dir, &imd)
	for _, pc := range []string{"W1K 3RH", "bh92le", "JE2 7QJ", "M22 2BG", "ZZ1 1ZZ"} {
		if ra, rb := a.Lookup(pc), b.Lookup(pc); ra != rb {
			t.Errorf("Lookup(%q): loaded %+v, decoded %+v", pc, ra, rb)
		}
	}
}

func TestBinaryRejectsDamage(t *testing.T) {
	d := smallDirectory(t)
	blob, err := d.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var ok Directory
	if err := ok.UnmarshalBinary(blob); err != nil {
		t.Fatalf("intact blob rejected: %v", err)
	}
	cases := map[string][]byte{
		"empty":     nil,
		"truncated": blob[:len(blob)-5],
		"flipped":   flip(blob, len(blob)/2),
		"checksum":  flip(blob, len(blob)-1),
		"magic":     flip(blob, 0),
		"version":   flip(blob, 8),
		"imd blob":  mustMarshal(t, smallIMD(t)),
	}
	for name, b := range cases {
		var got Directory
		err := got.UnmarshalBinary(b)
		if !equitrial.Is(equitrial.KindInvalid, err) {
			t.Errorf("%s: err = %v; want a KindInvalid error", name, err)
		}
		if got.Len() != 0 {
			t.Errorf("%s: a failed decode left %d postcodes behind", name, got.Len())
		}
	}
	var imd IMDTable
	if err := imd.UnmarshalBinary(blob); err == nil {
		t.Error("a directory blob decoded as an IMD table")
	}
	if _, err := imd.ReadFrom(bytes.NewReader(mustMarshal(t, smallIMD(t))[:20])); !equitrial.Is(equitrial.KindInvalid, err) {
		t.Errorf("truncated stream: err = %v; want KindInvalid", err)
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x40
	return c
}

func mustMarshal(t *testing.T, m interface{ MarshalBinary() ([]byte, error) }) []byte {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzDirectoryPayload feeds arbitrary payloads, correctly framed so that they get
// past the checksum, to the decoder: it must refuse them or produce a directory whose
// lookups work, and never panic.
func FuzzDirectoryPayload(f *testing.F) {
	d := smallDirectory(f)
	blob, err := d.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(blob[headerLen : len(blob)-4])
	f.Fuzz(func(t *testing.T, payload []byte) {
		var d Directory
		if err := d.UnmarshalBinary(frame(directoryMagic, directoryVersion, payload)); err != nil {
			return
		}
		d.Each(func(e Entry) bool {
			if _, ok := d.Lookup(e.Postcode); !ok {
				t.Fatalf("decoded postcode %s not found by Lookup", e.Postcode)
			}
			return true
		})
	})
}

// FuzzIMDPayload does the same for the deprivation index.
func FuzzIMDPayload(f *testing.F) {
	blob, err := smallIMD(f).MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(blob[headerLen : len(blob)-4])
	f.Fuzz(func(t *testing.T, payload []byte) {
		var tab IMDTable
		if err := tab.UnmarshalBinary(frame(imdMagic, imdVersion, payload)); err != nil {
			return
		}
		tab.Each(func(e IMDEntry) bool {
			if got, ok := tab.Lookup(e.Area); !ok || got != e || e.Quintile != Quintile(e.Decile) {
				t.Fatalf("decoded area %+v looks up as %+v, %v", e, got, ok)
			}
			return true
		})
	})
}
