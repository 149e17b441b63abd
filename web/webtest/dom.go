package webtest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The helpers act on pages through the DOM, as a user's clicks and typing do, and
// wait for each navigation to finish before the next step.

// Visit opens url and notes the page it lands on.
func Visit(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	notePage(t, ctx)
}

// JS evaluates expr in the page and decodes its value.
func JS[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// Await evaluates expr, a promise (such as a fetch), and decodes what it settles to.
func Await[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// Quote is s as a JavaScript string literal.
func Quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// Fill types values into the inputs (or selects) named by CSS selector.
func Fill(t testing.TB, ctx context.Context, fields map[string]string) {
	t.Helper()
	for sel, v := range fields {
		JS[bool](t, ctx, `(() => { const e = document.querySelector(`+Quote(sel)+`); if (!e) throw new Error("no element " + `+Quote(sel)+`); e.value = `+Quote(v)+`; return true })()`)
	}
}

// Tick clicks radios, checkboxes, details summaries and same-page links.
func Tick(t testing.TB, ctx context.Context, sels ...string) {
	t.Helper()
	for _, sel := range sels {
		JS[bool](t, ctx, `(() => { const e = document.querySelector(`+Quote(sel)+`); if (!e) throw new Error("no element " + `+Quote(sel)+`); e.click(); return true })()`)
	}
}

// Submit clicks sel and waits for the page it leads to.
func Submit(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	JS[bool](t, ctx, `(() => { window.__stale = true; const e = document.querySelector(`+Quote(sel)+`); if (!e) throw new Error("no element " + `+Quote(sel)+`); e.click(); return true })()`)
	// The old page may vanish mid-question while the new one loads: ask again.
	deadline := time.Now().Add(15 * time.Second)
	for {
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__stale !== true && document.readyState === "complete"`))
		if err == nil && done {
			notePage(t, ctx)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for the page after clicking %s: %v", sel, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Text is the rendered text of the first element sel finds, or "".
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	return JS[string](t, ctx, `(() => { const e = document.querySelector(`+Quote(sel)+`); return e ? e.innerText : "" })()`)
}

// Texts are the trimmed texts of every element sel finds.
func Texts(t testing.TB, ctx context.Context, sel string) []string {
	t.Helper()
	return JS[[]string](t, ctx, `Array.from(document.querySelectorAll(`+Quote(sel)+`)).map(e => e.innerText.trim())`)
}

// Path is the page's path and query.
func Path(t testing.TB, ctx context.Context) string {
	t.Helper()
	return JS[string](t, ctx, `location.pathname + location.search`)
}
