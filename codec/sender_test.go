package codec

import (
	"bytes"
	"errors"
	"io"
	"math/rand"
	"net"
	"testing"

	"github.com/wsframe/wsframe"
)

// countingReader is a deterministic key source that counts its reads.
type countingReader struct {
	rng   *rand.Rand
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.rng.Read(p)
}

// receiveAll runs stream through a receiver of role and returns the data
// messages and control frames it carries.
func receiveAll(t *testing.T, role Role, stream []byte) (msgs []message, controls []rec) {
	t.Helper()
	var r Receiver
	r.Reset(Config{Role: role})
	res := feed(t, &r, stream, whole)
	if res.err != nil {
		t.Fatalf("receiver: %v", res.err)
	}
	var cur []byte
	for _, ev := range res.events {
		switch ev.Kind {
		case EventPayload:
			cur = append(cur, ev.Payload...)
		case EventMessageEnd:
			msgs = append(msgs, message{ev.Message, cur})
			cur = nil
		case EventControl:
			controls = append(controls, ev)
		}
	}
	return msgs, controls
}

func TestSenderRoundTrip(t *testing.T) {
	for _, role := range roles {
		src := &countingReader{rng: rand.New(rand.NewSource(4))}
		s := NewSender(role, src)
		if s.Role() != role {
			t.Fatal("Role")
		}
		peer := RoleClient
		if role == RoleClient {
			peer = RoleServer
		}
		text := mixedText(3000)
		bin := make([]byte, 70000)
		src.rng.Read(bin)
		var out []byte
		must := func(b []byte, e error) {
			if e != nil {
				t.Fatal(e)
			}
			out = b
		}
		must(s.AppendFrame(out, Header{Fin: true, Opcode: OpBinary}, bin[:125]))
		must(s.AppendMessage(out, Header{Opcode: OpText}, text, 1000))
		must(s.AppendMessage(out, Header{Opcode: OpBinary}, bin, 65536))
		must(s.AppendMessage(out, Header{Opcode: OpText}, nil, 10))
		must(s.AppendPing(out, []byte("p")))
		must(s.AppendPong(out, nil))
		must(s.AppendClose(out, CloseGoingAway, "bye"))
		msgs, controls := receiveAll(t, peer, out)
		want := []message{{OpBinary, bin[:125]}, {OpText, text}, {OpBinary, bin}, {OpText, nil}}
		if len(msgs) != len(want) {
			t.Fatalf("%v: %d messages", role, len(msgs))
		}
		for i := range want {
			if msgs[i].op != want[i].op || !bytes.Equal(msgs[i].payload, want[i].payload) {
				t.Fatalf("%v: message %d differs", role, i)
			}
		}
		if len(controls) != 3 || controls[0].Header.Opcode != OpPing || controls[0].Payload != "p" ||
			controls[1].Header.Opcode != OpPong || controls[2].Header.Opcode != OpClose {
			t.Fatalf("%v: control frames %v", role, controls)
		}
		if code, reason, err := ParseClose([]byte(controls[2].Payload)); code != CloseGoingAway || string(reason) != "bye" || err != nil {
			t.Fatalf("close: %v %q %v", code, reason, err)
		}
		// Fragmentation: 3000 bytes in frames of 1000 are three frames;
		// the sizes the Sender predicts are the sizes it writes.
		msg, err := s.AppendMessage(nil, Header{Opcode: OpText, Rsv: Rsv1}, text, 1000)
		if size, lerr := s.MessageLen(3000, 1000); err != nil || lerr != nil || len(msg) != size {
			t.Fatalf("MessageLen %d (%v), wrote %d (%v)", size, lerr, len(msg), err)
		}
		frames := 0
		for b := msg; len(b) > 0; frames++ {
			h, n, err := ParseHeader(b)
			if err != nil || h.Length != 1000 || h.Fin != (frames == 2) || h.Masked != (role == RoleClient) {
				t.Fatalf("frame %d: %+v %v", frames, h, err)
			}
			if (frames == 0) != (h.Opcode == OpText) || (frames == 0) != (h.Rsv == Rsv1) {
				t.Fatalf("frame %d: opcode %v rsv %d", frames, h.Opcode, h.Rsv)
			}
			b = b[n+int(h.Length):]
		}
		if frames != 3 {
			t.Fatalf("%d frames", frames)
		}
		if role == RoleServer && src.reads != 0 {
			t.Fatalf("a server read %d times from its key source", src.reads)
		}
	}
}

// TestSenderKeys checks that keys are batched, differ from frame to frame,
// and that a failing source is reported.
func TestSenderKeys(t *testing.T) {
	src := &countingReader{rng: rand.New(rand.NewSource(5))}
	s := NewSender(RoleClient, src)
	seen := map[[4]byte]bool{}
	buf := make([]byte, 64)
	for i := 0; i < 640; i++ {
		n, err := s.PutFrame(buf, Header{Fin: true, Opcode: OpBinary}, []byte("x"))
		if err != nil || n != 7 {
			t.Fatal(n, err)
		}
		h, _, _ := ParseHeader(buf[:n])
		seen[h.Key] = true
	}
	if src.reads != 10 {
		t.Errorf("640 keys took %d reads, want 10", src.reads)
	}
	if len(seen) < 630 {
		t.Errorf("only %d distinct keys in 640 frames", len(seen))
	}
	bad := NewSender(RoleClient, io.LimitReader(src, 10))
	if _, err := bad.AppendFrame(nil, Header{Fin: true, Opcode: OpText}, nil); err == nil {
		t.Error("a short key source was not reported")
	}
	// The default source is crypto/rand.
	def := NewSender(RoleClient, nil)
	if _, err := def.AppendFrame(nil, Header{Fin: true, Opcode: OpText}, []byte("hi")); err != nil {
		t.Error(err)
	}
}

func TestSenderErrors(t *testing.T) {
	s := NewSender(RoleClient, nil)
	big := make([]byte, 126)
	for _, tc := range []struct {
		name string
		call func() ([]byte, error)
		err  error
	}{
		{"reserved opcode", func() ([]byte, error) { return s.AppendFrame([]byte("keep"), Header{Fin: true, Opcode: 3}, nil) }, ErrReservedOpcode},
		{"rsv over 7", func() ([]byte, error) {
			return s.AppendFrame([]byte("keep"), Header{Fin: true, Rsv: 8, Opcode: OpText}, nil)
		}, ErrReservedBits},
		{"long ping", func() ([]byte, error) { return s.AppendPing([]byte("keep"), big) }, ErrControlTooLong},
		{"fragmented close", func() ([]byte, error) { return s.AppendFrame([]byte("keep"), Header{Opcode: OpClose}, nil) }, ErrControlFragmented},
		{"message of pings", func() ([]byte, error) { return s.AppendMessage([]byte("keep"), Header{Opcode: OpPing}, nil, 10) }, ErrBadOpcode},
		{"frame size 0", func() ([]byte, error) { return s.AppendMessage([]byte("keep"), Header{Opcode: OpText}, nil, 0) }, ErrBadFrameSize},
		{"close code 1005 with reason", func() ([]byte, error) { return s.AppendClose([]byte("keep"), CloseNoStatus, "x") }, ErrCloseCode},
		{"close code 1006", func() ([]byte, error) { return s.AppendClose([]byte("keep"), CloseAbnormal, "") }, ErrCloseCode},
		{"close reason too long", func() ([]byte, error) { return s.AppendClose([]byte("keep"), CloseNormal, string(big[:124])) }, ErrCloseReasonTooLong},
	} {
		out, err := tc.call()
		if err != tc.err || string(out) != "keep" {
			t.Errorf("%s: %q, %v; want dst unchanged, %v", tc.name, out, err, tc.err)
		}
	}
	if n, err := s.PutFrame(make([]byte, 6), Header{Fin: true, Opcode: OpText}, []byte("x")); n != 0 || err != ErrBufferTooSmall {
		t.Errorf("short dst: %d %v", n, err)
	}
	scratch := make([]byte, 100)
	if _, err := s.PutFrame(scratch, Header{Fin: true, Opcode: OpText}, scratch[10:20]); err != ErrBufferOverlap {
		t.Errorf("overlap: %v", err)
	}
	var b net.Buffers
	var hdr [MaxHeaderLen]byte
	if _, err := s.Buffers(b, &hdr, Header{Fin: true, Opcode: OpPing}, big); !errors.Is(err, ErrControlTooLong) {
		t.Errorf("Buffers: %v", err)
	}
	if empty, _ := s.AppendClose(nil, CloseNoStatus, ""); len(empty) != 6 {
		t.Errorf("empty close frame is %d bytes", len(empty))
	}
}

func TestSenderBuffers(t *testing.T) {
	for _, role := range roles {
		s := NewSender(role, &countingReader{rng: rand.New(rand.NewSource(6))})
		payload := mixedText(100000)
		orig := append([]byte(nil), payload...)
		var hdr [MaxHeaderLen]byte
		bufs, err := s.Buffers(make(net.Buffers, 0, 2), &hdr, Header{Fin: true, Opcode: OpText}, payload)
		if err != nil || len(bufs) != 2 || &bufs[1][0] != &payload[0] {
			t.Fatalf("%v: %v %d", role, err, len(bufs))
		}
		var wire bytes.Buffer
		if _, err := bufs.WriteTo(&wire); err != nil {
			t.Fatal(err)
		}
		peer := RoleClient
		if role == RoleClient {
			peer = RoleServer
		}
		msgs, _ := receiveAll(t, peer, wire.Bytes())
		if len(msgs) != 1 || !bytes.Equal(msgs[0].payload, orig) {
			t.Fatalf("%v: message differs", role)
		}
	}
}

func TestSenderAllocs(t *testing.T) {
	for _, role := range roles {
		s := NewSender(role, nil) // crypto/rand, batched
		payload := mixedText(1500)
		dst := make([]byte, 0, 8192)
		bufs := make(net.Buffers, 0, 2)
		var hdr [MaxHeaderLen]byte
		long := make([]byte, 200)
		if a := testing.AllocsPerRun(500, func() {
			dst, _ = s.AppendFrame(dst[:0], Header{Fin: true, Opcode: OpBinary}, payload[:125])
			dst, _ = s.AppendMessage(dst[:0], Header{Opcode: OpText}, payload, 500)
			dst, _ = s.AppendPing(dst[:0], payload[:10])
			dst, _ = s.AppendClose(dst[:0], CloseNormal, "done")
			s.PutFrame(dst[:cap(dst)], Header{Fin: true, Opcode: OpText}, payload)
			s.Buffers(bufs[:0], &hdr, Header{Fin: true, Opcode: OpBinary}, payload)
			s.AppendPing(dst[:0], long) // the error path
		}); a != 0 {
			t.Errorf("%v: %v allocations", role, a)
		}
	}
}

// TestSenderFrameHeader frames a payload the way a proxy does, header first
// and the payload masked chunk by chunk as it passes, and checks that the
// bytes are those PutFrame writes with the same key source.
func TestSenderFrameHeader(t *testing.T) {
	payload := mixedText(3000)
	for _, role := range roles {
		a := NewSender(role, &countingReader{rng: rand.New(rand.NewSource(7))})
		b := NewSender(role, &countingReader{rng: rand.New(rand.NewSource(7))})
		want, err := a.AppendFrame(nil, Header{Fin: true, Opcode: OpText}, payload)
		if err != nil {
			t.Fatal(err)
		}
		h, err := b.FrameHeader(Header{Fin: true, Opcode: OpText}, int64(len(payload)))
		if err != nil || h.Length != int64(len(payload)) || h.Masked != (role == RoleClient) {
			t.Fatalf("%v: FrameHeader = %+v, %v", role, h, err)
		}
		got := AppendHeader(nil, h)
		pos := 0
		for rest := payload; len(rest) > 0; {
			chunk := append([]byte(nil), rest[:min(len(rest), 7+len(rest)%13)]...)
			rest = rest[len(chunk):]
			pos = wsframe.Mask(h.Key, pos, chunk)
			got = append(got, chunk...)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%v: streamed frame differs from PutFrame's", role)
		}
		// The next key of each source is the same again.
		ka, _ := a.NewKey()
		kb, _ := b.NewKey()
		if role == RoleClient && ka != kb {
			t.Fatalf("keys diverged: % x, % x", ka, kb)
		}
		if _, err := b.FrameHeader(Header{Fin: true, Opcode: OpPing}, 126); err != ErrControlTooLong {
			t.Errorf("%v: 126-byte ping: %v", role, err)
		}
		if _, err := b.FrameHeader(Header{Fin: true, Opcode: OpBinary}, -1); err == nil {
			t.Errorf("%v: negative length accepted", role)
		}
	}
}

// TestHeaderPut writes headers into exactly the headroom they need.
func TestHeaderPut(t *testing.T) {
	firsts := []Header{{Fin: true, Opcode: OpBinary}, {Rsv: 5, Opcode: OpContinuation}, {Fin: true, Rsv: 2, Opcode: OpText}}
	for i, length := range testLengths {
		for _, masked := range []bool{false, true} {
			h := firsts[i%len(firsts)]
			h.Masked, h.Key, h.Length = masked, testKey, length
			want := AppendHeader(nil, h)
			// Room to spare: Put writes exactly the header.
			wide := bytes.Repeat([]byte{0xEE}, MaxHeaderLen+2)
			if n, err := h.Put(wide); err != nil || !bytes.Equal(wide[:n], want) || !bytes.Equal(wide[n:], bytes.Repeat([]byte{0xEE}, len(wide)-n)) {
				t.Errorf("%+v: Put into %d bytes: %d, %v, % x", h, len(wide), n, err, wide)
			}
			buf := make([]byte, h.Len()+1)
			buf[h.Len()] = 0xEE // the first payload byte, which Put must not touch
			if n, err := h.Put(buf[:h.Len()]); err != nil || n != len(want) || !bytes.Equal(buf[:n], want) || buf[n] != 0xEE {
				t.Errorf("%+v: Put into %d bytes: %d, %v, % x", h, h.Len(), n, err, buf)
			}
			short := make([]byte, h.Len()-1)
			if n, err := h.Put(short); err != ErrBufferTooSmall || n != 0 || !bytes.Equal(short, make([]byte, len(short))) {
				t.Errorf("%+v: Put into %d bytes: %d, %v", h, len(short), n, err)
			}
		}
	}
}
