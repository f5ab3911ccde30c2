package fuzz

import (
	"bytes"
	"compress/flate"
	"io"
	"testing"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/pmdeflate"
)

// maxDeflateInput keeps inputs below the 64 KiB the Decompressor holds
// before inflating from the middle of a message, so that chunked and
// one-shot inflating must agree exactly.
const maxDeflateInput = 60 << 10

// FuzzInflate inflates arbitrary bytes as the payload of a compressed
// message, with a limit, and checks: never a panic; never more than the
// limit delivered; the same bytes and error whether the payload comes whole
// or split in two into a tiny output buffer; agreement with compress/flate
// reading the payload as RFC 7692 §7.2.2 says (00 00 ff ff appended); and
// errors only with the close codes 1007 and 1009.
func FuzzInflate(f *testing.F) {
	f.Add([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, uint16(100), uint16(3), false)
	f.Add([]byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}, uint16(4), uint16(1), true)
	f.Add([]byte{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}, uint16(5), uint16(9), false)
	f.Add([]byte{0x07}, uint16(10), uint16(0), false)
	var c pmdeflate.Compressor
	zeros, _ := c.AppendMessage(nil, make([]byte, 100000))
	f.Add(zeros, uint16(65535), uint16(50), true)
	text, _ := c.AppendMessage(nil, bytes.Repeat([]byte(`{"k":"value","n":12345},`), 200))
	f.Add(text, uint16(1000), uint16(20), false)
	f.Fuzz(func(t *testing.T, data []byte, limit16, split16 uint16, takeover bool) {
		if len(data) > maxDeflateInput {
			return
		}
		limit := int64(limit16) + 1
		cfg := pmdeflate.DecompressorConfig{ContextTakeover: takeover, MaxMessageSize: limit}

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

		// Split in two, into a 7-byte buffer.
		d := pmdeflate.NewDecompressor(cfg)
		var got []byte
		var gerr error
		buf := make([]byte, 7)
		k := 0
		if len(data) > 0 {
			k = int(split16) % (len(data) + 1)
		}
		for i, part := range [][]byte{data[:k], data[k:]} {
			for gerr == nil {
				nd, ns, err := d.Inflate(buf, part, i == 1)
				got = append(got, buf[:nd]...)
				part = part[ns:]
				if err == pmdeflate.ErrShortDst {
					continue
				}
				gerr = err
				break
			}
		}
		if gerr != werr || !bytes.Equal(got, whole) {
			t.Fatalf("split at %d: %d bytes, %v; whole: %d bytes, %v", k, len(got), gerr, len(whole), werr)
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
