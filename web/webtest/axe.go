package webtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, copied into the built assets by `make web`.
var axeSource string

func loadAxe() {
	if b, err := os.ReadFile(filepath.Join(AssetsDir(), "axe.min.js")); err == nil {
		axeSource = string(b)
	}
}

// Axe runs axe-core on the page and fails the test on any serious or critical
// violation of the WCAG 2.2 A and AA rules; then it keeps a screenshot of the page
// under name (see Shot), so that every page checked can also be looked at.
func Axe(t testing.TB, ctx context.Context, name string) {
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
	markChecked(t, ctx)
	Shot(t, ctx, name)
}
