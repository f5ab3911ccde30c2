package bench

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gobwas/ws"
	"github.com/wsframe/wsframe"
	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/utf8valid"
)

// Header benchmarks: wsframe's codec against github.com/gobwas/ws, the
// other Go library with a standalone header parser and writer. gobwas reads
// from an io.Reader, so its input is a bytes.Reader reset to the header on
// every iteration; its "buffer" forms take a caller buffer and do not
// allocate, the others allocate one per call. impl=wsframe is ParseHeader,
// which returns the Header by value; impl=wsframe-ptr is Header.Parse into a
// Header the caller keeps, which avoids the store-forwarding stall of copying
// a returned struct (see Header.Parse).
//
// Compare with
//
//	go test -run '^$' -bench 'Header' -count 10 . | tee h.txt; benchstat -col /impl h.txt

// benchHeaders are client (masked) headers, as a server parses them, with
// each length encoding, and one unmasked server header.
var benchHeaders = []struct {
	name string
	h    codec.Header
}{
	{"masked-len7", codec.Header{Fin: true, Opcode: codec.OpBinary, Masked: true, Key: [4]byte{1, 2, 3, 4}, Length: 125}},
	{"masked-len16", codec.Header{Fin: true, Opcode: codec.OpText, Masked: true, Key: [4]byte{1, 2, 3, 4}, Length: 1500}},
	{"masked-len64", codec.Header{Fin: true, Opcode: codec.OpBinary, Masked: true, Key: [4]byte{1, 2, 3, 4}, Length: 1 << 20}},
	{"unmasked-len16", codec.Header{Fin: true, Opcode: codec.OpBinary, Length: 1500}},
}

func gobwasHeader(h codec.Header) ws.Header {
	return ws.Header{Fin: h.Fin, Rsv: h.Rsv, OpCode: ws.OpCode(h.Opcode), Masked: h.Masked, Mask: h.Key, Length: int64(h.Length)}
}

// sinkInt keeps the compiler from discarding results. The parse benchmarks
// read the fields a caller would (length, opcode, key) rather than copying
// the whole header, for both libraries.
var sinkInt int

func BenchmarkHeaderParse(b *testing.B) {
	for _, tc := range benchHeaders {
		wire := codec.AppendHeader(nil, tc.h)
		b.Run("impl=wsframe/hdr="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				h, n, err := codec.ParseHeader(wire)
				if err != nil {
					b.Fatal(err)
				}
				sinkInt += n + int(h.Length) + int(h.Opcode) + int(h.Key[0])
			}
		})
		b.Run("impl=wsframe-ptr/hdr="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var h codec.Header // as a connection keeps it
			for i := 0; i < b.N; i++ {
				n, err := h.Parse(wire)
				if err != nil {
					b.Fatal(err)
				}
				sinkInt += n + int(h.Length) + int(h.Opcode) + int(h.Key[0])
			}
		})
		b.Run("impl=gobwas-buffer/hdr="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			r := bytes.NewReader(wire)
			buf := make([]byte, ws.MaxHeaderSize)
			for i := 0; i < b.N; i++ {
				r.Reset(wire)
				h, err := ws.ReadHeaderBuffer(r, buf)
				if err != nil {
					b.Fatal(err)
				}
				sinkInt += int(h.Length) + int(h.OpCode) + int(h.Mask[0])
			}
		})
		b.Run("impl=gobwas/hdr="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			r := bytes.NewReader(wire)
			for i := 0; i < b.N; i++ {
				r.Reset(wire)
				h, err := ws.ReadHeader(r)
				if err != nil {
					b.Fatal(err)
				}
				sinkInt += int(h.Length) + int(h.OpCode) + int(h.Mask[0])
			}
		})
	}
}

// headerSink is an io.Writer that keeps the last header written, as a
// connection's write buffer would.
type headerSink struct {
	b [ws.MaxHeaderSize]byte
	n int
}

func (s *headerSink) Write(p []byte) (int, error) {
	s.n = copy(s.b[:], p)
	return len(p), nil
}

func BenchmarkHeaderWrite(b *testing.B) {
	for _, tc := range benchHeaders {
		h := tc.h
		b.Run("impl=wsframe/hdr="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var buf [codec.MaxHeaderLen]byte
			for i := 0; i < b.N; i++ {
				sinkInt += codec.PutHeader(&buf, h)
			}
		})
		b.Run("impl=wsframe-put/hdr="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			// Header.Put into headroom of exactly h.Len() bytes, as a
			// writer that reserved it before the payload does.
			room := make([]byte, h.Len())
			for i := 0; i < b.N; i++ {
				n, err := h.Put(room)
				if err != nil {
					b.Fatal(err)
				}
				sinkInt += n
			}
		})
		b.Run("impl=wsframe-append/hdr="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			dst := make([]byte, 0, 64)
			for i := 0; i < b.N; i++ {
				dst = codec.AppendHeader(dst[:0], h)
			}
			sinkInt += len(dst)
		})
		gh := gobwasHeader(h)
		b.Run("impl=gobwas-buffer/hdr="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var w headerSink
			buf := make([]byte, ws.MaxHeaderSize)
			for i := 0; i < b.N; i++ {
				if err := ws.WriteHeaderBuffer(&w, gh, buf); err != nil {
					b.Fatal(err)
				}
			}
			sinkInt += w.n
		})
		b.Run("impl=gobwas/hdr="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var w headerSink
			for i := 0; i < b.N; i++ {
				if err := ws.WriteHeader(&w, gh); err != nil {
					b.Fatal(err)
				}
			}
			sinkInt += w.n
		})
	}
}

// Receiver throughput on streams of masked client frames, each frame a whole
// message, in frames/s and (from SetBytes) payload bytes/s. One op is one
// frame: header, unmasked payload and message end, through Receiver.Next.
//
// The receiver unmasks in place, so the stream is not refilled between
// passes; since masking is XOR, every other pass sees the unmasked bytes and
// masks them again, doing the same work. For text the key is 0x01010101 and
// the text is built from characters whose bytes, with the low bit flipped,
// are again valid UTF-8 of the same shape (see mixedText), so that both
// passes validate real mixed UTF-8 and neither fails.
//
//	go test -run '^$' -bench 'Receiver' -count 10 . | tee r.txt; benchstat r.txt
func BenchmarkReceiver(b *testing.B) {
	cases := []struct {
		name string
		op   codec.Opcode
		size int
	}{
		{"binary/size=125", codec.OpBinary, 125},
		{"binary/size=1500", codec.OpBinary, 1500},
		{"text/size=1500", codec.OpText, 1500},
		{"text/size=65536", codec.OpText, 65536},
	}
	for _, tc := range cases {
		b.Run("impl=wsframe/msg="+tc.name, func(b *testing.B) {
			key := [4]byte{0x9e, 0x37, 0x79, 0xb9}
			payload := make([]byte, tc.size)
			for i := range payload {
				payload[i] = byte(i * 7)
			}
			if tc.op == codec.OpText {
				key = [4]byte{1, 1, 1, 1}
				payload = mixedText(tc.size)
				if !utf8valid.Valid(payload) || !utf8valid.Valid(xorAll(payload, 1)) {
					b.Fatal("bench text is not valid both ways")
				}
			}
			// About 256 KiB of frames, at least 4, so that one pass
			// over the stream sees several messages.
			frames := max(4, (256<<10)/(tc.size+14))
			var stream []byte
			for i := 0; i < frames; i++ {
				h := codec.Header{Fin: true, Opcode: tc.op, Masked: true, Key: key, Length: int64(tc.size)}
				stream = codec.AppendHeader(stream, h)
				start := len(stream)
				stream = append(stream, payload...)
				wsframe.Mask(key, 0, stream[start:])
			}
			r := codec.NewReceiver(codec.Config{Role: codec.RoleServer, MaxMessageSize: 1 << 20})
			b.SetBytes(int64(tc.size))
			b.ReportAllocs()
			b.ResetTimer()
			buf := stream
			for i := 0; i < b.N; i++ {
				for {
					ev, n, err := r.Next(buf)
					if err != nil {
						b.Fatal(err)
					}
					buf = buf[n:]
					if ev.Kind == codec.EventMessageEnd {
						break
					}
				}
				if len(buf) == 0 {
					buf = stream
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}

// mixedText returns n bytes of text that mixes ASCII with 2-, 3- and 4-byte
// UTF-8 sequences. Every character is chosen so that flipping the low bit of
// each byte gives valid UTF-8 again: ASCII stays ASCII, continuation bytes
// stay continuation bytes, and the lead bytes C3, E2, E6, E8 and F0 (with
// second bytes 90..BF) become C2, E3, E7, E9 and F1, which accept any
// continuation.
func mixedText(n int) []byte {
	var sb strings.Builder
	parts := []string{"hello ", "wörld ", "€uro ", "日本語 ", "𝄞 clef ", "plain ascii text, mostly. "}
	for i := 0; sb.Len() < n; i++ {
		sb.WriteString(parts[i%len(parts)])
	}
	b := []byte(sb.String())[:n]
	for len(b) > 0 && b[len(b)-1] >= 0x80 {
		b = b[:len(b)-1]
	}
	for len(b) < n {
		b = append(b, '.')
	}
	return b
}

func xorAll(p []byte, k byte) []byte {
	out := make([]byte, len(p))
	for i := range p {
		out[i] = p[i] ^ k
	}
	return out
}
