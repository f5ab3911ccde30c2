//go:build !js && !wasip1

package echo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
)

var interopSizes = []int{0, 1, 125, 126, 65535, 65536, 16 << 20}

func TestEchoMessages(t *testing.T) {
	u := startServer(t, Config{})
	c := dialT(t, u, Config{})
	for _, size := range interopSizes {
		if size > 1<<20 && testing.Short() {
			continue
		}
		for _, op := range []codec.Opcode{codec.OpText, codec.OpBinary} {
			for _, frame := range []int{0, 1000} {
				if frame == 1000 && size > 1<<20 {
					frame = 1 << 20
				}
				echoOnce(t, c, op, size, frame)
			}
		}
	}
	err := c.Close(codec.CloseNormal, "done")
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != codec.CloseNormal || ce.Remote {
		t.Fatalf("Close: %v, want the server's 1000", err)
	}
}

func TestPingPong(t *testing.T) {
	u := startServer(t, Config{})
	c := dialT(t, u, Config{})
	var pongs [][]byte
	c.OnPong = func(p []byte) { pongs = append(pongs, append([]byte(nil), p...)) }
	for _, p := range [][]byte{nil, []byte("ping"), bytes.Repeat([]byte{0xfe}, 125)} {
		if err := c.Ping(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Ping(make([]byte, 126)); !errors.Is(err, codec.ErrControlTooLong) {
		t.Fatalf("126-byte ping: %v, want ErrControlTooLong", err)
	}
	// A message after the pings: by the time it is back, so are they.
	c.WriteMessage(codec.OpText, []byte("after"), 0)
	if _, m, err := c.ReadMessage(); err != nil || string(m) != "after" {
		t.Fatalf("got %q, %v", m, err)
	}
	if len(pongs) != 3 || len(pongs[0]) != 0 || string(pongs[1]) != "ping" || len(pongs[2]) != 125 {
		t.Fatalf("pongs %q", pongs)
	}
}

// TestHugeTimeouts: timeouts of math.MaxInt64 ("never") on both ends
// leave deadlines far in the future, so messages, whole and in frames
// (which arm the message's deadline too), and the closing handshake go
// through; deadlines that wrapped around into the past would fail the
// first read or write with a timeout.
func TestHugeTimeouts(t *testing.T) {
	cfg := Config{ReadTimeout: math.MaxInt64, MessageTimeout: math.MaxInt64, WriteTimeout: math.MaxInt64, CloseTimeout: math.MaxInt64}
	u := startServer(t, cfg)
	c := dialT(t, u, cfg)
	for _, frame := range []int{0, 100} {
		echoOnce(t, c, codec.OpText, 1000, frame)
	}
	err := c.Close(codec.CloseNormal, "done")
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != codec.CloseNormal {
		t.Fatalf("Close: %v, want the server's 1000", err)
	}
}

func TestCloseCodes(t *testing.T) {
	u := startServer(t, Config{})
	codes := []codec.CloseCode{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999, codec.CloseNoStatus}
	for _, code := range codes {
		c := dialT(t, u, Config{})
		err := c.Close(code, "")
		var ce *CloseError
		if !errors.As(err, &ce) || ce.Code != code {
			t.Errorf("close with %v: server answered %v", code, err)
		}
	}
}

// The server refuses a violation at the frame that carries it, with the
// close code RFC 6455 maps it to, sends nothing but its Close, and then
// completes the closing handshake and closes TCP. Where a valid frame
// follows the bad one (that ends the message it starts, for a first
// fragment), a server that let the violation through would echo it, and
// expectClose allows nothing before the Close.
func TestServerFailsFast(t *testing.T) {
	u := startServer(t, Config{MaxMessage: 1 << 20})
	text := func(rc *rawClient) []byte {
		return rc.frame(codec.Header{Fin: true, Opcode: codec.OpText}, []byte("must not come back"))
	}
	lastFragment := func(rc *rawClient) []byte {
		return rc.frame(codec.Header{Fin: true, Opcode: codec.OpContinuation}, []byte(" must not come back"))
	}
	cases := []struct {
		name  string
		wire  func(rc *rawClient) []byte
		code  codec.CloseCode
		after func(rc *rawClient) []byte // a valid frame after the bad one, or nil
	}{
		{"invalid UTF-8 in first fragment", func(rc *rawClient) []byte {
			return rc.frame(codec.Header{Opcode: codec.OpText}, []byte("ok \xc0\xaf"))
		}, codec.CloseInvalidPayload, lastFragment},
		{"unmasked frame", func(rc *rawClient) []byte {
			return codec.AppendHeader(nil, codec.Header{Fin: true, Opcode: codec.OpBinary, Length: 0})
		}, codec.CloseProtocolError, text},
		{"reserved opcode", func(rc *rawClient) []byte {
			return rawFrame(codec.Header{Fin: true, Opcode: 3}, nil)
		}, codec.CloseProtocolError, text},
		{"RSV1 without extension", func(rc *rawClient) []byte {
			return rc.frame(codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: codec.OpText}, []byte("x"))
		}, codec.CloseProtocolError, text},
		{"fragmented ping", func(rc *rawClient) []byte {
			return rawFrame(codec.Header{Opcode: codec.OpPing}, nil)
		}, codec.CloseProtocolError, text},
		{"close code 1005 on the wire", func(rc *rawClient) []byte {
			return rc.frame(codec.Header{Fin: true, Opcode: codec.OpClose}, []byte{0x03, 0xed})
		}, codec.CloseProtocolError, nil},
		{"message over the limit", func(rc *rawClient) []byte {
			return codec.AppendHeader(nil, codec.Header{Fin: true, Opcode: codec.OpBinary, Masked: true, Length: 1<<20 + 1})
		}, codec.CloseMessageTooBig, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := newRaw(t, u)
			wire := tc.wire(rc)
			if tc.after != nil {
				wire = append(wire, tc.after(rc)...)
			}
			if err := rc.write(wire); err != nil {
				t.Fatal(err)
			}
			rc.expectClose(tc.code, 30*time.Second)
		})
	}
}

// Steady-state echo allocates nothing on the server: the client side of
// this loop is a raw socket with prebuilt frames, so every allocation
// counted is the server's.
func TestEchoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	u := startServer(t, Config{})
	for _, size := range []int{16, 1024, 64 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			rc := newRaw(t, u)
			frame := rc.frame(codec.Header{Fin: true, Opcode: codec.OpBinary}, testPayload(size, false))
			want := size + codec.Header{Length: int64(size)}.Len()
			if got := rc.echoAllocs(frame, want); got != 0 {
				t.Fatalf("%v allocations per echoed message, want 0", got)
			}
		})
	}
}

// Dial refuses every server answer that breaks RFC 6455 §4.1 (or RFC
// 7692 §7 for the extension), each with the error for the rule it breaks:
// every bad answer is the good one with one thing changed, and the good one
// is accepted, so a refusal for any other reason fails the test.
func TestDialChecksHandshake(t *testing.T) {
	const (
		status     = "HTTP/1.1 101 Switching Protocols\r\n"
		upgrade    = "Upgrade: websocket\r\n"
		connection = "Connection: Upgrade\r\n"
		// RFC 6455 §1.3's accept value, for another key than the client's.
		otherAccept = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	)
	is := func(target error) func(error) bool {
		return func(err error) bool { return errors.Is(err, target) }
	}
	refused := func(code int) func(error) bool {
		return func(err error) bool {
			var se *handshake.StatusError
			return errors.As(err, &se) && se.Code == code
		}
	}
	cases := []struct {
		name   string
		cfg    Config
		answer func(accept string) string // accept: the right header line for the client's key
		want   func(error) bool           // nil: the handshake succeeds
	}{
		{"good answer", Config{}, func(a string) string { return status + upgrade + connection + a + "\r\n" }, nil},
		{"good answer, headers in another order and case", Config{}, func(a string) string {
			a = strings.Replace(a, "Sec-WebSocket-Accept", "sec-websocket-accept", 1)
			return status + a + "connection: keep-alive, UPGRADE\r\nupgrade: WebSocket\r\n\r\n"
		}, nil},
		{"no Sec-WebSocket-Accept", Config{}, func(a string) string { return status + upgrade + connection + "\r\n" }, is(handshake.ErrAccept)},
		{"Sec-WebSocket-Accept for another key", Config{}, func(a string) string { return status + upgrade + connection + otherAccept + "\r\n" }, is(handshake.ErrAccept)},
		{"two Sec-WebSocket-Accept", Config{}, func(a string) string { return status + upgrade + connection + a + a + "\r\n" }, is(handshake.ErrAccept)},
		{"200 instead of 101", Config{}, func(a string) string {
			return "HTTP/1.1 200 OK\r\n" + upgrade + connection + a + "Content-Length: 2\r\n\r\nhi"
		}, refused(200)},
		{"403 instead of 101", Config{}, func(a string) string { return "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n" }, refused(403)},
		{"101 in HTTP/1.0", Config{}, func(a string) string {
			return "HTTP/1.0 101 Switching Protocols\r\n" + upgrade + connection + a + "\r\n"
		}, is(handshake.ErrStatusLine)},
		{"not HTTP", Config{}, func(a string) string { return "SSH-2.0-OpenSSH_9.6\r\n" }, is(handshake.ErrStatusLine)},
		{"no Upgrade", Config{}, func(a string) string { return status + connection + a + "\r\n" }, is(handshake.ErrResponseUpgrade)},
		{"Upgrade: h2c", Config{}, func(a string) string { return status + "Upgrade: h2c\r\n" + connection + a + "\r\n" }, is(handshake.ErrResponseUpgrade)},
		{"no Connection", Config{}, func(a string) string { return status + upgrade + a + "\r\n" }, is(handshake.ErrResponseConnection)},
		{"Connection without upgrade", Config{}, func(a string) string {
			return status + upgrade + "Connection: keep-alive\r\n" + a + "\r\n"
		}, is(handshake.ErrResponseConnection)},
		{"extension not offered", Config{}, func(a string) string {
			return status + upgrade + connection + a + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
		}, is(codec.ErrExtensionNotOffered)},
		{"subprotocol not offered", Config{}, func(a string) string {
			return status + upgrade + connection + a + "Sec-WebSocket-Protocol: chat\r\n\r\n"
		}, is(handshake.ErrResponseProtocol)},
		{"permessage-deflate with an unknown parameter", Config{Compress: true}, func(a string) string {
			return status + upgrade + connection + a + "Sec-WebSocket-Extensions: permessage-deflate; x_speed=fast\r\n\r\n"
		}, is(codec.ErrExtensionParam)},
		{"connection closed inside the answer", Config{}, func(a string) string { return status + upgrade }, is(io.EOF)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			served := make(chan error, 1)
			go func() { served <- answerOnce(ln, tc.answer) }()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := Dial(ctx, "ws://"+ln.Addr().String()+"/", tc.cfg)
			if c != nil {
				c.abort(nil)
			}
			if serr := <-served; serr != nil {
				t.Fatalf("the test's server: %v", serr)
			}
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("good answer refused: %v", err)
			case tc.want != nil && err == nil:
				t.Fatalf("handshake succeeded; answer:\n%s", tc.answer("Sec-WebSocket-Accept: (right)\r\n"))
			case tc.want != nil && !tc.want(err):
				t.Fatalf("refused with the wrong error: %v", err)
			}
		})
	}
}

// answerOnce accepts one connection on ln, reads a client's opening
// handshake and writes answer, given the right Sec-WebSocket-Accept line
// for the request's key, then closes the connection.
func answerOnce(ln net.Listener, answer func(accept string) string) error {
	nc, err := ln.Accept()
	if err != nil {
		return err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	req, err := http.ReadRequest(bufio.NewReader(nc))
	if err != nil {
		return err
	}
	accept, err := codec.AppendAccept([]byte("Sec-WebSocket-Accept: "), req.Header.Get("Sec-WebSocket-Key"))
	if err != nil {
		return err
	}
	_, err = io.WriteString(nc, answer(string(accept)+"\r\n"))
	return err
}

func mustDial(t *testing.T, addr string) net.Conn {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}
