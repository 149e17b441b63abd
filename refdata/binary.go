package refdata

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"equitrial"
)

// Binary forms, for keeping the loaded reference data in the database as a blob per
// table and reloading it at start-up without re-reading the CSVs. Layout:
//
//	magic (8 bytes) | version (uint16 LE) | payload length (uint64 LE) | payload | CRC-32C of payload (uint32 LE)
//
// Directory payload: label, LSOA column, area codes (interned table), count, then per
// postcode, in key order: key delta (uvarint), area index delta (zigzag), nation (byte),
// latitude and longitude deltas (0 = no location, else zigzag delta + 1). Sorted keys
// and clustered areas make the deltas small: the full ONSPD comes to roughly a third of
// its in-memory size. A blob bigger than one MongoDB document (16 MB) needs GridFS or
// splitting; WriteTo streams, so either works.
//
// IMD payload: edition, area column, count, then per area: code, decile (byte),
// rank (uvarint), nation (byte).
//
// Directory version 2 is version 1 followed by the small-area centroids (see
// SetCentroids): per area, in table order, 0 for none, else latitude and longitude
// deltas as for postcodes. A directory without centroids is still written as version 1.
//
// A version newer than the ones this code reads is refused rather than guessed at:
// rebuild the blob from the CSVs.
const (
	directoryMagic   = "EQTPCDIR"
	imdMagic         = "EQTIMD\x00\x00"
	directoryVersion = 2 // the newest read; 1 is read too
	imdVersion       = 1
	headerLen        = 8 + 2 + 8
	maxPayload       = 1 << 31 // far above the full ONSPD; refuses absurd lengths from a bad blob
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MarshalBinary encodes the directory; see the layout above.
func (d *Directory) MarshalBinary() ([]byte, error) {
	p := make([]byte, 0, 64+len(d.keys)*8)
	p = appendString(p, d.Label)
	p = appendString(p, d.LSOAColumn)
	p = binary.AppendUvarint(p, uint64(len(d.lsoas)-1))
	for _, s := range d.lsoas[1:] {
		p = appendString(p, s)
	}
	p = binary.AppendUvarint(p, uint64(len(d.keys)))
	var prevKey uint64
	var prevLat, prevLon int32
	var prevArea uint32
	for i, k := range d.keys {
		p = binary.AppendUvarint(p, k-prevKey)
		prevKey = k
		p = binary.AppendUvarint(p, zigzag(int64(d.lsoa[i])-int64(prevArea)))
		prevArea = d.lsoa[i]
		p = append(p, byte(d.nation[i]))
		p = appendPoint(p, d.lat[i], d.lon[i], &prevLat, &prevLon)
	}
	if d.clat == nil {
		return frame(directoryMagic, 1, p), nil
	}
	prevLat, prevLon = 0, 0
	for a := 1; a < len(d.lsoas); a++ {
		p = appendPoint(p, d.clat[a], d.clon[a], &prevLat, &prevLon)
	}
	return frame(directoryMagic, 2, p), nil
}

// UnmarshalBinary replaces d with the directory encoded in data, after checking the
// magic, version and checksum.
func (d *Directory) UnmarshalBinary(data []byte) error {
	p, err := unframe(data, directoryMagic, directoryVersion, "postcode directory")
	if err != nil {
		return err
	}
	version := binary.LittleEndian.Uint16(data[8:])
	dec := decoder{p: p}
	var nd Directory
	nd.Label = dec.string()
	nd.LSOAColumn = dec.string()
	nAreas := dec.count(1) // at least a length byte per code; guards the allocation
	nd.lsoas = make([]string, 1, nAreas+1)
	for range nAreas {
		nd.lsoas = append(nd.lsoas, dec.string())
	}
	n := dec.count(3)
	nd.keys = make([]uint64, n)
	nd.lsoa = make([]uint32, n)
	nd.nation = make([]Nation, n)
	nd.lat = make([]int32, n)
	nd.lon = make([]int32, n)
	var key uint64
	var lat, lon, area int64
	for i := 0; i < n && dec.err == nil; i++ {
		delta := dec.uvarint()
		if (i > 0 && delta == 0) || key+delta < key {
			dec.fail("postcodes out of order")
		}
		key += delta
		nd.keys[i] = key
		area += unzigzag(dec.uvarint())
		if area < 0 || area > int64(nAreas) {
			dec.fail("area index out of range")
			break
		}
		nd.lsoa[i] = uint32(area)
		nation := Nation(dec.byte())
		if nation >= nationCount {
			dec.fail("unknown nation")
		}
		nd.nation[i] = nation
		nd.lat[i], nd.lon[i] = dec.point(&lat, &lon, "location out of range")
	}
	if key>>(keyChars*keyCharBits) != 0 {
		dec.fail("postcode key out of range")
	}
	if version >= 2 && dec.err == nil {
		nd.clat = make([]int32, nAreas+1)
		nd.clon = make([]int32, nAreas+1)
		nd.clat[0], nd.clon[0] = noCoord, noCoord
		lat, lon = 0, 0
		for a := 1; a <= nAreas && dec.err == nil; a++ {
			nd.clat[a], nd.clon[a] = dec.point(&lat, &lon, "centroid out of range")
		}
	}
	if err := dec.done("postcode directory"); err != nil {
		return err
	}
	nd.buildBuckets()
	*d = nd
	return nil
}

// WriteTo writes the binary form to w.
func (d *Directory) WriteTo(w io.Writer) (int64, error) { return writeMarshaled(w, d) }

// ReadFrom reads one binary directory from r, consuming exactly its bytes.
func (d *Directory) ReadFrom(r io.Reader) (int64, error) { return readFramed(r, d) }

// MarshalBinary encodes the table; see the layout above.
func (t *IMDTable) MarshalBinary() ([]byte, error) {
	p := make([]byte, 0, 64+len(t.codes)*16)
	p = appendString(p, t.Edition)
	p = appendString(p, t.AreaColumn)
	p = binary.AppendUvarint(p, uint64(len(t.codes)))
	for i, c := range t.codes {
		p = appendString(p, c)
		p = append(p, t.deciles[i])
		p = binary.AppendUvarint(p, uint64(t.ranks[i]))
		p = append(p, byte(t.nations[i]))
	}
	return frame(imdMagic, imdVersion, p), nil
}

// UnmarshalBinary replaces t with the table encoded in data, after checking the magic,
// version and checksum.
func (t *IMDTable) UnmarshalBinary(data []byte) error {
	p, err := unframe(data, imdMagic, imdVersion, "deprivation index")
	if err != nil {
		return err
	}
	dec := decoder{p: p}
	var nt IMDTable
	nt.Edition = dec.string()
	nt.AreaColumn = dec.string()
	n := dec.count(4)
	for i := 0; i < n && dec.err == nil; i++ {
		code := dec.string()
		decile := int(dec.byte())
		rank := dec.uvarint()
		nation := Nation(dec.byte())
		switch {
		case decile < 1 || decile > 10:
			dec.fail("decile out of range")
		case rank > 1<<32-1:
			dec.fail("rank out of range")
		case nation >= nationCount:
			dec.fail("unknown nation")
		default:
			if _, dup := nt.index[code]; dup {
				dec.fail("area repeated")
			}
		}
		nt.add(code, decile, int(rank), nation)
	}
	if err := dec.done("deprivation index"); err != nil {
		return err
	}
	*t = nt
	return nil
}

// WriteTo writes the binary form to w.
func (t *IMDTable) WriteTo(w io.Writer) (int64, error) { return writeMarshaled(w, t) }

// ReadFrom reads one binary table from r, consuming exactly its bytes.
func (t *IMDTable) ReadFrom(r io.Reader) (int64, error) { return readFramed(r, t) }

func frame(magic string, version uint16, payload []byte) []byte {
	out := make([]byte, 0, headerLen+len(payload)+4)
	out = append(out, magic...)
	out = binary.LittleEndian.AppendUint16(out, version)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(payload)))
	out = append(out, payload...)
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(payload, castagnoli))
}

func corrupt(what, format string, args ...any) error {
	return &equitrial.Error{Kind: equitrial.KindInvalid, Op: "decode " + what, Detail: fmt.Sprintf(format, args...)}
}

// parseHeader checks magic and version and returns the payload length.
func parseHeader(h []byte, magic string, version uint16, what string) (int, error) {
	if len(h) < headerLen || string(h[:8]) != magic {
		return 0, corrupt(what, "not a binary %s (wrong magic number)", what)
	}
	if v := binary.LittleEndian.Uint16(h[8:]); v < 1 || v > version {
		return 0, corrupt(what, "binary %s version %d; this build reads version %d, so reload it from the CSV files", what, v, version)
	}
	n := binary.LittleEndian.Uint64(h[10:])
	if n > maxPayload {
		return 0, corrupt(what, "payload length %d is implausible", n)
	}
	return int(n), nil
}

func unframe(data []byte, magic string, version uint16, what string) ([]byte, error) {
	n, err := parseHeader(data, magic, version, what)
	if err != nil {
		return nil, err
	}
	if len(data) != headerLen+n+4 {
		return nil, corrupt(what, "%d bytes; the header says %d", len(data), headerLen+n+4)
	}
	p := data[headerLen : headerLen+n]
	if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(data[headerLen+n:]) {
		return nil, corrupt(what, "checksum mismatch: the blob is damaged")
	}
	return p, nil
}

type framedCodec interface {
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
}

func writeMarshaled(w io.Writer, m framedCodec) (int64, error) {
	b, err := m.MarshalBinary()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// readFramed reads the header to learn the length, then exactly the rest of one blob,
// so several blobs can follow one another in a stream.
func readFramed(r io.Reader, u framedCodec) (int64, error) {
	var magic string
	var version uint16
	var what string
	switch u.(type) {
	case *Directory:
		magic, version, what = directoryMagic, directoryVersion, "postcode directory"
	default:
		magic, version, what = imdMagic, imdVersion, "deprivation index"
	}
	h := make([]byte, headerLen)
	if n, err := io.ReadFull(r, h); err != nil {
		return int64(n), readFailure(what, err)
	}
	n, err := parseHeader(h, magic, version, what)
	if err != nil {
		return headerLen, err
	}
	buf := make([]byte, headerLen+n+4)
	copy(buf, h)
	if m, err := io.ReadFull(r, buf[headerLen:]); err != nil {
		return int64(headerLen + m), readFailure(what, err)
	}
	return int64(len(buf)), u.UnmarshalBinary(buf)
}

func readFailure(what string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return corrupt(what, "truncated")
	}
	return &equitrial.Error{Kind: equitrial.KindOther, Op: "read " + what, Err: err}
}

func appendString(p []byte, s string) []byte {
	p = binary.AppendUvarint(p, uint64(len(s)))
	return append(p, s...)
}

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// decoder reads a payload, remembering the first failure so callers check once.
type decoder struct {
	p   []byte
	err error
}

func (d *decoder) fail(msg string) {
	if d.err == nil {
		d.err = errors.New(msg)
	}
	d.p = nil
}

// appendPoint codes one point after the running prevLat and prevLon (which it
// advances), as decoder.point reads it: a zero for a point not given (noCoord),
// else the deltas, the latitude's shifted up one. Postcodes and centroids are coded
// alike, so both write through this.
func appendPoint(p []byte, lat, lon int32, prevLat, prevLon *int32) []byte {
	if lat == noCoord {
		return append(p, 0)
	}
	p = binary.AppendUvarint(p, zigzag(int64(lat)-int64(*prevLat))+1)
	p = binary.AppendUvarint(p, zigzag(int64(lon)-int64(*prevLon)))
	*prevLat, *prevLon = lat, lon
	return p
}

// point reads one delta-coded point after the running lat and lon (which it
// advances): noCoord twice for a point not given (a zero), and a failure named
// outOfRange for one off the globe. Postcodes and centroids are coded alike, so
// both read through this.
func (d *decoder) point(lat, lon *int64, outOfRange string) (int32, int32) {
	dl := d.uvarint()
	if dl == 0 {
		return noCoord, noCoord
	}
	*lat += unzigzag(dl - 1)
	*lon += unzigzag(d.uvarint())
	if *lat < -90*coordScale || *lat > 90*coordScale || *lon < -180*coordScale || *lon > 180*coordScale {
		d.fail(outOfRange)
	}
	return int32(*lat), int32(*lon)
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.p)
	if n <= 0 {
		d.fail("truncated or malformed number")
		return 0
	}
	d.p = d.p[n:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.p) == 0 {
		d.fail("truncated")
		return 0
	}
	b := d.p[0]
	d.p = d.p[1:]
	return b
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.p)) {
		d.fail("truncated string")
		return ""
	}
	s := string(d.p[:n])
	d.p = d.p[n:]
	return s
}

// count reads an element count and checks it against the bytes left, given the
// smallest encoding of one element, so a bad count cannot force a huge allocation.
func (d *decoder) count(minBytes int) int {
	n := d.uvarint()
	if n > uint64(len(d.p)/minBytes) {
		d.fail("count larger than the data")
		return 0
	}
	return int(n)
}

func (d *decoder) done(what string) error {
	if d.err == nil && len(d.p) != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return corrupt(what, "%v", d.err)
	}
	return nil
}
