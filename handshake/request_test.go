package handshake

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/codec"
)

// parsed is everything a Request reports, for comparing one chunking with
// another.
type parsed struct {
	err        error
	done       bool
	end        int // where the request ended in the stream (when done)
	target     string
	host       string
	origin     string
	hasOrigin  bool
	key        string
	protocols  []string
	extensions []string
	cookie     string
	hasCookie  bool
	fields     int
}

// feedChunks feeds the chunks in order to a fresh Request until it is
// done or fails, checking Feed's contract on the way: n within the chunk,
// and all of it taken while the request is incomplete.
func feedChunks(t *testing.T, r *Request, chunks [][]byte) parsed {
	t.Helper()
	var p parsed
	off := 0
	for _, c := range chunks {
		n, done, err := r.Feed(c)
		if n < 0 || n > len(c) {
			t.Fatalf("Feed took %d of %d bytes", n, len(c))
		}
		off += n
		if err != nil {
			p.err = err
			if done {
				t.Fatalf("done with error %v", err)
			}
			return p
		}
		if done {
			p.done, p.end = true, off
			break
		}
		if n != len(c) {
			t.Fatalf("incomplete request, but Feed took %d of %d bytes", n, len(c))
		}
	}
	if !p.done {
		return p
	}
	p.target = string(r.Target())
	p.host = string(r.Host())
	p.origin = string(r.Origin())
	p.hasOrigin = r.Origin() != nil
	p.key = string(r.Key())
	for _, v := range r.Protocols() {
		p.protocols = append(p.protocols, string(v))
	}
	for _, v := range r.Extensions() {
		p.extensions = append(p.extensions, string(v))
	}
	c, ok := r.Header("cookie")
	p.cookie, p.hasCookie = string(c), ok
	r.Fields(func(name, value []byte) bool { p.fields++; return true })
	return p
}

// chunkings returns s cut in every way the chunking tests use: whole, at
// every split point, one byte at a time, and in three pieces at every
// pair of points when s is short enough for that to be quick (and the
// tests are not -short: under an emulator the pairs take minutes).
func chunkings(s string) map[string][][]byte {
	b := []byte(s)
	m := map[string][][]byte{"whole": {b}}
	for i := 0; i <= len(b); i++ {
		m[fmt.Sprintf("split@%d", i)] = [][]byte{b[:i:i], b[i:]}
	}
	var bytewise [][]byte
	for i := range b {
		bytewise = append(bytewise, b[i:i+1:i+1])
	}
	m["bytewise"] = bytewise
	if len(b) <= 200 && !testing.Short() {
		for i := 0; i <= len(b); i++ {
			for j := i; j <= len(b); j++ {
				m[fmt.Sprintf("split@%d,%d", i, j)] = [][]byte{b[:i:i], b[i:j:j], b[j:]}
			}
		}
	}
	return m
}

// TestRealRequestsAnyChunking checks RFC 6455 §4.2.1's happy path on real
// clients' requests, with a frame right behind each: every chunking finds
// the same fields and ends the request at the same byte, leaving the frame.
func TestRealRequestsAnyChunking(t *testing.T) {
	for _, rr := range realRequests {
		t.Run(rr.name, func(t *testing.T) {
			stream := rr.req + clientFrame
			var whole Request
			want := feedChunks(t, &whole, [][]byte{[]byte(stream)})
			if want.err != nil || !want.done {
				t.Fatalf("whole request: done %v, err %v", want.done, want.err)
			}
			if want.end != len(rr.req) {
				t.Fatalf("request ends at %d, want %d", want.end, len(rr.req))
			}
			if want.target != rr.target || want.host != rr.host || want.origin != rr.origin ||
				want.hasOrigin != (rr.origin != "") || want.key != rr.key ||
				!reflect.DeepEqual(want.protocols, rr.protocols) || !reflect.DeepEqual(want.extensions, rr.extensions) {
				t.Fatalf("parsed %+v", want)
			}
			if cookie := strings.Contains(rr.req, "Cookie: "); want.hasCookie != cookie {
				t.Fatalf("Cookie found %v, in request %v", want.hasCookie, cookie)
			}
			if n := strings.Count(rr.req, "\r\n") - 2; want.fields != n {
				t.Fatalf("Fields saw %d fields, want %d", want.fields, n)
			}
			for name, chunks := range chunkings(stream) {
				var r Request
				if got := feedChunks(t, &r, chunks); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: %+v\nwhole: %+v", name, got, want)
				}
			}
		})
	}
}

// TestWholeRequestIsNotCopied checks the zero-copy path: a request that
// arrives in one call is read where it lies, and the parser holds no
// buffer of its own.
func TestWholeRequestIsNotCopied(t *testing.T) {
	buf := []byte(realRequests[0].req)
	var r Request
	if _, done, err := r.Feed(buf); !done || err != nil {
		t.Fatal(done, err)
	}
	h := r.Host()
	if &h[0] != &buf[strings.Index(string(buf), "chat.example.com")] {
		t.Fatal("Host is not a slice of the caller's buffer")
	}
	if r.Release() != nil {
		t.Fatal("the parser kept a buffer for a request that came whole")
	}
}

// TestSplitRequestBuffer checks the memory rule for a request that
// arrives split: the buffer holds the request's bytes and at most one
// growth step more, never more than the limit, and Release hands it back.
func TestSplitRequestBuffer(t *testing.T) {
	req := realRequests[0].req
	var r Request
	for i := 0; i < len(req); i++ {
		r.Feed([]byte{req[i]})
		if c := cap(r.rd.buf); c > i+1+growStep || c > DefaultMaxBytes {
			t.Fatalf("after %d bytes the buffer's capacity is %d", i+1, c)
		}
	}
	if r.Len() != len(req) || string(r.Host()) != "chat.example.com" {
		t.Fatalf("len %d host %q", r.Len(), r.Host())
	}
	buf := r.Release()
	if cap(buf) < len(req) || len(buf) != 0 {
		t.Fatalf("Release returned len %d cap %d", len(buf), cap(buf))
	}
	if r.Host() != nil || r.rd.buf != nil {
		t.Fatal("accessors work after Release")
	}
	// The released buffer, given back, is used without growing.
	r.Reset(buf)
	r.Feed([]byte(req[:10]))
	r.Feed([]byte(req[10:]))
	if &r.rd.buf[:1][0] != &buf[:1][0] || string(r.Host()) != "chat.example.com" {
		t.Fatal("Reset's buffer was not used")
	}
}

// TestRequestAfterEnd checks that Feed reports done (and takes nothing)
// once done, and the same error once failed.
func TestRequestAfterEnd(t *testing.T) {
	var r Request
	r.Feed([]byte(minimal))
	if n, done, err := r.Feed([]byte(clientFrame)); n != 0 || !done || err != nil {
		t.Fatalf("after done: %d %v %v", n, done, err)
	}
	r.Reset(nil)
	r.Feed([]byte("POST / HTTP/1.1\r\n"))
	if n, done, err := r.Feed([]byte(minimal)); n != 0 || done || err != ErrMethod {
		t.Fatalf("after failing: %d %v %v", n, done, err)
	}
	r.Reset(nil)
	if _, done, err := r.Feed([]byte(minimal)); !done || err != nil {
		t.Fatalf("after Reset: %v %v", done, err)
	}
}

// refusals are requests that must be refused, each with the error (and
// so the status) it gets. Names give the rule's section.
var refusals = []struct {
	name string
	req  string
	err  *Error
}{
	// RFC 6455 §4.2.1, the server's requirements on the request, by item.
	{"RFC6455-4.2.1/1-method-POST", strings.Replace(minimal, "GET", "POST", 1), ErrMethod},
	{"RFC6455-4.2.1/1-method-lowercase-get", strings.Replace(minimal, "GET", "get", 1), ErrMethod},
	{"RFC6455-4.2.1/1-HTTP-1.0", strings.Replace(minimal, "HTTP/1.1", "HTTP/1.0", 1), ErrHTTPVersion},
	{"RFC6455-4.2.1/1-HTTP-0.9", strings.Replace(minimal, "HTTP/1.1", "HTTP/0.9", 1), ErrHTTPVersion},
	{"RFC6455-4.2.1/1-HTTP-2.0", strings.Replace(minimal, "HTTP/1.1", "HTTP/2.0", 1), ErrHTTPVersionNotSupported},
	{"RFC6455-4.2.1/2-no-Host", withoutField(minimal, "Host"), ErrHost},
	{"RFC6455-4.2.1/2-empty-Host", strings.Replace(minimal, "Host: h", "Host: ", 1), ErrHost},
	{"RFC6455-4.2.1/2-Host-with-slash", strings.Replace(minimal, "Host: h", "Host: h/x", 1), ErrHost},
	{"RFC6455-4.2.1/2-two-Hosts", withField(minimal, "Host: h"), ErrDuplicate},
	{"RFC6455-4.2.1/3-no-Upgrade", withoutField(minimal, "Upgrade"), ErrUpgrade},
	{"RFC6455-4.2.1/3-Upgrade-h2c", strings.Replace(minimal, "Upgrade: websocket", "Upgrade: h2c", 1), ErrUpgrade},
	{"RFC6455-4.2.1/3-Upgrade-websocket-prefix", strings.Replace(minimal, "Upgrade: websocket", "Upgrade: websockets", 1), ErrUpgrade},
	{"RFC6455-4.2.1/4-no-Connection", withoutField(minimal, "Connection"), ErrConnection},
	{"RFC6455-4.2.1/4-Connection-keep-alive", strings.Replace(minimal, "Connection: Upgrade", "Connection: keep-alive", 1), ErrConnection},
	{"RFC6455-4.2.1/5-no-key", withoutField(minimal, "Sec-WebSocket-Key"), ErrKey},
	{"RFC6455-4.2.1/5-key-15-bytes", strings.Replace(minimal, "dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25j", 1), ErrKey},
	// Curl tutorials' key, "Hello, world!": 13 bytes.
	{"RFC6455-4.2.1/5-key-13-bytes", strings.Replace(minimal, "dGhlIHNhbXBsZSBub25jZQ==", "SGVsbG8sIHdvcmxkIQ==", 1), ErrKey},
	{"RFC6455-4.2.1/5-key-not-base64", strings.Replace(minimal, "dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25j!Q==", 1), ErrKey},
	{"RFC6455-4.2.1/5-key-stray-bits", strings.Replace(minimal, "dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZR==", 1), ErrKey},
	{"RFC6455-4.2.1/5-two-keys", withField(minimal, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="), ErrDuplicate},
	{"RFC6455-4.2.1/6-no-version", withoutField(minimal, "Sec-WebSocket-Version"), ErrVersion},
	{"RFC6455-4.2.1/6-version-8", strings.Replace(minimal, "Version: 13", "Version: 8", 1), ErrVersion},
	{"RFC6455-4.2.1/6-version-list", strings.Replace(minimal, "Version: 13", "Version: 13, 8", 1), ErrVersion},
	{"RFC6455-4.2.1/6-two-versions", withField(minimal, "Sec-WebSocket-Version: 13"), ErrDuplicate},
	{"RFC6454-7-two-Origins", withField(withField(minimal, "Origin: https://a"), "Origin: https://b"), ErrDuplicate},
	// RFC 9112: the message syntax.
	{"RFC9112-2.2-bare-LF", strings.Replace(minimal, "Host: h\r\n", "Host: h\n", 1), ErrLineEnd},
	{"RFC9112-2.2-bare-LF-request-line", strings.Replace(minimal, "HTTP/1.1\r\n", "HTTP/1.1\n", 1), ErrLineEnd},
	{"RFC9112-2.2-bare-CR", strings.Replace(minimal, "Host: h", "Host: h\rX-A: b", 1), ErrLineEnd},
	{"RFC9112-2.2-LF-LF-end", strings.Replace(minimal, "\r\n\r\n", "\r\n\n", 1), ErrLineEnd},
	{"RFC9112-2.2-whitespace-before-first-field", withField(minimal, " X-A: b"), ErrObsFold},
	{"RFC9112-3-request-line-two-spaces", strings.Replace(minimal, "GET /", "GET  /", 1), ErrRequestLine},
	{"RFC9112-3-request-line-tab", strings.Replace(minimal, "GET /", "GET\t/", 1), ErrRequestLine},
	{"RFC9112-3-request-line-no-version", strings.Replace(minimal, " HTTP/1.1", "", 1), ErrRequestLine},
	{"RFC9112-3-request-line-trailing-space", strings.Replace(minimal, "HTTP/1.1", "HTTP/1.1 ", 1), ErrRequestLine},
	{"RFC9112-2.3-version-lowercase", strings.Replace(minimal, "HTTP/1.1", "http/1.1", 1), ErrRequestLine},
	{"RFC9112-2.3-version-two-digits", strings.Replace(minimal, "HTTP/1.1", "HTTP/1.10", 1), ErrRequestLine},
	{"RFC9112-3.2-target-asterisk", strings.Replace(minimal, "GET /", "GET *", 1), ErrRequestLine},
	{"RFC9112-3.2-target-no-scheme-no-slash", strings.Replace(minimal, "GET /", "GET example.com/", 1), ErrRequestLine},
	{"RFC9112-3.2-target-non-ascii", strings.Replace(minimal, "GET /", "GET /\xc3\xa9", 1), ErrRequestLine},
	{"RFC9112-3.2-target-control", strings.Replace(minimal, "GET /", "GET /\x01", 1), ErrRequestLine},
	{"RFC9110-5.5-NUL-in-value", withField(minimal, "X-A: a\x00b"), ErrNUL},
	{"RFC9110-5.5-NUL-in-name", withField(minimal, "X-\x00A: b"), ErrNUL},
	{"RFC9110-5.5-NUL-in-request-line", strings.Replace(minimal, "GET /", "GET /\x00", 1), ErrNUL},
	{"RFC9110-5.5-control-in-value", withField(minimal, "X-A: a\x1bb"), ErrFieldValue},
	{"RFC9110-5.5-DEL-in-value", withField(minimal, "X-A: a\x7fb"), ErrFieldValue},
	{"RFC9112-5.1-space-before-colon", withField(minimal, "X-A : b"), ErrFieldName},
	{"RFC9112-5.1-no-colon", withField(minimal, "X-A b"), ErrFieldName},
	{"RFC9112-5.1-empty-name", withField(minimal, ": b"), ErrFieldName},
	{"RFC9112-5.1-name-not-token", withField(minimal, "X(A): b"), ErrFieldName},
	{"RFC9112-5.2-obs-fold", strings.Replace(minimal, "Connection: Upgrade\r\n", "Connection: keep-alive,\r\n Upgrade\r\n", 1), ErrObsFold},
	{"RFC9112-6.1-Transfer-Encoding", withField(minimal, "Transfer-Encoding: chunked"), ErrBody},
	{"RFC9112-6.2-Content-Length", withField(minimal, "Content-Length: 5"), ErrBody},
	{"RFC9112-6.2-two-Content-Lengths", withField(withField(minimal, "Content-Length: 0"), "Content-Length: 0"), ErrDuplicate},
	// The order of the checks: the method wins over everything found later.
	{"order-method-before-fields", strings.Replace(withoutField(minimal, "Host"), "GET", "PUT", 1), ErrMethod},
	{"order-upgrade-before-version", withoutField(withoutField(minimal, "Upgrade"), "Sec-WebSocket-Version"), ErrUpgrade},
	{"order-version-before-key", withoutField(withoutField(minimal, "Sec-WebSocket-Key"), "Sec-WebSocket-Version"), ErrVersion},
}

// TestRefusalsAnyChunking checks that each bad request gets its error, so
// its status, in every chunking.
func TestRefusalsAnyChunking(t *testing.T) {
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			for name, chunks := range chunkings(tc.req + clientFrame) {
				var r Request
				got := feedChunks(t, &r, chunks)
				if got.err != tc.err {
					t.Fatalf("%s: err %v (done %v), want %v", name, got.err, got.done, tc.err)
				}
			}
		})
	}
}

// TestAcceptedVariants checks what RFC 6455 §4.2.1 and HTTP allow: tokens
// in lists and in any case, optional whitespace, HTTP/1.x above 1.1, an
// absolute-form target, Content-Length: 0, repeated list fields, and
// bytes above 0x7F in a value (obs-text, RFC 9110 §5.5).
func TestAcceptedVariants(t *testing.T) {
	for name, req := range map[string]string{
		"RFC6455-4.2.1/3-Upgrade-list":        strings.Replace(minimal, "Upgrade: websocket", "Upgrade: h2c, WEBSOCKET", 1),
		"RFC6455-4.2.1/3-Upgrade-two-fields":  withField(minimal, "Upgrade: h2c"),
		"RFC6455-4.2.1/4-Connection-list":     strings.Replace(minimal, "Connection: Upgrade", "Connection: keep-alive,\tupgrade", 1),
		"RFC6455-4.2.1/4-Connection-2-fields": withField(minimal, "Connection: keep-alive"),
		"RFC9112-2.3-HTTP-1.2":                strings.Replace(minimal, "HTTP/1.1", "HTTP/1.2", 1),
		"RFC9112-3.2.2-absolute-form":         strings.Replace(minimal, "GET /", "GET wss://h:443/x?y", 1),
		"RFC9112-5.1-OWS-around-value":        strings.Replace(minimal, "Host: h", "Host: \t h \t", 1),
		"RFC9112-5.1-no-OWS":                  strings.Replace(minimal, "Host: h", "Host:h", 1),
		"RFC9112-6.2-Content-Length-0":        withField(minimal, "Content-Length: 0"),
		"RFC9110-5.5-obs-text":                withField(minimal, "X-Name: J\xc3\xbcrgen"),
		"RFC9110-5.5-empty-value":             withField(minimal, "X-Empty:"),
		"RFC6455-11.3.4-protocol-two-fields":  withField(withField(minimal, "Sec-WebSocket-Protocol: a"), "Sec-WebSocket-Protocol: b, c"),
		"RFC3986-3.2.2-Host-IPv6-port":        strings.Replace(minimal, "Host: h", "Host: [::1]:9001", 1),
	} {
		var r Request
		if _, done, err := r.Feed([]byte(req)); !done || err != nil {
			t.Errorf("%s: done %v err %v", name, done, err)
		}
	}
}

// TestLimits checks the block limit, the field count limit and the
// request-line limit, and that an oversized block costs no memory beyond
// the limit.
func TestLimits(t *testing.T) {
	t.Run("1MiB-header-block-431", func(t *testing.T) {
		block := "GET / HTTP/1.1\r\nX-Big: " + strings.Repeat("a", 1<<20) + "\r\n\r\n"
		for _, size := range []int{1 << 20, 4096, 1000, 1} {
			var r Request
			var err error
			taken := 0
			for i := 0; i < len(block) && err == nil; i += size {
				var n int
				n, _, err = r.Feed([]byte(block[i:min(i+size, len(block))]))
				taken += n
			}
			if err != ErrTooLarge || err.(*Error).Status() != 431 {
				t.Fatalf("chunks of %d: %v", size, err)
			}
			if taken > DefaultMaxBytes || cap(r.rd.buf) > DefaultMaxBytes {
				t.Fatalf("chunks of %d: took %d bytes, buffer %d", size, taken, cap(r.rd.buf))
			}
		}
	})
	t.Run("block-of-exactly-the-limit", func(t *testing.T) {
		pad := DefaultMaxBytes - len(minimal) - len("X-Pad: \r\n")
		req := withField(minimal, "X-Pad: "+strings.Repeat("p", pad))
		for name, chunks := range map[string][][]byte{"whole": {[]byte(req + clientFrame)}, "split": {[]byte(req[:100]), []byte(req[100:] + clientFrame)}} {
			var r Request
			if got := feedChunks(t, &r, chunks); !got.done || got.end != DefaultMaxBytes {
				t.Fatalf("%s: %+v", name, got)
			}
		}
		req = withField(minimal, "X-Pad: "+strings.Repeat("p", pad+1))
		var r Request
		if _, _, err := r.Feed([]byte(req)); err != ErrTooLarge {
			t.Fatalf("one byte over: %v", err)
		}
	})
	t.Run("MaxBytes-setting", func(t *testing.T) {
		r := Request{MaxBytes: len(minimal) - 1}
		if _, _, err := r.Feed([]byte(minimal)); err != ErrTooLarge {
			t.Fatal(err)
		}
		r = Request{MaxBytes: len(minimal)}
		if _, done, err := r.Feed([]byte(minimal)); !done || err != nil {
			t.Fatal(done, err)
		}
	})
	t.Run("request-line-414", func(t *testing.T) {
		req := "GET /" + strings.Repeat("x", DefaultMaxBytes) + " HTTP/1.1\r\n"
		for name, chunks := range map[string][][]byte{"whole": {[]byte(req)}, "bytewise": chunkings(req)["bytewise"]} {
			var r Request
			if got := feedChunks(t, &r, chunks); got.err != ErrURITooLong || got.err.(*Error).Status() != 414 {
				t.Fatalf("%s: %v", name, got.err)
			}
		}
	})
	t.Run("field-count-431", func(t *testing.T) {
		req := minimal
		for i := 0; i < DefaultMaxFields-5; i++ { // minimal has 5 fields
			req = withField(req, "X-A: b")
		}
		var r Request
		if _, done, err := r.Feed([]byte(req)); !done || err != nil {
			t.Fatalf("%d fields: %v %v", DefaultMaxFields, done, err)
		}
		r = Request{}
		if _, _, err := r.Feed([]byte(withField(req, "X-A: b"))); err != ErrTooManyFields {
			t.Fatalf("%d fields: %v", DefaultMaxFields+1, err)
		}
		r = Request{MaxFields: 5}
		if _, done, err := r.Feed([]byte(minimal)); !done || err != nil {
			t.Fatalf("MaxFields 5: %v %v", done, err)
		}
	})
	t.Run("list-fields-431", func(t *testing.T) {
		req := minimal
		for i := 0; i < maxListFields; i++ {
			req = withField(req, "Sec-WebSocket-Extensions: x")
		}
		var r Request
		if _, done, err := r.Feed([]byte(req)); !done || err != nil || len(r.Extensions()) != maxListFields {
			t.Fatalf("%d lines: %v %v", maxListFields, done, err)
		}
		r = Request{}
		if _, _, err := r.Feed([]byte(withField(req, "Sec-WebSocket-Extensions: x"))); err != ErrTooManyFields {
			t.Fatalf("%d lines: %v", maxListFields+1, err)
		}
	})
}

// TestSlowloris checks that a request sent one byte per Feed (what a
// client sending a byte a second looks like to an event loop) holds its
// bytes and at most one growth step more, and is cut off at the limit.
func TestSlowloris(t *testing.T) {
	var r Request
	stream := "GET / HTTP/1.1\r\n" + strings.Repeat("X-Slow: "+strings.Repeat("loris", 16)+"\r\n", DefaultMaxBytes/90+1)
	for i := 0; i < len(stream); i++ {
		_, done, err := r.Feed([]byte{stream[i]})
		if done {
			t.Fatal("done")
		}
		if err != nil {
			if err != ErrTooLarge || i != DefaultMaxBytes-1 {
				t.Fatalf("byte %d: %v", i, err)
			}
			return
		}
		if c := cap(r.rd.buf); c > i+1+growStep {
			t.Fatalf("after %d bytes, a buffer of %d", i+1, c)
		}
	}
	t.Fatal("never cut off")
}

// TestRequestAccessors checks the field accessors on a request that has
// everything, and that they return nothing before the request is done.
func TestRequestAccessors(t *testing.T) {
	var r Request
	if r.Target() != nil || r.Host() != nil || r.Protocols() != nil || r.Extensions() != nil || r.Len() != 0 {
		t.Fatal("accessors before Feed")
	}
	if _, ok := r.Header("Host"); ok {
		t.Fatal("Header before Feed")
	}
	req := withField(withField(realRequests[1].req, "sec-websocket-protocol: v2.mqtt , wamp"), "X-Multi: 1")
	req = withField(req, "x-multi:  2 ")
	r.Feed([]byte(req))
	if v, ok := r.Header("USER-AGENT"); !ok || !strings.HasPrefix(string(v), "Mozilla/5.0 (X11") {
		t.Fatalf("User-Agent %q %v", v, ok)
	}
	if v, ok := r.Header("X-None"); ok || v != nil {
		t.Fatal("absent header found")
	}
	if vs := r.Values(nil, "X-Multi"); len(vs) != 2 || string(vs[0]) != "2" || string(vs[1]) != "1" {
		t.Fatalf("Values %q", vs)
	}
	if ps := r.Protocols(); len(ps) != 2 || string(ps[0]) != "v2.mqtt , wamp" || string(ps[1]) != "mqtt" {
		t.Fatalf("Protocols %q", ps)
	}
	// Appending to a returned value must not overwrite the next bytes.
	v, _ := r.Header("X-Multi")
	_ = append(v, "zzzz"...)
	if vs := r.Values(nil, "X-Multi"); string(vs[1]) != "1" {
		t.Fatal("append to a value overwrote the block")
	}
	agreed, ok := codec.NegotiateDeflate(r.Extensions(), codec.DeflateParams{})
	if !ok || agreed != (codec.DeflateParams{}) {
		t.Fatalf("NegotiateDeflate on Extensions: %+v %v", agreed, ok)
	}
	stop := 0
	r.Fields(func(name, value []byte) bool { stop++; return stop < 3 })
	if stop != 3 {
		t.Fatalf("Fields went on after false: %d", stop)
	}
}

// TestErrorsCarryStatus checks Status and errors.As on the errors.
func TestErrorsCarryStatus(t *testing.T) {
	var r Request
	_, _, err := r.Feed([]byte(strings.Replace(minimal, "13", "8", 1)))
	var e *Error
	if !errors.As(err, &e) || e.Status() != 426 || !strings.HasPrefix(e.Error(), "handshake: ") {
		t.Fatalf("%v", err)
	}
	for _, tc := range refusals {
		if s := tc.err.Status(); s < 400 || s > 505 {
			t.Errorf("%s: status %d", tc.name, s)
		}
	}
}
