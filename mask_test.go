package wsframe_test

import (
	"bytes"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/wsframe/wsframe"
	"github.com/wsframe/wsframe/internal/guardpage"
)

// refMask is RFC 6455 §5.3 written out byte by byte: the definition every
// kernel, the portable one included, is checked against.
func refMask(dst, src []byte, key [4]byte, pos int) {
	for i := range src {
		dst[i] = src[i] ^ key[(pos+i)&3]
	}
}

// maxLen covers the lengths Mask keeps in Go (below 112 bytes on amd64,
// 128 elsewhere), then four of the widest vectors (AVX-512, 64 bytes) and
// one more byte, so every kernel's every loop, tail and alignment step
// runs.
const maxLen = 128 + 4*64 + 1

const sentinel = 0xa5

var testKey = [4]byte{0x12, 0x9c, 0x4e, 0xf1}

func kernelsUnderTest(t *testing.T) []wsframe.Impl {
	ks := wsframe.Kernels()
	if ks[len(ks)-1].Name != "generic" {
		t.Fatalf("last kernel is %q, want generic", ks[len(ks)-1].Name)
	}
	if ks[0].Name != wsframe.Kernel() {
		t.Fatalf("first kernel %q is not the one in use, %q", ks[0].Name, wsframe.Kernel())
	}
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.Name
	}
	t.Logf("kernels: %s", strings.Join(names, ", "))
	return ks
}

func random(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// checkSentinels fails when a byte of buf outside [lo, hi) is not sentinel.
func checkSentinels(t *testing.T, what string, buf []byte, lo, hi int) {
	t.Helper()
	for i, c := range buf {
		if (i < lo || i >= hi) && c != sentinel {
			t.Fatalf("%s: byte %d outside [%d,%d) changed to %#x", what, i, lo, hi, c)
		}
	}
}

// testAligns is every misalignment 0..63, or with -short a spread that
// still covers the first few, a vector's middle and its last byte. Only the
// amd64 kernels take a path that depends on the address (they align their
// stores), and CI runs them without -short; the NEON and portable kernels
// do the same at every address, so -short, which the emulated targets run
// with, trims repetition only. Lengths and key offsets are never trimmed.
func testAligns() []int {
	var a []int
	for i := 0; i < 64; i++ {
		if !testing.Short() || i < 4 || i%13 == 0 || i == 31 || i == 63 {
			a = append(a, i)
		}
	}
	return a
}

func TestMaskInPlace(t *testing.T) {
	src := random(maxLen, 1)
	want := make([]byte, maxLen)
	// 64 spare bytes either side of the widest misalignment, all sentinel.
	buf := make([]byte, 64+64+maxLen+64)
	for _, k := range kernelsUnderTest(t) {
		for n := 0; n <= maxLen; n++ {
			for pos := 0; pos < 4; pos++ {
				refMask(want, src[:n], testKey, pos)
				for _, align := range testAligns() {
					for i := range buf {
						buf[i] = sentinel
					}
					lo := 64 + align
					b := buf[lo : lo+n]
					copy(b, src)
					next := k.Mask(testKey, pos, b)
					if next != (pos+n)&3 {
						t.Fatalf("%s: n=%d pos=%d: returned %d, want %d", k.Name, n, pos, next, (pos+n)&3)
					}
					if !bytes.Equal(b, want[:n]) {
						t.Fatalf("%s: n=%d pos=%d align=%d: wrong result\n got %x\nwant %x", k.Name, n, pos, align, b, want[:n])
					}
					checkSentinels(t, k.Name, buf, lo, lo+n)
				}
			}
		}
	}
}

func TestMaskCopy(t *testing.T) {
	src := random(maxLen, 2)
	want := make([]byte, maxLen)
	sbuf := make([]byte, 64+maxLen+64)
	dbuf := make([]byte, 64+64+maxLen+64)
	// Every source alignment against every destination alignment is 4096
	// combinations per length; -short keeps a spread of them so that the
	// emulated architectures and -race finish in reasonable time.
	aligns := testAligns()
	for _, k := range kernelsUnderTest(t) {
		for n := 0; n <= maxLen; n++ {
			for pos := 0; pos < 4; pos++ {
				refMask(want, src[:n], testKey, pos)
				for _, sa := range aligns {
					s := sbuf[sa : sa+n]
					copy(s, src)
					for _, da := range aligns {
						for i := range dbuf {
							dbuf[i] = sentinel
						}
						lo := 64 + da
						// dst has spare capacity and length beyond n:
						// MaskCopy must not write past len(src).
						d := dbuf[lo : lo+n+32]
						next := k.MaskCopy(d, s, testKey, pos)
						if next != (pos+n)&3 {
							t.Fatalf("%s: n=%d pos=%d: returned %d", k.Name, n, pos, next)
						}
						if !bytes.Equal(d[:n], want[:n]) {
							t.Fatalf("%s: n=%d pos=%d src+%d dst+%d: wrong result\n got %x\nwant %x", k.Name, n, pos, sa, da, d[:n], want[:n])
						}
						checkSentinels(t, k.Name, dbuf, lo, lo+n)
						if !bytes.Equal(s, src[:n]) {
							t.Fatalf("%s: source modified", k.Name)
						}
					}
				}
			}
		}
	}
}

// TestMaskCopySameSlice: dst and src may be the same slice.
func TestMaskCopySameSlice(t *testing.T) {
	for _, k := range kernelsUnderTest(t) {
		for n := 0; n <= maxLen; n++ {
			b := random(n, int64(n))
			want := make([]byte, n)
			refMask(want, b, testKey, 3)
			k.MaskCopy(b, b, testKey, 3)
			if !bytes.Equal(b, want) {
				t.Fatalf("%s: n=%d: in-place MaskCopy wrong", k.Name, n)
			}
		}
	}
}

// TestChunks: masking in random chunks, each call given the offset the last
// returned, equals masking whole.
func TestChunks(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, k := range kernelsUnderTest(t) {
		for iter := 0; iter < 300; iter++ {
			n := rng.Intn(5000)
			src := random(n, int64(iter))
			start := rng.Intn(4)
			want := make([]byte, n)
			refMask(want, src, testKey, start)

			inPlace := append([]byte(nil), src...)
			copied := make([]byte, n)
			pos, cpos := start, start
			for off := 0; off < n; {
				c := rng.Intn(300)
				if rng.Intn(4) == 0 {
					c = rng.Intn(8)
				}
				if off+c > n {
					c = n - off
				}
				pos = k.Mask(testKey, pos, inPlace[off:off+c])
				cpos = k.MaskCopy(copied[off:], src[off:off+c], testKey, cpos)
				off += c
			}
			if !bytes.Equal(inPlace, want) || !bytes.Equal(copied, want) {
				t.Fatalf("%s: chunked masking of %d bytes differs from whole", k.Name, n)
			}
			if pos != (start+n)&3 || cpos != pos {
				t.Fatalf("%s: final offset %d/%d, want %d", k.Name, pos, cpos, (start+n)&3)
			}
		}
	}
}

// TestGuardPages puts slices right before an unmapped page and right after
// one: a kernel that loads or stores a byte past either end crashes.
func TestGuardPages(t *testing.T) {
	const maxN = 300
	r := guardpage.New(t, 4096)
	src := random(maxN, 4)
	want := make([]byte, maxN)
	for _, k := range kernelsUnderTest(t) {
		for n := 0; n <= maxN; n++ {
			for pos := 0; pos < 4; pos++ {
				refMask(want, src[:n], testKey, pos)
				for _, b := range [][]byte{r.Tail(n), r.Head(n)} {
					copy(b, src)
					k.Mask(testKey, pos, b)
					if !bytes.Equal(b, want[:n]) {
						t.Fatalf("%s: n=%d at a guard page: wrong result", k.Name, n)
					}
				}
				// Copy from a slice at one guard into a slice at the
				// other, both ways.
				s, d := r.Tail(n), r.Head(n)
				if n*2 > r.Size() {
					t.Fatal("region too small")
				}
				copy(s, src)
				k.MaskCopy(d, s, testKey, pos)
				if !bytes.Equal(d, want[:n]) {
					t.Fatalf("%s: n=%d MaskCopy tail→head wrong", k.Name, n)
				}
				copy(d, src)
				k.MaskCopy(s, d, testKey, pos)
				if !bytes.Equal(s, want[:n]) {
					t.Fatalf("%s: n=%d MaskCopy head→tail wrong", k.Name, n)
				}
			}
		}
	}
}

func TestTopLevelMatchesKernel(t *testing.T) {
	for n := 0; n <= maxLen; n++ {
		src := random(n, int64(n)+100)
		want := make([]byte, n)
		refMask(want, src, testKey, 1)
		b := append([]byte(nil), src...)
		wsframe.Mask(testKey, 1, b)
		d := make([]byte, n)
		wsframe.MaskCopy(d, src, testKey, 1)
		if !bytes.Equal(b, want) || !bytes.Equal(d, want) {
			t.Fatalf("n=%d: Mask/MaskCopy wrong", n)
		}
	}
}

// TestAnyPos: pos may be any int, negative ones included, and only its two
// low bits count, in the public functions and in every kernel. refMask
// indexes the key with (pos+i)&3, which is exactly that definition.
func TestAnyPos(t *testing.T) {
	type maskFunc struct {
		name     string
		mask     func(key [4]byte, pos int, b []byte) int
		maskCopy func(dst, src []byte, key [4]byte, pos int) int
	}
	fs := []maskFunc{{"Mask/MaskCopy", wsframe.Mask, wsframe.MaskCopy}}
	for _, k := range kernelsUnderTest(t) {
		fs = append(fs, maskFunc{k.Name, k.Mask, k.MaskCopy})
	}
	// Lengths that stay in Go and lengths that reach each kernel's
	// vector loops and tail (maxLen is past the Go-only sizes).
	for _, n := range []int{1, 7, 15, 16, 33, 100, maxLen - 64, maxLen} {
		src := random(n, int64(n)+200)
		want := make([]byte, n)
		for _, pos := range []int{-9, -5, -4, -3, -2, -1, 4, 5, 6, 7, 9, math.MaxInt, math.MaxInt - 1, math.MinInt} {
			refMask(want, src, testKey, pos)
			for _, f := range fs {
				b := append([]byte(nil), src...)
				next := f.mask(testKey, pos, b)
				d := make([]byte, n)
				cnext := f.maskCopy(d, src, testKey, pos)
				if !bytes.Equal(b, want) || !bytes.Equal(d, want) {
					t.Fatalf("%s: n=%d pos=%d: wrong result", f.name, n, pos)
				}
				if next != (pos+n)&3 || cnext != next {
					t.Fatalf("%s: n=%d pos=%d: returned %d and %d, want %d", f.name, n, pos, next, cnext, (pos+n)&3)
				}
			}
		}
	}
}

func TestMaskCopyPanics(t *testing.T) {
	buf := make([]byte, 100)
	cases := []struct {
		name     string
		dst, src []byte
		msg      string
	}{
		{"short dst", buf[:10], buf[50:61], "shorter"},
		{"overlap forward", buf[1:40], buf[0:39], "overlap"},
		{"overlap backward", buf[0:39], buf[1:40], "overlap"},
	}
	for _, k := range kernelsUnderTest(t) {
		for _, tc := range cases {
			for _, f := range []func([]byte, []byte, [4]byte, int) int{k.MaskCopy, wsframe.MaskCopy} {
				func() {
					defer func() {
						r := recover()
						s, _ := r.(string)
						if !strings.HasPrefix(s, "wsframe: ") || !strings.Contains(s, tc.msg) {
							t.Errorf("%s %s: panic %v, want wsframe: …%s…", k.Name, tc.name, r, tc.msg)
						}
					}()
					f(tc.dst, tc.src, testKey, 0)
				}()
			}
		}
	}
	// Adjacent, non-overlapping slices are fine.
	wsframe.MaskCopy(buf[50:], buf[:50], testKey, 0)
}

func TestAllocs(t *testing.T) {
	for _, n := range []int{0, 1, 8, 15, 16, 125, 1500, 65536} {
		b := make([]byte, n)
		d := make([]byte, n)
		for _, k := range kernelsUnderTest(t) {
			if a := testing.AllocsPerRun(20, func() { k.Mask(testKey, 1, b) }); a != 0 {
				t.Errorf("%s Mask n=%d: %v allocs", k.Name, n, a)
			}
			if a := testing.AllocsPerRun(20, func() { k.MaskCopy(d, b, testKey, 1) }); a != 0 {
				t.Errorf("%s MaskCopy n=%d: %v allocs", k.Name, n, a)
			}
		}
		if a := testing.AllocsPerRun(20, func() { wsframe.Mask(testKey, 1, b) }); a != 0 {
			t.Errorf("Mask n=%d: %v allocs", n, a)
		}
		if a := testing.AllocsPerRun(20, func() { wsframe.MaskCopy(d, b, testKey, 1) }); a != 0 {
			t.Errorf("MaskCopy n=%d: %v allocs", n, a)
		}
	}
}
