package bench

import (
	"context"
	"fmt"
	"math"
	"strings"
	"unicode"

	"equitrial/matcher"
)

// search runs q in SQLite as Index.Search runs it in bleve, in one statement: the
// matching trials (BM25 with the same field weights for text; nearest site within
// the radius for distance; most recently updated otherwise), their count, the first
// page of 20, the same six facets over every match, and for text a highlighted
// snippet of the page's titles and summaries. It returns the number of matches.
func (f *ftsIndex) search(ctx context.Context, q matcher.Query) (int, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("?%d", len(args))
	}
	var where []string
	if len(q.Status) > 0 {
		where = append(where, "t.status IN ("+list(arg, q.Status)+")")
	}
	if len(q.Phase) > 0 {
		where = append(where, "t.id IN (SELECT trial FROM phase WHERE v IN ("+list(arg, q.Phase)+"))")
	}
	if len(q.Country) > 0 {
		where = append(where, "t.id IN (SELECT trial FROM country WHERE v IN ("+list(arg, q.Country)+"))")
	}
	if q.Condition != "" {
		where = append(where, "t.id IN (SELECT rowid FROM fts WHERE fts MATCH "+arg("{conditions mesh} : ("+ftsTerms(q.Condition, " AND ")+")")+")")
	}
	if q.Age != nil { // as the bleve query reads whole years (matcher.ageQueries)
		a, below := *q.Age, *q.Age
		if a == math.Trunc(a) {
			below = a + 1
		}
		where = append(where, "t.min_age < "+arg(below)+" AND t.max_age >= "+arg(math.Floor(a)))
	}
	if q.Sex != "" {
		where = append(where, "t.sex IN ('ALL', "+arg(q.Sex)+")")
	}
	var dist string // the distance of site s from q.Near, in km (haversine)
	if q.Near != nil {
		la, lo := arg(q.Near.Lat), arg(q.Near.Lon)
		dist = fmt.Sprintf("2*6371.0088*asin(min(1, sqrt(pow(sin(radians(s.lat-%[1]s)/2), 2) + cos(radians(%[1]s))*cos(radians(s.lat))*pow(sin(radians(s.lon-%[2]s)/2), 2))))", la, lo)
		if q.RadiusKm > 0 {
			dLat := q.RadiusKm / 111.0
			dLon := q.RadiusKm / (111.0 * math.Cos(q.Near.Lat*math.Pi/180))
			where = append(where, fmt.Sprintf("t.id IN (SELECT s.trial FROM site s WHERE s.lat BETWEEN %s AND %s AND s.lon BETWEEN %s AND %s AND %s <= %s)",
				arg(q.Near.Lat-dLat), arg(q.Near.Lat+dLat), arg(q.Near.Lon-dLon), arg(q.Near.Lon+dLon), dist, arg(q.RadiusKm)))
		}
	}
	cond := "1"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	var m, match string
	switch {
	case q.Text != "":
		match = arg(ftsTerms(q.Text, " OR "))
		m = "SELECT fts.rowid AS id, bm25(fts, 3, 3, 2, 2, 2, 1, 0.5, 1) AS score FROM fts JOIN trials t ON t.id = fts.rowid WHERE fts MATCH " + match + " AND " + cond
	case q.Near != nil:
		m = "SELECT s.trial AS id, min(" + dist + ") AS score FROM site s JOIN trials t ON t.id = s.trial WHERE " + cond + " GROUP BY s.trial"
	default:
		m = "SELECT t.id AS id, -julianday(t.last_update) AS score FROM trials t WHERE " + cond
	}
	size, from := max(q.Size, 20), max(q.Page-1, 0)*max(q.Size, 20)
	stmt := "WITH m AS MATERIALIZED (" + m + "), page AS MATERIALIZED (SELECT id, score FROM m ORDER BY score, id LIMIT " + fmt.Sprint(size) + " OFFSET " + fmt.Sprint(from) + ")\n" +
		"SELECT 'total', NULL, count(*) FROM m\n" +
		"UNION ALL SELECT 'hit', t.nct_id || ' ' || t.title, page.score FROM page JOIN trials t ON t.id = page.id\n" +
		facetSQL("status", "SELECT t.status AS v FROM trials t WHERE t.id IN (SELECT id FROM m)", 12) +
		facetSQL("phase", "SELECT v FROM phase WHERE trial IN (SELECT id FROM m)", 8) +
		facetSQL("studyType", "SELECT t.study_type AS v FROM trials t WHERE t.id IN (SELECT id FROM m)", 5) +
		facetSQL("sponsorClass", "SELECT t.sponsor_class AS v FROM trials t WHERE t.id IN (SELECT id FROM m)", 10) +
		facetSQL("country", "SELECT v FROM country WHERE trial IN (SELECT id FROM m)", 25) +
		facetSQL("mesh", "SELECT v FROM mesh WHERE trial IN (SELECT id FROM m)", 25)
	if match != "" {
		stmt += "UNION ALL SELECT 'snippet', snippet(fts, 0, '<mark>', '</mark>', '…', 12) || ' ' || snippet(fts, 5, '<mark>', '</mark>', '…', 24), NULL" +
			" FROM fts WHERE fts MATCH " + match + " AND rowid IN (SELECT id FROM page)\n"
	}
	rows, err := f.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return 0, fmt.Errorf("fts5 search %+v: %w", q, err)
	}
	defer rows.Close()
	total := 0
	for rows.Next() {
		var kind string
		var key *string
		var n *float64
		if err := rows.Scan(&kind, &key, &n); err != nil {
			return 0, err
		}
		if kind == "total" && n != nil {
			total = int(*n)
		}
	}
	return total, rows.Err()
}

// facetSQL counts the values (column v) a subquery yields, most frequent first, as
// a bleve facet of that size does.
func facetSQL(name, values string, size int) string {
	return fmt.Sprintf("UNION ALL SELECT * FROM (SELECT '%s', v, count(*) AS n FROM (%s) WHERE v IS NOT NULL AND v != '' GROUP BY v ORDER BY n DESC LIMIT %d)\n",
		name, values, size)
}

func list(arg func(any) string, vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = arg(v)
	}
	return strings.Join(out, ", ")
}

// stopWords are the English stop words bleve's analyser drops (Lucene's list):
// FTS5 keeps them, and "quality of life" would otherwise match nearly every
// study through "of".
var stopWords = map[string]bool{"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true,
	"but": true, "by": true, "for": true, "if": true, "in": true, "into": true, "is": true, "it": true, "no": true,
	"not": true, "of": true, "on": true, "or": true, "such": true, "that": true, "the": true, "their": true, "then": true,
	"there": true, "these": true, "they": true, "this": true, "to": true, "was": true, "will": true, "with": true}

// ftsTerms quotes the words of text for an FTS5 query, joined by op: a bleve
// match query on text is any of its terms (OR), a condition filter all (AND).
func ftsTerms(text, op string) string {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if !stopWords[w] {
			words = append(words, `"`+w+`"`)
		}
	}
	if len(words) == 0 {
		return `""`
	}
	return strings.Join(words, op)
}
