//go:build !js && !wasip1

package echo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
)

// Server.Serve reads opening handshakes itself by default, and through
// net/http with Server.HTTP. Every test server of this package
// (startServer) serves in the first mode, or in the second with
// -echo.http, so that both pass the same tests: TestHTTPMode runs the
// package's tests again with it.
var testHTTP = flag.Bool("echo.http", false, "serve the tests' handshakes through net/http (Server.HTTP)")

// TestHTTPMode runs every other test of the package in a child process
// with -echo.http: the net/http path must pass what the raw-listener
// path passes, and the other way round.
func TestHTTPMode(t *testing.T) {
	if *testHTTP {
		t.Skip("already in the -echo.http run")
	}
	args := []string{"-test.count=1", "-test.skip=^TestHTTPMode$", "-test.timeout=10m", "-echo.http"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	if testing.Verbose() {
		args = append(args, "-test.v")
	}
	out, err := exec.Command(os.Args[0], args...).CombinedOutput()
	if err != nil {
		t.Fatalf("tests with -echo.http: %v\n%s", err, out)
	}
	if testing.Verbose() {
		t.Logf("tests with -echo.http:\n%s", out)
	}
}

// A request for a good client, with the key and fields each case breaks.
const (
	goodKey  = "dGhlIHNhbXBsZSBub25jZQ=="
	goodHead = "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	goodReq  = goodHead + "Sec-WebSocket-Key: " + goodKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
)

// keepEchoing runs a well-behaved client against u until the returned
// function is called, which checks that every one of its messages came
// back and that there were some.
func keepEchoing(t *testing.T, u string) (stop func()) {
	c := dialT(t, u, Config{})
	done := make(chan struct{})
	var wg sync.WaitGroup
	var echoed atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			msg := []byte("still here " + strconv.Itoa(i))
			if err := c.WriteMessage(codec.OpText, msg, 0); err != nil {
				t.Errorf("good client, message %d: %v", i, err)
				return
			}
			if _, got, err := c.ReadMessage(); err != nil || !bytes.Equal(got, msg) {
				t.Errorf("good client, message %d: %q, %v", i, got, err)
				return
			}
			echoed.Add(1)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		if echoed.Load() == 0 {
			t.Error("the good client got no echo while the bad ones were served")
		}
		// And it is served still.
		echoOnce(t, c, codec.OpBinary, 1000, 0)
	}
}

// answer reads what the server sends on nc until it closes: the status of
// its answer (0 when it sent nothing) and the whole of it.
func answer(t *testing.T, nc net.Conn, within time.Duration) (int, string) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(within))
	all, err := io.ReadAll(nc)
	if err != nil && !isReset(err) {
		t.Fatalf("reading the answer: %v (after %q)", err, all)
	}
	if len(all) == 0 {
		return 0, ""
	}
	f := strings.Fields(string(all))
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/1.") {
		t.Fatalf("answer is not HTTP: %q", all)
	}
	status, _ := strconv.Atoi(f[1])
	return status, string(all)
}

// Hostile and broken handshakes over TCP each get their status, or are
// closed, never upgraded, while a good client is served all along.
func TestHandshakeBadInput(t *testing.T) {
	u := startServer(t, Config{})
	host := strings.TrimPrefix(u, "ws://")
	stop := keepEchoing(t, u)
	// t.Run returns once the parallel subtests in it are done.
	t.Run("hostile", func(t *testing.T) { hostileHandshakes(t, host) })
	stop()
}

func hostileHandshakes(t *testing.T, host string) {
	t.Run("slowloris", func(t *testing.T) {
		t.Parallel()
		// One byte at a time, each in time to reset any per-read
		// timeout: only the handshake's own deadline (startServer's
		// HandshakeTimeout, 1 s) ends it.
		nc := mustDial(t, host)
		start := time.Now()
		go func() {
			for i := 0; i < len(goodReq); i++ {
				if _, err := nc.Write([]byte{goodReq[i]}); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
		// The raw-listener server closes without a word; net/http
		// answers 400.
		if status, all := answer(t, nc, 30*time.Second); status == 101 {
			t.Fatalf("a request sent slowly got %q", all)
		}
		if d := time.Since(start); d < 900*time.Millisecond {
			t.Errorf("closed after %v, before the handshake timeout of 1 s", d)
		}
	})
	t.Run("1 MiB header block", func(t *testing.T) {
		t.Parallel()
		nc := mustDial(t, host)
		go func() {
			nc.Write([]byte(goodHead + "X-Big: " + strings.Repeat("a", 1<<20) + "\r\n\r\n"))
		}()
		if status, all := answer(t, nc, 30*time.Second); status != 431 {
			t.Fatalf("1 MiB header block: answer %q, want 431", firstLine(all))
		}
	})
	cases := []struct {
		name, req string
		status    int
		header    string // a header line the answer must have
	}{
		{"NUL in a field value", goodHead + "X-Nul: a\x00b\r\nSec-WebSocket-Key: " + goodKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, ""},
		{"NUL in the target", "GET /a\x00b HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + goodKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, ""},
		{"duplicate keys", goodHead + "Sec-WebSocket-Key: " + goodKey + "\r\nSec-WebSocket-Key: " + goodKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, ""},
		{"two Origins", goodHead + "Origin: http://a\r\nOrigin: http://b\r\nSec-WebSocket-Key: " + goodKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, ""},
		{"a body", strings.Replace(goodReq, "\r\n\r\n", "\r\nContent-Length: 5\r\n\r\nhello", 1), 400, ""},
		{"a chunked body", strings.Replace(goodReq, "\r\n\r\n", "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 1), 400, ""},
		{"HTTP/1.0", strings.Replace(goodReq, "HTTP/1.1", "HTTP/1.0", 1), 400, ""},
		{"version 8", strings.Replace(goodReq, "Version: 13", "Version: 8", 1), 426, "Sec-WebSocket-Version: 13"},
		{"key of 15 bytes", strings.Replace(goodReq, goodKey, "dGhlIHNhbXBsZSBub25j", 1), 400, ""},
		{"key of 17 bytes", strings.Replace(goodReq, goodKey, "dGhlIHNhbXBsZSBub25jZT8=", 1), 400, ""},
		{"key not base64", strings.Replace(goodReq, goodKey, "dGhlIHNhbXBsZSBub25jZQ!!", 1), 400, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			nc := mustDial(t, host)
			nc.Write([]byte(tc.req))
			status, all := answer(t, nc, 30*time.Second)
			if status != tc.status {
				t.Fatalf("answer %q, want %d", firstLine(all), tc.status)
			}
			if tc.header != "" && !strings.Contains(all, "\r\n"+tc.header+"\r\n") {
				t.Errorf("answer lacks %q:\n%s", tc.header, all)
			}
		})
	}
}

// countingListener counts, for each connection it accepts, the bytes the
// server read before it first wrote. Its connections offer no
// syscall.Conn, so the raw-listener server reads them with Read, under the
// same limits as sockets.
type countingListener struct {
	net.Listener
	conns chan *countingConn
}

func (l countingListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c := &countingConn{Conn: nc}
	l.conns <- c
	return c, nil
}

type countingConn struct {
	net.Conn
	mu        sync.Mutex
	read      int
	wrote     bool
	readFirst int // bytes read before the first write
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.read += n
	c.mu.Unlock()
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if !c.wrote {
		c.wrote, c.readFirst = true, c.read
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *countingConn) CloseWrite() error { return c.Conn.(*net.TCPConn).CloseWrite() }

// A header block over the limit is refused with 431 once the limit is
// reached: the raw-listener server reads no byte beyond it; net/http reads
// up to 4 KiB beyond (the slack it allows on MaxHeaderBytes) and a
// buffer's worth more.
func TestHandshakeReadLimit(t *testing.T) {
	for _, limit := range []int{1 << 10, handshake.DefaultMaxBytes} {
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			cl := countingListener{Listener: ln, conns: make(chan *countingConn, 1)}
			srv := &Server{HTTP: *testHTTP, MaxHeaderBytes: limit}
			go srv.Serve(cl)
			nc := mustDial(t, ln.Addr().String())
			go nc.Write([]byte(goodHead + "X-Big: " + strings.Repeat("a", 1<<20) + "\r\n\r\n"))
			if status, all := answer(t, nc, 30*time.Second); status != 431 {
				t.Fatalf("answer %q, want 431", firstLine(all))
			}
			sc := <-cl.conns
			sc.mu.Lock()
			read := sc.readFirst
			sc.mu.Unlock()
			most := limit
			if *testHTTP {
				most = limit + 4096 + 4096
			}
			if read > most {
				t.Errorf("the server read %d bytes before refusing a block over %d", read, limit)
			}
			t.Logf("read %d bytes before the 431", read)
		})
	}
}

// A client may send its first frames right behind the request, in the
// same segment (gorilla/websocket#642): they are the connection's, and
// echoed. Every split of request and frame, the request ending in the
// middle of the first read or of a later one, gives the same result.
func TestFramesBehindRequest(t *testing.T) {
	u := startServer(t, Config{})
	host := strings.TrimPrefix(u, "ws://")
	snd := codec.NewSender(codec.RoleClient, nil)
	frame, err := snd.AppendFrame(nil, codec.Header{Fin: true, Opcode: codec.OpText}, []byte("right behind"))
	if err != nil {
		t.Fatal(err)
	}
	wire := append([]byte(goodReq), frame...)
	check := func(t *testing.T, nc net.Conn) {
		t.Helper()
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(nc)
		head, err := readResponse101(br)
		if err != nil {
			t.Fatalf("%v after %q", err, head)
		}
		var rcv codec.Receiver
		rcv.Reset(codec.Config{Role: codec.RoleClient})
		var msg []byte
		buf := make([]byte, 512)
		var rest []byte
		for {
			ev, n, err := rcv.Next(rest)
			rest = rest[n:]
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind == codec.EventPayload {
				msg = append(msg, ev.Payload...)
				if ev.End {
					break
				}
				continue
			}
			if ev.Kind != codec.EventMore {
				continue
			}
			m, err := br.Read(buf)
			if err != nil {
				t.Fatalf("reading the echo: %v", err)
			}
			rest = buf[:m]
		}
		if string(msg) != "right behind" {
			t.Fatalf("echo %q", msg)
		}
	}
	t.Run("one write", func(t *testing.T) {
		nc := mustDial(t, host)
		nc.Write(wire)
		check(t, nc)
	})
	t.Run("every split", func(t *testing.T) {
		for i := 1; i < len(wire); i++ {
			nc := mustDial(t, host)
			nc.Write(wire[:i])
			// A pause, so that the server most likely reads the
			// pieces apart; the result must not depend on it.
			time.Sleep(time.Millisecond)
			nc.Write(wire[i:])
			check(t, nc)
			nc.Close()
			if t.Failed() {
				t.Fatalf("split at %d", i)
			}
		}
	})
}

// readResponse101 reads a 101 response's header block, exactly.
func readResponse101(br *bufio.Reader) (string, error) {
	var head strings.Builder
	for {
		line, err := br.ReadString('\n')
		head.WriteString(line)
		if err != nil {
			return head.String(), err
		}
		if line == "\r\n" {
			break
		}
	}
	if !strings.HasPrefix(head.String(), "HTTP/1.1 101 ") {
		return head.String(), errors.New("not a 101")
	}
	return head.String(), nil
}

// A server may send its first frames right behind its 101, in the same
// segment (gobwas/ws#19): Dial keeps them for the connection. Every split
// of the response and the frames gives the same result.
func TestDialFramesBehind101(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	split := make(chan int)
	go func() {
		for i := range split {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			fakeServer(nc, i)
		}
	}()
	defer close(split)
	u := "ws://" + ln.Addr().String() + "/"
	// The response and frames' length, for the splits.
	wireLen := len(wire101(goodKey))
	for i := 0; i <= wireLen; i++ {
		split <- i
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := Dial(ctx, u, Config{})
		cancel()
		if err != nil {
			t.Fatalf("split at %d: %v", i, err)
		}
		op, msg, err := c.ReadMessage()
		if err != nil || op != codec.OpText || string(msg) != "hello from the server" {
			t.Fatalf("split at %d: %v %q %v", i, op, msg, err)
		}
		var ce *CloseError
		if _, _, err := c.ReadMessage(); !errors.As(err, &ce) || ce.Code != codec.CloseNormal || !ce.Remote {
			t.Fatalf("split at %d: after the message: %v, want the server's 1000", i, err)
		}
	}
}

// wire101 is a server's answer to key followed by a text message and a
// Close frame, all in one piece.
func wire101(key string) []byte {
	b := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ")
	b, _ = codec.AppendAccept(b, key)
	b = append(b, "\r\n\r\n"...)
	var snd codec.Sender // a server's: unmasked
	b, _ = snd.AppendFrame(b, codec.Header{Fin: true, Opcode: codec.OpText}, []byte("hello from the server"))
	b, _ = snd.AppendClose(b, codec.CloseNormal, "")
	return b
}

// fakeServer reads a request on nc and answers it with wire101, in two
// writes split at split (one when split is 0 or the whole length).
func fakeServer(nc net.Conn, split int) {
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(nc)
	key := ""
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if name, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "Sec-WebSocket-Key") {
			key = strings.TrimSpace(v)
		}
		if line == "\r\n" {
			break
		}
	}
	wire := wire101(key)
	split = min(split, len(wire))
	if split > 0 {
		nc.Write(wire[:split])
		time.Sleep(time.Millisecond)
	}
	nc.Write(wire[split:])
	// Wait for the client's answering Close (the first bytes it sends),
	// then end TCP, as a server does.
	br.ReadByte()
}

// The client's request, read by a real server, and the errors Dial
// reports for answers that are not 101.
func TestDialRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		var req handshake.Request
		buf := make([]byte, 4096)
		for {
			n, err := nc.Read(buf)
			if err != nil {
				return
			}
			if _, done, err := req.Feed(buf[:n]); err != nil || done {
				break
			}
		}
		nc.Write(handshake.AppendReject(nil, 403, []byte("X-Why: test\r\n"), "origin not allowed here"))
	}()
	_, err = Dial(context.Background(), "ws://"+ln.Addr().String()+"/x", Config{})
	var se *handshake.StatusError
	if !errors.As(err, &se) || se.Code != 403 {
		t.Fatalf("Dial: %v, want a *handshake.StatusError with 403", err)
	}
	if !strings.Contains(err.Error(), "origin not allowed here") {
		t.Errorf("error %q does not quote the body", err)
	}
	if v, _ := se.Client.Header("X-Why"); string(v) != "test" {
		t.Errorf("the refusal's header X-Why: %q", v)
	}
}

// Serve refuses a Config that cannot work before it accepts anything.
func TestServeBadConfig(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := &Server{Config: Config{Compress: true, CompressLevel: 42}, HTTP: *testHTTP}
	if err := srv.Serve(ln); err == nil {
		t.Fatal("Serve with compress level 42: no error")
	}
}
