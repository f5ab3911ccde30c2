//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package guardpage

import "testing"

// Supported reports whether this platform has guard pages.
const Supported = false

// New skips the test: this platform cannot unmap a page.
func New(tb testing.TB, size int) *Region {
	tb.Helper()
	tb.Skip("guardpage: no mmap/mprotect on this platform")
	return nil
}
