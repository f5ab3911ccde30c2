//go:build linux || darwin || freebsd || netbsd || openbsd

package guardpage

import (
	"syscall"
	"testing"
)

// Supported reports whether this platform has guard pages.
const Supported = true

// New maps at least size accessible bytes (rounded up to whole pages)
// between two guard pages, and unmaps it all when the test ends.
func New(tb testing.TB, size int) *Region {
	tb.Helper()
	ps := syscall.Getpagesize()
	n := (size + ps - 1) / ps
	if n == 0 {
		n = 1
	}
	mem, err := syscall.Mmap(-1, 0, (n+2)*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		tb.Fatalf("guardpage: mmap: %v", err)
	}
	tb.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[:ps], syscall.PROT_NONE); err != nil {
		tb.Fatalf("guardpage: mprotect: %v", err)
	}
	if err := syscall.Mprotect(mem[(n+1)*ps:], syscall.PROT_NONE); err != nil {
		tb.Fatalf("guardpage: mprotect: %v", err)
	}
	return &Region{mem: mem, data: mem[ps : (n+1)*ps : (n+1)*ps]}
}
