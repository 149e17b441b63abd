package refdata

import (
	"io"
	"math"

	"equitrial"
)

// Small-area centroids: an approximate location for a postcode whose directory entry
// has no coordinates (the postcode sample in ../shared/refdata has none at all). The
// postcode's small area (LSOA 2011 / data zone / SOA) gives a point, its population-
// weighted centroid, which is off by a few hundred metres in towns and a few km in
// rural areas: lookups mark such a location Approximate so that pages can say so.
// A postcode's own coordinates, when the directory has them, always win.

// Centroids maps small-area codes to points, as read by LoadCentroids.
type Centroids map[string]Point

var (
	centroidAreaHeaders = []string{"lsoa11", "lsoa11cd", "lsoa21", "lsoa21cd", "lsoa", "lsoa code", "datazone", "data zone", "code"}
)

// LoadCentroids reads a CSV of one point per small area, with columns found by header
// name: the area code (lsoa11, lsoa11cd, lsoa21cd, lsoa, code…), lat/latitude and
// long/lon/longitude in WGS84 degrees. Bad rows are skipped and listed in the report.
// It returns an error only when the file is not CSV, lacks one of the columns, or
// yields no point.
func LoadCentroids(r io.Reader) (Centroids, LoadReport, error) {
	rep := LoadReport{Columns: map[string]string{}}
	cr, header, err := openCSV(r, "centroids")
	if err != nil {
		return nil, rep, err
	}
	h := newHeaderIndex(header)
	area, lat, lon := h.find(centroidAreaHeaders...), h.find(latHeaders...), h.find(lonHeaders...)
	var missing []equitrial.FieldError
	for _, c := range []struct {
		i    int
		name string
	}{{area, "area code (lsoa11)"}, {lat, "latitude (lat)"}, {lon, "longitude (long)"}} {
		if c.i < 0 {
			missing = append(missing, equitrial.FieldError{Field: "header", Detail: "no " + c.name + " column"})
		}
	}
	if len(missing) > 0 {
		return nil, rep, equitrial.Invalid("the centroids file lacks a column it needs", missing...)
	}
	rep.Columns["area"], rep.Columns["lat"], rep.Columns["lon"] = header[area], header[lat], header[lon]
	probs := problemLog{rep: &rep, max: DefaultMaxProblems}
	out := Centroids{}
	need := max(area, lat, lon) + 1
	err = eachRow(cr, "centroids", &rep, probs, need, len(header), func(line int, rec []string) {
		code := normaliseArea(rec[area])
		if !validAreaCode(code) {
			probs.add(line, "area code %q is not a small-area code", rec[area])
			return
		}
		p, ok, err := parseLocation(rec[lat], rec[lon])
		switch {
		case err != nil:
			probs.add(line, "%v", err)
			return
		case !ok:
			probs.add(line, "area %s has no location", code)
			return
		}
		if _, dup := out[code]; dup {
			probs.add(line, "area %s appears twice; the first is kept", code)
			return
		}
		out[code] = p
	})
	if err != nil {
		return nil, rep, err
	}
	rep.Loaded = len(out)
	if len(out) == 0 {
		return nil, rep, equitrial.Invalid("the centroids file has no usable rows", equitrial.FieldError{Field: "rows", Detail: "no area with a location"})
	}
	return out, rep, nil
}

func normaliseArea(s string) string {
	b := []byte(s)
	n := 0
	for _, c := range b {
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		b[n] = c
		n++
	}
	return string(b[:n])
}

// CentroidStats says what attaching centroids did.
type CentroidStats struct {
	Areas     int `json:"areas"`     // areas of the directory given a centroid
	Postcodes int `json:"postcodes"` // postcodes without coordinates now placed approximately
	Unplaced  int `json:"unplaced"`  // postcodes still without any location
}

// SetCentroids gives the directory's areas the points in c (replacing any given
// before; nil removes them) and reports how many postcodes that places. Call it
// before the directory is shared: a Directory is read-only once in use.
func (d *Directory) SetCentroids(c Centroids) CentroidStats {
	var st CentroidStats
	d.clat, d.clon = nil, nil
	if len(c) == 0 {
		for i := range d.keys {
			if d.lat[i] == noCoord {
				st.Unplaced++
			}
		}
		return st
	}
	d.clat = make([]int32, len(d.lsoas))
	d.clon = make([]int32, len(d.lsoas))
	for i, code := range d.lsoas {
		d.clat[i], d.clon[i] = noCoord, noCoord
		if i == noLSOA {
			continue
		}
		if p, ok := c[code]; ok {
			d.clat[i], d.clon[i] = int32(math.Round(p.Lat*coordScale)), int32(math.Round(p.Lon*coordScale))
			st.Areas++
		}
	}
	for i := range d.keys {
		if d.lat[i] != noCoord {
			continue
		}
		if d.clat[d.lsoa[i]] != noCoord {
			st.Postcodes++
		} else {
			st.Unplaced++
		}
	}
	return st
}

// HasCentroids reports whether the directory carries small-area centroids.
func (d *Directory) HasCentroids() bool { return d != nil && d.clat != nil }

// centroid is area a's point, if known.
func (d *Directory) centroid(a uint32) (lat, lon int32, ok bool) {
	if d.clat == nil || int(a) >= len(d.clat) || d.clat[a] == noCoord {
		return 0, 0, false
	}
	return d.clat[a], d.clon[a], true
}

// Centroids returns the points the directory's areas carry (nil without any), so
// that a reloaded directory can keep them.
func (d *Directory) Centroids() Centroids {
	if d == nil || d.clat == nil {
		return nil
	}
	out := Centroids{}
	for a, code := range d.lsoas {
		if lat, lon, ok := d.centroid(uint32(a)); ok && a != noLSOA {
			out[code] = Point{Lat: float64(lat) / coordScale, Lon: float64(lon) / coordScale}
		}
	}
	return out
}
