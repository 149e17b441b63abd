package refdata

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

const (
	synthPostcodes = 2_600_000 // live UK postcodes, roughly
	synthLSOAs     = 35_000    // LSOAs and data zones together, roughly
)

// synthAreas are real postcode areas; the synthetic directory spreads postcodes over
// them so keys, buckets and LSOA runs look like a real release.
var synthAreas = strings.Fields(`AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL
DN DT DY E EC EH EN EX FK FY G GL GU HA HD HG HP HR HS HU HX IG IP IV KA KT KW KY L LA LD LE LL LN LS LU M
ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA
TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE`)

// synthPostcode calls fn with synthPostcodes distinct, valid postcodes in the real
// shape: about 21 districts per area, 10 sectors per district, ~100 units per sector
// (chosen at random from the 400 possible), ~74 consecutive postcodes per LSOA.
func synthPostcode(fn func(i int, pc, lsoa string, loc Point)) {
	rng := rand.New(rand.NewPCG(1, 2))
	sectors := len(synthAreas) * 21 * 10
	perSector := synthPostcodes / sectors
	extra := synthPostcodes - perSector*sectors
	units := make([]string, 0, 400)
	for _, a := range unitLetters {
		for _, b := range unitLetters {
			units = append(units, string(a)+string(b))
		}
	}
	i := 0
	for ai, area := range synthAreas {
		for district := 1; district <= 21; district++ {
			for sector := 0; sector <= 9; sector++ {
				n := perSector
				if extra > 0 {
					n++
					extra--
				}
				rng.Shuffle(len(units), func(x, y int) { units[x], units[y] = units[y], units[x] })
				for _, u := range units[:n] {
					pc := fmt.Sprintf("%s%d %d%s", area, district, sector, u)
					lsoa := fmt.Sprintf("E01%06d", (i/74)%synthLSOAs)
					loc := Point{Lat: 50 + float64(ai)*0.06 + rng.Float64()*0.05, Lon: -5 + float64(district)*0.3 + rng.Float64()*0.05}
					fn(i, pc, lsoa, loc)
					i++
				}
			}
		}
	}
}

func buildSynthetic(tb testing.TB) *Directory {
	b := NewDirectoryBuilder(synthPostcodes)
	synthPostcode(func(_ int, pc, lsoa string, loc Point) {
		if err := b.Add(pc, lsoa, NationUnknown, &loc); err != nil {
			tb.Fatal(err)
		}
	})
	d, dups := b.Build()
	if len(dups) != 0 || d.Len() != synthPostcodes {
		tb.Fatalf("synthetic directory: %d postcodes, %d duplicates", d.Len(), len(dups))
	}
	return d
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkDirectoryMemory builds a 2.6-million-postcode directory and reports the heap
// it occupies once built (after GC), which must stay at or under 150 MB.
func BenchmarkDirectoryMemory(b *testing.B) {
	for b.Loop() {
		before := heapInUse()
		d := buildSynthetic(b)
		after := heapInUse()
		runtime.KeepAlive(d)
		mb := float64(after-before) / (1 << 20)
		b.ReportMetric(mb, "heapMB")
		b.ReportMetric(float64(after-before)/float64(d.Len()), "bytes/postcode")
		if mb > 150 {
			b.Fatalf("directory of %d postcodes uses %.1f MB; the limit is 150 MB", d.Len(), mb)
		}
	}
}

var (
	synthOnce sync.Once
	synthRef  *Reference
	synthPCs  []string // a spread of postcodes in mixed spellings
)

func syntheticReference(b *testing.B) (*Reference, []string) {
	synthOnce.Do(func() {
		d := buildSynthetic(b)
		t := &IMDTable{Edition: "SYNTH"}
		for i := range synthLSOAs {
			t.add(fmt.Sprintf("E01%06d", i), i%10+1, i+1, England)
		}
		var err error
		if synthRef, err = NewReference(d, t); err != nil {
			b.Fatal(err)
		}
		synthPostcode(func(i int, pc, _ string, _ Point) {
			if i%631 == 0 {
				switch len(synthPCs) % 3 {
				case 1:
					pc = strings.ToLower(strings.ReplaceAll(pc, " ", ""))
				case 2:
					pc = " " + strings.ToLower(pc) + " "
				}
				synthPCs = append(synthPCs, pc)
			}
		})
		rand.New(rand.NewPCG(3, 4)).Shuffle(len(synthPCs), func(i, j int) { synthPCs[i], synthPCs[j] = synthPCs[j], synthPCs[i] })
	})
	return synthRef, synthPCs
}

// BenchmarkDirectoryLookup: postcode in any spelling → entry, over 2.6 million.
func BenchmarkDirectoryLookup(b *testing.B) {
	r, pcs := syntheticReference(b)
	d := r.Directory()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := d.Lookup(pcs[i%len(pcs)]); !ok {
			b.Fatalf("%q not found", pcs[i%len(pcs)])
		}
		i++
	}
}

// BenchmarkReferenceLookup: postcode → LSOA → decile, the full Result, over 2.6 million.
// Two thirds of the inputs are not canonical, so they allocate their canonical form.
func BenchmarkReferenceLookup(b *testing.B) {
	r, pcs := syntheticReference(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if res := r.Lookup(pcs[i%len(pcs)]); !res.Found {
			b.Fatalf("%+v", res)
		}
		i++
	}
}

// BenchmarkDirectoryBinary reports the blob size of 2.6 million postcodes and the time
// to decode it, which is what start-up pays instead of re-reading the CSV.
func BenchmarkDirectoryBinary(b *testing.B) {
	r, _ := syntheticReference(b)
	blob, err := r.Directory().MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var d Directory
		if err := d.UnmarshalBinary(blob); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(blob))/(1<<20), "blobMB")
}

// BenchmarkLoadPostcodesCSV parses a 2.6-million-row CSV in the ONSPD shape (postcode,
// LSOA, country, lat, long, doterm) into a directory.
func BenchmarkLoadPostcodesCSV(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("pcd,pcds,doterm,ctry,lsoa11,lat,long\n")
	synthPostcode(func(_ int, pc, lsoa string, loc Point) {
		fmt.Fprintf(&buf, "%s,%s,,E92000001,%s,%.6f,%.6f\n", strings.ReplaceAll(pc, " ", ""), pc, lsoa, loc.Lat, loc.Lon)
	})
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		d, rep, err := LoadPostcodes(bytes.NewReader(data), PostcodeOptions{SizeHint: synthPostcodes})
		if err != nil || d.Len() != synthPostcodes || rep.Skipped != 0 {
			b.Fatalf("%d loaded, %+v, %v", d.Len(), rep.Problems, err)
		}
	}
}

// BenchmarkLoadSharedSample loads the real 100,000-postcode ONSPD sample.
func BenchmarkLoadSharedSample(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(sharedRefdata(b), "onspd_sample_100k.csv"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := LoadPostcodes(bytes.NewReader(data), PostcodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
