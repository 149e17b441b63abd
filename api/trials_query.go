package api

import (
	"net/url"
	"strconv"
	"strings"

	"equitrial"
	"equitrial/matcher"
	"equitrial/refdata"
)

const maxPageSize = 100

var (
	statuses = set("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING",
		"COMPLETED", "SUSPENDED", "TERMINATED", "WITHDRAWN", "UNKNOWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
		"TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD")
	phases        = set("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
	countryAlias  = map[string]string{"UK": "United Kingdom", "GB": "United Kingdom", "GREAT BRITAIN": "United Kingdom", "ENGLAND": "United Kingdom", "US": "United States", "USA": "United States"}
	searchParams  = set("q", "status", "phase", "condition", "country", "near", "radius_km", "age", "sex", "page", "size")
	sexParamValue = map[string]string{"female": "FEMALE", "male": "MALE", "f": "FEMALE", "m": "MALE"}
)

func set(values ...string) map[string]bool {
	m := make(map[string]bool, len(values))
	for _, v := range values {
		m[v] = true
	}
	return m
}

// parseSearch reads the search parameters, naming every one that is wrong. near is a
// UK postcode (resolved through ref, which may be nil) or latitude,longitude.
func parseSearch(v url.Values, ref *refdata.Reference) (matcher.Query, error) {
	var q matcher.Query
	var bad []equitrial.FieldError
	fail := func(field, detail string) { bad = append(bad, equitrial.FieldError{Field: field, Detail: detail}) }
	for name := range v {
		if !searchParams[name] {
			fail(name, "unknown parameter; the parameters are q, status, phase, condition, country, near (a postcode or latitude,longitude), radius_km, age, sex, page and size")
		}
	}
	q.Text = strings.TrimSpace(v.Get("q"))
	q.Condition = strings.TrimSpace(v.Get("condition"))
	if len(q.Text) > 500 || len(q.Condition) > 200 {
		fail("q", "is too long")
	}
	for _, s := range list(v["status"]) {
		s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", "_"))
		if !statuses[s] {
			fail("status", strconv.Quote(s)+" is not a ClinicalTrials.gov overall status such as RECRUITING or COMPLETED")
			continue
		}
		q.Status = append(q.Status, s)
	}
	for _, p := range list(v["phase"]) {
		norm := normalisePhase(p)
		if !phases[norm] {
			fail("phase", strconv.Quote(p)+" is not a phase: use EARLY_PHASE1, PHASE1, PHASE2, PHASE3, PHASE4 or NA")
			continue
		}
		q.Phase = append(q.Phase, norm)
	}
	for _, c := range list(v["country"]) {
		q.Country = append(q.Country, normaliseCountry(c))
	}
	if near := v.Get("near"); near != "" {
		if lat, lon, ok := parseLatLon(near); ok {
			q.Near = &equitrial.LatLon{Lat: lat, Lon: lon}
		} else if at, approx, problem := locatePostcode(near, ref); problem != "" {
			fail("near", problem)
		} else {
			q.Near, q.NearApproximate = at, approx
		}
	}
	if r := v.Get("radius_km"); r != "" {
		f, err := strconv.ParseFloat(r, 64)
		switch {
		case err != nil || f <= 0 || f > 20000:
			fail("radius_km", "must be a number of kilometres greater than 0 and at most 20000")
		case v.Get("near") == "":
			fail("radius_km", "needs near, the point to measure from")
		default:
			q.RadiusKm = f
		}
	}
	if a := v.Get("age"); a != "" {
		f, err := strconv.ParseFloat(a, 64)
		if err != nil || f < 0 || f > 130 {
			fail("age", "must be an age in years between 0 and 130")
		} else {
			q.Age = &f
		}
	}
	if sx := v.Get("sex"); sx != "" {
		norm, ok := sexParamValue[strings.ToLower(sx)]
		if !ok {
			fail("sex", "must be female or male")
		}
		q.Sex = norm
	}
	q.Page = intParam(v, "page", 1, 1, 10000, fail)
	q.Size = intParam(v, "size", 20, 1, maxPageSize, fail)
	if len(bad) > 0 {
		return q, equitrial.Invalid("", bad...)
	}
	return q, nil
}

// list splits repeated and comma-separated values: status=A&status=B or status=A,B.
func list(values []string) []string {
	var out []string
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func normalisePhase(p string) string {
	p = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(p), " ", ""))
	switch p {
	case "0", "EARLYPHASE1", "EARLY_PHASE1":
		return "EARLY_PHASE1"
	case "1", "2", "3", "4":
		return "PHASE" + p
	case "N/A":
		return "NA"
	}
	return p
}

func normaliseCountry(c string) string {
	c = strings.TrimSpace(c)
	if alias, ok := countryAlias[strings.ToUpper(c)]; ok {
		return alias
	}
	words := strings.Fields(strings.ToLower(c))
	for i, w := range words {
		if w != "of" && w != "and" && w != "the" || i == 0 {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

func parseLatLon(s string) (lat, lon float64, ok bool) {
	a, b, found := strings.Cut(s, ",")
	if !found {
		return 0, 0, false
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	return lat, lon, err1 == nil && err2 == nil && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

func intParam(v url.Values, name string, def, min, max int, fail func(string, string)) int {
	s := v.Get(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		fail(name, "must be a whole number from "+strconv.Itoa(min)+" to "+strconv.Itoa(max))
		return def
	}
	return n
}

// locatePostcode finds where a postcode is, through the postcode directory's
// coordinates (or, approximately, its small area's centroid), or says in plain words
// why it cannot.
func locatePostcode(s string, ref *refdata.Reference) (*equitrial.LatLon, bool, string) {
	pc, ok := refdata.NormalisePostcode(s)
	switch {
	case !ok:
		return nil, false, "must be a UK postcode such as LS1 3EX, or latitude,longitude in decimal degrees such as 53.80,-1.55"
	case ref == nil || ref.Directory() == nil:
		return nil, false, "postcodes cannot be looked up because no postcode directory is loaded; give latitude,longitude instead"
	}
	res := ref.Lookup(pc)
	switch {
	case res.Status == refdata.StatusNotInDirectory || res.Status == refdata.StatusInvalidPostcode:
		return nil, false, "postcode " + pc + " is not in the postcode directory (it may be new, retired or mistyped)"
	case !res.HasLocation:
		return nil, false, "the postcode directory has no location for " + pc + "; give latitude,longitude instead"
	}
	return &equitrial.LatLon{Lat: res.Lat, Lon: res.Lon}, res.Approximate, ""
}
