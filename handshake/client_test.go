package handshake

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/codec"
)

// fixedRandom gives the 16 bytes "the sample nonce" for every key, so the
// key is RFC 6455 §1.3's dGhlIHNhbXBsZSBub25jZQ== and the accept value
// s3pPLMBiTxaQ9kYGzzhZRbK+xOo=.
type fixedRandom struct{}

func (fixedRandom) Read(p []byte) (int, error) { return copy(p, "the sample nonce"), nil }

const rfcAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

func newTestClient() *Client {
	return &Client{
		Target:      "/chat?room=1",
		Host:        "server.example.com:9001",
		Origin:      "https://example.com",
		Protocols:   []string{"chat.v2", "chat"},
		Deflate:     &codec.DeflateParams{ClientMaxWindowBits: 15},
		ExtraHeader: []byte("Cookie: session=abc\r\nAuthorization: Bearer t0k3n\r\n"),
		Random:      fixedRandom{},
	}
}

// serverFrame is an unmasked text frame "hi" that a server may send right
// behind its 101.
const serverFrame = "\x81\x02hi"

// response101 is a valid answer to newTestClient's request.
const response101 = "HTTP/1.1 101 Switching Protocols\r\n" +
	"Upgrade: websocket\r\n" +
	"Connection: Upgrade\r\n" +
	"Sec-WebSocket-Accept: " + rfcAccept + "\r\n" +
	"Sec-WebSocket-Protocol: chat\r\n" +
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=12\r\n" +
	"\r\n"

// TestClientRequest checks the request of RFC 6455 §4.1 as net/http and
// this package's own server read it.
func TestClientRequest(t *testing.T) {
	c := newTestClient()
	out, err := c.AppendRequest([]byte("prefix"))
	if err != nil {
		t.Fatal(err)
	}
	out = out[len("prefix"):]
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(out)))
	if err != nil {
		t.Fatal(err)
	}
	h := req.Header
	if req.Method != "GET" || req.RequestURI != "/chat?room=1" || req.Proto != "HTTP/1.1" || req.Host != "server.example.com:9001" ||
		h.Get("Upgrade") != "websocket" || h.Get("Connection") != "Upgrade" ||
		h.Get("Sec-WebSocket-Key") != "dGhlIHNhbXBsZSBub25jZQ==" || h.Get("Sec-WebSocket-Version") != "13" ||
		h.Get("Origin") != "https://example.com" || h.Get("Sec-WebSocket-Protocol") != "chat.v2, chat" ||
		h.Get("Sec-WebSocket-Extensions") != "permessage-deflate; client_max_window_bits" ||
		h.Get("Cookie") != "session=abc" || h.Get("Authorization") != "Bearer t0k3n" {
		t.Fatalf("%q", out)
	}
	if string(c.Key()) != "dGhlIHNhbXBsZSBub25jZQ==" {
		t.Fatalf("key %q", c.Key())
	}
	var r Request
	if _, done, err := r.Feed(out); !done || err != nil || r.SelectProtocol([]string{"chat"}) != "chat" {
		t.Fatalf("own server: %v %v", done, err)
	}
	// Without the optional fields, Target "" is "/".
	c = &Client{Host: "h"}
	out, _ = c.AppendRequest(nil)
	if !strings.HasPrefix(string(out), "GET / HTTP/1.1\r\nHost: h\r\n") || strings.Contains(string(out), "Origin") ||
		strings.Contains(string(out), "Protocol") || strings.Contains(string(out), "Extensions") {
		t.Fatalf("%q", out)
	}
	// A fresh key from crypto/rand every time.
	k1 := string(c.Key())
	c.AppendRequest(nil)
	if k2 := string(c.Key()); k1 == k2 || !codec.ValidKey(k2) {
		t.Fatalf("keys %q %q", k1, k2)
	}
}

// TestClientConfigErrors checks that fields that would break the request
// are refused, with nothing written.
func TestClientConfigErrors(t *testing.T) {
	for name, c := range map[string]*Client{
		"no-host":            {},
		"host-with-space":    {Host: "a b"},
		"host-with-crlf":     {Host: "a\r\nX: y"},
		"target-space":       {Host: "h", Target: "/a b"},
		"target-relative":    {Host: "h", Target: "a"},
		"origin-crlf":        {Host: "h", Origin: "x\r\nY: z"},
		"protocol-empty":     {Host: "h", Protocols: []string{""}},
		"protocol-list":      {Host: "h", Protocols: []string{"a, b"}},
		"extra-header-split": {Host: "h", ExtraHeader: []byte("X: y\r\n\r\nGET /")},
	} {
		if out, err := c.AppendRequest([]byte("x")); err == nil || string(out) != "x" {
			t.Errorf("%s: %q %v", name, out, err)
		}
	}
	if _, err := (&Client{Host: "h", Random: bytes.NewReader(nil)}).AppendRequest(nil); err == nil {
		t.Error("a failing Random went unnoticed")
	}
}

// clientResult is what a Client reports on a response.
type clientResult struct {
	err        error
	done       bool
	end        int
	status     int
	protocol   string
	agreed     codec.DeflateParams
	negotiated bool
	location   string
}

func feedClient(t *testing.T, c *Client, chunks [][]byte) clientResult {
	t.Helper()
	var res clientResult
	off := 0
	for _, ch := range chunks {
		n, done, err := c.Feed(ch)
		if n < 0 || n > len(ch) {
			t.Fatalf("Feed took %d of %d", n, len(ch))
		}
		off += n
		if err != nil || done {
			res.err, res.done, res.end = err, done, off
			break
		}
		if n != len(ch) {
			t.Fatalf("incomplete, but took %d of %d", n, len(ch))
		}
	}
	if res.err != nil {
		var se *StatusError
		if !errors.As(res.err, &se) {
			res.end = 0 // where a failed parse stops depends on the chunking
		}
	}
	res.status = c.Status()
	res.protocol = c.Protocol()
	res.agreed, res.negotiated = c.Negotiated()
	loc, _ := c.Header("Location")
	res.location = string(loc)
	return res
}

// TestClientResponseAnyChunking checks RFC 6455 §4.1's checks of a valid
// 101 with the server's first frame behind it, in every chunking: done at
// the same byte, the same subprotocol and deflate agreement.
func TestClientResponseAnyChunking(t *testing.T) {
	stream := response101 + serverFrame
	c := newTestClient()
	c.AppendRequest(nil)
	want := feedClient(t, c, [][]byte{[]byte(stream)})
	if !want.done || want.err != nil || want.end != len(response101) || want.status != 101 || want.protocol != "chat" ||
		!want.negotiated || want.agreed != (codec.DeflateParams{ClientMaxWindowBits: 12}) {
		t.Fatalf("%+v", want)
	}
	for name, chunks := range chunkings(stream) {
		c.AppendRequest(nil)
		if got := feedClient(t, c, chunks); got != want {
			t.Fatalf("%s: %+v, whole: %+v", name, got, want)
		}
	}
}

// TestClientOwnServer runs both halves against each other: the client's
// request through Request, its 101 back through the Client.
func TestClientOwnServer(t *testing.T) {
	c := newTestClient()
	c.Random = nil
	out, _ := c.AppendRequest(nil)
	var r Request
	if _, done, err := r.Feed(out); !done || err != nil {
		t.Fatal(done, err)
	}
	agreed, ok := codec.NegotiateDeflate(r.Extensions(), codec.DeflateParams{ServerNoContextTakeover: true})
	ans, err := r.AppendAccept(nil, Accept{Protocol: r.SelectProtocol([]string{"chat", "chat.v2"}), Deflate: &agreed})
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, done, err := c.Feed(ans); !done || err != nil || c.Protocol() != "chat" {
		t.Fatalf("%v %v %q", done, err, c.Protocol())
	}
	if p, ok := c.Negotiated(); !ok || p != agreed {
		t.Fatalf("%+v %v", p, ok)
	}
}

// TestClientResponseVariants checks what §4.1 and HTTP let a server vary.
func TestClientResponseVariants(t *testing.T) {
	for name, resp := range map[string]string{
		"RFC9112-4-no-reason":           strings.Replace(response101, "101 Switching Protocols", "101", 1),
		"RFC9112-4-empty-reason":        strings.Replace(response101, "101 Switching Protocols", "101 ", 1),
		"RFC9112-4-other-reason":        strings.Replace(response101, "Switching Protocols", "Web Socket Protocol Handshake", 1),
		"RFC6455-4.1/2-Upgrade-case":    strings.Replace(response101, "Upgrade: websocket", "Upgrade: WebSocket", 1),
		"RFC6455-4.1/3-Connection-list": strings.Replace(response101, "Connection: Upgrade", "Connection: keep-alive, upgrade", 1),
		"RFC6455-4.1/5-no-extension":    withoutField(response101, "Sec-WebSocket-Extensions"),
		"RFC6455-4.1/6-no-subprotocol":  withoutField(response101, "Sec-WebSocket-Protocol"),
		"RFC6455-4.1-other-fields":      withField(response101, "Server: nginx/1.25\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT"),
		"RFC6455-4.1/4-accept-with-OWS": strings.Replace(response101, "Accept: ", "Accept:\t ", 1),
		"RFC9112-6.3-Content-Length-0":  withField(response101, "Content-Length: 0"),
		"RFC9112-4-reason-with-HTAB":    strings.Replace(response101, "Switching Protocols", "Switching\tProtocols\t", 1),
	} {
		c := newTestClient()
		c.AppendRequest(nil)
		if _, done, err := c.Feed([]byte(resp)); !done || err != nil {
			t.Errorf("%s: %v %v", name, done, err)
		}
	}
}

// TestClientResponseFailures checks each of §4.1's reasons to fail the
// connection, in every chunking.
func TestClientResponseFailures(t *testing.T) {
	noOffer := func(c *Client) { c.Deflate = nil }
	for _, tc := range []struct {
		name  string
		resp  string
		err   error
		setup func(*Client)
	}{
		{"RFC6455-4.1/2-no-Upgrade", withoutField(response101, "Upgrade"), ErrResponseUpgrade, nil},
		{"RFC6455-4.1/2-Upgrade-other", strings.Replace(response101, "Upgrade: websocket", "Upgrade: h2c", 1), ErrResponseUpgrade, nil},
		{"RFC6455-4.1/2-Upgrade-list", strings.Replace(response101, "Upgrade: websocket", "Upgrade: websocket, h2c", 1), ErrResponseUpgrade, nil},
		{"RFC6455-4.1/2-two-Upgrades", withField(response101, "Upgrade: websocket"), ErrResponseUpgrade, nil},
		{"RFC6455-4.1/3-no-Connection", withoutField(response101, "Connection"), ErrResponseConnection, nil},
		{"RFC6455-4.1/3-Connection-close", strings.Replace(response101, "Connection: Upgrade", "Connection: close", 1), ErrResponseConnection, nil},
		{"RFC6455-4.1/4-no-accept", withoutField(response101, "Sec-WebSocket-Accept"), ErrAccept, nil},
		{"RFC6455-4.1/4-wrong-accept", strings.Replace(response101, rfcAccept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOp=", 1), ErrAccept, nil},
		{"RFC6455-4.1/4-two-accepts", withField(response101, "Sec-WebSocket-Accept: "+rfcAccept), ErrAccept, nil},
		{"RFC6455-4.1/5-extension-not-offered", response101, codec.ErrExtensionNotOffered, noOffer},
		{"RFC6455-4.1/5-other-extension", strings.Replace(response101, "permessage-deflate;", "x-webkit-deflate-frame;", 1), codec.ErrExtensionNotOffered, nil},
		{"RFC7692-7.1.2.2-window-larger", strings.Replace(response101, "bits=12", "bits=15", 1), nil, func(c *Client) {
			c.Deflate = &codec.DeflateParams{ClientMaxWindowBits: 10}
		}},
		{"RFC6455-4.1/6-protocol-not-offered", strings.Replace(response101, "Protocol: chat", "Protocol: superchat", 1), ErrResponseProtocol, nil},
		{"RFC6455-4.1/6-protocol-list", strings.Replace(response101, "Protocol: chat", "Protocol: chat, chat.v2", 1), ErrResponseProtocol, nil},
		{"RFC6455-4.1/6-two-protocols", withField(response101, "Sec-WebSocket-Protocol: chat"), ErrResponseProtocol, nil},
		{"RFC6455-4.1/6-protocol-none-offered", response101, ErrResponseProtocol, func(c *Client) { c.Protocols = nil }},
		{"RFC9112-4-101-in-HTTP-1.0", strings.Replace(response101, "HTTP/1.1", "HTTP/1.0", 1), ErrStatusLine, nil},
		{"RFC9112-4-HTTP-2", strings.Replace(response101, "HTTP/1.1", "HTTP/2.0", 1), ErrStatusLine, nil},
		{"RFC9112-4-two-digit-status", strings.Replace(response101, "101 ", "10 ", 1), ErrStatusLine, nil},
		{"RFC9112-4-status-letters", strings.Replace(response101, "101", "1o1", 1), ErrStatusLine, nil},
		{"RFC9112-4-no-space-after-status", strings.Replace(response101, "101 ", "101x", 1), ErrStatusLine, nil},
		{"RFC9112-4-status-0xx", strings.Replace(response101, "101", "001", 1), ErrStatusLine, nil},
		{"RFC9112-4-HTAB-before-status", strings.Replace(response101, "HTTP/1.1 101", "HTTP/1.1\t101", 1), ErrStatusLine, nil},
		{"RFC9112-4-control-in-reason", strings.Replace(response101, "Switching Protocols", "Switching\x01Protocols", 1), ErrStatusLine, nil},
		{"RFC9112-6.1-101-Transfer-Encoding", withField(response101, "Transfer-Encoding: chunked"), ErrResponseFraming, nil},
		{"RFC9112-6.3-101-Content-Length", withField(response101, "Content-Length: 5"), ErrResponseFraming, nil},
		{"RFC9112-6.3-101-Content-Length-not-a-number", withField(response101, "Content-Length: A"), ErrResponseFraming, nil},
		{"RFC9112-2.2-bare-LF", strings.Replace(response101, "Upgrade: websocket\r\n", "Upgrade: websocket\n", 1), ErrLineEnd, nil},
		{"RFC9112-5.2-obs-fold", strings.Replace(response101, "Connection: Upgrade\r\n", "Connection: x,\r\n Upgrade\r\n", 1), ErrObsFold, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for name, chunks := range chunkings(tc.resp + serverFrame) {
				c := newTestClient()
				if tc.setup != nil {
					tc.setup(c)
				}
				c.AppendRequest(nil)
				got := feedClient(t, c, chunks)
				if got.done || got.err == nil || tc.err != nil && got.err != tc.err {
					t.Fatalf("%s: %+v, want %v", name, got, tc.err)
				}
				if tc.err == nil && !errors.Is(got.err, codec.ErrDeflateClientWindowTooLarge) {
					t.Fatalf("%s: %v", name, got.err)
				}
				if c.Protocol() != "" {
					t.Fatalf("%s: subprotocol %q after a failure", name, c.Protocol())
				}
			}
		})
	}
}

// TestClientStatusError checks a response other than 101 (§4.1: handled
// per HTTP): a *StatusError with the status, the fields readable (for a
// redirect, a 401), the header block consumed and the body left.
func TestClientStatusError(t *testing.T) {
	const body = "go elsewhere"
	resp := "HTTP/1.1 307 Temporary Redirect\r\nLocation: wss://other.example.com/chat\r\n" +
		"Upgrade: h2c\r\nUpgrade: x\r\nContent-Length: 12\r\n\r\n"
	for name, chunks := range chunkings(resp + body) {
		c := newTestClient()
		c.AppendRequest(nil)
		got := feedClient(t, c, chunks)
		var se *StatusError
		if !errors.As(got.err, &se) || se.Code != 307 || se.Client != c || got.status != 307 ||
			got.location != "wss://other.example.com/chat" || got.end != len(resp) || got.done {
			t.Fatalf("%s: %+v", name, got)
		}
		if n, done, err := c.Feed([]byte(body)); n != 0 || done || err != got.err {
			t.Fatalf("%s: after the error: %d %v %v", name, n, done, err)
		}
	}
	c := newTestClient()
	c.AppendRequest(nil)
	_, _, err := c.Feed([]byte("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"ws\"\r\n\r\n"))
	if v, _ := c.Header("www-authenticate"); err == nil || err.Error() != "handshake: server answered 401 instead of 101" || string(v) != `Bearer realm="ws"` {
		t.Fatalf("%v %q", err, v)
	}
	// A new request forgets the old response.
	c.AppendRequest(nil)
	if c.Status() != 0 {
		t.Fatal("status after AppendRequest")
	}
	if _, ok := c.Header("WWW-Authenticate"); ok {
		t.Fatal("old response's fields after AppendRequest")
	}
}

// TestClientStatusFraming checks how a response other than 101 delimits
// its body (RFC 9112 §6): when the caller could read it one way only, the
// response is a *StatusError; when not, ErrResponseFraming, in every
// chunking. The outcomes are net/http.ReadResponse's, but for a
// Transfer-Encoding in HTTP/1.0, which net/http ignores and §6.1 calls
// faulty framing.
func TestClientStatusFraming(t *testing.T) {
	const fine, bad = true, false
	for _, tc := range []struct {
		name   string
		fields string
		ok     bool
	}{
		{"no-framing", "", fine},
		{"Content-Length", "Content-Length: 12", fine},
		{"Content-Length-0", "Content-Length: 0", fine},
		{"Content-Length-OWS", "Content-Length: \t12 ", fine},
		{"two-equal-Content-Lengths", "Content-Length: 12\r\nContent-Length: 12", fine},
		{"Content-Length-leading-zeros", "Content-Length: 0000000000000000000000012", fine},
		{"Content-Length-2^63-1", "Content-Length: 9223372036854775807", fine},
		{"chunked", "Transfer-Encoding: chunked", fine},
		{"chunked-case", "Transfer-Encoding: Chunked", fine},
		{"chunked-and-Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: 12", fine},
		{"Trailer-without-chunked", "Trailer: Content-Length", fine},
		{"chunked-Trailer", "Transfer-Encoding: chunked\r\nTrailer: Expires, Server-Timing", fine},
		{"Content-Length-letter", "Content-Length: A", bad},
		{"Content-Length-empty", "Content-Length:", bad},
		{"Content-Length-sign", "Content-Length: +12", bad},
		{"Content-Length-list", "Content-Length: 12, 12", bad},
		{"Content-Length-2^63", "Content-Length: 9223372036854775808", bad},
		{"two-Content-Lengths", "Content-Length: 12\r\nContent-Length: 13", bad},
		{"two-Content-Lengths-spelled-apart", "Content-Length: 12\r\nContent-Length: 012", bad},
		{"bad-second-Content-Length", "Content-Length: 12\r\nContent-Length: x", bad},
		{"gzip-chunked", "Transfer-Encoding: gzip, chunked", bad},
		{"two-Transfer-Encodings", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked", bad},
		{"Transfer-Encoding-identity", "Transfer-Encoding: identity", bad},
		{"chunked-Trailer-Content-Length", "Transfer-Encoding: chunked\r\nTrailer: Expires, content-length", bad},
		{"chunked-Trailer-Transfer-Encoding", "Transfer-Encoding: chunked\r\nTrailer: TRANSFER-ENCODING", bad},
		{"chunked-Trailer-Trailer", "Transfer-Encoding: chunked\r\nTrailer: ,trailer,", bad},
	} {
		for _, version := range []string{"HTTP/1.1", "HTTP/1.0"} {
			ok := tc.ok && (version == "HTTP/1.1" || !strings.Contains(tc.fields, "Transfer-Encoding"))
			resp := version + " 403 Forbidden\r\n"
			if tc.fields != "" {
				resp += tc.fields + "\r\n"
			}
			resp += "\r\n"
			for name, chunks := range chunkings(resp) {
				c := newTestClient()
				c.AppendRequest(nil)
				got := feedClient(t, c, chunks)
				var se *StatusError
				if ok && (!errors.As(got.err, &se) || se.Code != 403 || got.end != len(resp)) ||
					!ok && got.err != ErrResponseFraming {
					t.Fatalf("%s %s, %s: %+v, want ok %v", tc.name, version, name, got, ok)
				}
			}
		}
	}
}

// TestClientNeedsRequest checks that a response without a request (so
// without a key) is refused.
func TestClientNeedsRequest(t *testing.T) {
	var c Client
	if _, _, err := c.Feed([]byte(response101)); err != ErrNoRequest {
		t.Fatal(err)
	}
}

// realResponses are the 101s Node's ws 8.23.0 and gorilla/websocket 1.5.3
// sent to a request with RFC 6455 §1.3's key offering "chat, superchat"
// and permessage-deflate with client_max_window_bits.
var realResponses = map[string]string{
	"nodews": "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
	"gorilla": "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n\r\n",
}

// TestClientRealResponses checks real servers' 101s (RFC 6455 §4.1) in
// every chunking, with the server's first frame behind them.
func TestClientRealResponses(t *testing.T) {
	want := map[string]codec.DeflateParams{
		"nodews":  {},
		"gorilla": {ServerNoContextTakeover: true, ClientNoContextTakeover: true},
	}
	for name, resp := range realResponses {
		for cut, chunks := range chunkings(resp + serverFrame) {
			c := newTestClient()
			c.AppendRequest(nil)
			got := feedClient(t, c, chunks)
			if !got.done || got.err != nil || got.end != len(resp) || got.protocol != "chat" || !got.negotiated || got.agreed != want[name] {
				t.Fatalf("%s %s: %+v", name, cut, got)
			}
		}
	}
}
