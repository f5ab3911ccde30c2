//go:build !purego && gc

package utf8valid

import "unsafe"

// scanNEON checks the n bytes at p (n a positive multiple of 16) as the
// continuation of a valid prefix whose last four bytes are carry. Only the
// first last (1..16) bytes of the final block count: the rest is padding.
// It returns -1 or the offset of the block in which the first error showed,
// like the amd64 kernels. p must point at n readable bytes.
//
//go:noescape
func scanNEON(p *byte, n int, carry uint32, last int) int

// Every arm64 CPU has NEON (Advanced SIMD is mandatory in ARMv8-A), so
// there is no feature to test.
var kernels = []*kernel{neonKernel, genericKernel}

var neonKernel = &kernel{name: "neon", scan: scan128, valid: valid128}

// scan128 runs whole blocks in place and copies a partial last block into a
// padded buffer on the stack, so the kernel never reads outside p.
func scan128(p []byte, carry uint32) int {
	n := len(p)
	if n == 0 {
		return -1
	}
	raceRead(p)
	full := n &^ 15
	if full > 0 {
		if h := scanNEON(unsafe.SliceData(p), full, carry, 16); h >= 0 {
			return h
		}
		carry = shiftCarry(carry, p[:full])
	}
	if rem := n - full; rem > 0 {
		var buf [16]byte
		copy(buf[:], p[full:])
		if scanNEON(&buf[0], 16, carry, rem) >= 0 {
			return full
		}
	}
	return checkLast(p, -1)
}

func valid128(p []byte) bool {
	return scan128(p, 0) < 0 && (len(p) == 0 || !endsOpen(p))
}

// scanFast is k.scan; Write calls it for every chunk.
func scanFast(k *kernel, p []byte, carry uint32) int { return k.scan(p, carry) }
