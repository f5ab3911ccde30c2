package fuzz

import (
	"bytes"
	"compress/flate"
	"io"
	"math/rand"
	"testing"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/pmdeflate"
)

// maxDeflateInput bounds the payloads FuzzInflate inflates, to keep each run
// quick. It is far above 64 KiB, so that streams whose blocks span many
// frames, with or without flushes between them, are in reach (the seed
// corpus has such streams of 90 KiB to 300 KiB).
const maxDeflateInput = 1 << 20

// FuzzInflate inflates arbitrary bytes as the payload of a compressed
// message, with a limit (limit16, or the zero config's default when it is
// 0), and checks: never a panic; never more than the limit delivered; the
// same bytes and error whether the payload comes whole or in random
// chunks (seeded by split16) into random small output buffers; agreement
// with compress/flate reading the payload as RFC 7692 §7.2.2 says (00 00
// ff ff appended, and an empty final block to end the stream); and errors
// only with the close codes 1007 and 1009.
func FuzzInflate(f *testing.F) {
	f.Add([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, uint16(100), uint16(3), false)
	f.Add([]byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}, uint16(4), uint16(1), true)
	f.Add([]byte{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}, uint16(5), uint16(9), false)
	f.Add([]byte{0x07}, uint16(10), uint16(0), false)
	var c pmdeflate.Compressor
	zeros, _ := c.AppendMessage(nil, make([]byte, 100000))
	f.Add(zeros, uint16(65535), uint16(50), true)
	f.Add(zeros, uint16(0), uint16(51), false)
	text, _ := c.AppendMessage(nil, bytes.Repeat([]byte(`{"k":"value","n":12345},`), 200))
	f.Add(text, uint16(1000), uint16(20), false)
	f.Fuzz(func(t *testing.T, data []byte, limit16, split16 uint16, takeover bool) {
		if len(data) > maxDeflateInput {
			return
		}
		cfg := pmdeflate.DecompressorConfig{ContextTakeover: takeover, MaxMessageSize: int64(limit16)}
		limit := int64(limit16)
		if limit == 0 {
			limit = codec.DefaultMaxMessageSize
		}

		whole, werr := pmdeflate.NewDecompressor(cfg).AppendInflate(nil, data, true)
		if int64(len(whole)) > limit {
			t.Fatalf("delivered %d bytes over the limit %d", len(whole), limit)
		}
		switch werr {
		case nil:
		case pmdeflate.ErrDeflateCorrupt, pmdeflate.ErrDeflateTooBig:
			if c := codec.CodeOf(werr); c != codec.CloseInvalidPayload && c != codec.CloseMessageTooBig {
				t.Fatalf("close code %d", c)
			}
		default:
			t.Fatalf("unexpected error %v", werr)
		}

		// Random chunks, some empty, into random small buffers.
		rng := rand.New(rand.NewSource(int64(split16)))
		for round := 0; round < 3; round++ {
			maxChunk := []int{1, 16, 5000, 70000}[rng.Intn(4)]
			buf := make([]byte, 1+rng.Intn([]int{1, 8, 5000}[rng.Intn(3)]))
			// Tiny chunks and buffers only for small messages: a
			// million calls would add nothing but time.
			if len(data) > 64<<10 {
				maxChunk = max(maxChunk, 5000)
			}
			if len(whole) > 64<<10 {
				buf = make([]byte, max(len(buf), 4096))
			}
			d := pmdeflate.NewDecompressor(cfg)
			got := 0 // bytes out so far, each checked against whole
			var gerr error
			for rest := data; gerr == nil; {
				k := min(len(rest), rng.Intn(maxChunk+1))
				part, final := rest[:k], k == len(rest) && rng.Intn(2) == 0
				for {
					nd, ns, err := d.Inflate(buf, part, final)
					if got+nd > len(whole) || !bytes.Equal(buf[:nd], whole[got:got+nd]) {
						t.Fatalf("chunks of up to %d into %d bytes: bytes %d..%d differ from inflating whole (%d bytes, %v)",
							maxChunk, len(buf), got, got+nd, len(whole), werr)
					}
					got += nd
					part = part[ns:]
					if err != pmdeflate.ErrShortDst {
						gerr = err
						break
					}
				}
				if gerr == nil && len(part) != 0 {
					t.Fatalf("nil error with %d bytes of the chunk left", len(part))
				}
				rest = rest[k:]
				if final {
					break
				}
			}
			if gerr != werr || got != len(whole) {
				t.Fatalf("chunks of up to %d into %d bytes: %d bytes, %v; whole: %d bytes, %v",
					maxChunk, len(buf), got, gerr, len(whole), werr)
			}
		}

		// compress/flate on the payload and its tail.
		stream := append(append([]byte(nil), data...), 0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff)
		ref, rerr := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(stream)), limit+1))
		switch {
		case rerr == nil && int64(len(ref)) > limit:
			if werr != pmdeflate.ErrDeflateTooBig || !bytes.Equal(whole, ref[:limit]) {
				t.Fatalf("over the limit: %v", werr)
			}
		case rerr == nil:
			if werr != nil || !bytes.Equal(whole, ref) {
				t.Fatalf("compress/flate inflates %d bytes; we %d, %v", len(ref), len(whole), werr)
			}
		default:
			if werr == nil {
				t.Fatalf("compress/flate fails (%v), we do not", rerr)
			}
		}

		// And the compressor's round trip on the same bytes.
		level := int(split16%11) - 2
		comp, err := pmdeflate.NewCompressor(pmdeflate.CompressorConfig{Level: level})
		if err != nil {
			t.Fatal(err)
		}
		p, err := comp.AppendMessage(nil, data)
		if err != nil {
			t.Fatal(err)
		}
		back, err := pmdeflate.NewDecompressor(pmdeflate.DecompressorConfig{}).AppendInflate(nil, p, true)
		if err != nil || !bytes.Equal(back, data) {
			t.Fatalf("round trip at level %d: %v", level, err)
		}
	})
}
