package bench

import (
	"crypto/subtle"
	"fmt"
	"testing"
	"unsafe"

	"github.com/gobwas/ws"
	"github.com/wsframe/wsframe"
)

// Masking benchmarks: every wsframe kernel against the limits of the
// machine (memclr for in-place work, memmove for copying) and the peers.
//
//	go test -run '^$' -bench 'Mask' -count 10 . | tee mask.txt
//	benchstat -col /impl mask.txt

var maskSizes = []int{8, 16, 64, 125, 512, 1500, 4096, 16384, 65536, 1048576}

var benchKey = [4]byte{0x12, 0x9c, 0x4e, 0xf1}

// aligned returns n bytes starting at a 64-byte boundary plus off.
func aligned(n, off int) []byte {
	b := make([]byte, n+128)
	a := int(-uintptr(unsafe.Pointer(&b[0])) & 63)
	return b[a+off : a+off+n]
}

// alignment is one column of the tables: "aligned" starts the payload on a
// 64-byte boundary with key offset 0; "unaligned" on an odd address with key
// offset 1.
var alignments = []struct {
	name     string
	off, pos int
}{{"aligned", 0, 0}, {"unaligned", 1, 1}}

func BenchmarkMask(b *testing.B) {
	// Each impl runs the timed loop itself, so that the entry points
	// without a function value (Mask, memclr, the peers) are called
	// directly, as users call them.
	type impl struct {
		name string
		run  func(b *testing.B, buf, keys []byte, pos int)
	}
	impls := []impl{{"Mask", func(b *testing.B, buf, _ []byte, pos int) {
		for i := 0; i < b.N; i++ {
			wsframe.Mask(benchKey, pos, buf)
		}
	}}}
	for _, k := range wsframe.Kernels() {
		mask := k.Mask
		impls = append(impls, impl{k.Name, func(b *testing.B, buf, _ []byte, pos int) {
			for i := 0; i < b.N; i++ {
				mask(benchKey, pos, buf)
			}
		}})
	}
	impls = append(impls,
		// Clearing the same buffer: what in-place work costs when bound by
		// stores alone (the compiler turns this loop into memclr).
		impl{"memclr", func(b *testing.B, buf, _ []byte, _ int) {
			for i := 0; i < b.N; i++ {
				for j := range buf {
					buf[j] = 0
				}
			}
		}},
		// XOR against a key repeated to the payload's length, prepared
		// outside the timed loop.
		impl{"subtle", func(b *testing.B, buf, keys []byte, _ int) {
			for i := 0; i < b.N; i++ {
				subtle.XORBytes(buf, buf, keys)
			}
		}},
		impl{"gobwas", func(b *testing.B, buf, _ []byte, pos int) {
			for i := 0; i < b.N; i++ {
				ws.Cipher(buf, benchKey, pos)
			}
		}},
	)
	for _, al := range alignments {
		for _, size := range maskSizes {
			buf := aligned(size, al.off)
			keys := make([]byte, size)
			for i := range keys {
				keys[i] = benchKey[(al.pos+i)&3]
			}
			for _, im := range impls {
				b.Run(fmt.Sprintf("align=%s/size=%d/impl=%s", al.name, size, im.name), func(b *testing.B) {
					b.SetBytes(int64(size))
					im.run(b, buf, keys, al.pos)
				})
			}
		}
	}
}

// BenchmarkMaskFresh masks each payload once, as a server unmasks each
// frame where it was read: every call takes the next of 64 payloads laid
// out in one slab (64 × 1500 B still fits in L2). BenchmarkMask masks one
// buffer again and again, so there each call's loads wait on the previous
// call's stores to the same bytes (store-to-load forwarding); here they
// do not, which is the cost a real payload sees.
func BenchmarkMaskFresh(b *testing.B) {
	const ring = 64 // a power of two: the loop picks a payload with i&(ring-1)
	type impl struct {
		name string
		run  func(b *testing.B, bufs [][]byte, pos int)
	}
	impls := []impl{
		{"Mask", func(b *testing.B, bufs [][]byte, pos int) {
			for i := 0; i < b.N; i++ {
				wsframe.Mask(benchKey, pos, bufs[i&(ring-1)])
			}
		}},
		{"memclr", func(b *testing.B, bufs [][]byte, _ int) {
			for i := 0; i < b.N; i++ {
				buf := bufs[i&(ring-1)]
				for j := range buf {
					buf[j] = 0
				}
			}
		}},
		{"gobwas", func(b *testing.B, bufs [][]byte, pos int) {
			for i := 0; i < b.N; i++ {
				ws.Cipher(bufs[i&(ring-1)], benchKey, pos)
			}
		}},
	}
	for _, al := range alignments {
		for _, size := range []int{8, 16, 32, 64, 96, 125, 512, 1500} {
			stride := (al.off + size + 63) &^ 63
			slab := aligned(ring*stride, 0)
			bufs := make([][]byte, ring)
			for i := range bufs {
				bufs[i] = slab[i*stride+al.off : i*stride+al.off+size : i*stride+al.off+size]
			}
			for _, im := range impls {
				b.Run(fmt.Sprintf("align=%s/size=%d/impl=%s", al.name, size, im.name), func(b *testing.B) {
					b.SetBytes(int64(size))
					im.run(b, bufs, al.pos)
				})
			}
		}
	}
}

func BenchmarkMaskCopy(b *testing.B) {
	type impl struct {
		name string
		run  func(b *testing.B, dst, src []byte, pos int)
	}
	impls := []impl{{"MaskCopy", func(b *testing.B, dst, src []byte, pos int) {
		for i := 0; i < b.N; i++ {
			wsframe.MaskCopy(dst, src, benchKey, pos)
		}
	}}}
	for _, k := range wsframe.Kernels() {
		maskCopy := k.MaskCopy
		impls = append(impls, impl{k.Name, func(b *testing.B, dst, src []byte, pos int) {
			for i := 0; i < b.N; i++ {
				maskCopy(dst, src, benchKey, pos)
			}
		}})
	}
	impls = append(impls, impl{"memmove", func(b *testing.B, dst, src []byte, _ int) {
		for i := 0; i < b.N; i++ {
			copy(dst, src)
		}
	}})
	for _, al := range alignments {
		for _, size := range maskSizes {
			dst, src := aligned(size, al.off), aligned(size, al.off)
			for _, im := range impls {
				b.Run(fmt.Sprintf("align=%s/size=%d/impl=%s", al.name, size, im.name), func(b *testing.B) {
					b.SetBytes(int64(size))
					im.run(b, dst, src, al.pos)
				})
			}
		}
	}
}
