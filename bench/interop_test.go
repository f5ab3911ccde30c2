//go:build unix

package bench

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/internal/echo"
)

// Interoperability with gorilla/websocket in both roles: its client
// against our echo server, our client against its echo server, with text
// and binary messages of 0, 125, 126, 65535, 65536 bytes and 16 MiB,
// fragmented messages, pings and every close code, each side checking
// what it got (gorilla refuses any frame it finds malformed).

var interopSizes = []int{0, 125, 126, 65535, 65536, 16 << 20}

// 1014 (bad gateway, registered with IANA after RFC 6455) is left out:
// gorilla/websocket v1.5.3 refuses it as an invalid code in either
// direction, answering 1002, while wsframe accepts it.
var interopCodes = []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 3000, 4999}

func interopPayload(n int, text bool) []byte {
	if !text {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + i>>8)
		}
		return b
	}
	b := bytes.Repeat([]byte("héllo wörld € 𝄞 "), n/16+1)[:n]
	for i := n - 1; !utf8.Valid(b); i-- {
		b[i] = 'z'
	}
	return b
}

func serve(t *testing.T, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go http.Serve(ln, h)
	return "ws://" + ln.Addr().String()
}

func TestGorillaClientOurServer(t *testing.T) {
	u := serve(t, &echo.Server{})
	// A 1 KiB write buffer makes gorilla split larger messages into
	// frames: fragmented messages without asking.
	d := websocket.Dialer{WriteBufferSize: 1024, ReadBufferSize: 4096}
	c, _, err := d.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadLimit(64 << 20)
	for _, size := range interopSizes {
		if size > 1<<20 && testing.Short() {
			continue
		}
		for _, typ := range []int{websocket.TextMessage, websocket.BinaryMessage} {
			want := interopPayload(size, typ == websocket.TextMessage)
			if err := c.WriteMessage(typ, want); err != nil {
				t.Fatal(err)
			}
			gotTyp, got, err := c.ReadMessage()
			if err != nil || gotTyp != typ || !bytes.Equal(got, want) {
				t.Fatalf("type %d, %d bytes: came back type %d, %d bytes, %v", typ, size, gotTyp, len(got), err)
			}
		}
	}
	pongs := make(chan string, 3)
	c.SetPongHandler(func(p string) error { pongs <- p; return nil })
	for _, p := range []string{"", "ping", strings.Repeat("\xfe", 125)} {
		if err := c.WriteControl(websocket.PingMessage, []byte(p), time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	c.WriteMessage(websocket.TextMessage, []byte("after"))
	if _, m, err := c.ReadMessage(); err != nil || string(m) != "after" {
		t.Fatalf("%q %v", m, err)
	}
	if len(pongs) != 3 || <-pongs != "" || <-pongs != "ping" || len(<-pongs) != 125 {
		t.Fatal("pongs missing or wrong")
	}

	for _, code := range interopCodes {
		c, _, err := d.Dial(u, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, "bye"), time.Now().Add(time.Second))
		_, _, err = c.ReadMessage()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != code {
			t.Errorf("close %d: got %v", code, err)
		}
		c.Close()
	}
	// Invalid UTF-8 in a text message: 1007.
	c2, _, err := d.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	c2.WriteMessage(websocket.TextMessage, []byte("ok\xc0\xaf"))
	_, _, err = c2.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 1007 {
		t.Errorf("invalid UTF-8: got %v, want close 1007", err)
	}
	c2.Close()
}

func TestOurClientGorillaServer(t *testing.T) {
	u := serve(t, http.HandlerFunc(gorillaEcho))
	ctx := context.Background()
	c, err := echo.Dial(ctx, u, echo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range interopSizes {
		if size > 1<<20 && testing.Short() {
			continue
		}
		for _, op := range []codec.Opcode{codec.OpText, codec.OpBinary} {
			want := interopPayload(size, op == codec.OpText)
			for _, frame := range []int{0, max(size/3, 1)} {
				if err := c.WriteMessage(op, want, frame); err != nil {
					t.Fatal(err)
				}
				gotOp, got, err := c.ReadMessage()
				if err != nil || gotOp != op || !bytes.Equal(got, want) {
					t.Fatalf("%v, %d bytes in frames of %d: came back %v, %d bytes, %v", op, size, frame, gotOp, len(got), err)
				}
			}
		}
	}
	var pongs []string
	c.OnPong = func(p []byte) { pongs = append(pongs, string(p)) }
	for _, p := range []string{"", "ping", strings.Repeat("\xfe", 125)} {
		if err := c.Ping([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	c.WriteMessage(codec.OpText, []byte("after"), 0)
	if _, m, err := c.ReadMessage(); err != nil || string(m) != "after" {
		t.Fatalf("%q %v", m, err)
	}
	if len(pongs) != 3 || pongs[0] != "" || pongs[1] != "ping" || len(pongs[2]) != 125 {
		t.Fatalf("pongs %q", pongs)
	}
	c.Close(codec.CloseNormal, "")

	for _, code := range interopCodes {
		c, err := echo.Dial(ctx, u, echo.Config{})
		if err != nil {
			t.Fatal(err)
		}
		err = c.Close(codec.CloseCode(code), "bye")
		var ce *echo.CloseError
		if !errors.As(err, &ce) || int(ce.Code) != code {
			t.Errorf("close %d: got %v", code, err)
		}
	}
}
