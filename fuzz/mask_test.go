package fuzz

import (
	"bytes"
	"testing"

	"github.com/wsframe/wsframe"
)

// FuzzMask checks every masking kernel this CPU has against the portable
// one (and the byte-by-byte definition) on random payloads, keys, key
// offsets, source and destination misalignments, and chunkings.
func FuzzMask(f *testing.F) {
	f.Add([]byte("hello, world"), uint32(0x37fa213d), uint8(0), uint8(0), uint8(0), uint16(0))
	f.Add(bytes.Repeat([]byte{0xff}, 300), uint32(0x01020304), uint8(3), uint8(1), uint8(63), uint16(7))
	f.Add(make([]byte, 257), uint32(0xdeadbeef), uint8(1), uint8(17), uint8(5), uint16(64))
	kernels := wsframe.Kernels()
	generic := kernels[len(kernels)-1]
	f.Fuzz(func(t *testing.T, data []byte, key32 uint32, pos, srcOff, dstOff uint8, chunk uint16) {
		key := [4]byte{byte(key32 >> 24), byte(key32 >> 16), byte(key32 >> 8), byte(key32)}
		p := int(pos & 3)
		n := len(data)

		want := make([]byte, n)
		for i := range data {
			want[i] = data[i] ^ key[(p+i)&3]
		}
		g := append([]byte(nil), data...)
		if next := generic.Mask(key, p, g); next != (p+n)&3 || !bytes.Equal(g, want) {
			t.Fatalf("generic kernel disagrees with the definition")
		}

		// Buffers with spare room before and after, filled with a
		// sentinel that must survive.
		const pad = 64
		sbuf := make([]byte, pad+n+pad)
		dbuf := make([]byte, pad+n+pad)
		so, do := int(srcOff%pad), int(dstOff%pad)
		for _, k := range kernels {
			for i := range dbuf {
				dbuf[i] = 0xa5
			}
			b := dbuf[do : do+n]
			copy(b, data)
			if next := k.Mask(key, p, b); next != (p+n)&3 {
				t.Fatalf("%s: Mask returned %d", k.Name, next)
			}
			if !bytes.Equal(b, g) {
				t.Fatalf("%s: Mask differs from generic (n=%d pos=%d off=%d)", k.Name, n, p, do)
			}
			checkPad(t, k.Name, dbuf, do, do+n)

			for i := range dbuf {
				dbuf[i] = 0xa5
			}
			s := sbuf[so : so+n]
			copy(s, data)
			d := dbuf[do : do+n]
			k.MaskCopy(d, s, key, p)
			if !bytes.Equal(d, g) || !bytes.Equal(s, data) {
				t.Fatalf("%s: MaskCopy differs from generic (n=%d pos=%d src+%d dst+%d)", k.Name, n, p, so, do)
			}
			checkPad(t, k.Name, dbuf, do, do+n)

			// The same payload in chunks of a fuzzed size.
			c := int(chunk%512) + 1
			b = append([]byte(nil), data...)
			q := p
			for off := 0; off < n; off += c {
				end := off + c
				if end > n {
					end = n
				}
				q = k.Mask(key, q, b[off:end])
			}
			if !bytes.Equal(b, g) || q != (p+n)&3 {
				t.Fatalf("%s: chunked Mask (chunk %d) differs from whole", k.Name, c)
			}
		}
	})
}

func checkPad(t *testing.T, name string, buf []byte, lo, hi int) {
	t.Helper()
	for i, c := range buf {
		if (i < lo || i >= hi) && c != 0xa5 {
			t.Fatalf("%s: wrote byte %d outside [%d,%d)", name, i, lo, hi)
		}
	}
}
