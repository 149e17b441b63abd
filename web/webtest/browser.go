// Package webtest drives equitrial's pages in headless Chromium for tests: one
// browser per test binary, a tab per test, helpers that act as a user's clicks and
// typing do, axe-core on each page, and screenshots kept for people to look at.
// The web package's journeys and the demo's journey (cmd/equitrial) share it.
package webtest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium is where Debian's chromium package puts the browser (.ci/run installs it).
const Chromium = "/usr/bin/chromium"

var (
	browser    context.Context
	browserErr string
	startOnce  sync.Once
)

// webDir is the web package's directory (built assets under static/, screenshots
// under screenshots/).
func webDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// AssetsDir is the built web assets (`make web`).
func AssetsDir() string { return filepath.Join(webDir(), "static") }

// Start launches the package's one headless Chromium (once: later calls do
// nothing). A test binary may call it from TestMain; Need and Tab call it
// otherwise. A missing or broken browser is remembered, and Need reports it.
func Start() { startOnce.Do(start) }

func start() {
	loadAxe()
	if _, err := os.Stat(Chromium); err != nil {
		browserErr = "headless Chromium is not installed at " + Chromium + " (apt-get install chromium)"
		return
	}
	// Chromium dies with this process (chromedp sets Pdeathsig on Linux), so an
	// os.Exit in TestMain needs no cleanup of it.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.WindowSize(1100, 900),
	}
	alloc, _ := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, _ = chromedp.NewContext(alloc)
	if err := chromedp.Do(browser); err != nil {
		browserErr = "headless Chromium did not start: " + err.Error()
		browser = nil
	}
}

// Need skips the test without a browser, except in CI, where a missing browser
// is a broken build.
func Need(t testing.TB) {
	t.Helper()
	Start()
	if browserErr == "" && browser != nil {
		return
	}
	msg := browserErr
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Tab opens a browser tab for one test, in a browser context of its own (no
// cookie of another test's user), closed after timeout. When the test ends, every
// page it opened must have been checked with Axe (see pages.go).
func Tab(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	Need(t)
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel2)
	trackPages(t, ctx)
	return ctx
}
