package web_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The helpers drive pages through the DOM, as a user's clicks and typing do, and
// wait for each navigation to finish before the next step.

func visit(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
}

// js evaluates expr in the page and decodes its value.
func js[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// fill types values into the inputs named by CSS selector.
func fill(t *testing.T, ctx context.Context, fields map[string]string) {
	t.Helper()
	for sel, v := range fields {
		js[bool](t, ctx, `(() => { const e = document.querySelector(`+quote(sel)+`); if (!e) throw new Error("no element " + `+quote(sel)+`); e.value = `+quote(v)+`; return true })()`)
	}
}

// tick clicks radios and checkboxes.
func tick(t *testing.T, ctx context.Context, sels ...string) {
	t.Helper()
	for _, sel := range sels {
		js[bool](t, ctx, `(() => { const e = document.querySelector(`+quote(sel)+`); if (!e) throw new Error("no element " + `+quote(sel)+`); e.click(); return true })()`)
	}
}

// submit clicks sel and waits for the page it leads to.
func submit(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	js[bool](t, ctx, `(() => { window.__stale = true; const e = document.querySelector(`+quote(sel)+`); if (!e) throw new Error("no element " + `+quote(sel)+`); e.click(); return true })()`)
	// The old page may vanish mid-question while the new one loads: ask again.
	deadline := time.Now().Add(15 * time.Second)
	for {
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__stale !== true && document.readyState === "complete"`))
		if err == nil && done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for the page after clicking %s: %v", sel, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return js[string](t, ctx, `(() => { const e = document.querySelector(`+quote(sel)+`); return e ? e.innerText : "" })()`)
}

func texts(t *testing.T, ctx context.Context, sel string) []string {
	t.Helper()
	return js[[]string](t, ctx, `Array.from(document.querySelectorAll(`+quote(sel)+`)).map(e => e.innerText.trim())`)
}

func path(t *testing.T, ctx context.Context) string {
	t.Helper()
	return js[string](t, ctx, `location.pathname + location.search`)
}

// axe runs axe-core on the page and fails on any serious or critical violation of
// the WCAG 2.2 A and AA rules.
func axe(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if axeSource == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("web/static/axe.min.js is missing: run `make web`")
		}
		t.Skip("web/static/axe.min.js is missing: run `make web`")
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		t.Fatalf("%s: injecting axe: %v", name, err)
	}
	type violation struct {
		ID, Impact, Help string
		Nodes            []string
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[[]violation](`axe.run(document, {runOnly: {type: "tag",
		values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]}}).then(r => r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => ({ID: v.id, Impact: v.impact, Help: v.help, Nodes: v.nodes.map(n => n.target.join(" ") + " " + n.html.slice(0, 120))})))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: running axe: %v", name, err)
	}
	for _, v := range res {
		t.Errorf("%s: accessibility (%s) %s: %s\n\t%s", name, v.Impact, v.ID, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}

// shot saves a full-page PNG of the page for a person to look at.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(shotsDir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Error(err)
	}
	t.Logf("screenshot: %s", p)
}
