package webtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// Screenshots are kept for people to look at after a run: one PNG per page a
// journey checks, in web/screenshots/<test name>/ (or under
// $EQUITRIAL_SCREENSHOTS), numbered in the order taken. A test's folder is emptied
// when it takes its first screenshot, so it always holds the latest run, and other
// tests' folders are left alone. The folder is ignored by git.

// ShotsDir is where screenshots go.
func ShotsDir() string {
	if d := os.Getenv("EQUITRIAL_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join(webDir(), "screenshots")
}

var (
	shotMu   sync.Mutex
	shotNext = map[string]int{} // test folder → next number; absent: not emptied yet
)

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

func slug(s string) string {
	return strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// Shot saves a full-page PNG of the page as name in the test's folder.
func Shot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join(ShotsDir(), slug(strings.ReplaceAll(t.Name(), "/", "--")))
	shotMu.Lock()
	n, started := shotNext[dir]
	if !started {
		os.RemoveAll(dir)
		n = 1
	}
	shotNext[dir] = n + 1
	shotMu.Unlock()
	if !started {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Errorf("screenshots: %v", err)
			return
		}
		t.Logf("screenshots of this test's pages: %s", dir)
	}
	p := filepath.Join(dir, fmt.Sprintf("%02d-%s.png", n, slug(name)))
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
}
