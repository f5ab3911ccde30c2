//go:build !js && !wasip1

package echo

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wsframe/wsframe/codec"
)

// The tests write to connections the other end has reset, which raises
// SIGPIPE on Unix. The Go runtime ignores it for sockets, but under
// qemu-i386 (the CI's 386 run) a signal arriving during a system call
// corrupts the emulated runtime; ignored at the process level, it is
// never delivered.
func init() { signal.Ignore(syscall.SIGPIPE) }

// startServer runs an echo Server with cfg on a loopback port for the
// duration of the test and returns its ws:// URL. It reads the handshakes
// itself, or through net/http with -echo.http (see TestHTTPMode).
func startServer(tb testing.TB, cfg Config) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	srv := &Server{Config: cfg, HandshakeTimeout: time.Second, HTTP: *testHTTP}
	go srv.Serve(ln)
	return "ws://" + ln.Addr().String()
}

func dialT(tb testing.TB, u string, cfg Config) *Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, u, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.abort(nil) })
	return c
}

// rawClient is a client that writes whatever bytes a test wants after a
// correct handshake, and reads the server's frames with its own Receiver.
type rawClient struct {
	tb  testing.TB
	nc  net.Conn
	rcv codec.Receiver
	buf []byte
	// rest is what the last socket read brought beyond the event read
	// returned (the server's next frames, sent in the same segment),
	// still to be given to rcv.
	rest []byte
	snd  *codec.Sender
	// deflate is the permessage-deflate agreement, nil when none; the
	// messages rc.read returns are then as received, compressed or not,
	// with compressed set.
	deflate *codec.DeflateParams
}

func newRaw(tb testing.TB, u string) *rawClient { return newRawCfg(tb, u, Config{}) }

// newRawCfg is newRaw with the handshake of a client with cfg (which may
// offer permessage-deflate); rc.deflate is the agreement, if any.
func newRawCfg(tb testing.TB, u string, cfg Config) *rawClient {
	tb.Helper()
	pu, _ := url.Parse(u)
	nc, err := net.Dial("tcp", pu.Host)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { nc.Close() })
	pending, deflate, err := clientHandshake(nc, pu, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if len(pending) != 0 {
		tb.Fatalf("server sent %d bytes before any frame", len(pending))
	}
	rc := &rawClient{tb: tb, nc: nc, buf: make([]byte, 64<<10), snd: codec.NewSender(codec.RoleClient, nil), deflate: deflate}
	rcfg := codec.Config{Role: codec.RoleClient}
	if deflate != nil {
		rcfg.RsvMessage = codec.Rsv1
	}
	rc.rcv.Reset(rcfg)
	return rc
}

func (rc *rawClient) write(b []byte) error {
	rc.nc.SetWriteDeadline(time.Now().Add(30 * time.Second))
	_, err := rc.nc.Write(b)
	return err
}

func (rc *rawClient) frame(h codec.Header, payload []byte) []byte {
	b, err := rc.snd.AppendFrame(nil, h, payload)
	if err != nil {
		rc.tb.Fatal(err)
	}
	return b
}

// serverEvent is what the server sent: a message, a control frame, or
// the end of the stream.
type serverEvent struct {
	op         codec.Opcode
	payload    []byte
	eof        bool
	compressed bool // the message had Rsv1 on its first frame
}

// read returns the server's next message or control frame, or eof when
// the server closed TCP, within d.
func (rc *rawClient) read(d time.Duration) serverEvent {
	rc.tb.Helper()
	rc.nc.SetReadDeadline(time.Now().Add(d))
	var msg []byte
	for {
		ev, n, err := rc.rcv.Next(rc.rest)
		rc.rest = rc.rest[n:]
		if err != nil {
			rc.tb.Fatalf("server broke the protocol: %v", err)
		}
		switch ev.Kind {
		case codec.EventPayload:
			msg = append(msg, ev.Payload...)
			continue
		case codec.EventMessageEnd:
			return serverEvent{op: ev.Message, payload: msg, compressed: rc.rcv.Compressed()}
		case codec.EventControl:
			return serverEvent{op: ev.Message, payload: append([]byte(nil), ev.Payload...)}
		case codec.EventHeader:
			continue
		}
		n, err = rc.nc.Read(rc.buf)
		if n == 0 {
			if errors.Is(err, io.EOF) || isReset(err) {
				return serverEvent{eof: true}
			}
			rc.tb.Fatalf("reading from the server: %v", err)
		}
		rc.rest = rc.buf[:n]
	}
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

// expectClose expects the server to send nothing but a Close frame with
// code: the first thing it sends must be that Close (a message or a pong
// before it, the echo of a frame that followed a violation for one, fails).
// It then answers, as a client does, and expects the server to end the TCP
// connection without sending anything more. d bounds the whole exchange.
func (rc *rawClient) expectClose(code codec.CloseCode, d time.Duration) {
	rc.tb.Helper()
	deadline := time.Now().Add(d)
	ev := rc.read(time.Until(deadline))
	if ev.eof {
		rc.tb.Fatalf("server closed TCP without a Close frame; want %v", code)
	}
	if ev.op != codec.OpClose {
		rc.tb.Fatalf("server sent a %v frame (%d bytes, %.40q) where only its Close with %v may come", ev.op, len(ev.payload), ev.payload, code)
	}
	got, reason, err := codec.ParseClose(ev.payload)
	if err != nil || got != code {
		rc.tb.Fatalf("server closed with %v %q (%v), want %v", got, reason, err, code)
	}
	// Answer, as a client does, and see TCP end.
	rc.write(rc.frame(codec.Header{Fin: true, Opcode: codec.OpClose}, closePayload(code)))
	if ev := rc.read(time.Until(deadline)); !ev.eof {
		rc.tb.Fatalf("after the closing handshake the server sent a %v frame instead of closing TCP", ev.op)
	}
}

// testPayload returns n bytes: valid UTF-8 with multi-byte characters
// for text, every byte value for binary.
func testPayload(n int, text bool) []byte {
	if !text {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + i>>8)
		}
		return b
	}
	b := bytes.Repeat([]byte("héllo wörld € 𝄞 "), n/16+1)[:n]
	// The cut may split a character: overwrite its start with ASCII.
	for i := n - 1; !utf8.Valid(b); i-- {
		b[i] = 'z'
	}
	return b
}

func closePayload(code codec.CloseCode) []byte {
	b, _ := codec.AppendClosePayload(nil, code, "")
	return b
}

// rawFrame writes any frame, valid or not, masked with the all-zero key
// so that the payload goes out as given.
func rawFrame(h codec.Header, payload []byte) []byte {
	h.Masked, h.Key, h.Length = true, [4]byte{}, int64(len(payload))
	return append(codec.AppendHeader(nil, h), payload...)
}

// echoAllocs sends frame and reads the want bytes of the server's echo,
// again and again, and returns the allocations per round trip once the
// pools and stacks are warm.
func (rc *rawClient) echoAllocs(frame []byte, want int) float64 {
	rc.tb.Helper()
	if len(rc.rest) != 0 {
		rc.tb.Fatalf("%d bytes from the server not read yet", len(rc.rest))
	}
	buf := make([]byte, want)
	roundTrip := func() {
		if _, err := rc.nc.Write(frame); err != nil {
			rc.tb.Fatal(err)
		}
		for n := 0; n < want; {
			m, err := rc.nc.Read(buf[n:])
			if err != nil {
				rc.tb.Fatal(err)
			}
			n += m
		}
	}
	for i := 0; i < 50; i++ { // warm the pools and the stacks
		roundTrip()
	}
	return testing.AllocsPerRun(200, roundTrip)
}

// echoOnce sends a testPayload message of size bytes and type op through c
// (in frames of frame bytes when positive) and checks the echo.
func echoOnce(t *testing.T, c *Conn, op codec.Opcode, size, frame int) {
	t.Helper()
	want := testPayload(size, op == codec.OpText)
	if err := c.WriteMessage(op, want, frame); err != nil {
		t.Fatal(err)
	}
	gotOp, got, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("size %d %v frames of %d: %v", size, op, frame, err)
	}
	if gotOp != op || !bytes.Equal(got, want) {
		t.Fatalf("size %d %v frames of %d: echoed %v with %d bytes, equal %v", size, op, frame, gotOp, len(got), bytes.Equal(got, want))
	}
}
