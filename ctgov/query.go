package ctgov

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"equitrial"
)

// Query is a search of the registry in the API v2's own terms: the parameters of
// GET /api/v2/studies that choose studies (query.cond, query.term, query.locn, …,
// filter.*, postFilter.*, aggFilters), as a person would write them in a URL:
// "query.locn=United Kingdom&query.cond=diabetes". Paging, format and the
// last-update filter belong to the sync and are refused here.
type Query struct {
	params url.Values
}

// selecting reports whether key is an API v2 parameter that chooses studies.
func selecting(key string) bool {
	return strings.HasPrefix(key, "query.") || strings.HasPrefix(key, "filter.") ||
		strings.HasPrefix(key, "postFilter.") || key == "aggFilters"
}

// ParseQuery reads a query such as "query.locn=United Kingdom&query.cond=asthma".
// Values may be written plainly or URL-encoded.
func ParseQuery(s string) (Query, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "?"))
	if s == "" {
		return Query{}, equitrial.Invalid("a registry query is required (for example query.locn=United Kingdom); an empty one would page through the whole registry",
			equitrial.FieldError{Field: "query", Detail: "empty"})
	}
	vals, err := url.ParseQuery(s)
	if err != nil {
		return Query{}, equitrial.Invalid("the registry query is not of the form key=value&key=value",
			equitrial.FieldError{Field: "query", Detail: err.Error()})
	}
	var bad []equitrial.FieldError
	for k, vs := range vals {
		switch {
		case !selecting(k):
			bad = append(bad, equitrial.FieldError{Field: k, Detail: "not an API v2 search parameter: use query.*, filter.*, postFilter.* or aggFilters (paging and format are set by the sync)"})
		case len(vs) != 1 || strings.TrimSpace(vs[0]) == "":
			bad = append(bad, equitrial.FieldError{Field: k, Detail: "give exactly one non-empty value"})
		}
	}
	if len(bad) > 0 {
		return Query{}, equitrial.Invalid("the registry query has parameters the sync cannot send", bad...)
	}
	return Query{params: vals}, nil
}

// String is the query in a canonical form (keys sorted, URL-encoded), so that
// the same search written two ways names the same saved cursor.
func (q Query) String() string { return q.params.Encode() }

// IsZero reports whether no query was given.
func (q Query) IsZero() bool { return len(q.params) == 0 }

// lastUpdateFilter is the API v2 (Essie) expression for "last update posted on or
// after since". The range is inclusive, so a record posted later on the day of the
// previous high-water mark is still found; the same record found again is a no-op.
func lastUpdateFilter(since string) string {
	return "AREA[LastUpdatePostDate]RANGE[" + since + ",MAX]"
}

// values returns the request parameters for the search from since (empty: all
// dates), without paging. A filter.advanced of the query's own is kept and joined
// to the date filter with AND.
func (q Query) values(since string) url.Values {
	v := url.Values{}
	for k, vs := range q.params {
		v[k] = append([]string(nil), vs...)
	}
	if since != "" {
		f := lastUpdateFilter(since)
		if own := v.Get("filter.advanced"); own != "" {
			f = "(" + own + ") AND " + f
		}
		v.Set("filter.advanced", f)
	}
	v.Set("format", "json")
	return v
}

// ParseSince reads a --since date, which must be a whole ISO date (YYYY-MM-DD).
func ParseSince(s string) (string, error) {
	s = strings.TrimSpace(s)
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "", equitrial.Invalid("the since date must be a date such as 2026-01-01",
			equitrial.FieldError{Field: "since", Detail: fmt.Sprintf("%q is not YYYY-MM-DD", s)})
	}
	return s, nil
}

// PostedDate reads a record's last-update date in any of the registry's forms and
// returns it as YYYY-MM-DD; ok is false when it is absent or unreadable.
// A date with no day counts as the first of its month, which only makes a
// high-water mark earlier (safe: at worst a record is fetched again).
func PostedDate(s string) (date string, ok bool) {
	t := equitrial.ParsePartialDate(s)
	if t.IsZero() {
		return "", false
	}
	return t.Format(time.DateOnly), true
}
