//go:build !js && !wasip1

package echo

import (
	"bufio"
	"bytes"
	"net"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
)

// Hostile and broken peers each get the close code (or HTTP status) they
// deserve within the timeouts, cost no more memory than the message
// limit, and the server keeps echoing for a well-behaved client all along.
func TestBadInput(t *testing.T) {
	const limit = 256 << 10
	cfg := Config{
		MaxMessage:     limit,
		ReadTimeout:    400 * time.Millisecond,
		MessageTimeout: 600 * time.Millisecond,
		CloseTimeout:   300 * time.Millisecond,
	}
	u := startServer(t, cfg)
	host := strings.TrimPrefix(u, "ws://")

	// A well-behaved client echoes all through the hostile ones.
	stop := make(chan struct{})
	var good sync.WaitGroup
	good.Add(1)
	goodConn := dialT(t, u, Config{})
	go func() {
		defer good.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			msg := []byte("still here " + strings.Repeat("x", i%200))
			if err := goodConn.WriteMessage(codec.OpText, msg, 0); err != nil {
				t.Errorf("good client, message %d: %v", i, err)
				return
			}
			if _, got, err := goodConn.ReadMessage(); err != nil || !bytes.Equal(got, msg) {
				t.Errorf("good client, message %d: %q, %v", i, got, err)
				return
			}
		}
	}()
	defer func() { close(stop); good.Wait() }()

	t.Run("endless message over the limit", func(t *testing.T) {
		rc := newRaw(t, u)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		first := rc.frame(codec.Header{Opcode: codec.OpBinary}, make([]byte, 1024))
		more := rc.frame(codec.Header{Opcode: codec.OpContinuation}, make([]byte, 1024))
		go func() {
			if rc.write(first) != nil {
				return
			}
			for rc.write(more) == nil {
			}
		}()
		rc.expectClose(codec.CloseMessageTooBig, 2*time.Second)
		runtime.ReadMemStats(&after)
		// Everything allocated meanwhile, by every goroutine of the
		// test binary: the message buffer, doubling, grows to the limit
		// and no further (under twice the limit allocated in all, the
		// last buffer at most the limit), plus read buffers for the new
		// connection and the good client's small messages.
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 2*limit+2*readBufSize+32<<10 && !raceEnabled {
			t.Errorf("%d bytes allocated while refusing a message over %d", grown, limit)
		}
	})

	t.Run("group", func(t *testing.T) {
		t.Run("length 2^63-1", func(t *testing.T) {
			t.Parallel()
			rc := newRaw(t, u)
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			rc.write(codec.AppendHeader(nil, codec.Header{Fin: true, Opcode: codec.OpBinary, Masked: true, Length: 1<<63 - 1}))
			rc.expectClose(codec.CloseMessageTooBig, time.Second)
		})
		t.Run("endless message of empty fragments", func(t *testing.T) {
			t.Parallel()
			rc := newRaw(t, u)
			first := rc.frame(codec.Header{Opcode: codec.OpText}, []byte("never ends"))
			more := rc.frame(codec.Header{Opcode: codec.OpContinuation}, nil)
			go func() {
				if rc.write(first) != nil {
					return
				}
				// Faster than ReadTimeout, so only MessageTimeout can end it.
				for rc.write(more) == nil {
					time.Sleep(10 * time.Millisecond)
				}
			}()
			start := time.Now()
			rc.expectClose(codec.ClosePolicyViolation, 2*time.Second)
			if d := time.Since(start); d < cfg.MessageTimeout*7/8 {
				t.Errorf("closed after %v, before MessageTimeout", d)
			}
		})
		t.Run("stalled peer", func(t *testing.T) {
			t.Parallel()
			rc := newRaw(t, u)
			start := time.Now()
			rc.write(rc.frame(codec.Header{Fin: true, Opcode: codec.OpText}, []byte("hi"))[:3]) // a header cut short
			rc.expectClose(codec.CloseGoingAway, 2*time.Second)
			if d := time.Since(start); d < cfg.ReadTimeout*7/8 {
				t.Errorf("closed after %v, before ReadTimeout", d)
			}
		})
		t.Run("peer never answers our close", func(t *testing.T) {
			t.Parallel()
			rc := newRaw(t, u)
			start := time.Now()
			rc.write(rawFrame(codec.Header{Fin: true, Opcode: 3}, nil))
			for {
				ev := rc.read(2 * time.Second)
				if ev.eof {
					break
				}
			}
			// The server half-closed at once (it closes TCP first) but
			// keeps reading for our Close until CloseTimeout; once it has
			// dropped the connection, a byte we send is answered with a
			// reset, which the next read reports. (Read, not write again:
			// writing after the reset raises SIGPIPE, which qemu-i386
			// does not deliver safely.)
			for time.Since(start) < 3*time.Second {
				if rc.write([]byte{0}) != nil {
					break
				}
				time.Sleep(20 * time.Millisecond)
				rc.nc.SetReadDeadline(time.Now().Add(time.Millisecond))
				if _, err := rc.nc.Read(make([]byte, 1)); isReset(err) {
					break
				}
			}
			if d := time.Since(start); d < cfg.CloseTimeout*7/8 || d > cfg.CloseTimeout+2*time.Second {
				t.Errorf("TCP closed after %v, want about %v", d, cfg.CloseTimeout)
			}
		})
		t.Run("junk handshake", func(t *testing.T) {
			t.Parallel()
			nc := mustDial(t, host)
			nc.Write([]byte("\x16\x03\x01junk that is not HTTP\r\n\r\n"))
			nc.SetReadDeadline(time.Now().Add(2 * time.Second))
			line, _ := bufio.NewReader(nc).ReadString('\n')
			if !strings.HasPrefix(line, "HTTP/1.1 400") {
				t.Errorf("junk got %q, want a 400", line)
			}
		})
		t.Run("handshake never finished", func(t *testing.T) {
			t.Parallel()
			nc := mustDial(t, host)
			start := time.Now()
			nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"))
			nc.SetReadDeadline(time.Now().Add(3 * time.Second))
			var buf [512]byte
			for {
				if _, err := nc.Read(buf[:]); err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						t.Fatal("server still holds a half-sent handshake after 3 s")
					}
					break
				}
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("half-sent handshake dropped after %v", d)
			}
		})
	})
}

// Every handshake check refuses the request with its status and reason,
// and upgrades nothing.
func TestHandshakeRefused(t *testing.T) {
	u := startServer(t, Config{})
	host := strings.TrimPrefix(u, "ws://")
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	good := "Host: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\n"
	cases := []struct {
		name, req string
		status    int
		header    string // a header the answer must have
	}{
		{"POST", "POST / HTTP/1.1\r\n" + good + "Sec-WebSocket-Key: " + key + "\r\nContent-Length: 0\r\n\r\n", 400, ""},
		{"HTTP/1.0", "GET / HTTP/1.0\r\n" + good + "Sec-WebSocket-Key: " + key + "\r\n\r\n", 400, ""},
		{"no Upgrade", "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + "\r\n\r\n", 426, "Upgrade: websocket"},
		{"no Connection upgrade", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + "\r\n\r\n", 400, ""},
		{"version 8", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: " + key + "\r\n\r\n", 426, "Sec-Websocket-Version: 13"},
		{"no key", "GET / HTTP/1.1\r\n" + good + "\r\n", 400, ""},
		{"short key", "GET / HTTP/1.1\r\n" + good + "Sec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\n\r\n", 400, ""},
		{"two keys", "GET / HTTP/1.1\r\n" + good + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Key: " + key + "\r\n\r\n", 400, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nc := mustDial(t, host)
			nc.SetDeadline(time.Now().Add(3 * time.Second))
			nc.Write([]byte(tc.req))
			br := bufio.NewReader(nc)
			resp, err := readResponse(br)
			if err != nil {
				t.Fatal(err)
			}
			if f := strings.Fields(resp); len(f) < 2 || f[1] != strconv.Itoa(tc.status) {
				t.Fatalf("answer %q, want status %d", firstLine(resp), tc.status)
			}
			if tc.header != "" && !strings.Contains(resp, tc.header+"\r\n") {
				t.Errorf("answer lacks %q:\n%s", tc.header, resp)
			}
			if !strings.Contains(resp, "websocket: ") {
				t.Errorf("answer gives no reason:\n%s", resp)
			}
		})
	}
	// And the right request, for contrast, is upgraded.
	pu, _ := url.Parse(u)
	if _, _, err := clientHandshake(mustDial(t, host), pu, Config{}); err != nil {
		t.Fatal(err)
	}
}

// readResponse reads a response's head and a short body.
func readResponse(br *bufio.Reader) (string, error) {
	var sb strings.Builder
	for {
		line, err := br.ReadString('\n')
		sb.WriteString(line)
		if err != nil {
			return sb.String(), err
		}
		if line == "\r\n" {
			break
		}
	}
	body := make([]byte, 256)
	n, _ := br.Read(body)
	sb.Write(body[:n])
	return sb.String(), nil
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\r\n"); return l }
