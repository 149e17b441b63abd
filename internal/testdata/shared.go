// Package testdata finds the read-only test material in ../shared, which sits beside
// the repository on developer machines and in CI but is never copied into it.
package testdata

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// SharedDir returns the path of ../shared/<sub> relative to the repository root,
// or skips the test with a message when it is absent.
func SharedDir(tb testing.TB, sub string) string {
	tb.Helper()
	dir := filepath.Join(RepoRoot(), "..", "shared", sub)
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("test data %s is absent (it lives beside the repository, in ../shared): %v", dir, err)
	}
	return dir
}

// RepoRoot is the repository's root directory, found from this file's location.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
