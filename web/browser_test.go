package web_test

import (
	"context"
	"testing"
	"time"

	"equitrial/web/webtest"
)

// The journeys drive pages through web/webtest: a user's clicks and typing, axe on
// every page opened (a page opened and never checked fails the test), and a
// screenshot of each page checked, kept in web/screenshots/<test>/.

var (
	visit  = webtest.Visit
	fill   = webtest.Fill
	tick   = webtest.Tick
	submit = webtest.Submit
	text   = webtest.Text
	texts  = webtest.Texts
	path   = webtest.Path
	quote  = webtest.Quote
	axe    = webtest.Axe
)

func js[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	return webtest.JS[T](t, ctx, expr)
}

// tab opens a browser tab for one test.
func tab(t *testing.T) context.Context {
	t.Helper()
	return webtest.Tab(t, 45*time.Second)
}

// longTab is a browser tab for a journey longer than tab allows.
func longTab(t *testing.T) context.Context {
	t.Helper()
	return webtest.Tab(t, 3*time.Minute)
}
