//go:build !purego && gc

package wsframe

import "unsafe"

// smallMax is the length from which Mask calls the NEON kernel (below it,
// Go's words; not measured on hardware yet, only under emulation).
const smallMax = 128

// The NEON kernels in mask_arm64.s. Each XORs n > 0 bytes with the key word
// key (see rotKey) repeated and touches no byte outside [p, p+n) (or
// [src, src+n) and [dst, dst+n)). The callers guarantee n >= smallMax (in
// place) or n >= smallCopyMax (copying) and, for the copying form, that dst
// and src do not overlap at all (equal slices take the in-place kernel).
// Every arm64 CPU has NEON (Advanced SIMD), so there is nothing to detect.

//go:noescape
func maskNEON(p *byte, n int, key uint32)

//go:noescape
func maskCopyNEON(dst, src *byte, n int, key uint32)

// maskBulk masks n >= smallMax bytes at p in place; the race detector
// annotation is the caller's.
func maskBulk(p unsafe.Pointer, n int, k uint32) {
	maskNEON((*byte)(p), n, k)
}

func maskCopyBulk(dst, src unsafe.Pointer, n int, k uint32) {
	raceRead(src, n)
	raceWrite(dst, n)
	maskCopyNEON((*byte)(dst), (*byte)(src), n, k)
}

var kernels = []Impl{newImpl("neon", maskNEON, maskCopyNEON), genericImpl}
