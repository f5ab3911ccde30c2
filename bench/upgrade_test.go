package bench

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
	"github.com/gorilla/websocket"
	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
)

// The opening handshake: the same request bytes parsed, checked and
// answered with a 101 into a buffer, by
//   - impl=wsframe: handshake.Request.Feed, codec.NegotiateDeflate,
//     SelectProtocol, AppendAccept;
//   - impl=gobwas: gobwas/ws Upgrader.Upgrade on an in-memory reader and
//     writer, its zero-copy upgrade (pooled bufio buffers), negotiating
//     permessage-deflate with wsflate.Extension;
//   - impl=nethttp: http.ReadRequest, then gorilla/websocket's
//     Upgrader.Upgrade with compression on, over a ResponseWriter whose
//     Hijack hands over an in-memory connection: what a net/http server
//     does per request, minus the socket and the goroutine.
//
// Each negotiates permessage-deflate when it is offered and picks the
// subprotocol "chat" when it is. req=chrome is a browser's request with
// cookies and a deflate offer (634 B); req=minimal is the smallest request
// RFC 6455 §4.2.1 accepts (the key is §1.3's). The bytes per second are
// those of the request.
//
// BenchmarkUpgradeClient is the client's side with wsframe (the request
// written, then a 101 with a deflate answer parsed and checked), and
// BenchmarkUpgradeAccept isolates the SHA-1 and base64 of
// Sec-WebSocket-Accept, which both sides compute once: compare it with the
// totals to see what SHA-1 costs.
//
//	go test -run '^$' -bench 'Upgrade' -count 10 . | tee up.txt; benchstat -col /impl up.txt

var upgradeRequests = []struct{ name, req string }{
	{"chrome", "GET /chat?room=lobby HTTP/1.1\r\n" +
		"Host: chat.example.com\r\n" +
		"Connection: Upgrade\r\n" +
		"Pragma: no-cache\r\n" +
		"Cache-Control: no-cache\r\n" +
		"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n" +
		"Upgrade: websocket\r\n" +
		"Origin: https://chat.example.com\r\n" +
		"Sec-WebSocket-Version: 13\r\n" +
		"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
		"Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n" +
		"Cookie: _ga=GA1.1.1873412090.1714032151; sessionid=k3v9x0p2m7q1w8e4r6t5y; csrftoken=Qm9zZ2V0aGVyU2Vzc2lvbg\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
		"\r\n"},
	{"minimal", "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"},
}

var upgradeProtocols = []string{"chat"}

// upgradeWsframe is one server handshake with package handshake.
func upgradeWsframe(r *handshake.Request, req, out []byte) ([]byte, error) {
	r.Reset(nil)
	if _, done, err := r.Feed(req); err != nil || !done {
		return out, err
	}
	a := handshake.Accept{Protocol: r.SelectProtocol(upgradeProtocols)}
	agreed, ok := codec.NegotiateDeflate(r.Extensions(), codec.DeflateParams{})
	if ok {
		a.Deflate = &agreed
	}
	return r.AppendAccept(out[:0], a)
}

// upgradeConn is an in-memory connection: reads come from a bytes.Reader,
// writes go to a buffer. gobwas reads and writes it through its pooled
// bufio buffers; gorilla gets it from Hijack.
type upgradeConn struct {
	bytes.Reader
	out bytes.Buffer
}

func (c *upgradeConn) Write(p []byte) (int, error)        { return c.out.Write(p) }
func (c *upgradeConn) Close() error                       { return nil }
func (c *upgradeConn) LocalAddr() net.Addr                { return &net.TCPAddr{} }
func (c *upgradeConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (c *upgradeConn) SetDeadline(t time.Time) error      { return nil }
func (c *upgradeConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *upgradeConn) SetWriteDeadline(t time.Time) error { return nil }

// hijackWriter is a ResponseWriter that can be hijacked, as net/http's is
// for an HTTP/1.1 request.
type hijackWriter struct {
	h    http.Header
	conn *upgradeConn
	brw  *bufio.ReadWriter
}

func (w *hijackWriter) Header() http.Header         { return w.h }
func (w *hijackWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *hijackWriter) WriteHeader(int)             {}
func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.conn, w.brw, nil
}

func BenchmarkUpgrade(b *testing.B) {
	for _, tc := range upgradeRequests {
		req := []byte(tc.req)
		b.Run("impl=wsframe/req="+tc.name, func(b *testing.B) {
			var r handshake.Request
			out := make([]byte, 0, 512)
			b.SetBytes(int64(len(req)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				var err error
				if out, err = upgradeWsframe(&r, req, out); err != nil {
					b.Fatal(err)
				}
			}
			sinkInt += len(out)
		})
		b.Run("impl=gobwas/req="+tc.name, func(b *testing.B) {
			var ext wsflate.Extension
			u := ws.Upgrader{
				Protocol:  func(p []byte) bool { return string(p) == "chat" },
				Negotiate: ext.Negotiate,
			}
			conn := &upgradeConn{}
			conn.out.Grow(512)
			b.SetBytes(int64(len(req)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				ext.Reset()
				conn.Reader.Reset(req)
				conn.out.Reset()
				if _, err := u.Upgrade(conn); err != nil {
					b.Fatal(err)
				}
			}
			sinkInt += conn.out.Len()
		})
		b.Run("impl=nethttp/req="+tc.name, func(b *testing.B) {
			u := websocket.Upgrader{EnableCompression: true, Subprotocols: upgradeProtocols}
			conn := &upgradeConn{}
			br := bufio.NewReader(conn)
			w := &hijackWriter{conn: conn, brw: bufio.NewReadWriter(bufio.NewReader(conn), bufio.NewWriter(conn))}
			b.SetBytes(int64(len(req)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				conn.Reader.Reset(req)
				conn.out.Reset()
				br.Reset(conn)
				r, err := http.ReadRequest(br)
				if err != nil {
					b.Fatal(err)
				}
				w.h = http.Header{}
				if _, err := u.Upgrade(w, r, nil); err != nil {
					b.Fatal(err)
				}
			}
			sinkInt += conn.out.Len()
		})
	}
}

// TestUpgradeImplsAgree checks that the three implementations of
// BenchmarkUpgrade do the same work: each answers 101 with the same
// accept value, and the same subprotocol and deflate answer where the
// request asks for them.
func TestUpgradeImplsAgree(t *testing.T) {
	for _, tc := range upgradeRequests {
		req := []byte(tc.req)
		var r handshake.Request
		ours, err := upgradeWsframe(&r, req, nil)
		if err != nil {
			t.Fatal(err)
		}

		var ext wsflate.Extension
		u := ws.Upgrader{Protocol: func(p []byte) bool { return string(p) == "chat" }, Negotiate: ext.Negotiate}
		gconn := &upgradeConn{}
		gconn.Reader.Reset(req)
		if _, err := u.Upgrade(gconn); err != nil {
			t.Fatal(err)
		}

		hconn := &upgradeConn{}
		hconn.Reader.Reset(req)
		hr, err := http.ReadRequest(bufio.NewReader(hconn))
		if err != nil {
			t.Fatal(err)
		}
		w := &hijackWriter{h: http.Header{}, conn: hconn, brw: bufio.NewReadWriter(bufio.NewReader(hconn), bufio.NewWriter(hconn))}
		if _, err := (&websocket.Upgrader{EnableCompression: true, Subprotocols: upgradeProtocols}).Upgrade(w, hr, nil); err != nil {
			t.Fatal(err)
		}

		wantExt := ""
		if strings.Contains(tc.req, "permessage-deflate") {
			wantExt = "permessage-deflate"
		}
		for name, resp := range map[string][]byte{"wsframe": ours, "gobwas": gconn.out.Bytes(), "nethttp": hconn.out.Bytes()} {
			hresp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(resp)), nil)
			if err != nil {
				t.Fatalf("%s %s: %v", name, tc.name, err)
			}
			io.Copy(io.Discard, hresp.Body)
			ext := hresp.Header.Get("Sec-WebSocket-Extensions")
			if hresp.StatusCode != 101 || hresp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" ||
				!strings.HasPrefix(ext, wantExt) || (wantExt == "") != (ext == "") {
				t.Errorf("%s %s: %q", name, tc.name, resp)
			}
		}
	}
}

// BenchmarkUpgradeClient is the client's side of the handshake: the
// request with a fresh key written into a buffer, then the server's 101
// (with a subprotocol and a deflate answer) parsed and checked, the
// accept value included.
func BenchmarkUpgradeClient(b *testing.B) {
	c := &handshake.Client{
		Target:    "/chat?room=lobby",
		Host:      "chat.example.com",
		Origin:    "https://chat.example.com",
		Protocols: []string{"chat"},
		Deflate:   &codec.DeflateParams{ClientMaxWindowBits: 15},
		Random:    sampleNonce{},
	}
	resp := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n")
	out := make([]byte, 0, 512)
	// key=fixed: RFC 6455 §1.3's key, which the canned 101 answers.
	// key=crypto: a key from crypto/rand, which it does not: the parse
	// then ends in ErrAccept after the same work; the difference between
	// the two is the cost of crypto/rand.
	for _, random := range []struct {
		name string
		r    io.Reader
	}{{"fixed", sampleNonce{}}, {"crypto", nil}} {
		b.Run("impl=wsframe/key="+random.name, func(b *testing.B) {
			c.Random = random.r
			b.SetBytes(int64(len(resp)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				var err error
				if out, err = c.AppendRequest(out[:0]); err != nil {
					b.Fatal(err)
				}
				if _, done, err := c.Feed(resp); random.r != nil && (!done || err != nil) {
					b.Fatal(done, err)
				}
			}
			sinkInt += len(out)
		})
	}
}

// sampleNonce gives RFC 6455 §1.3's 16 bytes, so the key's accept value
// is the RFC's.
type sampleNonce struct{}

func (sampleNonce) Read(p []byte) (int, error) { return copy(p, "the sample nonce"), nil }

// BenchmarkUpgradeAccept is the SHA-1 (and base64) of the accept value
// alone: what AppendAccept and ValidAccept each compute once per
// handshake.
func BenchmarkUpgradeAccept(b *testing.B) {
	key := []byte("dGhlIHNhbXBsZSBub25jZQ==")
	out := make([]byte, 0, codec.AcceptLen)
	b.Run("impl=wsframe/op=AppendAccept", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			out, _ = codec.AppendAccept(out[:0], key)
		}
		sinkInt += len(out)
	})
	b.Run("impl=wsframe/op=ValidAccept", func(b *testing.B) {
		accept := []byte("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if !codec.ValidAccept(key, accept) {
				b.Fatal("invalid")
			}
		}
	})
}
