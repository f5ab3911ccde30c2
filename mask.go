// Package wsframe masks and unmasks WebSocket payloads (RFC 6455 §5.3) at
// the speed of the machine's memory.
//
// A WebSocket client masks every frame it sends with a 4-byte key; a server
// unmasks every frame it receives. Both are the same operation: each payload
// byte is XORed with key[i%4]. This package does it in place ([Mask]) or
// while copying a payload into a frame buffer ([MaskCopy]), with the fastest
// kernel this CPU has, chosen once at start-up, and never allocates.
//
// The codec lives in package [github.com/wsframe/wsframe/codec] and UTF-8
// validation in [github.com/wsframe/wsframe/utf8valid]; this package has no
// dependencies beyond CPU feature detection.
package wsframe

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// Mask XORs b in place with key, starting at key offset pos: b[i] is XORed
// with key[(pos+i)%4]. Only the two low bits of pos are used, so any int
// works and 0..3 is the usual range.
//
// It returns the key offset for the byte after b, so a payload masked in any
// number of chunks, each call fed the offset the previous one returned, equals
// the payload masked in one call:
//
//	pos := 0
//	for _, chunk := range chunks {
//		pos = wsframe.Mask(key, pos, chunk)
//	}
//
// Mask reads and writes exactly the bytes of b and allocates nothing.
func Mask(key [4]byte, pos int, b []byte) int {
	next := (pos + len(b)) & 3
	k := rotKey(key, pos)
	if len(b) >= smallMax {
		raceWrite(unsafe.Pointer(&b[0]), len(b))
		maskBulk(unsafe.Pointer(&b[0]), len(b), k)
		return next
	}
	// The short path is written out here rather than called: at these
	// sizes a second call costs as much as the masking. Whole 64- and
	// 32-byte blocks take 8-byte words; the last 0 to 31 bytes take two to
	// four words, some from the front and as many ending at the last byte,
	// overlapping in the middle; all are loaded before any is stored, so
	// the bytes two words share are XORed once, from the original data,
	// and stored twice with the same value.
	k64 := uint64(k)<<32 | uint64(k)
	if len(b) < 32 {
		// Straight to the tail: laid out this way, payloads under 32
		// bytes, the commonest, measured 3-8 % faster than behind an
		// if around the blocks (AMD Zen 5).
		goto tail
	}
	for len(b) >= 64 {
		w := b[:64:64]
		le.PutUint64(w[0:], le.Uint64(w[0:])^k64)
		le.PutUint64(w[8:], le.Uint64(w[8:])^k64)
		le.PutUint64(w[16:], le.Uint64(w[16:])^k64)
		le.PutUint64(w[24:], le.Uint64(w[24:])^k64)
		le.PutUint64(w[32:], le.Uint64(w[32:])^k64)
		le.PutUint64(w[40:], le.Uint64(w[40:])^k64)
		le.PutUint64(w[48:], le.Uint64(w[48:])^k64)
		le.PutUint64(w[56:], le.Uint64(w[56:])^k64)
		b = b[64:]
	}
	if len(b) >= 32 {
		w := b[:32:32]
		le.PutUint64(w[0:], le.Uint64(w[0:])^k64)
		le.PutUint64(w[8:], le.Uint64(w[8:])^k64)
		le.PutUint64(w[16:], le.Uint64(w[16:])^k64)
		le.PutUint64(w[24:], le.Uint64(w[24:])^k64)
		b = b[32:]
	}
tail:
	n := len(b)
	switch {
	case n >= 16:
		kt := rotWord64(k64, n)
		w0, w1 := le.Uint64(b[0:]), le.Uint64(b[8:])
		w2, w3 := le.Uint64(b[n-16:]), le.Uint64(b[n-8:])
		le.PutUint64(b[0:], w0^k64)
		le.PutUint64(b[8:], w1^k64)
		le.PutUint64(b[n-16:], w2^kt)
		le.PutUint64(b[n-8:], w3^kt)
	case n >= 8:
		kt := rotWord64(k64, n)
		w0, w1 := le.Uint64(b), le.Uint64(b[n-8:])
		le.PutUint64(b, w0^k64)
		le.PutUint64(b[n-8:], w1^kt)
	case n >= 4:
		kt := uint32(rotWord64(k64, n))
		w0, w1 := le.Uint32(b), le.Uint32(b[n-4:])
		le.PutUint32(b, w0^k)
		le.PutUint32(b[n-4:], w1^kt)
	default:
		for i := range b {
			b[i] ^= byte(k >> (8 * i))
		}
	}
	return next
}

// MaskCopy writes dst[i] = src[i] ^ key[(pos+i)%4] for every i in
// 0..len(src)-1, in one pass, and returns the key offset for the byte after
// src. Writers use it to mask a user's payload while copying it into a frame
// buffer, which costs one pass over memory instead of a copy and a Mask.
// Only the two low bits of pos are used.
//
// dst must be at least len(src) long; bytes of dst past len(src) are not
// touched. dst and src may be the same slice (then MaskCopy is Mask). Any
// other overlap between them would make the result depend on the order in
// which the kernel visits the bytes, so MaskCopy panics on it, as it does when
// dst is too short.
func MaskCopy(dst, src []byte, key [4]byte, pos int) int {
	next := (pos + len(src)) & 3
	if len(src) == 0 {
		return next
	}
	dst = checkCopy(dst, src)
	k := rotKey(key, pos)
	if len(src) >= smallCopyMax {
		if &dst[0] == &src[0] {
			// The copying kernels may write a destination byte before
			// reading the source byte at the same address.
			raceWrite(unsafe.Pointer(&dst[0]), len(src))
			maskBulk(unsafe.Pointer(&dst[0]), len(src), k)
			return next
		}
		maskCopyBulk(unsafe.Pointer(&dst[0]), unsafe.Pointer(&src[0]), len(src), k)
		return next
	}
	// The short path, written out as in Mask and for the same reason. dst
	// and src may be the same slice: every word is loaded before it, or
	// any word overlapping it, is stored.
	k64 := uint64(k)<<32 | uint64(k)
	if len(src) < 32 {
		goto tail
	}
	for len(src) >= 64 {
		s, d := src[:64:64], dst[:64:64]
		le.PutUint64(d[0:], le.Uint64(s[0:])^k64)
		le.PutUint64(d[8:], le.Uint64(s[8:])^k64)
		le.PutUint64(d[16:], le.Uint64(s[16:])^k64)
		le.PutUint64(d[24:], le.Uint64(s[24:])^k64)
		le.PutUint64(d[32:], le.Uint64(s[32:])^k64)
		le.PutUint64(d[40:], le.Uint64(s[40:])^k64)
		le.PutUint64(d[48:], le.Uint64(s[48:])^k64)
		le.PutUint64(d[56:], le.Uint64(s[56:])^k64)
		src, dst = src[64:], dst[64:]
	}
	if len(src) >= 32 {
		s, d := src[:32:32], dst[:32:32]
		le.PutUint64(d[0:], le.Uint64(s[0:])^k64)
		le.PutUint64(d[8:], le.Uint64(s[8:])^k64)
		le.PutUint64(d[16:], le.Uint64(s[16:])^k64)
		le.PutUint64(d[24:], le.Uint64(s[24:])^k64)
		src, dst = src[32:], dst[32:]
	}
tail:
	n := len(src)
	dst = dst[:n]
	switch {
	case n >= 16:
		kt := rotWord64(k64, n)
		w0, w1 := le.Uint64(src[0:]), le.Uint64(src[8:])
		w2, w3 := le.Uint64(src[n-16:]), le.Uint64(src[n-8:])
		le.PutUint64(dst[0:], w0^k64)
		le.PutUint64(dst[8:], w1^k64)
		le.PutUint64(dst[n-16:], w2^kt)
		le.PutUint64(dst[n-8:], w3^kt)
	case n >= 8:
		kt := rotWord64(k64, n)
		w0, w1 := le.Uint64(src), le.Uint64(src[n-8:])
		le.PutUint64(dst, w0^k64)
		le.PutUint64(dst[n-8:], w1^kt)
	case n >= 4:
		kt := uint32(rotWord64(k64, n))
		w0, w1 := le.Uint32(src), le.Uint32(src[n-4:])
		le.PutUint32(dst, w0^k)
		le.PutUint32(dst[n-4:], w1^kt)
	default:
		for i := range src {
			dst[i] = src[i] ^ byte(k>>(8*i))
		}
	}
	return next
}

// Kernel names the masking kernel in use: "avx512", "avx2", "sse2", "neon"
// or "generic". It is meant for logs and benchmark labels.
func Kernel() string { return kernels[0].Name }

// Impl is one masking kernel: its name and its two entry points, with the
// same contracts as [Mask] and [MaskCopy] (argument checks included). The
// functions can be called directly to pin a kernel, or compared against each
// other; every kernel gives identical results.
type Impl struct {
	// Name is the kernel's name, as [Kernel] reports it.
	Name string
	// Mask is the kernel's version of [Mask].
	Mask func(key [4]byte, pos int, b []byte) int
	// MaskCopy is the kernel's version of [MaskCopy].
	MaskCopy func(dst, src []byte, key [4]byte, pos int) int
}

// Kernels lists the masking kernels this CPU can run: the one [Mask] and
// [MaskCopy] use first, then every other kernel this CPU supports, and
// "generic", the portable reference, last. The slice is a fresh copy.
func Kernels() []Impl {
	return append([]Impl(nil), kernels...)
}

// smallCopyMax is the length below which MaskCopy, for every kernel,
// stays in Go (its short path): up to this size a few word operations beat
// a call into assembly. Mask's own threshold, smallMax, depends on the
// architecture's kernels (see the README's measurements).
const smallCopyMax = 128

// newImpl wraps one kernel's bulk functions in the public contracts of Mask
// and MaskCopy: argument checks, the short-payload path, race annotations.
func newImpl(name string, bulk func(p *byte, n int, k uint32), bulkCopy func(dst, src *byte, n int, k uint32)) Impl {
	return Impl{
		Name: name,
		Mask: func(key [4]byte, pos int, b []byte) int {
			if len(b) < smallMax {
				return Mask(key, pos, b) // the short path is the same Go for all
			}
			next := (pos + len(b)) & 3
			k := rotKey(key, pos)
			raceWrite(unsafe.Pointer(&b[0]), len(b))
			bulk(&b[0], len(b), k)
			return next
		},
		MaskCopy: func(dst, src []byte, key [4]byte, pos int) int {
			if len(src) < smallCopyMax {
				return MaskCopy(dst, src, key, pos) // the short path is the same Go for all
			}
			next := (pos + len(src)) & 3
			dst = checkCopy(dst, src)
			k := rotKey(key, pos)
			if &dst[0] == &src[0] { // as in MaskCopy
				raceWrite(unsafe.Pointer(&dst[0]), len(src))
				bulk(&dst[0], len(src), k)
				return next
			}
			raceRead(unsafe.Pointer(&src[0]), len(src))
			raceWrite(unsafe.Pointer(&dst[0]), len(src))
			bulkCopy(&dst[0], &src[0], len(src), k)
			return next
		},
	}
}

// checkCopy enforces MaskCopy's preconditions and returns dst cut to
// len(src).
func checkCopy(dst, src []byte) []byte {
	if len(dst) < len(src) {
		panic("wsframe: MaskCopy dst shorter than src")
	}
	dst = dst[:len(src)]
	if inexactOverlap(dst, src) {
		panic("wsframe: MaskCopy dst and src overlap inexactly")
	}
	return dst
}

// rotKey packs key into a word whose low byte is key[pos&3], then the
// bytes that follow it in the key, cyclically. Stored little-endian (as
// every kernel does, whatever the machine's byte order), XORing such a word
// (or a vector of them) into memory masks 4 bytes at key offset pos.
func rotKey(key [4]byte, pos int) uint32 {
	return bits.RotateLeft32(le.Uint32(key[:]), -8*(pos&3))
}

// le is the byte order of every word the Go code loads and stores: the
// key word's. On little-endian machines (those with assembly kernels) it
// is the native order; big-endian ones get byte-reversed loads and stores,
// which they have instructions for.
var le = binary.LittleEndian

// inexactOverlap reports whether x and y share memory without starting at
// the same address.
func inexactOverlap(x, y []byte) bool {
	if len(x) == 0 || len(y) == 0 || &x[0] == &y[0] {
		return false
	}
	xs, ys := uintptr(unsafe.Pointer(&x[0])), uintptr(unsafe.Pointer(&y[0]))
	return xs < ys+uintptr(len(y)) && ys < xs+uintptr(len(x))
}
