//go:build !js && !wasip1

package echo

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
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
// close code RFC 6455 maps it to, and then completes the closing
// handshake and closes TCP.
func TestServerFailsFast(t *testing.T) {
	u := startServer(t, Config{MaxMessage: 1 << 20})
	cases := []struct {
		name  string
		wire  func(rc *rawClient) []byte
		code  codec.CloseCode
		after bool // a valid frame follows the bad one and must not be echoed
	}{
		{"invalid UTF-8 in first fragment", func(rc *rawClient) []byte {
			return rc.frame(codec.Header{Opcode: codec.OpText}, []byte("ok \xc0\xaf"))
		}, codec.CloseInvalidPayload, true},
		{"unmasked frame", func(rc *rawClient) []byte {
			return codec.AppendHeader(nil, codec.Header{Fin: true, Opcode: codec.OpBinary, Length: 0})
		}, codec.CloseProtocolError, true},
		{"reserved opcode", func(rc *rawClient) []byte {
			return rawFrame(codec.Header{Fin: true, Opcode: 3}, nil)
		}, codec.CloseProtocolError, true},
		{"RSV1 without extension", func(rc *rawClient) []byte {
			return rc.frame(codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: codec.OpText}, []byte("x"))
		}, codec.CloseProtocolError, true},
		{"fragmented ping", func(rc *rawClient) []byte {
			return rawFrame(codec.Header{Opcode: codec.OpPing}, nil)
		}, codec.CloseProtocolError, true},
		{"close code 1005 on the wire", func(rc *rawClient) []byte {
			return rc.frame(codec.Header{Fin: true, Opcode: codec.OpClose}, []byte{0x03, 0xed})
		}, codec.CloseProtocolError, false},
		{"message over the limit", func(rc *rawClient) []byte {
			return codec.AppendHeader(nil, codec.Header{Fin: true, Opcode: codec.OpBinary, Masked: true, Length: 1<<20 + 1})
		}, codec.CloseMessageTooBig, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := newRaw(t, u)
			wire := tc.wire(rc)
			if tc.after {
				wire = append(wire, rc.frame(codec.Header{Fin: true, Opcode: codec.OpText}, []byte("must not come back"))...)
			}
			rc.write(wire)
			rc.expectClose(tc.code, 3*time.Second)
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
			want := size + codec.Header{Length: uint64(size)}.Len()
			if got := rc.echoAllocs(frame, want); got != 0 {
				t.Fatalf("%v allocations per echoed message, want 0", got)
			}
		})
	}
}

func TestDialChecksHandshake(t *testing.T) {
	answers := map[string]string{
		"wrong accept": "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
		"no 101":       "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
		"no upgrade":   "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n",
		"not http":     "SSH-2.0-OpenSSH_9.6\r\n",
		"extension":    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				c.Read(make([]byte, 4096))
				c.Write([]byte(answer))
				time.Sleep(100 * time.Millisecond)
			}()
			_, _, err = clientHandshake(mustDial(t, ln.Addr().String()), &url.URL{Scheme: "ws", Host: ln.Addr().String(), Path: "/"}, Config{})
			if err == nil {
				t.Fatalf("handshake with %q succeeded", answer)
			}
		})
	}
}

func mustDial(t *testing.T, addr string) net.Conn {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}
