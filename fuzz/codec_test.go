package fuzz

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/internal/guardpage"
)

// maxCodecInput bounds the inputs the codec targets try, so that one guard
// region per target holds any of them.
const maxCodecInput = 1 << 16

// atEnd returns a copy of b that ends right before an unmapped page where the
// platform has guard pages, so that reading one byte past it crashes.
func atEnd(region *guardpage.Region, b []byte) []byte {
	if region == nil {
		return append([]byte(nil), b...)
	}
	out := region.Tail(len(b))
	copy(out, b)
	return out
}

func newRegion(f *testing.F) *guardpage.Region {
	if !guardpage.Supported {
		return nil
	}
	return guardpage.New(f, maxCodecInput)
}

// FuzzCodecParseHeader checks ParseHeader on random bytes placed against a
// guard page: no panic, no read past the input, a short input is always
// ErrShortHeader with the right need, and what parses writes back the same.
func FuzzCodecParseHeader(f *testing.F) {
	f.Add([]byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58})
	f.Add([]byte{0x82, 0x7e, 0x01, 0x00})
	f.Add([]byte{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4})
	f.Add([]byte{0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x02, 0x7e, 0, 5})
	region := newRegion(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxCodecInput {
			return
		}
		b := atEnd(region, data)
		h, n, err := codec.ParseHeader(b)
		var h2 codec.Header
		if n2, err2 := h2.Parse(b); n2 != n || err2 != err || (err == nil && h2 != h) {
			t.Fatalf("Header.Parse gives %+v %d %v, ParseHeader %+v %d %v", h2, n2, err2, h, n, err)
		}
		if len(b) < 2 {
			if err != codec.ErrShortHeader || n != 2 {
				t.Fatalf("%d bytes: %d %v", len(b), n, err)
			}
			return
		}
		need := 2 + int(b[1]>>7)*4 + map[byte]int{126: 2, 127: 8}[b[1]&0x7f]
		if n != need {
			t.Fatalf("n = %d, header needs %d", n, need)
		}
		if len(b) < need {
			if err != codec.ErrShortHeader {
				t.Fatalf("short header: %v", err)
			}
			return
		}
		if err != nil {
			if err != codec.ErrLengthTopBit && err != codec.ErrLengthOverflow {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		// Written back, it parses to the same header; in its minimal
		// encoding, to the same bytes.
		w := codec.AppendHeader(nil, h)
		h2, n2, err := codec.ParseHeader(w)
		if err != nil || h2 != h || n2 != len(w) || n2 != h.Len() {
			t.Fatalf("%+v rewritten as % x parses to %+v %d %v", h, w, h2, n2, err)
		}
		if n == len(w) && !bytes.Equal(w, b[:n]) {
			t.Fatalf("minimal header % x rewritten as % x", b[:n], w)
		}
	})
}

// FuzzCodecRoundTrip writes a header from random fields, and a frame through
// a Sender, and reads them back.
func FuzzCodecRoundTrip(f *testing.F) {
	f.Add(true, uint8(0), uint8(1), true, uint32(0x37fa213d), uint64(5), []byte("hello"), uint16(3))
	f.Add(false, uint8(4), uint8(2), false, uint32(0), uint64(1<<63-1), []byte{}, uint16(0))
	f.Add(true, uint8(7), uint8(9), true, uint32(1), uint64(65536), make([]byte, 300), uint16(100))
	f.Fuzz(func(t *testing.T, fin bool, rsv, op uint8, masked bool, key uint32, length uint64, payload []byte, frameSize uint16) {
		h := codec.Header{Fin: fin, Rsv: rsv & 7, Opcode: codec.Opcode(op & 15), Masked: masked, Length: int64(length >> 1)}
		if masked {
			binary.BigEndian.PutUint32(h.Key[:], key)
		}
		w := codec.AppendHeader(nil, h)
		got, n, err := codec.ParseHeader(w)
		if h.Length > int64(int(^uint(0)>>1)) {
			if err != codec.ErrLengthOverflow {
				t.Fatalf("%+v: %v", h, err)
			}
		} else if err != nil || got != h || n != len(w) {
			t.Fatalf("%+v: parsed %+v %d %v", h, got, n, err)
		}
		for cut := 0; cut < len(w); cut++ {
			if _, _, err := codec.ParseHeader(w[:cut]); err != codec.ErrShortHeader {
				t.Fatalf("%+v cut at %d: %v", h, cut, err)
			}
		}

		// A message through a Sender and a Receiver of the other role.
		if len(payload) > maxCodecInput {
			return
		}
		for _, role := range []codec.Role{codec.RoleServer, codec.RoleClient} {
			s := codec.NewSender(role, bytes.NewReader(bytes.Repeat(payload, 1+4096/(len(payload)+1))))
			if len(payload) == 0 {
				s = codec.NewSender(role, nil)
			}
			msgOp := codec.OpBinary
			if utf8.Valid(payload) && op&1 == 1 {
				msgOp = codec.OpText
			}
			wire, err := s.AppendMessage(nil, codec.Header{Opcode: msgOp}, payload, int(frameSize)+1)
			if err != nil {
				t.Fatal(err)
			}
			peer := codec.RoleClient
			if role == codec.RoleClient {
				peer = codec.RoleServer
			}
			r := codec.NewReceiver(codec.Config{Role: peer})
			var got []byte
			ends := 0
			for buf := wire; ; {
				ev, n, err := r.Next(buf)
				if err != nil {
					t.Fatalf("%v: %v", role, err)
				}
				buf = buf[n:]
				if ev.Kind == codec.EventMore {
					break
				}
				if ev.Kind == codec.EventPayload {
					got = append(got, ev.Payload...)
				}
				if ev.Kind == codec.EventMessageEnd {
					ends++
					if ev.Message != msgOp {
						t.Fatalf("message type %v, want %v", ev.Message, msgOp)
					}
				}
			}
			if ends != 1 || !bytes.Equal(got, payload) {
				t.Fatalf("%v: %d messages, payload differs: %v", role, ends, !bytes.Equal(got, payload))
			}
		}
	})
}

// FuzzCodecReceiver runs random byte streams through the Receiver, whole and
// in chunks cut by the fuzzer, each chunk against a guard page, and checks
// that it never panics or reads past its input and that it agrees, event for
// event and on the first error, with refReceiver below.
func FuzzCodecReceiver(f *testing.F) {
	m := func(b ...byte) []byte { return b }
	f.Add(m(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58), uint8(0), []byte{3, 1, 100})
	f.Add(m(0x01, 0x03, 'H', 'e', 'l', 0x89, 0x00, 0x80, 0x02, 'l', 'o'), uint8(1), []byte{1})
	f.Add(m(0x81, 0x04, 0xe2, 0x82, 0xac, 0xff), uint8(1), []byte{2, 2})
	f.Add(m(0xc1, 0x80, 1, 2, 3, 4, 0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8), uint8(0x0c), []byte{})
	f.Add(m(0x82, 0x7e, 0x00, 0x05, 1, 2, 3, 4, 5), uint8(0x11), []byte{5})
	region := newRegion(f)
	f.Fuzz(func(t *testing.T, stream []byte, cfgBits uint8, cuts []byte) {
		if len(stream) > maxCodecInput {
			return
		}
		cfg := fuzzConfig(cfgBits)
		ref := refReceive(cfg, stream)
		real := realReceive(t, region, cfg, stream, nil)
		compareRuns(t, "whole", ref, real)
		real = realReceive(t, region, cfg, stream, cuts)
		compareRuns(t, "chunked", ref, real)
	})
}

// FuzzCodecReceiverFrames is FuzzCodecReceiver on streams of well-formed
// frames built from a program of random choices (opcode, flags, length, how
// the peer masks), some of which break a rule, so that most of the stream is
// past the header checks that random bytes rarely get through.
func FuzzCodecReceiverFrames(f *testing.F) {
	f.Add([]byte{0x01, 0x05, 0x00, 0x09, 0x02, 0x80, 0x03, 0x04}, uint8(0), []byte("héllo wörld €"), []byte{7})
	f.Add([]byte{0x02, 0x7e, 0x08, 0x01, 0x40, 0x0a}, uint8(1), []byte{0xe2, 0x82}, []byte{1})
	f.Add([]byte{0x81, 0x02, 0x81, 0x02}, uint8(0x20), []byte("ab"), []byte{})
	region := newRegion(f)
	f.Fuzz(func(t *testing.T, program []byte, cfgBits uint8, text []byte, cuts []byte) {
		cfg := fuzzConfig(cfgBits)
		stream := buildFrames(cfg.Role, program, text)
		if len(stream) > maxCodecInput {
			return
		}
		ref := refReceive(cfg, stream)
		compareRuns(t, "whole", ref, realReceive(t, region, cfg, stream, nil))
		compareRuns(t, "chunked", ref, realReceive(t, region, cfg, stream, cuts))
	})
}

// fuzzConfig derives a receiver configuration from 8 random bits.
func fuzzConfig(bits uint8) codec.Config {
	cfg := codec.Config{
		Role:                  codec.Role(bits & 1),
		AllowNonMinimalLength: bits&2 != 0,
		SkipUTF8:              bits&0x80 != 0,
	}
	if bits&4 != 0 {
		cfg.RsvMessage = codec.Rsv1
	}
	if bits&8 != 0 {
		cfg.RsvAny = codec.Rsv1 | codec.Rsv3
	}
	if bits&0x10 != 0 {
		cfg.MaxFrameSize = 200
	}
	if bits&0x20 != 0 {
		cfg.MaxMessageSize = 300
	}
	return cfg
}

// buildFrames turns a program into frames as a peer of a receiver with role
// would send them: each frame takes two program bytes, the first byte of its
// header verbatim and a length selector; payloads are cut from text (or
// made up), masked if the peer is a client, unless the second byte asks for
// the other masking.
func buildFrames(role codec.Role, program, text []byte) []byte {
	var out []byte
	src := text
	for len(program) >= 2 {
		b0, sel := program[0], program[1]
		program = program[2:]
		n := int(sel & 0x3f)
		switch sel & 0x3f {
		case 0x3f:
			n = 126 + int(sel>>6)*70
		case 0x3e:
			n = 65536
		}
		p := make([]byte, n)
		for i := range p {
			if len(src) == 0 {
				src = text
			}
			if len(src) == 0 {
				p[i] = byte('a' + i%26)
				continue
			}
			p[i], src = src[0], src[1:]
		}
		masked := role == codec.RoleServer
		if sel&0x80 != 0 && sel&0x40 != 0 {
			masked = !masked
		}
		h := codec.Header{Fin: b0&0x80 != 0, Rsv: b0 >> 4 & 7, Opcode: codec.Opcode(b0 & 15), Masked: masked, Length: int64(n)}
		h.Key = [4]byte{b0, sel, 0x5a, 0xc3}
		out = codec.AppendHeader(out, h)
		start := len(out)
		out = append(out, p...)
		if masked {
			for i := range p {
				out[start+i] ^= h.Key[i&3]
			}
		}
	}
	return out
}

// run is what a receiver made of a stream.
type run struct {
	events []event
	err    error
}

// event is one event with consecutive payload of a frame merged (the
// merged event ends the message when its last piece does).
type event struct {
	kind    codec.EventKind
	msg     codec.Opcode
	h       codec.Header
	payload string
	end     bool
}

func (r *run) add(e event) {
	if e.kind == codec.EventPayload && len(r.events) > 0 {
		if last := &r.events[len(r.events)-1]; last.kind == codec.EventPayload {
			last.payload += e.payload
			last.end = e.end
			return
		}
	}
	r.events = append(r.events, e)
}

func compareRuns(t *testing.T, what string, ref, real run) {
	t.Helper()
	if ref.err != real.err {
		t.Fatalf("%s: error %v, reference says %v (after %d/%d events)", what, real.err, ref.err, len(real.events), len(ref.events))
	}
	if len(ref.events) != len(real.events) {
		t.Fatalf("%s: %d events, reference has %d", what, len(real.events), len(ref.events))
	}
	for i := range ref.events {
		if ref.events[i] != real.events[i] {
			t.Fatalf("%s: event %d is %+v, reference has %+v", what, i, real.events[i], ref.events[i])
		}
	}
}

// realReceive runs the Receiver over stream in the chunks cuts describes
// (each byte a chunk length, cycling; the rest in one chunk; nil: whole),
// each chunk copied against a guard page.
func realReceive(t *testing.T, region *guardpage.Region, cfg codec.Config, stream, cuts []byte) run {
	var res run
	r := codec.NewReceiver(cfg)
	off := 0
	for ci := 0; off < len(stream) || ci == 0; ci++ {
		k := len(stream) - off
		if len(cuts) > 0 {
			k = min(k, int(cuts[ci%len(cuts)])+1)
		}
		chunk := atEnd(region, stream[off:off+k])
		off += k
		for steps := 0; ; steps++ {
			if steps > 4*k+16 {
				t.Fatalf("Receiver makes no progress")
			}
			ev, n, err := r.Next(chunk)
			if err != nil {
				res.err = err
				return res
			}
			chunk = chunk[n:]
			if ev.Kind == codec.EventMore {
				break
			}
			res.add(event{ev.Kind, ev.Message, r.Header(), string(ev.Payload), ev.End})
		}
		if off >= len(stream) {
			break
		}
	}
	if ev, _, err := r.Next(nil); ev.Kind != codec.EventMore || err != nil {
		t.Fatalf("after the stream: %v %v", ev.Kind, err)
	}
	return res
}

// refReceive is the reference receiver: RFC 6455's receiving rules applied a
// byte at a time, in the order the codec documents, written for obviousness
// rather than speed.
func refReceive(cfg codec.Config, stream []byte) run {
	var res run
	var (
		hdr      []byte       // header bytes so far
		h        codec.Header // current frame
		inFrame  bool         // reading h's payload
		pos      int64        // payload bytes of h read
		msg      codec.Opcode // open data message, 0 if none
		msgLen   uint64
		closed   bool // a Close frame was received: nothing may follow
		validate bool
		text     []byte // the open text message so far
		pending  []byte // its bytes after the last complete code point
		ctrl     []byte
	)
	fail := func(err error) run { res.err = err; return res }
	endFrame := func() error {
		if h.Opcode >= 8 {
			if h.Opcode == codec.OpClose {
				if err := refCheckClose(ctrl); err != nil {
					return err
				}
			}
			res.add(event{codec.EventControl, h.Opcode, h, string(ctrl), false})
			closed = h.Opcode == codec.OpClose
			return nil
		}
		if h.Fin {
			if h.Length == 0 { // an empty last frame still ends the message on a payload event
				res.add(event{codec.EventPayload, msg, h, "", true})
			}
			if validate && (len(pending) > 0 || !utf8.Valid(text)) {
				return codec.ErrInvalidUTF8
			}
			res.add(event{codec.EventMessageEnd, msg, h, "", false})
			msg, text = 0, nil
		}
		return nil
	}
	for _, b := range stream {
		if closed {
			return fail(codec.ErrAfterClose)
		}
		if inFrame {
			b ^= h.Key[pos%4] * boolByte(h.Masked)
			pos++
			if h.Opcode >= 8 {
				ctrl = append(ctrl, b)
			} else {
				if validate {
					text = append(text, b)
					pending = append(pending, b)
					switch {
					case utf8.Valid(pending): // one whole code point
						pending = pending[:0]
					case !isRunePrefix(pending):
						return fail(codec.ErrInvalidUTF8)
					}
				}
				res.add(event{codec.EventPayload, msg, h, string([]byte{b}), h.Fin && pos == h.Length})
			}
			if pos == h.Length {
				inFrame = false
				if err := endFrame(); err != nil {
					return fail(err)
				}
			}
			continue
		}
		hdr = append(hdr, b)
		op := codec.Opcode(hdr[0] & 15)
		control := op >= 8
		if len(hdr) == 1 {
			rsv := b >> 4 & 7
			allowed := cfg.RsvAny &^ codec.Rsv1
			if op == codec.OpText || op == codec.OpBinary {
				allowed = cfg.RsvMessage | cfg.RsvAny
			}
			switch {
			case op >= 3 && op <= 7 || op >= 11:
				return fail(codec.ErrReservedOpcode)
			case rsv&^allowed != 0:
				return fail(codec.ErrReservedBits)
			case control && b&0x80 == 0:
				return fail(codec.ErrControlFragmented)
			case op == codec.OpContinuation && msg == 0:
				return fail(codec.ErrUnexpectedContinuation)
			case (op == codec.OpText || op == codec.OpBinary) && msg != 0:
				return fail(codec.ErrExpectedContinuation)
			}
			continue
		}
		l7 := int(hdr[1] & 0x7f)
		extra := map[int]int{126: 2, 127: 8}[l7]
		masked := hdr[1]&0x80 != 0
		if len(hdr) == 2 {
			switch {
			case masked && cfg.Role == codec.RoleClient:
				return fail(codec.ErrMaskForbidden)
			case !masked && cfg.Role == codec.RoleServer:
				return fail(codec.ErrMaskRequired)
			case control && l7 > 125:
				return fail(codec.ErrControlTooLong)
			}
		}
		if len(hdr) == 3 && l7 == 127 && b&0x80 != 0 {
			return fail(codec.ErrLengthTopBit)
		}
		if len(hdr) == 2+extra {
			length := uint64(l7)
			if extra > 0 {
				length = 0
				for _, c := range hdr[2:] {
					length = length<<8 | uint64(c)
				}
			}
			switch {
			case !cfg.AllowNonMinimalLength && (l7 == 126 && length < 126 || l7 == 127 && length < 65536):
				return fail(codec.ErrNonMinimalLength)
			case strconv.IntSize == 32 && length > 1<<31-1:
				return fail(codec.ErrLengthOverflow)
			case !control && cfg.MaxFrameSize > 0 && length > uint64(cfg.MaxFrameSize):
				return fail(codec.ErrFrameTooBig)
			}
			total := length
			if op == codec.OpContinuation {
				total += msgLen
			}
			limit := cfg.MaxMessageSize // 0: the default; negative: none
			if limit == 0 {
				limit = codec.DefaultMaxMessageSize
			}
			if !control && limit > 0 && total > uint64(limit) {
				return fail(codec.ErrMessageTooBig)
			}
			h = codec.Header{Fin: hdr[0]&0x80 != 0, Rsv: hdr[0] >> 4 & 7, Opcode: op, Masked: masked, Length: int64(length)}
		}
		if len(hdr) < 2+extra+4*int(boolByte(masked)) {
			continue
		}
		if masked {
			copy(h.Key[:], hdr[len(hdr)-4:])
		}
		hdr = nil
		pos = 0
		if control {
			ctrl = []byte{}
		} else {
			if op != codec.OpContinuation {
				msg, msgLen, text, pending = op, 0, nil, nil
				validate = op == codec.OpText && h.Rsv == 0 && !cfg.SkipUTF8
			}
			msgLen += uint64(h.Length)
			res.add(event{codec.EventHeader, msg, h, "", false})
		}
		if h.Length > 0 {
			inFrame = true
		} else if err := endFrame(); err != nil {
			return fail(err)
		}
	}
	return res
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// refCheckClose applies RFC 6455's rules to a Close payload.
func refCheckClose(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	if len(p) == 1 {
		return codec.ErrCloseLength
	}
	code := int(p[0])<<8 | int(p[1])
	if !(code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999) {
		return codec.ErrCloseCode
	}
	if !utf8.Valid(p[2:]) {
		return codec.ErrCloseReasonUTF8
	}
	return nil
}

// isRunePrefix reports whether p is a proper prefix of the UTF-8 encoding of
// some code point, by listing every such prefix once.
func isRunePrefix(p []byte) bool {
	prefixesOnce.Do(func() {
		prefixes = map[string]bool{}
		for r := rune(0); r <= utf8.MaxRune; r++ {
			if !utf8.ValidRune(r) {
				continue
			}
			enc := utf8.AppendRune(nil, r)
			for k := 1; k < len(enc); k++ {
				prefixes[string(enc[:k])] = true
			}
		}
	})
	return prefixes[string(p)]
}

var (
	prefixesOnce sync.Once
	prefixes     map[string]bool
)
