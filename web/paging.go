package web

import (
	"fmt"
	"net/url"
	"strconv"
)

// pager is a list's position and the NHS pagination component's links: "Showing
// 1–20 of 28 patients", previous, numbered pages (with ellipses when there are
// many) and next.
type pager struct {
	Total, Page, Pages, First, Last int
	Noun, Nouns                     string // "patient", "patients"
	Prev, Next                      string
	Items                           []pageItem
	Label                           string // the navigation's name, when a page has two lists
}

// NavLabel names the pagination landmark: "Pagination" unless the page has more
// than one.
func (p *pager) NavLabel() string {
	if p.Label != "" {
		return p.Label
	}
	return "Pagination"
}

type pageItem struct {
	Number   int
	Href     string
	Current  bool
	Ellipsis bool
}

// newPager places page (1-based, of size) in total items, shown of them on this
// page; href makes the link to a page.
func newPager(total, page, size, shown int, noun, nouns string, href func(int) string) *pager {
	p := &pager{Total: total, Page: max(page, 1), Noun: noun, Nouns: nouns}
	if size <= 0 {
		size = max(shown, 1)
	}
	p.Pages = (total + size - 1) / size
	if shown > 0 {
		p.First = (p.Page-1)*size + 1
		p.Last = p.First + shown - 1
	}
	if p.Pages <= 1 {
		return p
	}
	if p.Page > 1 {
		p.Prev = href(min(p.Page-1, p.Pages))
	}
	if p.Page < p.Pages {
		p.Next = href(p.Page + 1)
	}
	last := 0
	for n := 1; n <= p.Pages; n++ {
		if n == 1 || n == p.Pages || (n >= p.Page-1 && n <= p.Page+1) {
			if last != 0 && n > last+1 {
				p.Items = append(p.Items, pageItem{Ellipsis: true})
			}
			p.Items = append(p.Items, pageItem{Number: n, Href: href(n), Current: n == p.Page})
			last = n
		}
	}
	return p
}

// Showing is "Showing 1–20 of 28 patients" ("1 patient", "No patients").
func (p *pager) Showing() string {
	if p == nil {
		return ""
	}
	switch {
	case p.Total == 0:
		return "No " + p.Nouns
	case p.Total == 1:
		return "Showing 1 " + p.Noun
	case p.First == 0: // a page past the end
		return fmt.Sprintf("No %s on page %d of %d", p.Nouns, p.Page, p.Pages)
	case p.First == p.Last:
		return fmt.Sprintf("Showing %d of %d %s", p.First, p.Total, p.Nouns)
	}
	return fmt.Sprintf("Showing %d–%d of %d %s", p.First, p.Last, p.Total, p.Nouns)
}

// pageHref is base with the query v and page n (page 1: no page parameter).
func pageHref(base string, v url.Values, n int) string {
	c := url.Values{}
	for k, vals := range v {
		if k != "page" {
			c[k] = vals
		}
	}
	if n > 1 {
		c.Set("page", strconv.Itoa(n))
	}
	if len(c) == 0 {
		return base
	}
	return base + "?" + c.Encode()
}

// pageParam reads ?page=, 1 when absent or not a page number.
func pageParam(v url.Values) int {
	n, err := strconv.Atoi(v.Get("page"))
	if err != nil || n < 1 || n > 10000 {
		return 1
	}
	return n
}
