package conformance

import (
	"bytes"
	"errors"
	"testing"
)

func TestFrameRFCExamples(t *testing.T) {
	// RFC 6455 section 5.7: a single-frame unmasked and masked "Hello".
	unmasked := []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}
	masked := []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}
	if got := appendFrame(nil, true, 0, opText, nil, []byte("Hello")); !bytes.Equal(got, unmasked) {
		t.Errorf("unmasked: got % x", got)
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	if got := appendFrame(nil, true, 0, opText, &key, []byte("Hello")); !bytes.Equal(got, masked) {
		t.Errorf("masked: got % x", got)
	}
	for _, b := range [][]byte{unmasked, masked} {
		f, n, err := parseFrame(b, MaxMessage)
		if err != nil || n != len(b) || string(f.Payload) != "Hello" || !f.Fin || f.Opcode != opText {
			t.Errorf("parse % x: %+v n=%d err=%v", b, f, n, err)
		}
	}
}

func TestFrameRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 125, 126, 127, 65535, 65536, 70000} {
		for _, m := range []*[4]byte{nil, {9, 8, 7, 6}} {
			payload := make([]byte, n)
			for i := range payload {
				payload[i] = byte(i * 7)
			}
			keep := append([]byte(nil), payload...)
			b := appendFrame([]byte("prefix"), false, 5, opBinary, m, payload)[len("prefix"):]
			if !bytes.Equal(payload, keep) {
				t.Fatal("appendFrame modified the payload")
			}
			f, used, err := parseFrame(append(b, 0xAA), MaxMessage)
			if err != nil || used != len(b) {
				t.Fatalf("n=%d mask=%v: used %d of %d, err %v", n, m != nil, used, len(b), err)
			}
			if f.Fin || f.Rsv != 5 || f.Opcode != opBinary || f.Masked != (m != nil) || !bytes.Equal(f.Payload, payload) {
				t.Fatalf("n=%d mask=%v: got fin=%v rsv=%d op=%d masked=%v", n, m != nil, f.Fin, f.Rsv, f.Opcode, f.Masked)
			}
			// Every strict prefix is incomplete, never an error or a frame.
			for _, cut := range []int{0, 1, 2, 3, 5, 9, 13, len(b) - 1} {
				if cut >= len(b) || cut < 0 {
					continue
				}
				if _, used, err := parseFrame(b[:cut], MaxMessage); err != errNeedMore || used != 0 {
					t.Fatalf("n=%d prefix %d: used %d err %v", n, cut, used, err)
				}
			}
		}
	}
}

func TestFrameBadLengths(t *testing.T) {
	top := []byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1}
	var pe *protocolError
	if _, _, err := parseFrame(top, MaxMessage); !errors.As(err, &pe) || pe.Code != closeProtocolError {
		t.Errorf("64-bit length with top bit: err %v", err)
	}
	big := appendFrame(nil, true, 0, opBinary, nil, make([]byte, 1000))
	if _, _, err := parseFrame(big, 999); !errors.As(err, &pe) || pe.Code != closeMessageTooBig {
		t.Errorf("over the limit: err %v", err)
	}
}

func TestClosePayload(t *testing.T) {
	if p := closePayload(-1, []byte("x")); p != nil {
		t.Errorf("no code: % x", p)
	}
	if p := closePayload(1002, []byte("ab")); !bytes.Equal(p, []byte{0x03, 0xea, 'a', 'b'}) {
		t.Errorf("1002: % x", p)
	}
	for code, want := range map[int]bool{999: false, 1000: true, 1004: false, 1005: false, 1006: false, 1007: true, 1011: true, 1015: false, 1016: false, 2999: false, 3000: true, 4999: true, 5000: false} {
		if validReceivedCloseCode(code) != want {
			t.Errorf("code %d: valid=%v", code, !want)
		}
	}
}
