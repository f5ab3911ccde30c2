package codec

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
)

var testLengths = []int64{0, 1, 125, 126, 127, 65535, 65536, 1 << 32, 1<<63 - 1}

// TestHeaderRoundTrip writes and parses every combination of header fields
// at the lengths where the encoding changes.
func TestHeaderRoundTrip(t *testing.T) {
	n := 0
	for _, length := range testLengths {
		for _, fin := range []bool{false, true} {
			for rsv := uint8(0); rsv < 8; rsv++ {
				for op := Opcode(0); op < 16; op++ {
					for _, masked := range []bool{false, true} {
						h := Header{Fin: fin, Rsv: rsv, Opcode: op, Masked: masked, Length: length}
						if masked {
							h.Key = [4]byte{byte(op), 0xA5, rsv, 0xFF}
						}
						b := AppendHeader([]byte{0xEE}, h)[1:]
						if len(b) != h.Len() {
							t.Fatalf("%+v: AppendHeader wrote %d bytes, Len says %d", h, len(b), h.Len())
						}
						var fixed [MaxHeaderLen]byte
						if k := PutHeader(&fixed, h); !bytes.Equal(fixed[:k], b) {
							t.Fatalf("%+v: PutHeader % x, AppendHeader % x", h, fixed[:k], b)
						}
						got, k, err := ParseHeader(b)
						if length > int64(maxInt) { // 32-bit targets
							if err != ErrLengthOverflow {
								t.Fatalf("%+v: err %v, want ErrLengthOverflow", h, err)
							}
							continue
						}
						if err != nil || k != len(b) || got != h {
							t.Fatalf("%+v: parsed %+v, %d, %v from % x", h, got, k, err, b)
						}
						// Parse into a Header that held another frame
						// sets every field.
						reuse := Header{Fin: !fin, Rsv: 7 - rsv, Opcode: 15 - op, Masked: !masked, Key: [4]byte{9, 9, 9, 9}, Length: 12345}
						if k, err := reuse.Parse(b); err != nil || k != len(b) || reuse != h {
							t.Fatalf("%+v: Parse gave %+v, %d, %v", h, reuse, k, err)
						}
						// Trailing bytes are not part of the header.
						if got2, k2, err := ParseHeader(append(b, 1, 2, 3)); got2 != h || k2 != k || err != nil {
							t.Fatalf("%+v: with trailing bytes: %+v, %d, %v", h, got2, k2, err)
						}
						// Every prefix is short, never an error, and says
						// how long the header is once two bytes are there.
						for cut := 0; cut < len(b); cut++ {
							_, need, err := ParseHeader(b[:cut])
							want := len(b)
							if cut < 2 {
								want = 2
							}
							if err != ErrShortHeader || need != want {
								t.Fatalf("%+v cut at %d: need %d, err %v; want %d, ErrShortHeader", h, cut, need, err, want)
							}
						}
						n++
					}
				}
			}
		}
	}
	t.Logf("%d headers", n)
}

// TestHeaderEncoding pins the minimal encodings against bytes written by hand
// from RFC 6455 §5.2 and §5.7.
func TestHeaderEncoding(t *testing.T) {
	for _, tc := range []struct {
		h    Header
		wire string
	}{
		{Header{Fin: true, Opcode: OpText, Length: 5}, "\x81\x05"},
		{Header{Fin: true, Opcode: OpText, Length: 5, Masked: true, Key: [4]byte{0x37, 0xfa, 0x21, 0x3d}}, "\x81\x85\x37\xfa\x21\x3d"},
		{Header{Opcode: OpText, Length: 3}, "\x01\x03"},
		{Header{Fin: true, Opcode: OpPing, Length: 5}, "\x89\x05"},
		{Header{Fin: true, Opcode: OpBinary, Length: 256}, "\x82\x7E\x01\x00"},
		{Header{Fin: true, Opcode: OpBinary, Length: 65536}, "\x82\x7F\x00\x00\x00\x00\x00\x01\x00\x00"},
		{Header{Fin: true, Rsv: Rsv1, Opcode: OpText, Length: 125}, "\xC1\x7D"},
		{Header{Rsv: Rsv2 | Rsv3, Opcode: OpContinuation, Length: 126}, "\x30\x7E\x00\x7E"},
	} {
		if got := string(AppendHeader(nil, tc.h)); got != tc.wire {
			t.Errorf("%+v: % x, want % x", tc.h, got, tc.wire)
		}
	}
}

func TestParseHeaderErrors(t *testing.T) {
	top := []byte{0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}
	if _, _, err := ParseHeader(top); err != ErrLengthTopBit || CodeOf(err) != CloseProtocolError {
		t.Errorf("top bit: %v", err)
	}
	if _, n, err := ParseHeader(top[:9]); err != ErrShortHeader || n != 10 {
		t.Errorf("short top-bit header: %d, %v", n, err)
	}
	// ErrShortHeader asks for more bytes; it is no violation, so it
	// carries no close code of its own.
	var coded interface{ CloseCode() uint16 }
	if errors.As(ErrShortHeader, &coded) || CodeOf(ErrShortHeader) != CloseInternalError {
		t.Error("ErrShortHeader carries a close code, as if it were a violation")
	}
	big := []byte{0x82, 0x7F, 0, 0, 0, 1, 0, 0, 0, 0}
	_, _, err := ParseHeader(big)
	if strconv.IntSize == 32 && (err != ErrLengthOverflow || CodeOf(err) != CloseMessageTooBig) {
		t.Errorf("2^32 on a 32-bit target: %v", err)
	}
	if strconv.IntSize == 64 && err != nil {
		t.Errorf("2^32 on a 64-bit target: %v", err)
	}
	// Parse leaves the Header alone on error.
	keep := Header{Fin: true, Opcode: OpPing, Length: 3}
	for _, b := range [][]byte{nil, {0x82}, {0x82, 0xFE, 0}, top} {
		h := keep
		if _, err := h.Parse(b); err == nil || h != keep {
			t.Errorf("% x: %v, header now %+v", b, err, h)
		}
	}
	// Non-minimal encodings parse; n tells them apart.
	h, n, err := ParseHeader([]byte{0x82, 0x7E, 0, 5})
	if err != nil || h.Length != 5 || n != 4 || h.Len() != 2 {
		t.Errorf("non-minimal: %+v %d %v", h, n, err)
	}
}

func TestOpcode(t *testing.T) {
	for op := Opcode(0); op < 16; op++ {
		reserved := op >= 3 && op <= 7 || op >= 11
		if op.IsReserved() != reserved {
			t.Errorf("%v.IsReserved() = %v", op, op.IsReserved())
		}
		if op.IsControl() != (op >= 8) {
			t.Errorf("%v.IsControl() = %v", op, op.IsControl())
		}
	}
	if !Opcode(16).IsReserved() {
		t.Error("opcode 16 is not reserved")
	}
	if OpText.String() != "text" || OpPong.String() != "pong" || Opcode(3).String() != "opcode 3" {
		t.Error("Opcode.String")
	}
}

func TestHeaderAllocs(t *testing.T) {
	b := AppendHeader(nil, Header{Fin: true, Opcode: OpBinary, Masked: true, Length: 70000})
	dst := make([]byte, 0, 64)
	if a := testing.AllocsPerRun(100, func() {
		h, _, _ := ParseHeader(b)
		dst = AppendHeader(dst[:0], h)
		var fixed [MaxHeaderLen]byte
		PutHeader(&fixed, h)
		h.Parse(b)
		ParseHeader(b[:3])
		ParseHeader([]byte{0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0})
	}); a != 0 {
		t.Errorf("%v allocations", a)
	}
}
