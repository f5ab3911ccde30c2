package main

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
)

// fakeConn is a gnet.Conn for tests that call the server's handlers
// themselves, without an engine or a socket: Next returns what in holds,
// Write keeps what the server wrote, Wake and Close count their calls.
// Any other method panics (the embedded interface is nil), so a handler
// that comes to need one fails the test instead of passing unseen.
type fakeConn struct {
	gnet.Conn
	ctx           any
	in, out       []byte
	wakes, closes int
}

func (f *fakeConn) Context() any                  { return f.ctx }
func (f *fakeConn) SetContext(ctx any)            { f.ctx = ctx }
func (f *fakeConn) OutboundBuffered() int         { return 0 }
func (f *fakeConn) Fd() int                       { return -1 } // shutdown(2) fails: the server closes instead
func (f *fakeConn) Wake(gnet.AsyncCallback) error { f.wakes++; return nil }
func (f *fakeConn) Close() error                  { f.closes++; return nil }

func (f *fakeConn) Next(int) ([]byte, error) {
	b := f.in
	f.in = nil
	return b, nil
}

func (f *fakeConn) Write(b []byte) (int, error) {
	f.out = append(f.out, b...)
	return len(b), nil
}

// openFake opens a connection to s through its handlers, handshake
// included, and returns it with the server's state of it.
func openFake(t *testing.T, s *Server) (*fakeConn, *conn) {
	t.Helper()
	f := &fakeConn{}
	s.OnOpen(f)
	hc := handshake.Client{Host: "example.com"}
	req, err := hc.AppendRequest(nil)
	if err != nil {
		t.Fatal(err)
	}
	f.in = req
	if a := s.OnTraffic(f); a != gnet.None {
		t.Fatalf("handshake: action %v", a)
	}
	if _, done, err := hc.Feed(f.out); err != nil || !done {
		t.Fatalf("handshake answer %q: done %v, %v", f.out, done, err)
	}
	f.out = f.out[:0]
	w := f.ctx.(*conn)
	if w.state != stateOpen || w.list != listOpen {
		t.Fatalf("after the handshake: state %d, list %d", w.state, w.list)
	}
	return f, w
}

// closeCode returns the code of the Close frame that out holds, alone.
func closeCode(t *testing.T, out []byte) codec.CloseCode {
	t.Helper()
	var r codec.Receiver
	r.Reset(codec.Config{Role: codec.RoleClient})
	ev, n, err := r.Next(out)
	if err != nil || ev.Kind != codec.EventControl || ev.Message != codec.OpClose || n != len(out) {
		t.Fatalf("the server wrote %q, not one Close frame (%v)", out, err)
	}
	code, _, err := codec.ParseClose(ev.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// TestTimeoutTicks drives the ticker by hand: three open connections, one
// silent, one reading every tick, one reading every tick inside a data
// message that never ends. With a ReadTimeout of 3 ticks and a
// MessageTimeout of 4.5 (rounded up to 5), the ticker wakes the silent one
// at the first tick that is more than 3 ticks after its last read's, and
// the other at the first more than 5 after its message's: never before
// (the read's tick may have just been ending), never later. Each woken
// connection then gets its Close frame on its own loop's OnTraffic (1001,
// 1008), and a wake that a read overtook does nothing.
func TestTimeoutTicks(t *testing.T) {
	s, err := NewServer(Config{ReadTimeout: 300 * time.Millisecond, MessageTimeout: 450 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if s.idleTicks != 3 || s.msgTicks != 5 || s.openEvery != 1 {
		t.Fatalf("idleTicks %d, msgTicks %d, openEvery %d; want 3, 5, 1", s.idleTicks, s.msgTicks, s.openEvery)
	}
	silentF, silent := openFake(t, s)
	busyF, busy := openFake(t, s)
	slowF, slow := openFake(t, s)
	t0 := s.ticks.Load()
	if silent.readAt.Load() != t0 {
		t.Fatalf("the handshake's read was stamped %d, want the tick then, %d", silent.readAt.Load(), t0)
	}
	slow.msgAt.Store(t0) // as stampMessage leaves a message begun in t0

	for tick := t0 + 1; tick <= t0+8; tick++ {
		s.OnTick()
		if got := s.ticks.Load(); got != tick {
			t.Fatalf("clock at %d after a tick, want %d", got, tick)
		}
		// Once due, a connection is woken at every sweep until its loop
		// acts (not here, yet).
		if want := max(0, tick-(t0+3)); int64(silentF.wakes) != want {
			t.Errorf("tick t0+%d: the silent connection was woken %d times, want %d", tick-t0, silentF.wakes, want)
		}
		if want := max(0, tick-(t0+5)); int64(slowF.wakes) != want {
			t.Errorf("tick t0+%d: the connection in a message was woken %d times, want %d", tick-t0, slowF.wakes, want)
		}
		if busyF.wakes != 0 {
			t.Errorf("tick t0+%d: the busy connection was woken", tick-t0)
		}
		busy.touch(tick) // reads in this tick
		slow.touch(tick)
	}

	// The loops act on the wakes.
	for _, tc := range []struct {
		name string
		f    *fakeConn
		want codec.CloseCode
	}{{"silent", silentF, codec.CloseGoingAway}, {"in a message", slowF, codec.ClosePolicyViolation}} {
		before := counters.timeouts.Value()
		if a := s.OnTraffic(tc.f); a != gnet.Close {
			// The fake's shutdown(2) fails, so the server closes
			// rather than half-closes once the Close is written.
			t.Errorf("%s: action %v after the Close, want gnet.Close", tc.name, a)
		}
		if got := closeCode(t, tc.f.out); got != tc.want {
			t.Errorf("%s connection: Close %v, want %v", tc.name, got, tc.want)
		}
		if n := counters.timeouts.Value() - before; n != 1 {
			t.Errorf("%s connection: the timeouts counter grew by %d, want 1", tc.name, n)
		}
		s.OnClose(tc.f, nil)
	}
	if a := s.OnTraffic(busyF); a != gnet.None || len(busyF.out) != 0 {
		t.Errorf("a wake of a connection that reads: action %v, wrote %q", a, busyF.out)
	}
	if busy.list != listOpen || s.open.head != busy || s.open.tail != busy {
		t.Errorf("the busy connection is not alone on the open list")
	}
}

// TestTimeoutStamps: the read path stamps a connection with the tick of
// every read, and with the tick its data message began in while one is
// open at the end of a read (a message that begins and ends within one
// read is never stamped; one that begins in the read that ends another
// is), and it still allocates nothing per message
// (testing.AllocsPerRun, exact), whole or in two reads, nor for a wake.
func TestTimeoutStamps(t *testing.T) {
	s, err := NewServer(Config{})
	if err != nil {
		t.Fatal(err)
	}
	f, w := openFake(t, s)
	snd := codec.NewSender(codec.RoleClient, nil)
	payload := []byte("0123456789abcdef")
	whole, _ := snd.AppendFrame(nil, codec.Header{Fin: true, Opcode: codec.OpBinary}, payload)
	first, _ := snd.AppendFrame(nil, codec.Header{Opcode: codec.OpBinary}, payload[:5])
	last, _ := snd.AppendFrame(nil, codec.Header{Fin: true, Opcode: codec.OpContinuation}, payload[5:])
	want, _ := codec.NewSender(codec.RoleServer, nil).AppendFrame(nil, codec.Header{Fin: true, Opcode: codec.OpBinary}, payload)
	scratch := make([]byte, 0, 64)
	// read feeds a copy of frame (the server unmasks in place).
	read := func(frame []byte) {
		f.in = append(scratch[:0], frame...)
		if a := s.OnTraffic(f); a != gnet.None {
			t.Fatalf("action %v", a)
		}
	}

	s.ticks.Store(10)
	read(whole)
	if !bytes.Equal(f.out, want) {
		t.Fatalf("echo %x, want %x", f.out, want)
	}
	if w.readAt.Load() != 10 || w.msgAt.Load() != 0 {
		t.Errorf("after a whole message at tick 10: readAt %d, msgAt %d; want 10, 0", w.readAt.Load(), w.msgAt.Load())
	}
	f.out = f.out[:0]
	s.ticks.Store(11)
	read(first)
	s.ticks.Store(12)
	if w.readAt.Load() != 11 || w.msgAt.Load() != 11 {
		t.Errorf("after a message's first frame at tick 11: readAt %d, msgAt %d; want 11, 11", w.readAt.Load(), w.msgAt.Load())
	}
	if len(f.out) != 0 {
		t.Errorf("echo %x before the message ended", f.out)
	}
	read(last)
	if w.readAt.Load() != 12 || w.msgAt.Load() != 0 {
		t.Errorf("after its last frame at tick 12: readAt %d, msgAt %d; want 12, 0", w.readAt.Load(), w.msgAt.Load())
	}
	if !bytes.Equal(f.out, want) {
		t.Fatalf("echo %x, want %x", f.out, want)
	}
	// A read that ends one message and begins the next: the stamp is the
	// new message's.
	s.ticks.Store(13)
	read(first)
	s.ticks.Store(14)
	read(append(append([]byte{}, last...), first...))
	if w.msgAt.Load() != 14 {
		t.Errorf("a message begun at tick 14 in the read that ended the one begun at 13: msgAt %d, want 14", w.msgAt.Load())
	}
	s.ticks.Store(15)
	read(last)
	if w.msgAt.Load() != 0 {
		t.Errorf("after its last frame: msgAt %d, want 0", w.msgAt.Load())
	}

	if raceEnabled {
		return // sync.Pool drops some of what it is given: allocations
	}
	for _, tc := range []struct {
		name string
		run  func()
	}{
		{"whole message", func() { read(whole) }},
		{"message in two reads", func() { read(first); read(last) }},
		{"wake without a timeout", func() { read(nil) }},
	} {
		if n := testing.AllocsPerRun(1000, func() { f.out = f.out[:0]; tc.run() }); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tc.name, n)
		}
	}
}

// TestSweepAllocs: a sweep of 10,000 open connections, none due,
// allocates nothing (testing.AllocsPerRun, exact) and wakes none.
func TestSweepAllocs(t *testing.T) {
	s, err := NewServer(Config{})
	if err != nil {
		t.Fatal(err)
	}
	fakes := make([]fakeConn, 10000)
	for i := range fakes {
		w := &conn{gc: &fakes[i]}
		w.touch(s.ticks.Load())
		s.watch(w)
	}
	tick := s.ticks.Load()
	if n := testing.AllocsPerRun(100, func() { s.sweep(&s.open, tick, 0) }); n != 0 {
		t.Errorf("a sweep of %d connections: %v allocations, want 0", len(fakes), n)
	}
	if n := testing.AllocsPerRun(100, func() { s.OnTick() }); n != 0 {
		t.Errorf("OnTick: %v allocations, want 0", n)
	}
	for i := range fakes {
		if fakes[i].wakes != 0 || fakes[i].closes != 0 {
			t.Fatalf("connection %d: %d wakes, %d closes", i, fakes[i].wakes, fakes[i].closes)
		}
	}
	// All due: the sweep, in batches, visits each exactly once.
	s.sweep(&s.open, tick+s.idleTicks+1, 0)
	for i := range fakes {
		if fakes[i].wakes != 1 {
			t.Fatalf("connection %d of %d: woken %d times by one sweep, want 1", i, len(fakes), fakes[i].wakes)
		}
	}
}

// TestSweepCursor: a connection that leaves its list while a sweep has
// let go of the lock just before visiting it moves the sweep's cursor on
// to the one after it, on the list being swept.
func TestSweepCursor(t *testing.T) {
	s, err := NewServer(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var a, b, c conn
	for _, w := range []*conn{&a, &b, &c} {
		s.watch(w)
	}
	s.cursor = &b
	s.unlist(&b) // closed
	if s.cursor != &c {
		t.Fatalf("after the cursor's connection closed, the cursor is at %p, want the next one %p", s.cursor, &c)
	}
	s.setDeadline(&c, time.Minute, false) // our Close: to the timed list
	if s.cursor != nil {
		t.Fatalf("after the cursor's connection, the last, moved lists, the cursor is at %p, want nil", s.cursor)
	}
	if s.open.head != &a || s.open.tail != &a || s.timed.head != &c || c.list != listTimed || b.list != listNone {
		t.Fatalf("lists: open %p..%p, timed %p; want a alone on open (%p), c on timed (%p)", s.open.head, s.open.tail, s.timed.head, &a, &c)
	}
}

// TestReadTimeout: on a server with a ReadTimeout of 1 s, a connection
// that sends nothing after its handshake gets a Close with 1001, no sooner
// than the timeout after it sent its last byte, and then the end of the
// TCP connection. Meanwhile two connections that keep sending at 50 ms
// intervals, one messages and one only pings (any bytes count), are left
// alone: they go on for twice the timeout after that Close, and then end
// with a normal closing handshake of their own.
func TestReadTimeout(t *testing.T) {
	const timeout = time.Second
	_, addr := startServer(t, Config{ReadTimeout: timeout})
	before := counters.timeouts.Value()

	stop := make(chan struct{})
	errs := make(chan error, 2)
	for _, ping := range []bool{false, true} {
		c, err := dialClient(addr, nil, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		defer c.nc.Close()
		go func() { errs <- keepSending(c, ping, stop) }()
	}

	start := time.Now() // before the idle connection's last byte
	idle, err := dialClient(addr, nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.nc.Close()
	if err := idle.expectClose(codec.CloseGoingAway); err != nil {
		t.Fatalf("idle connection: %v", err)
	}
	if waited := time.Since(start); waited < timeout {
		t.Errorf("the idle connection was failed %v after its last byte, before its %v read timeout", waited, timeout)
	}
	time.Sleep(2 * timeout)
	close(stop)
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := counters.timeouts.Value() - before; n != 1 {
		t.Errorf("the timeouts counter grew by %d, want 1 (the idle connection)", n)
	}
}

// keepSending echoes a message (or, with ping, sends a ping and reads its
// pong) every 50 ms until stop, then closes with 1000.
func keepSending(c *testClient, ping bool, stop <-chan struct{}) error {
	what := "messages"
	if ping {
		what = "pings"
	}
	for i := 0; ; i++ {
		select {
		case <-stop:
			if err := c.send(codec.Header{Fin: true, Opcode: codec.OpClose}, []byte{0x03, 0xe8}); err != nil {
				return fmt.Errorf("the connection sending %s, closing: %w", what, err)
			}
			if err := c.expectClose(codec.CloseNormal); err != nil {
				return fmt.Errorf("the connection sending %s, closing: %w", what, err)
			}
			return nil
		case <-time.After(50 * time.Millisecond):
		}
		p := []byte(fmt.Sprintf("%s %d", what, i))
		if !ping {
			if err := c.echo(codec.OpText, p); err != nil {
				return fmt.Errorf("the connection sending %s, echo %d: %w", what, i, err)
			}
			continue
		}
		if err := c.send(codec.Header{Fin: true, Opcode: codec.OpPing}, p); err != nil {
			return fmt.Errorf("the connection sending %s, ping %d: %w", what, i, err)
		}
		if ev, err := c.next(); err != nil || ev.op != codec.OpPong || !bytes.Equal(ev.payload, p) {
			return fmt.Errorf("the connection sending %s, ping %d: got %v %q, %v", what, i, ev.op, ev.payload, err)
		}
	}
}

// TestMessageTimeout: on a server with a MessageTimeout of 1 s (and the
// default ReadTimeout, a minute), a connection that sends the frames of one
// text message 50 ms apart, never done, gets a Close with 1008 no sooner
// than the timeout after its first frame, though bytes keep flowing, and
// then the end of the TCP connection. Meanwhile a connection that sends
// messages of four frames 50 ms apart has every one echoed, for twice the
// timeout after that Close: the clock is per message.
func TestMessageTimeout(t *testing.T) {
	const timeout = time.Second
	_, addr := startServer(t, Config{MessageTimeout: timeout})
	before := counters.timeouts.Value()

	stop := make(chan struct{})
	errs := make(chan error, 1)
	busy, err := dialClient(addr, nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.nc.Close()
	go func() { errs <- keepFragmenting(busy, stop) }()

	slow, err := dialClient(addr, nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.nc.Close()
	start := time.Now()
	sent := make(chan error, 1)
	slowStop := make(chan struct{})
	go func() {
		// Until the Close arrives, and then on while the server drops
		// what comes after it.
		h := codec.Header{Opcode: codec.OpText}
		for {
			if err := slow.send(h, []byte("never done, ")); err != nil {
				sent <- err
				return
			}
			h.Opcode = codec.OpContinuation
			select {
			case <-slowStop:
				sent <- nil
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	if err := slow.expectClose(codec.ClosePolicyViolation); err != nil {
		t.Fatalf("the connection in a slow message: %v", err)
	}
	if waited := time.Since(start); waited < timeout {
		t.Errorf("the slow message was failed %v after its first frame, before its %v message timeout", waited, timeout)
	}
	close(slowStop)
	<-sent

	time.Sleep(2 * timeout)
	close(stop)
	if err := <-errs; err != nil {
		t.Error(err)
	}
	if n := counters.timeouts.Value() - before; n != 1 {
		t.Errorf("the timeouts counter grew by %d, want 1 (the slow message)", n)
	}
}

// keepFragmenting sends text messages of four frames 50 ms apart and
// checks each echo, until stop; then it closes with 1000.
func keepFragmenting(c *testClient, stop <-chan struct{}) error {
	for i := 0; ; i++ {
		var msg []byte
		for j := 0; j < 4; j++ {
			h := codec.Header{Fin: j == 3, Opcode: codec.OpContinuation}
			if j == 0 {
				h.Opcode = codec.OpText
			}
			p := []byte(fmt.Sprintf("message %d frame %d; ", i, j))
			msg = append(msg, p...)
			if err := c.send(h, p); err != nil {
				return fmt.Errorf("message %d frame %d: %w", i, j, err)
			}
			if j < 3 {
				time.Sleep(50 * time.Millisecond)
			}
		}
		ev, err := c.next()
		if err != nil || ev.op != codec.OpText || !bytes.Equal(ev.payload, msg) {
			return fmt.Errorf("echo of message %d: %v %q, %v", i, ev.op, ev.payload, err)
		}
		select {
		case <-stop:
			if err := c.send(codec.Header{Fin: true, Opcode: codec.OpClose}, []byte{0x03, 0xe8}); err != nil {
				return err
			}
			return c.expectClose(codec.CloseNormal)
		default:
		}
	}
}

// TestTimeoutFlags: the command's -read-timeout and -message-timeout reach
// the server: with them at 500 ms and 300 ms, an idle connection gets
// 1001 and a message whose frames keep coming 50 ms apart gets 1008,
// where the defaults (a minute, two) would leave both waiting past the
// client's 30 s.
func TestTimeoutFlags(t *testing.T) {
	p := startProcess(t, "gnet", "-read-timeout", "500ms", "-message-timeout", "300ms")
	idle, err := dialClient(p.addr, nil, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.nc.Close()
	slow, err := dialClient(p.addr, nil, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.nc.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		h := codec.Header{Opcode: codec.OpBinary}
		for {
			if slow.send(h, []byte{1, 2, 3}) != nil {
				return
			}
			h.Opcode = codec.OpContinuation
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	if err := idle.expectClose(codec.CloseGoingAway); err != nil {
		t.Errorf("idle connection: %v", err)
	}
	if err := slow.expectClose(codec.ClosePolicyViolation); err != nil {
		t.Errorf("slow message: %v", err)
	}
}
