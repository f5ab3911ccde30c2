//go:build !js && !wasip1

package echo

import (
	"bufio"
	"bytes"
	"fmt"
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
// deserve, no sooner than the timeout that applies, cost no more memory
// than the message limit, and the server keeps echoing for a well-behaved
// client all along.
//
// The timeouts are seconds long and every wait for the server several
// times longer, so that a loaded machine under -race cannot fail a correct
// server; how long things took is checked only where a close must not come
// early.
func TestBadInput(t *testing.T) {
	const limit = 256 << 10
	cfg := Config{
		MaxMessage:     limit,
		ReadTimeout:    3 * time.Second,
		MessageTimeout: 5 * time.Second,
		CloseTimeout:   2 * time.Second,
	}
	// wait bounds every wait for the server: never reached by a correct
	// one, it only keeps a broken one from hanging the test.
	const wait = 30 * time.Second
	u := startServer(t, cfg)
	host := strings.TrimPrefix(u, "ws://")

	// A well-behaved client echoes all through the hostile ones, far more
	// often than ReadTimeout, with messages made beforehand so that its
	// allocations do not blur the memory check.
	msgs := make([][]byte, 200)
	for i := range msgs {
		msgs[i] = []byte("still here " + strings.Repeat("x", i))
	}
	stop := make(chan struct{})
	var good sync.WaitGroup
	var echoed int // round trips; read after good.Wait
	good.Add(1)
	goodConn := dialT(t, u, Config{})
	goodRoundTrip := func(i int) error {
		msg := msgs[i%len(msgs)]
		if err := goodConn.WriteMessage(codec.OpText, msg, 0); err != nil {
			return err
		}
		if _, got, err := goodConn.ReadMessage(); err != nil || !bytes.Equal(got, msg) {
			return fmt.Errorf("echo %q, %v; want %q", got, err, msg)
		}
		return nil
	}
	go func() {
		defer good.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if err := goodRoundTrip(echoed); err != nil {
				t.Errorf("good client, message %d: %v", echoed, err)
				return
			}
			echoed++
		}
	}()
	defer func() {
		close(stop)
		good.Wait()
		if t.Failed() {
			return
		}
		// Served all along, and still served now.
		if echoed == 0 {
			t.Error("the good client got no echo while the hostile peers ran")
		}
		if err := goodRoundTrip(echoed); err != nil {
			t.Errorf("good client after the hostile peers: %v", err)
		}
	}()

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
		rc.expectClose(codec.CloseMessageTooBig, wait)
		runtime.ReadMemStats(&after)
		// Everything allocated meanwhile, by every goroutine of the
		// test binary: the message buffer, doubling, grows to the limit
		// and no further (under twice the limit allocated in all, the
		// last buffer at most the limit), plus read buffers for the new
		// connection and the good client.
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 2*limit+2*readBufSize+32<<10 && !raceEnabled {
			t.Errorf("%d bytes allocated while refusing a message over %d", grown, limit)
		}
	})

	t.Run("group", func(t *testing.T) {
		t.Run("length 2^63-1", func(t *testing.T) {
			t.Parallel()
			rc := newRaw(t, u)
			rc.write(codec.AppendHeader(nil, codec.Header{Fin: true, Opcode: codec.OpBinary, Masked: true, Length: 1<<63 - 1}))
			rc.expectClose(codec.CloseMessageTooBig, wait)
		})
		t.Run("endless message of empty fragments", func(t *testing.T) {
			t.Parallel()
			rc := newRaw(t, u)
			first := rc.frame(codec.Header{Opcode: codec.OpText}, []byte("never ends"))
			more := rc.frame(codec.Header{Opcode: codec.OpContinuation}, nil)
			start := time.Now() // before the server can see the first frame
			go func() {
				if rc.write(first) != nil {
					return
				}
				// Far more often than ReadTimeout, so only MessageTimeout
				// can end it.
				for rc.write(more) == nil {
					time.Sleep(10 * time.Millisecond)
				}
			}()
			rc.expectClose(codec.ClosePolicyViolation, cfg.MessageTimeout+wait)
			if d := time.Since(start); d < cfg.MessageTimeout*7/8 {
				t.Errorf("closed after %v, before MessageTimeout (%v)", d, cfg.MessageTimeout)
			}
		})
		t.Run("stalled peer", func(t *testing.T) {
			t.Parallel()
			rc := newRaw(t, u)
			start := time.Now()
			rc.write(rc.frame(codec.Header{Fin: true, Opcode: codec.OpText}, []byte("hi"))[:3]) // a header cut short
			rc.expectClose(codec.CloseGoingAway, cfg.ReadTimeout+wait)
			if d := time.Since(start); d < cfg.ReadTimeout*7/8 {
				t.Errorf("closed after %v, before ReadTimeout (%v)", d, cfg.ReadTimeout)
			}
		})
		t.Run("peer never answers our close", func(t *testing.T) {
			t.Parallel()
			rc := newRaw(t, u)
			start := time.Now()
			rc.write(rawFrame(codec.Header{Fin: true, Opcode: 3}, nil))
			// Nothing but the Close for the reserved opcode, then the
			// end of the server's half of the stream.
			if ev := rc.read(wait); ev.eof || ev.op != codec.OpClose {
				t.Fatalf("server sent %+v, want its Close", ev)
			} else if code, _, err := codec.ParseClose(ev.payload); err != nil || code != codec.CloseProtocolError {
				t.Fatalf("server closed with %v (%v), want %v", code, err, codec.CloseProtocolError)
			}
			if ev := rc.read(wait); !ev.eof {
				t.Fatalf("after its Close the server sent a %v frame", ev.op)
			}
			// The server half-closed at once (it closes TCP first) but
			// keeps reading for our Close until CloseTimeout; once it has
			// dropped the connection, a byte we send is answered with a
			// reset, which the next read reports. (Read, not write again:
			// writing after the reset raises SIGPIPE, which qemu-i386
			// does not deliver safely.)
			dropped := false
			for !dropped && time.Since(start) < cfg.CloseTimeout+wait {
				if rc.write([]byte{0}) != nil {
					dropped = true
					break
				}
				time.Sleep(20 * time.Millisecond)
				rc.nc.SetReadDeadline(time.Now().Add(time.Millisecond))
				_, err := rc.nc.Read(make([]byte, 1))
				dropped = isReset(err)
			}
			d := time.Since(start)
			switch {
			case !dropped:
				t.Errorf("server still holds the connection %v after its Close (CloseTimeout %v)", d, cfg.CloseTimeout)
			case d < cfg.CloseTimeout*7/8:
				t.Errorf("TCP closed after %v, before CloseTimeout (%v)", d, cfg.CloseTimeout)
			}
		})
		t.Run("junk handshake", func(t *testing.T) {
			t.Parallel()
			nc := mustDial(t, host)
			nc.Write([]byte("\x16\x03\x01junk that is not HTTP\r\n\r\n"))
			nc.SetReadDeadline(time.Now().Add(wait))
			line, err := bufio.NewReader(nc).ReadString('\n')
			if !strings.HasPrefix(line, "HTTP/1.1 400 ") {
				t.Errorf("junk got %q (%v), want a 400", line, err)
			}
		})
		t.Run("handshake never finished", func(t *testing.T) {
			t.Parallel()
			nc := mustDial(t, host)
			nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"))
			// The server's HandshakeTimeout (startServer's) ends it: it
			// closes the connection, whatever it says first.
			nc.SetReadDeadline(time.Now().Add(wait))
			var buf [512]byte
			for {
				if _, err := nc.Read(buf[:]); err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						t.Fatalf("server still holds a half-sent handshake after %v", wait)
					}
					break
				}
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
		{"POST", "POST / HTTP/1.1\r\n" + good + "Sec-WebSocket-Key: " + key + "\r\nContent-Length: 0\r\n\r\n", 405, "Allow: GET"},
		{"HTTP/1.0", "GET / HTTP/1.0\r\n" + good + "Sec-WebSocket-Key: " + key + "\r\n\r\n", 400, ""},
		{"no Upgrade", "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + "\r\n\r\n", 426, "Upgrade: websocket"},
		{"no Connection upgrade", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + "\r\n\r\n", 400, ""},
		{"version 8", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: " + key + "\r\n\r\n", 426, "Sec-WebSocket-Version: 13"},
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
			if !strings.Contains(resp, "handshake: ") {
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
