package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The administrator's lists (accounts, tokens, organisations) page and say how
// many there are. The API answers each list whole (they are tens or hundreds of
// rows, not millions), so the page cuts it; the audit log, which grows without
// end, is paged by the API (admin.go). Accounts can also be found by email,
// organisation or role. An action on a row returns to the same page of the list.

// adminListSize is how many rows a page of an administrator's list shows.
const adminListSize = 25

// adminList is where a list page is: what was typed in its find box, the pager,
// and the query that keeps both, for the forms and links on the page.
type adminList struct {
	Q     string
	Pager *pager
	Keep  string // "?q=…&page=2" or ""
}

// listPosition reads a list page's find box and page number.
func listPosition(r *http.Request) (q string, pageNo int) {
	v := r.URL.Query()
	return strings.TrimSpace(v.Get("q")), pageParam(v)
}

// keepQuery is q and pageNo as a query string ("" when both are the defaults).
func keepQuery(q string, pageNo int) url.Values {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if pageNo > 1 {
		v.Set("page", strconv.Itoa(pageNo))
	}
	return v
}

// pageOf is page pageNo (1-based) of items, size a page.
func pageOf[T any](items []T, pageNo, size int) []T {
	start := (pageNo - 1) * size
	if start < 0 || start >= len(items) {
		return nil
	}
	return items[start:min(start+size, len(items))]
}

// newAdminList pages total rows for the list at base, shown of them on this page.
func newAdminList(base, q string, pageNo, total, shown int, noun, nouns string) *adminList {
	keep := keepQuery(q, pageNo)
	l := &adminList{Q: q, Pager: newPager(total, pageNo, adminListSize, shown, noun, nouns, func(n int) string {
		return pageHref(base, keepQuery(q, 0), n)
	})}
	if len(keep) > 0 {
		l.Keep = "?" + keep.Encode()
	}
	return l
}

// backTo is the list page at base after an action, with its notice, at the place
// the action's form came from (its query).
func backTo(base, done string, r *http.Request) string {
	q, pageNo := listPosition(r)
	v := keepQuery(q, pageNo)
	v.Set("done", done)
	return base + "?" + v.Encode()
}

// matchUser reports whether an account matches the find box: part of its email,
// its organisation, or its role's name.
func matchUser(u userView, q string) bool {
	if q == "" {
		return true
	}
	q = strings.ToLower(q)
	return strings.Contains(strings.ToLower(u.Email), q) || strings.Contains(strings.ToLower(u.Org), q) ||
		strings.Contains(strings.ToLower(roleName(u.Role)), q)
}
