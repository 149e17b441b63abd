package webtest

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// Every page a journey opens is checked with axe: each tab keeps the pages it
// landed on (by route, ids replaced) and which of them Axe ran on, and when the
// test ends, a page opened but never checked fails it. A page seen in several
// states (with and without errors) needs checking once; journeys check the error
// states they cause as well.

type pageLog struct {
	mu      sync.Mutex
	first   map[string]string // route → the first path seen
	order   []string
	checked map[string]bool
}

var logs sync.Map // *chromedp.Context → *pageLog

func trackPages(t *testing.T, ctx context.Context) {
	l := &pageLog{first: map[string]string{}, checked: map[string]bool{}}
	key := chromedp.FromContext(ctx)
	logs.Store(key, l)
	t.Cleanup(func() {
		logs.Delete(key)
		if t.Failed() || t.Skipped() {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, route := range l.order {
			if !l.checked[route] {
				t.Errorf("the page %s (first at %s) was opened but never checked with axe", route, l.first[route])
			}
		}
	})
}

func logOf(ctx context.Context) *pageLog {
	if v, ok := logs.Load(chromedp.FromContext(ctx)); ok {
		return v.(*pageLog)
	}
	return nil
}

func currentRoute(t testing.TB, ctx context.Context) (route, path string) {
	path = JS[string](t, ctx, `location.pathname`)
	return Route(path), path
}

func notePage(t testing.TB, ctx context.Context) {
	l := logOf(ctx)
	if l == nil {
		return
	}
	route, path := currentRoute(t, ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, seen := l.first[route]; !seen {
		l.first[route] = path
		l.order = append(l.order, route)
	}
}

func markChecked(t testing.TB, ctx context.Context) {
	l := logOf(ctx)
	if l == nil {
		return
	}
	route, _ := currentRoute(t, ctx)
	l.mu.Lock()
	l.checked[route] = true
	l.mu.Unlock()
}

var idSegments = []struct {
	re   *regexp.Regexp
	name string
}{
	{regexp.MustCompile(`^NCT[0-9]{8}$`), "{nctId}"},
	{regexp.MustCompile(`^ptl_`), "{token}"},
	{regexp.MustCompile(`^[a-z]{1,4}_[A-Za-z0-9_-]{8,}$`), "{id}"},
	{regexp.MustCompile(`^[0-9a-f]{16,}$`), "{id}"},
}

// Route is a page's path with its ids replaced ("/patients/pt_x1…" →
// "/patients/{id}"), so that one route is one page to check.
func Route(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		for _, p := range idSegments {
			if p.re.MatchString(s) {
				segs[i] = p.name
				break
			}
		}
	}
	return strings.Join(segs, "/")
}
