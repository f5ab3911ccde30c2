package codec

import (
	"errors"
	"math/rand"
	"strconv"
	"testing"
)

// ruleCase is one receive-side rule: a stream that breaks it (or, with err
// nil, a stream that shows where its boundary lies) and the byte that
// breaks it.
type ruleCase struct {
	name   string
	cfg    Config // Role is set by the test
	stream []byte
	err    error // nil: the stream is valid
	at     int   // index of the offending byte in stream
}

// ruleCases builds the table for a receiver of role.
func ruleCases(role Role) []ruleCase {
	m := byte(0)
	if peerMasks(role) {
		m = 0x80
	}
	f := func(fin bool, rsv uint8, op Opcode, p string) []byte { return frame(role, fin, rsv, op, []byte(p)) }
	text1 := f(false, 0, OpText, "ab") // the first frame of a fragmented text message
	hl := func(b []byte) int {         // header length of a frame built by f
		_, n, _ := ParseHeader(b)
		return n
	}
	deflate := Config{RsvMessage: Rsv1}
	cases := []ruleCase{
		// RSV bits (§5.2; RFC 7692 §6).
		{name: "rsv1 without extension", stream: f(true, Rsv1, OpText, "x"), err: ErrReservedBits, at: 0},
		{name: "rsv2 without extension", stream: f(true, Rsv2, OpBinary, "x"), err: ErrReservedBits, at: 0},
		{name: "rsv3 without extension", stream: f(true, Rsv3, OpPing, ""), err: ErrReservedBits, at: 0},
		{name: "rsv1 negotiated on first frame", cfg: deflate, stream: f(true, Rsv1, OpBinary, "x")},
		{name: "rsv1 negotiated, text not validated", cfg: deflate, stream: f(true, Rsv1, OpText, "\xff\xfe")},
		{name: "rsv1 on continuation", cfg: deflate, stream: cat(f(false, Rsv1, OpText, "a"), f(true, Rsv1, OpContinuation, "b")),
			err: ErrReservedBits, at: len(f(false, Rsv1, OpText, "a"))},
		{name: "rsv1 on control", cfg: Config{RsvMessage: Rsv1, RsvAny: Rsv1}, stream: f(true, Rsv1, OpPing, ""), err: ErrReservedBits, at: 0},
		{name: "rsv2 allowed on every frame", cfg: Config{RsvAny: Rsv2},
			stream: cat(f(false, Rsv2, OpText, "a"), f(true, Rsv2, OpPing, ""), f(true, Rsv2, OpContinuation, "b"))},
		{name: "rsv2 not allowed on first frame only", cfg: Config{RsvMessage: Rsv1}, stream: f(true, Rsv2, OpText, "a"), err: ErrReservedBits, at: 0},

		// Control frames (§5.5).
		{name: "control 125 bytes", stream: f(true, 0, OpPing, string(make([]byte, 125)))},
		{name: "control 126 bytes", stream: rawFrame([]byte{0x89, m | 126, 0, 126}, make([]byte, 126)), err: ErrControlTooLong, at: 1},
		{name: "control 127 form", stream: rawFrame([]byte{0x8A, m | 127, 0, 0, 0, 0, 0, 0, 0, 1}, []byte{1}), err: ErrControlTooLong, at: 1},
		{name: "close with FIN clear", stream: f(false, 0, OpClose, ""), err: ErrControlFragmented, at: 0},
		{name: "ping with FIN clear", stream: f(false, 0, OpPing, ""), err: ErrControlFragmented, at: 0},
		{name: "ping between fragments", stream: cat(text1, f(true, 0, OpPing, "p"), f(true, 0, OpContinuation, "c"))},

		// Fragmentation (§5.4).
		{name: "continuation without message", stream: f(true, 0, OpContinuation, "x"), err: ErrUnexpectedContinuation, at: 0},
		{name: "continuation after finished message", stream: cat(f(true, 0, OpBinary, "x"), f(true, 0, OpContinuation, "y")),
			err: ErrUnexpectedContinuation, at: len(f(true, 0, OpBinary, "x"))},
		{name: "text inside fragmented message", stream: cat(text1, f(true, 0, OpText, "x")), err: ErrExpectedContinuation, at: len(text1)},
		{name: "binary inside fragmented message", stream: cat(text1, f(true, 0, OpBinary, "x")), err: ErrExpectedContinuation, at: len(text1)},

		// Length encoding (§5.2).
		{name: "non-minimal 16-bit", stream: rawFrame([]byte{0x82, m | 126, 0, 5}, make([]byte, 5)), err: ErrNonMinimalLength, at: 3},
		{name: "non-minimal 64-bit", stream: rawFrame([]byte{0x82, m | 127, 0, 0, 0, 0, 0, 0, 0, 200}, make([]byte, 200)), err: ErrNonMinimalLength, at: 9},
		{name: "non-minimal 64-bit at 65535", stream: rawFrame([]byte{0x82, m | 127, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 0xFFFF)), err: ErrNonMinimalLength, at: 9},
		{name: "non-minimal allowed", cfg: Config{AllowNonMinimalLength: true},
			stream: cat(rawFrame([]byte{0x82, m | 126, 0, 5}, make([]byte, 5)), rawFrame([]byte{0x82, m | 127, 0, 0, 0, 0, 0, 0, 0, 3}, make([]byte, 3)))},
		{name: "minimal 16-bit at 126", stream: rawFrame([]byte{0x82, m | 126, 0, 126}, make([]byte, 126))},
		{name: "length top bit", stream: rawFrame([]byte{0x82, m | 127, 0x80, 0, 0, 0, 0, 0, 0, 0}, nil), err: ErrLengthTopBit, at: 2},

		// Limits (checked at header time).
		{name: "frame at limit", cfg: Config{MaxFrameSize: 100}, stream: f(true, 0, OpBinary, string(make([]byte, 100)))},
		{name: "frame over limit", cfg: Config{MaxFrameSize: 100}, stream: f(true, 0, OpBinary, string(make([]byte, 101))), err: ErrFrameTooBig, at: 1},
		{name: "frame over limit, 64-bit form", cfg: Config{MaxFrameSize: 1 << 20},
			stream: rawFrame([]byte{0x82, m | 127, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF}, nil), err: ErrFrameTooBig, at: 9},
		{name: "frame limit ignores control", cfg: Config{MaxFrameSize: 10}, stream: f(true, 0, OpPing, string(make([]byte, 125)))},
		{name: "message at limit", cfg: Config{MaxMessageSize: 100},
			stream: cat(f(false, 0, OpBinary, string(make([]byte, 60))), f(true, 0, OpContinuation, string(make([]byte, 40))), f(true, 0, OpBinary, string(make([]byte, 100))))},
		{name: "message over limit", cfg: Config{MaxMessageSize: 100},
			stream: cat(f(false, 0, OpBinary, string(make([]byte, 60))), f(true, 0, OpContinuation, string(make([]byte, 41)))),
			err:    ErrMessageTooBig, at: len(f(false, 0, OpBinary, string(make([]byte, 60)))) + 1},
		{name: "message limit on first frame", cfg: Config{MaxMessageSize: 100}, stream: f(true, 0, OpText, string(make([]byte, 101))), err: ErrMessageTooBig, at: 1},
		// The zero Config is bounded (DefaultMaxMessageSize, 16 MiB);
		// NoLimit is a deliberate choice. The streams stop after the
		// header: the limit applies before any payload arrives.
		{name: "zero config, 16 MiB announced", stream: rawFrame([]byte{0x82, m | 127, 0, 0, 0, 0, 0x01, 0, 0, 0}, nil)},
		{name: "zero config, 16 MiB + 1 announced", stream: rawFrame([]byte{0x82, m | 127, 0, 0, 0, 0, 0x01, 0, 0, 1}, nil), err: ErrMessageTooBig, at: 9},
		{name: "NoLimit, 1 GiB announced", cfg: Config{MaxMessageSize: NoLimit}, stream: rawFrame([]byte{0x82, m | 127, 0, 0, 0, 0, 0x40, 0, 0, 0}, nil)},

		// UTF-8 (§5.6, 8.1): fail fast, across fragments.
		{name: "invalid utf8", stream: f(true, 0, OpText, "ab\xffcd"), err: ErrInvalidUTF8, at: hl(f(true, 0, OpText, "ab\xffcd")) + 2},
		{name: "overlong utf8", stream: f(true, 0, OpText, "a\xc0\x80"), err: ErrInvalidUTF8, at: hl(f(true, 0, OpText, "a")) + 1},
		{name: "surrogate", stream: f(true, 0, OpText, "\xed\xa0\x80"), err: ErrInvalidUTF8, at: hl(f(true, 0, OpText, "a")) + 1},
		{name: "utf8 split across fragments", stream: cat(f(false, 0, OpText, "\xe2\x82"), f(true, 0, OpContinuation, "\xac!"))},
		{name: "utf8 split around a ping", stream: cat(f(false, 0, OpText, "\xf0\x9d"), f(true, 0, OpPing, "x"), f(true, 0, OpContinuation, "\x84\x9e"))},
		{name: "invalid utf8 across fragments", stream: cat(f(false, 0, OpText, "\xe2\x82"), f(true, 0, OpContinuation, "(")),
			err: ErrInvalidUTF8, at: len(f(false, 0, OpText, "\xe2\x82")) + hl(f(true, 0, OpContinuation, "(")) + 0},
		{name: "text ends inside sequence", stream: f(true, 0, OpText, "ok\xe2\x82"), err: ErrInvalidUTF8, at: len(f(true, 0, OpText, "ok\xe2\x82")) - 1},
		{name: "text ends inside sequence, empty last frame", stream: cat(f(false, 0, OpText, "\xe2\x82"), f(true, 0, OpContinuation, "")),
			err: ErrInvalidUTF8, at: len(f(false, 0, OpText, "\xe2\x82")) + hl(f(true, 0, OpContinuation, "")) - 1},
		{name: "binary not validated", stream: f(true, 0, OpBinary, "\xff\xfe")},
		{name: "utf8 check off", cfg: Config{SkipUTF8: true}, stream: f(true, 0, OpText, "\xff")},

		// Close payloads (§5.5.1, 7.4).
		{name: "close empty", stream: f(true, 0, OpClose, "")},
		{name: "close one byte", stream: f(true, 0, OpClose, "\x03"), err: ErrCloseLength, at: hl(f(true, 0, OpClose, "x"))},
		{name: "close 1005 on wire", stream: f(true, 0, OpClose, "\x03\xed"), err: ErrCloseCode, at: hl(f(true, 0, OpClose, "x")) + 1},
		{name: "close 999", stream: f(true, 0, OpClose, "\x03\xe7"), err: ErrCloseCode, at: hl(f(true, 0, OpClose, "x")) + 1},
		{name: "close 2999", stream: f(true, 0, OpClose, "\x0b\xb7"), err: ErrCloseCode, at: hl(f(true, 0, OpClose, "x")) + 1},
		{name: "close 4999 with reason", stream: f(true, 0, OpClose, "\x13\x87bye €")},
		{name: "close reason not utf8", stream: f(true, 0, OpClose, "\x03\xe8a\xff"), err: ErrCloseReasonUTF8, at: hl(f(true, 0, OpClose, "x")) + 3},
		{name: "frame after close", stream: cat(f(true, 0, OpClose, "\x03\xe8"), f(true, 0, OpBinary, "x")),
			err: ErrAfterClose, at: len(f(true, 0, OpClose, "\x03\xe8"))},
		{name: "ping after close", stream: cat(f(true, 0, OpClose, ""), f(true, 0, OpPing, "")),
			err: ErrAfterClose, at: len(f(true, 0, OpClose, ""))},
	}
	// Reserved opcodes, data and control (§5.2).
	for _, op := range []Opcode{3, 4, 5, 6, 7, 11, 12, 13, 14, 15} {
		cases = append(cases, ruleCase{name: "opcode " + strconv.Itoa(int(op)), stream: f(true, 0, op, ""), err: ErrReservedOpcode, at: 0})
	}
	// Masking (§5.1): a server gets masked frames, a client unmasked ones.
	if role == RoleServer {
		cases = append(cases, ruleCase{name: "unmasked frame", stream: []byte{0x82, 0x01, 'x'}, err: ErrMaskRequired, at: 1})
	} else {
		cases = append(cases, ruleCase{name: "masked frame", stream: rawFrame([]byte{0x82, 0x81}, []byte{'x'}), err: ErrMaskForbidden, at: 1})
	}
	// A length that does not fit an int, on 32-bit targets only.
	if strconv.IntSize == 32 {
		cases = append(cases, ruleCase{name: "length over int", stream: rawFrame([]byte{0x82, m | 127, 0, 0, 0, 1, 0, 0, 0, 0}, nil), err: ErrLengthOverflow, at: 9})
	}
	return cases
}

func TestRules(t *testing.T) {
	// The close code of every error, from RFC 6455 §7.4.1, written out here
	// rather than read from the errors under test.
	wantCodes := map[error]CloseCode{
		ErrReservedBits: 1002, ErrReservedOpcode: 1002, ErrControlTooLong: 1002, ErrControlFragmented: 1002,
		ErrUnexpectedContinuation: 1002, ErrExpectedContinuation: 1002, ErrMaskRequired: 1002, ErrMaskForbidden: 1002,
		ErrNonMinimalLength: 1002, ErrLengthTopBit: 1002, ErrFrameTooBig: 1009, ErrMessageTooBig: 1009, ErrLengthOverflow: 1009,
		ErrInvalidUTF8: 1007, ErrCloseLength: 1002, ErrCloseCode: 1002, ErrCloseReasonUTF8: 1007, ErrAfterClose: 1002,
	}
	rng := rand.New(rand.NewSource(1))
	for _, role := range roles {
		for _, tc := range ruleCases(role) {
			t.Run(role.String()+"/"+tc.name, func(t *testing.T) {
				cfg := tc.cfg
				cfg.Role = role
				wantCode, known := wantCodes[tc.err]
				if tc.err != nil && !known {
					t.Fatalf("error %v has no expected close code in the table", tc.err)
				}
				var r Receiver
				r.Reset(cfg)
				all := feed(t, &r, tc.stream, whole)
				if all.err != tc.err {
					t.Fatalf("whole stream: error %v, want %v", all.err, tc.err)
				}
				if tc.err != nil {
					if CodeOf(all.err) != wantCode {
						t.Fatalf("CodeOf = %v, want %v", CodeOf(all.err), wantCode)
					}
					var e *Error
					if !errors.As(all.err, &e) || e.Code != wantCode {
						t.Fatalf("errors.As gives %v", e)
					}
					// Sticky until Reset.
					if _, n, err := r.Next([]byte{0x81, 0x80}); err != tc.err || n != 0 {
						t.Fatalf("after the error Next returned %d, %v", n, err)
					}
					if r.Err() != tc.err {
						t.Fatalf("Err() = %v", r.Err())
					}
				} else if len(all.events) == 0 {
					t.Fatal("valid stream gave no events")
				}
				// Byte by byte: the error comes with the offending byte,
				// after the same events.
				r.Reset(cfg)
				bytewise := feed(t, &r, tc.stream, oneByte)
				sameResult(t, "byte by byte", all, bytewise)
				if tc.err != nil && bytewise.errAt != tc.at {
					t.Fatalf("byte by byte: error at byte %d, want %d", bytewise.errAt, tc.at)
				}
				for i := 0; i < 20; i++ {
					r.Reset(cfg)
					sameResult(t, "random chunks", all, feed(t, &r, tc.stream, randomChunks(rng)))
				}
			})
		}
	}
}

// TestMessageLimitOverflow checks that the sum over a message's frames
// cannot wrap around, with lengths no test stream could carry.
func TestMessageLimitOverflow(t *testing.T) {
	const max = 1<<63 - 1
	for _, tc := range []struct {
		sofar, length uint64
		err           error
	}{
		{max - 10, 10, nil},
		{max - 10, 11, ErrMessageTooBig},
		{max, 1, ErrMessageTooBig},
		{1 << 62, 1<<63 - 1, ErrMessageTooBig},
	} {
		if tc.length > uint64(maxInt) { // 32-bit targets refuse it first
			tc.err = ErrLengthOverflow
		}
		r := NewReceiver(Config{MaxMessageSize: max, AllowNonMinimalLength: true})
		r.msg, r.msgLen = OpBinary, tc.sofar
		if err := r.checkLength(0x80, 127, tc.length); err != tc.err {
			t.Errorf("sofar %d + %d: %v, want %v", tc.sofar, tc.length, err, tc.err)
		}
	}
}
