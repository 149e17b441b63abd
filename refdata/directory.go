package refdata

import (
	"cmp"
	"math"
	"slices"

	"equitrial"
)

// noCoord marks a postcode without a location (ONSPD gives terminated and some
// non-geographic postcodes 99.999999, 0.000000).
const noCoord = math.MinInt32

// coordScale stores degrees as millionths in an int32: ONSPD's own precision, and
// about 11 cm on the ground.
const coordScale = 1e6

// noLSOA is the interned index of the empty LSOA code: the postcode is in the
// directory but has no small area (new, non-geographic, Channel Islands, Isle of Man).
const noLSOA = 0

// Directory is a compact postcode directory: postcode → LSOA (or Scottish data zone,
// or Northern Ireland super output area), nation and location. Postcodes are packed
// into integer keys held in a sorted slice, with the other fields in parallel slices
// and LSOA codes interned, so 2.6 million postcodes take about 21 bytes each.
// A Directory is read-only once built and safe for concurrent use.
type Directory struct {
	// Label names the release the directory was loaded from (e.g. "ONSPD_FEB_2024"),
	// so strata derived from it can record their source. Set by the caller.
	Label string
	// LSOAColumn is the column the small areas came from ("lsoa11", "lsoa21", …).
	// LSOA 2011 codes match IMD 2019; LSOA 2021 codes match IoD 2025.
	LSOAColumn string

	keys    []uint64 // sorted
	lsoa    []uint32 // index into lsoas
	nation  []Nation
	lat     []int32 // millionths of a degree, or noCoord
	lon     []int32
	lsoas   []string // interned codes; lsoas[0] == ""
	clat    []int32  // per interned area: its centroid (millionths of a degree), or noCoord; nil when none loaded
	clon    []int32
	buckets []uint32 // buckets[b]..buckets[b+1] is the key range whose top bits are b
}

// Entry is what the directory knows about one postcode.
type Entry struct {
	Postcode    string  `json:"postcode"`
	LSOA        string  `json:"lsoa,omitempty"`
	Nation      Nation  `json:"nation,omitempty"`
	HasLocation bool    `json:"hasLocation,omitempty"`
	Lat         float64 `json:"lat,omitempty"`
	Lon         float64 `json:"lon,omitempty"`
	// Approximate: the postcode has no coordinates of its own and the location is its
	// small area's centroid (see SetCentroids).
	Approximate bool `json:"approximate,omitempty"`
}

// Len is the number of postcodes held.
func (d *Directory) Len() int { return len(d.keys) }

// LSOACount is the number of distinct small areas the postcodes fall in.
func (d *Directory) LSOACount() int { return len(d.lsoas) - 1 }

// Lookup finds a postcode typed in any spelling NormalisePostcode accepts. Entry.Postcode
// is the input string itself, not a canonical copy, so the lookup never allocates; use
// NormalisePostcode for the canonical form.
func (d *Directory) Lookup(postcode string) (Entry, bool) {
	c, ok := parsePostcode(postcode)
	if !ok {
		return Entry{}, false
	}
	i, ok := d.find(c.key())
	if !ok {
		return Entry{}, false
	}
	e := d.entry(i)
	e.Postcode = postcode
	return e, true
}

func (d *Directory) entry(i int) Entry {
	e := Entry{LSOA: d.lsoas[d.lsoa[i]], Nation: d.nation[i]}
	if d.lat[i] != noCoord {
		e.HasLocation = true
		e.Lat = float64(d.lat[i]) / coordScale
		e.Lon = float64(d.lon[i]) / coordScale
	} else if lat, lon, ok := d.centroid(d.lsoa[i]); ok {
		e.HasLocation, e.Approximate = true, true
		e.Lat = float64(lat) / coordScale
		e.Lon = float64(lon) / coordScale
	}
	return e
}

// find returns the index of key: the bucket table narrows the range to postcodes
// sharing the first three characters (a few hundred at most), then binary search.
func (d *Directory) find(key uint64) (int, bool) {
	b := key >> bucketShift
	if b+1 >= uint64(len(d.buckets)) {
		return 0, false
	}
	lo, hi := int(d.buckets[b]), int(d.buckets[b+1])
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if d.keys[m] < key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(d.keys) && d.keys[lo] == key
}

// Each calls fn for every postcode in key order until fn returns false. It allocates
// the canonical postcode string for each entry; it is for export and tests, not for
// the hot path.
func (d *Directory) Each(fn func(Entry) bool) {
	for i, k := range d.keys {
		e := d.entry(i)
		e.Postcode = postcodeFromKey(k)
		if !fn(e) {
			return
		}
	}
}

// LSOAs returns the distinct small-area codes the directory holds, in no set order.
func (d *Directory) LSOAs() []string { return append([]string(nil), d.lsoas[1:]...) }

// DirectoryBuilder collects postcodes and builds a Directory. The zero value is not
// ready; use NewDirectoryBuilder.
type DirectoryBuilder struct {
	d      Directory
	intern map[string]uint32
	sorted bool
}

// NewDirectoryBuilder returns a builder expecting about sizeHint postcodes (0 if not
// known); the hint avoids repeated growth of the slices while loading.
func NewDirectoryBuilder(sizeHint int) *DirectoryBuilder {
	b := &DirectoryBuilder{intern: map[string]uint32{"": noLSOA}, sorted: true}
	b.d.lsoas = []string{""}
	if sizeHint > 0 {
		b.d.keys = make([]uint64, 0, sizeHint)
		b.d.lsoa = make([]uint32, 0, sizeHint)
		b.d.nation = make([]Nation, 0, sizeHint)
		b.d.lat = make([]int32, 0, sizeHint)
		b.d.lon = make([]int32, 0, sizeHint)
	}
	return b
}

// Point is a location in WGS84 degrees.
type Point struct{ Lat, Lon float64 }

// Add records one postcode. lsoa may be empty; loc may be nil. When nation is
// NationUnknown it is derived from the LSOA code, then from the postcode area.
// It rejects an invalid postcode or location with a KindInvalid error; duplicates are
// detected by Build.
func (b *DirectoryBuilder) Add(postcode, lsoa string, nation Nation, loc *Point) error {
	c, ok := parsePostcode(postcode)
	if !ok {
		return equitrial.Invalid("not a valid UK postcode", equitrial.FieldError{Field: "postcode", Detail: postcode})
	}
	lat, lon := int32(noCoord), int32(noCoord)
	if loc != nil {
		if !(loc.Lat >= -90 && loc.Lat <= 90 && loc.Lon >= -180 && loc.Lon <= 180) {
			return equitrial.Invalid("location out of range", equitrial.FieldError{Field: "location", Detail: "latitude must be within ±90 and longitude within ±180"})
		}
		lat, lon = int32(math.Round(loc.Lat*coordScale)), int32(math.Round(loc.Lon*coordScale))
	}
	if nation == NationUnknown {
		nation = NationOfArea(lsoa)
	}
	if nation == NationUnknown {
		nation = nationOfPostcodeArea(&c)
	}
	idx, ok := b.intern[lsoa]
	if !ok {
		idx = uint32(len(b.d.lsoas))
		b.d.lsoas = append(b.d.lsoas, lsoa)
		b.intern[lsoa] = idx
	}
	k := c.key()
	if n := len(b.d.keys); n > 0 && b.d.keys[n-1] >= k {
		b.sorted = false
	}
	b.d.keys = append(b.d.keys, k)
	b.d.lsoa = append(b.d.lsoa, idx)
	b.d.nation = append(b.d.nation, nation)
	b.d.lat = append(b.d.lat, lat)
	b.d.lon = append(b.d.lon, lon)
	return nil
}

// Len is the number of postcodes added so far.
func (b *DirectoryBuilder) Len() int { return len(b.d.keys) }

// Build sorts the postcodes, drops duplicates (keeping the first added and returning
// the duplicated postcodes so the caller can report them), trims the slices to size
// and returns the Directory. The builder must not be used afterwards.
func (b *DirectoryBuilder) Build() (*Directory, []string) {
	d := &b.d
	if !b.sorted {
		d.sortByKey()
	}
	var dups []string
	w := 0
	for r := range d.keys {
		if w > 0 && d.keys[r] == d.keys[w-1] {
			dups = append(dups, postcodeFromKey(d.keys[r]))
			continue
		}
		d.keys[w], d.lsoa[w], d.nation[w], d.lat[w], d.lon[w] = d.keys[r], d.lsoa[r], d.nation[r], d.lat[r], d.lon[r]
		w++
	}
	d.keys = trim(d.keys[:w])
	d.lsoa = trim(d.lsoa[:w])
	d.nation = trim(d.nation[:w])
	d.lat = trim(d.lat[:w])
	d.lon = trim(d.lon[:w])
	d.lsoas = trim(d.lsoas)
	d.buildBuckets()
	b.intern = nil
	return d, dups
}

// trim copies s into a slice of exactly its length, so that the spare capacity left
// by appending during a load is returned to the heap.
func trim[T any](s []T) []T {
	if cap(s) == len(s) {
		return s
	}
	return append(make([]T, 0, len(s)), s...)
}

func (d *Directory) buildBuckets() {
	d.buckets = make([]uint32, 1<<bucketBits+1)
	i := 0
	for b := range 1 << bucketBits {
		d.buckets[b] = uint32(i)
		for i < len(d.keys) && d.keys[i]>>bucketShift == uint64(b) {
			i++
		}
	}
	d.buckets[1<<bucketBits] = uint32(i)
}

// sortByKey orders the parallel slices by key. Sorting a permutation and applying it
// once is much faster than swapping five slices in step; ties keep the order added,
// so Build's "first added wins" holds.
func (d *Directory) sortByKey() {
	perm := make([]uint32, len(d.keys))
	for i := range perm {
		perm[i] = uint32(i)
	}
	slices.SortFunc(perm, func(a, b uint32) int {
		if c := cmp.Compare(d.keys[a], d.keys[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	d.keys = permute(d.keys, perm)
	d.lsoa = permute(d.lsoa, perm)
	d.nation = permute(d.nation, perm)
	d.lat = permute(d.lat, perm)
	d.lon = permute(d.lon, perm)
}

func permute[T any](s []T, perm []uint32) []T {
	out := make([]T, len(s))
	for i, p := range perm {
		out[i] = s[p]
	}
	return out
}
