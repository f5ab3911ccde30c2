//go:build !purego && gc

package wsframe

import "unsafe"

// The NEON kernels in mask_arm64.s. Each XORs n > 0 bytes with the key word
// key (see rotKey) repeated and touches no byte outside [p, p+n) (or
// [src, src+n) and [dst, dst+n)). The callers guarantee n >= smallMax and,
// for the copying form, that dst and src do not overlap at all (equal
// slices take the in-place kernel).
// Every arm64 CPU has NEON (Advanced SIMD), so there is nothing to detect.

//go:noescape
func maskNEON(p *byte, n int, key uint32)

//go:noescape
func maskCopyNEON(dst, src *byte, n int, key uint32)

func maskBulk(p unsafe.Pointer, n int, k uint32) {
	raceWrite(p, n)
	maskNEON((*byte)(p), n, k)
}

func maskCopyBulk(dst, src unsafe.Pointer, n int, k uint32) {
	raceRead(src, n)
	raceWrite(dst, n)
	maskCopyNEON((*byte)(dst), (*byte)(src), n, k)
}

var kernels = []Impl{newImpl("neon", maskNEON, maskCopyNEON), genericImpl}
