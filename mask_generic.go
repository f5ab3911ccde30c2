package wsframe

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// The portable kernel. It is the reference every assembly kernel is tested
// against, what -tags purego and architectures without assembly run, and the
// path every kernel takes for payloads shorter than smallMax, where a call
// into assembly costs more than it saves.
//
// It works a machine word at a time in the machine's own byte order (the key
// word from rotKey is in that order too), so it is correct on big-endian
// targets, and handles 32 bytes per loop iteration so that four independent
// load-xor-store chains keep the core busy.

var ne = binary.NativeEndian

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
		ne.PutUint64(b[0:], ne.Uint64(b[0:])^k64)
		ne.PutUint64(b[8:], ne.Uint64(b[8:])^k64)
		ne.PutUint64(b[16:], ne.Uint64(b[16:])^k64)
		ne.PutUint64(b[24:], ne.Uint64(b[24:])^k64)
		b = b[32:]
	}
	maskTail(b, k, k64)
}

// maskTail masks the last len(b) < 32 bytes, testing the bits of the length.
func maskTail(b []byte, k uint32, k64 uint64) {
	if len(b)&16 != 0 {
		ne.PutUint64(b[0:], ne.Uint64(b[0:])^k64)
		ne.PutUint64(b[8:], ne.Uint64(b[8:])^k64)
		b = b[16:]
	}
	if len(b)&8 != 0 {
		ne.PutUint64(b, ne.Uint64(b)^k64)
		b = b[8:]
	}
	if len(b)&4 != 0 {
		ne.PutUint32(b, ne.Uint32(b)^k)
		b = b[4:]
	}
	if len(b) == 0 {
		return
	}
	var kb [4]byte
	ne.PutUint32(kb[:], k)
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
		ne.PutUint64(d[0:], ne.Uint64(s[0:])^k64)
		ne.PutUint64(d[8:], ne.Uint64(s[8:])^k64)
		ne.PutUint64(d[16:], ne.Uint64(s[16:])^k64)
		ne.PutUint64(d[24:], ne.Uint64(s[24:])^k64)
		src, dst = src[32:], dst[32:]
	}
	if len(src)&16 != 0 {
		s, d := src[:16:16], dst[:16:16]
		ne.PutUint64(d[0:], ne.Uint64(s[0:])^k64)
		ne.PutUint64(d[8:], ne.Uint64(s[8:])^k64)
		src, dst = src[16:], dst[16:]
	}
	if len(src)&8 != 0 {
		ne.PutUint64(dst, ne.Uint64(src)^k64)
		src, dst = src[8:], dst[8:]
	}
	if len(src)&4 != 0 {
		ne.PutUint32(dst, ne.Uint32(src)^k)
		src, dst = src[4:], dst[4:]
	}
	if len(src) == 0 {
		return
	}
	var kb [4]byte
	ne.PutUint32(kb[:], k)
	for i := range src {
		dst[i] = src[i] ^ kb[i]
	}
}

// maskSmall and maskCopySmall handle payloads shorter than smallMax for
// every kernel, in Go: below that size a call into assembly (the ABI
// switch, the dispatch, the vector set-up) costs more than the work. After
// whole 32-byte blocks, the last 4 to 31 bytes take two to four words: some
// from the front, the same number ending at the last byte, overlapping in
// the middle. All of them are loaded before any is stored, so the bytes two
// words share are XORed once, from the original data, and stored twice
// with the same value.
func maskSmall(b []byte, k uint32) { maskCopySmall(b, b, k) }

// maskCopySmall may be given dst and src as the same slice: every word is
// loaded before it, or any word overlapping it, is stored.
func maskCopySmall(dst, src []byte, k uint32) {
	k64 := uint64(k)<<32 | uint64(k)
	dst = dst[:len(src)]
	for len(src) >= 32 {
		s, d := src[:32:32], dst[:32:32]
		ne.PutUint64(d[0:], ne.Uint64(s[0:])^k64)
		ne.PutUint64(d[8:], ne.Uint64(s[8:])^k64)
		ne.PutUint64(d[16:], ne.Uint64(s[16:])^k64)
		ne.PutUint64(d[24:], ne.Uint64(s[24:])^k64)
		src, dst = src[32:], dst[32:]
	}
	n := len(src)
	dst = dst[:n]
	switch {
	case n >= 16:
		kt := rotWord64(k64, n)
		w0, w1 := ne.Uint64(src[0:]), ne.Uint64(src[8:])
		w2, w3 := ne.Uint64(src[n-16:]), ne.Uint64(src[n-8:])
		ne.PutUint64(dst[0:], w0^k64)
		ne.PutUint64(dst[8:], w1^k64)
		ne.PutUint64(dst[n-16:], w2^kt)
		ne.PutUint64(dst[n-8:], w3^kt)
	case n >= 8:
		kt := rotWord64(k64, n)
		w0, w1 := ne.Uint64(src), ne.Uint64(src[n-8:])
		ne.PutUint64(dst, w0^k64)
		ne.PutUint64(dst[n-8:], w1^kt)
	case n >= 4:
		kt := uint32(rotWord64(k64, n))
		w0, w1 := ne.Uint32(src), ne.Uint32(src[n-4:])
		ne.PutUint32(dst, w0^k)
		ne.PutUint32(dst[n-4:], w1^kt)
	default:
		var kb [4]byte
		ne.PutUint32(kb[:], k)
		for i := range src {
			dst[i] = src[i] ^ kb[i]
		}
	}
}

// rotWord64 returns the key word k64 (two copies of a rotKey word) rotated
// to the key phase of a word that ends at byte n of the payload, which is
// that of byte n&3: XORing it at any offset congruent to n modulo 4 masks
// correctly. (A 4-byte word ending there uses the low half.)
func rotWord64(k64 uint64, n int) uint64 {
	s := 8 * (n & 3)
	if bigEndian {
		return bits.RotateLeft64(k64, s)
	}
	return bits.RotateLeft64(k64, -s)
}
