package codec

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// message is one data message a test stream carries, as sent.
type message struct {
	op      Opcode
	payload []byte
}

// randomStream builds a stream of valid frames for a receiver of role: data
// messages of assorted sizes, fragmented at random points (also inside UTF-8
// sequences), with control frames between fragments. It returns the stream
// and the messages and control payloads it carries, in order.
func randomStream(rng *rand.Rand, role Role, nmsg int) (stream []byte, msgs []message, controls [][]byte) {
	sizes := []int{0, 1, 2, 5, 125, 126, 127, 200, 1500, 65535, 65536, 70000}
	for i := 0; i < nmsg; i++ {
		size := sizes[rng.Intn(len(sizes))]
		if size > 1000 && rng.Intn(3) > 0 {
			size = rng.Intn(1000)
		}
		m := message{op: OpBinary}
		if rng.Intn(2) == 0 {
			m.op = OpText
			m.payload = mixedText(size)
		} else {
			m.payload = make([]byte, size)
			rng.Read(m.payload)
		}
		msgs = append(msgs, m)
		rest := m.payload
		op := m.op
		for {
			k := len(rest)
			if k > 0 && rng.Intn(3) == 0 {
				k = rng.Intn(k + 1)
			}
			fin := k == len(rest)
			stream = append(stream, frame(role, fin, 0, op, rest[:k])...)
			rest = rest[k:]
			op = OpContinuation
			if rng.Intn(4) == 0 {
				p := make([]byte, rng.Intn(126))
				rng.Read(p)
				ctl := OpPing
				if rng.Intn(2) == 0 {
					ctl = OpPong
				}
				stream = append(stream, frame(role, true, 0, ctl, p)...)
				controls = append(controls, p)
			}
			if fin {
				break
			}
		}
	}
	return stream, msgs, controls
}

// TestChunking feeds random valid streams whole, byte by byte and in random
// chunks, and checks the events are identical and carry the messages sent.
func TestChunking(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, role := range roles {
		for iter := 0; iter < 30; iter++ {
			stream, msgs, controls := randomStream(rng, role, 12)
			var r Receiver
			r.Reset(Config{Role: role})
			all := feed(t, &r, stream, whole)
			if all.err != nil {
				t.Fatalf("%v: valid stream: %v", role, all.err)
			}
			// The events carry exactly what was sent.
			var got []message
			var gotCtl [][]byte
			var cur []byte
			for _, ev := range all.events {
				switch ev.Kind {
				case EventHeader:
					if ev.Header.Masked != peerMasks(role) {
						t.Fatalf("header %+v", ev.Header)
					}
				case EventPayload:
					cur = append(cur, ev.Payload...)
				case EventMessageEnd:
					got = append(got, message{ev.Message, cur})
					cur = nil
				case EventControl:
					gotCtl = append(gotCtl, []byte(ev.Payload))
				}
			}
			if len(got) != len(msgs) || len(gotCtl) != len(controls) {
				t.Fatalf("%d messages and %d control frames, want %d and %d", len(got), len(gotCtl), len(msgs), len(controls))
			}
			for i := range msgs {
				if got[i].op != msgs[i].op || !bytes.Equal(got[i].payload, msgs[i].payload) {
					t.Fatalf("message %d differs", i)
				}
			}
			for i := range controls {
				if !bytes.Equal(gotCtl[i], controls[i]) {
					t.Fatalf("control frame %d: % x, want % x", i, gotCtl[i], controls[i])
				}
			}
			if len(stream) < 50000 {
				r.Reset(Config{Role: role})
				sameResult(t, "byte by byte", all, feed(t, &r, stream, oneByte))
			}
			for i := 0; i < 3; i++ {
				r.Reset(Config{Role: role})
				sameResult(t, "random chunks", all, feed(t, &r, stream, randomChunks(rng)))
			}
		}
	}
}

// TestChunkingCorrupt damages valid streams and checks that every chunking
// gives the same events and the same first error, and that the error and
// the byte it comes with are the ones refFirstError finds by reading the
// stream the plain way.
func TestChunkingCorrupt(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	errs := map[error]int{}
	for _, role := range roles {
		for iter := 0; iter < 300; iter++ {
			stream, _, _ := randomStream(rng, role, 3)
			if len(stream) == 0 {
				continue
			}
			for k := 1 + rng.Intn(3); k > 0; k-- {
				stream[rng.Intn(len(stream))] ^= byte(1 << rng.Intn(8))
			}
			cfg := Config{Role: role, MaxMessageSize: int64(rng.Intn(3000)), RsvMessage: uint8(rng.Intn(8))}
			wantErr, wantAt := refFirstError(cfg, stream)
			var r Receiver
			r.Reset(cfg)
			all := feed(t, &r, stream, whole)
			errs[all.err]++
			if all.err != wantErr {
				t.Fatalf("%v, %+v: error %v, the reference reading finds %v at byte %d", role, cfg, all.err, wantErr, wantAt)
			}
			if len(stream) < 20000 {
				r.Reset(cfg)
				bytewise := feed(t, &r, stream, oneByte)
				sameResult(t, "byte by byte", all, bytewise)
				if wantErr != nil && bytewise.errAt != wantAt {
					t.Fatalf("%v: byte by byte: %v at byte %d, the reference reading at %d", role, wantErr, bytewise.errAt, wantAt)
				}
			}
			r.Reset(cfg)
			sameResult(t, "random chunks", all, feed(t, &r, stream, randomChunks(rng)))
		}
	}
	// The damage must reach the rules, not only payload bytes: most kinds
	// of error have to turn up.
	if len(errs) < 10 {
		t.Errorf("only %d outcomes: %v", len(errs), errs)
	}
	t.Logf("outcomes: %v", errs)
}

// refFirstError reads stream the plain way, one whole frame after another
// with the rules written out again in the order the Receiver documents, and
// returns the first violation and the index of the byte that reveals it, or
// nil when the stream (perhaps cut short) breaks no rule. It shares no code
// with the Receiver but the error values, and checks UTF-8 with a table of
// its own (RFC 3629 §4).
func refFirstError(cfg Config, s []byte) (error, int) {
	limit := cfg.MaxMessageSize
	switch {
	case limit == 0:
		limit = DefaultMaxMessageSize
	case limit < 0:
		limit = 0
	}
	var (
		open   Opcode // the data message in progress
		check  bool   // it is text to validate
		msgLen int64
		u      refUTF8
	)
	for i := 0; i < len(s); {
		b0 := s[i]
		op := Opcode(b0 & 0xF)
		rsv := b0 >> 4 & 7
		fin := b0&0x80 != 0
		allowed := cfg.RsvAny &^ Rsv1
		if op == OpText || op == OpBinary {
			allowed = cfg.RsvMessage | cfg.RsvAny
		}
		switch {
		case op.IsReserved():
			return ErrReservedOpcode, i
		case rsv&^allowed != 0:
			return ErrReservedBits, i
		case op.IsControl() && !fin:
			return ErrControlFragmented, i
		case op == OpContinuation && open == 0:
			return ErrUnexpectedContinuation, i
		case (op == OpText || op == OpBinary) && open != 0:
			return ErrExpectedContinuation, i
		}
		if i+1 >= len(s) {
			return nil, 0
		}
		b1 := s[i+1]
		masked := b1&0x80 != 0
		l7 := int(b1 & 0x7F)
		switch {
		case masked != (cfg.Role == RoleServer) && masked:
			return ErrMaskForbidden, i + 1
		case masked != (cfg.Role == RoleServer):
			return ErrMaskRequired, i + 1
		case op.IsControl() && l7 > 125:
			return ErrControlTooLong, i + 1
		}
		var length uint64
		lenEnd := i + 1 // index of the last length byte
		switch l7 {
		case 126:
			lenEnd = i + 3
		case 127:
			if i+2 < len(s) && s[i+2]&0x80 != 0 {
				return ErrLengthTopBit, i + 2
			}
			lenEnd = i + 9
		default:
			length = uint64(l7)
		}
		if lenEnd >= len(s) {
			return nil, 0
		}
		for _, b := range s[i+2 : lenEnd+1] {
			length = length<<8 | uint64(b)
		}
		if (l7 == 126 && length < 126) || (l7 == 127 && length <= 0xFFFF) {
			if !cfg.AllowNonMinimalLength {
				return ErrNonMinimalLength, lenEnd
			}
		}
		if !op.IsControl() {
			if cfg.MaxFrameSize > 0 && length > uint64(cfg.MaxFrameSize) {
				return ErrFrameTooBig, lenEnd
			}
			sofar := int64(0)
			if op == OpContinuation {
				sofar = msgLen
			}
			if limit > 0 && length > uint64(limit-sofar) {
				return ErrMessageTooBig, lenEnd
			}
		}
		start := lenEnd + 1
		var key [4]byte
		if masked {
			if start+4 > len(s) {
				return nil, 0
			}
			copy(key[:], s[start:start+4])
			start += 4
		}
		avail := len(s) - start
		if uint64(avail) > length {
			avail = int(length)
		}
		payload := make([]byte, avail)
		for k := range payload {
			payload[k] = s[start+k] ^ key[k%4]
		}
		last := start + int(length) - 1 // index of the frame's last byte
		if length == 0 {
			last = start - 1
		}
		if op.IsControl() {
			if uint64(avail) < length {
				return nil, 0
			}
			if op == OpClose {
				if err := refClose(payload); err != nil {
					return err, last
				}
				if last+1 < len(s) {
					return ErrAfterClose, last + 1
				}
				return nil, 0
			}
			i = last + 1
			continue
		}
		if op != OpContinuation {
			open, msgLen = op, 0
			check = op == OpText && rsv == 0 && !cfg.SkipUTF8
			u = refUTF8{}
		}
		msgLen += int64(length)
		if check {
			for k, b := range payload {
				if !u.next(b) {
					return ErrInvalidUTF8, start + k
				}
			}
		}
		if uint64(avail) < length {
			return nil, 0
		}
		if fin {
			if check && u.need > 0 {
				return ErrInvalidUTF8, last
			}
			open = 0
		}
		i = last + 1
	}
	return nil, 0
}

// refClose applies §5.5.1 and §7.4 to a Close payload.
func refClose(p []byte) error {
	switch {
	case len(p) == 0:
		return nil
	case len(p) == 1:
		return ErrCloseLength
	}
	code := int(p[0])<<8 | int(p[1])
	switch {
	case code < 1000, code >= 5000,
		code == 1004, code == 1005, code == 1006,
		code >= 1016 && code < 3000:
		return ErrCloseCode
	}
	var u refUTF8
	for _, b := range p[2:] {
		if !u.next(b) {
			return ErrCloseReasonUTF8
		}
	}
	if u.need > 0 {
		return ErrCloseReasonUTF8
	}
	return nil
}

// refUTF8 is UTF-8 validation by RFC 3629's table of well-formed byte
// sequences, one byte at a time.
type refUTF8 struct {
	need   int  // continuation bytes still due
	lo, hi byte // the range the next continuation byte must lie in
}

// next reports whether b can follow the bytes seen so far.
func (u *refUTF8) next(b byte) bool {
	if u.need > 0 {
		if b < u.lo || b > u.hi {
			return false
		}
		u.need--
		u.lo, u.hi = 0x80, 0xBF
		return true
	}
	u.lo, u.hi = 0x80, 0xBF
	switch {
	case b < 0x80:
	case b >= 0xC2 && b <= 0xDF:
		u.need = 1
	case b == 0xE0:
		u.need, u.lo = 2, 0xA0
	case b >= 0xE1 && b <= 0xEC, b == 0xEE, b == 0xEF:
		u.need = 2
	case b == 0xED:
		u.need, u.hi = 2, 0x9F
	case b == 0xF0:
		u.need, u.lo = 3, 0x90
	case b >= 0xF1 && b <= 0xF3:
		u.need = 3
	case b == 0xF4:
		u.need, u.hi = 3, 0x8F
	default:
		return false
	}
	return true
}

// TestSplitControl checks that a control frame cut anywhere is delivered
// whole, from the receiver's own buffer when the payload is split.
func TestSplitControl(t *testing.T) {
	payload := mixedText(125)
	f := frame(RoleServer, true, 0, OpPing, payload)
	for cut := 1; cut < len(f); cut++ {
		var r Receiver
		a := append([]byte(nil), f[:cut]...)
		b := append([]byte(nil), f[cut:]...)
		if ev, n, err := r.Next(a); ev.Kind != EventMore || n != cut || err != nil {
			t.Fatalf("cut %d: first part gave %v %d %v", cut, ev.Kind, n, err)
		}
		ev, n, err := r.Next(b)
		if ev.Kind != EventControl || n != len(b) || err != nil || !bytes.Equal(ev.Payload, payload) {
			t.Fatalf("cut %d: %v %d %v %q", cut, ev.Kind, n, err, ev.Payload)
		}
		// A payload that arrived split is unmasked in the receiver's
		// buffer, leaving the caller's alone.
		if cut > 6 && !bytes.Equal(b, f[cut:]) {
			t.Fatalf("cut %d: the caller's buffer changed", cut)
		}
	}
}

// TestReadLoopContract checks Next's bookkeeping: what it consumes, that a
// message end is due with no input, and Remaining.
func TestReadLoopContract(t *testing.T) {
	f := frame(RoleServer, true, 0, OpBinary, []byte("hello"))
	var r Receiver
	buf := append([]byte(nil), f...)
	ev, n, err := r.Next(buf)
	if ev.Kind != EventHeader || n != 6 || err != nil || ev.Message != OpBinary || r.Header().Length != 5 {
		t.Fatalf("header: %+v %d %v", ev, n, err)
	}
	if r.Remaining() != 5 {
		t.Fatalf("Remaining = %d", r.Remaining())
	}
	ev, n, err = r.Next(buf[6:9])
	if ev.Kind != EventPayload || n != 3 || string(ev.Payload) != "hel" || &ev.Payload[0] != &buf[6] {
		t.Fatalf("payload: %+v %d %v", ev, n, err)
	}
	if buf[9] != f[9] {
		t.Fatal("Next unmasked a byte it did not consume")
	}
	ev, n, _ = r.Next(buf[9:])
	if string(ev.Payload) != "lo" || n != 2 || r.Remaining() != 0 {
		t.Fatalf("payload: %+v %d", ev, n)
	}
	ev, n, err = r.Next(nil)
	if ev.Kind != EventMessageEnd || n != 0 || err != nil || ev.Message != OpBinary {
		t.Fatalf("end: %+v %d %v", ev, n, err)
	}
	if ev, n, err = r.Next(nil); ev.Kind != EventMore || n != 0 || err != nil {
		t.Fatalf("more: %+v %d %v", ev, n, err)
	}
	if NewReceiver(Config{Role: RoleClient}).Config().Role != RoleClient {
		t.Fatal("NewReceiver lost the config")
	}
	for k := EventMore; k <= EventControl+1; k++ {
		if k.String() == "" {
			t.Fatal("empty EventKind name")
		}
	}
}

// steadyStream is one round of a connection's traffic: a small binary
// message, a fragmented text message with a ping inside, a pong.
func steadyStream() []byte {
	text := mixedText(1500)
	return cat(
		frame(RoleServer, true, 0, OpBinary, make([]byte, 125)),
		frame(RoleServer, false, 0, OpText, text[:700]),
		frame(RoleServer, true, 0, OpPing, []byte("ping")),
		frame(RoleServer, true, 0, OpContinuation, text[700:]),
		frame(RoleServer, true, 0, OpPong, nil),
	)
}

func TestReceiverAllocs(t *testing.T) {
	src := steadyStream()
	buf := make([]byte, len(src))
	r := NewReceiver(Config{MaxMessageSize: 1 << 20})
	var events int
	run := func() {
		copy(buf, src)
		for b := buf; ; {
			ev, n, err := r.Next(b)
			if err != nil {
				t.Fatal(err)
			}
			b = b[n:]
			events++
			if ev.Kind == EventMore {
				return
			}
		}
	}
	if a := testing.AllocsPerRun(200, run); a != 0 {
		t.Errorf("steady state: %v allocations per round", a)
	}
	// Byte at a time, so that headers and control frames arrive split.
	if a := testing.AllocsPerRun(20, func() {
		copy(buf, src)
		for i := range buf {
			for b := buf[i : i+1]; ; {
				ev, n, err := r.Next(b)
				if err != nil {
					t.Fatal(err)
				}
				b = b[n:]
				if ev.Kind == EventMore {
					break
				}
			}
		}
		r.Next(nil)
	}); a != 0 {
		t.Errorf("byte at a time: %v allocations per round", a)
	}
	// The error path, for each kind of error.
	bad := [][]byte{
		frame(RoleServer, true, 0, OpText, []byte("a\xff")),
		frame(RoleServer, true, 0, OpText, []byte("a\xe2")),
		frame(RoleServer, true, Rsv1, OpText, nil),
		frame(RoleServer, true, 0, OpClose, []byte{3}),
		{0x82, 0x01},
	}
	if a := testing.AllocsPerRun(100, func() {
		for _, f := range bad {
			r.Reset(Config{})
			copy(buf, f)
			for b := buf[:len(f)]; ; {
				ev, n, err := r.Next(b)
				if err != nil {
					_ = CodeOf(err)
					break
				}
				if ev.Kind == EventMore {
					r.Next(nil)
					t.Fatal("no error")
				}
				b = b[n:]
			}
		}
	}); a != 0 {
		t.Errorf("error path: %v allocations", a)
	}
}

// TestCompressed checks that a message marked with Rsv1 on its first frame
// is reported compressed through its continuation frames (which carry no
// RSV bits) and a control frame between them, and that the next message is
// not.
func TestCompressed(t *testing.T) {
	for _, role := range []Role{RoleServer, RoleClient} {
		cfg := Config{Role: role, RsvMessage: Rsv1}
		stream := cat(
			frame(role, false, Rsv1, OpText, []byte{0xff}), // compressed: not UTF-8 checked
			frame(role, true, 0, OpPing, []byte("p")),
			frame(role, true, 0, OpContinuation, []byte{0xfe}),
			frame(role, true, 0, OpText, []byte("plain")),
		)
		r := NewReceiver(cfg)
		var got []string
		for {
			ev, n, err := r.Next(stream)
			if err != nil {
				t.Fatalf("%v: %v", role, err)
			}
			stream = stream[n:]
			if ev.Kind == EventMore {
				break
			}
			switch ev.Kind {
			case EventHeader, EventPayload, EventMessageEnd:
				got = append(got, fmt.Sprintf("%v %v rsv=%d ends=%v", ev.Kind, r.Compressed(), r.MessageRsv(), r.MessageEnds()))
			}
		}
		want := []string{
			"header true rsv=4 ends=false", "payload true rsv=4 ends=false",
			"header true rsv=4 ends=false", "payload true rsv=4 ends=true", "message end true rsv=4 ends=false",
			"header false rsv=0 ends=false", "payload false rsv=0 ends=true", "message end false rsv=0 ends=false",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%v:\n got %q\nwant %q", role, got, want)
		}
	}
}
