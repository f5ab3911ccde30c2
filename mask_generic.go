package wsframe

import (
	"math/bits"
	"unsafe"
)

// The portable kernel. It is the reference every assembly kernel is tested
// against, and what -tags purego and architectures without assembly run.
// (Payloads shorter than smallMax, or smallCopyMax when copying, take Mask's
// and MaskCopy's own Go path in mask.go, whatever the kernel.)
//
// It works a machine word at a time, loaded and stored little-endian as the
// key word from rotKey is, so it is correct on big-endian targets too, and
// handles 32 bytes per loop iteration so that four independent
// load-xor-store chains keep the core busy.

// genericImpl is the portable kernel as an Impl, always last in Kernels.
var genericImpl = newImpl("generic",
	func(p *byte, n int, k uint32) { maskGeneric(unsafe.Slice(p, n), k) },
	func(dst, src *byte, n int, k uint32) {
		maskCopyGeneric(unsafe.Slice(dst, n), unsafe.Slice(src, n), k)
	})

// maskGeneric XORs b with the key word k (see rotKey) repeated.
func maskGeneric(b []byte, k uint32) {
	k64 := uint64(k)<<32 | uint64(k)
	for len(b) >= 32 {
		b = b[:len(b):len(b)]
		le.PutUint64(b[0:], le.Uint64(b[0:])^k64)
		le.PutUint64(b[8:], le.Uint64(b[8:])^k64)
		le.PutUint64(b[16:], le.Uint64(b[16:])^k64)
		le.PutUint64(b[24:], le.Uint64(b[24:])^k64)
		b = b[32:]
	}
	maskTail(b, k, k64)
}

// maskTail masks the last len(b) < 32 bytes, testing the bits of the length.
func maskTail(b []byte, k uint32, k64 uint64) {
	if len(b)&16 != 0 {
		le.PutUint64(b[0:], le.Uint64(b[0:])^k64)
		le.PutUint64(b[8:], le.Uint64(b[8:])^k64)
		b = b[16:]
	}
	if len(b)&8 != 0 {
		le.PutUint64(b, le.Uint64(b)^k64)
		b = b[8:]
	}
	if len(b)&4 != 0 {
		le.PutUint32(b, le.Uint32(b)^k)
		b = b[4:]
	}
	if len(b) == 0 {
		return
	}
	var kb [4]byte
	le.PutUint32(kb[:], k)
	for i := range b {
		b[i] ^= kb[i]
	}
}

// maskCopyGeneric writes dst[i] = src[i] ^ key byte i, for len(src) bytes;
// len(dst) >= len(src).
func maskCopyGeneric(dst, src []byte, k uint32) {
	k64 := uint64(k)<<32 | uint64(k)
	dst = dst[:len(src)]
	for len(src) >= 32 {
		s, d := src[:32:32], dst[:32:32]
		le.PutUint64(d[0:], le.Uint64(s[0:])^k64)
		le.PutUint64(d[8:], le.Uint64(s[8:])^k64)
		le.PutUint64(d[16:], le.Uint64(s[16:])^k64)
		le.PutUint64(d[24:], le.Uint64(s[24:])^k64)
		src, dst = src[32:], dst[32:]
	}
	if len(src)&16 != 0 {
		s, d := src[:16:16], dst[:16:16]
		le.PutUint64(d[0:], le.Uint64(s[0:])^k64)
		le.PutUint64(d[8:], le.Uint64(s[8:])^k64)
		src, dst = src[16:], dst[16:]
	}
	if len(src)&8 != 0 {
		le.PutUint64(dst, le.Uint64(src)^k64)
		src, dst = src[8:], dst[8:]
	}
	if len(src)&4 != 0 {
		le.PutUint32(dst, le.Uint32(src)^k)
		src, dst = src[4:], dst[4:]
	}
	if len(src) == 0 {
		return
	}
	var kb [4]byte
	le.PutUint32(kb[:], k)
	for i := range src {
		dst[i] = src[i] ^ kb[i]
	}
}

// rotWord64 returns the key word k64 (two copies of a rotKey word) rotated
// to the key phase of a word that ends at byte n of the payload, which is
// that of byte n&3: XORing it at any offset congruent to n modulo 4 masks
// correctly. (A 4-byte word ending there uses the low half.)
func rotWord64(k64 uint64, n int) uint64 {
	return bits.RotateLeft64(k64, -8*(n&3))
}
