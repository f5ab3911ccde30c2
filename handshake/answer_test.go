package handshake

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/wsframe/wsframe/codec"
)

// readResponse parses b with net/http, the reference reader, and checks
// that it is exactly one response (with its body, by Content-Length).
func readResponse(t *testing.T, b []byte) (*http.Response, string) {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(b))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("net/http cannot read %q: %v", b, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("body of %q: %v", b, err)
	}
	if br.Buffered() != 0 {
		t.Fatalf("%d bytes after the response in %q", br.Buffered(), b)
	}
	return resp, string(body)
}

// TestAccept101 checks the 101 of RFC 6455 §4.2.2 item 5 with the RFC's
// own key and accept value (§1.3), a subprotocol, the deflate answer and
// extra fields, as net/http reads it.
func TestAccept101(t *testing.T) {
	var r Request
	r.Feed([]byte(withField(realRequests[0].req, "Sec-WebSocket-Protocol: chat, superchat")))
	agreed, ok := codec.NegotiateDeflate(r.Extensions(), codec.DeflateParams{ServerMaxWindowBits: 10})
	if !ok {
		t.Fatal("no deflate agreement")
	}
	out := []byte("prefix")
	out, err := r.AppendAccept(out, Accept{
		Protocol:    r.SelectProtocol([]string{"superchat", "chat"}),
		Deflate:     &agreed,
		ExtraHeader: []byte("Set-Cookie: a=b\r\nX-Server: wsframe\r\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte("prefix")) {
		t.Fatal("dst's bytes lost")
	}
	resp, body := readResponse(t, out[len("prefix"):])
	h := resp.Header
	if resp.StatusCode != 101 || resp.Proto != "HTTP/1.1" || body != "" ||
		h.Get("Upgrade") != "websocket" || h.Get("Connection") != "Upgrade" ||
		h.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" ||
		h.Get("Sec-WebSocket-Protocol") != "superchat" ||
		h.Get("Sec-WebSocket-Extensions") != "permessage-deflate; server_max_window_bits=10" ||
		h.Get("Set-Cookie") != "a=b" || h.Get("X-Server") != "wsframe" {
		t.Fatalf("%q", out)
	}
	// The minimal answer: no subprotocol, no extension.
	out, _ = r.AppendAccept(nil, Accept{})
	if string(out) != "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n" {
		t.Fatalf("%q", out)
	}
}

// TestAcceptRefusesMisuse checks that AppendAccept writes nothing for a
// request not done, a subprotocol not offered (§4.2.2 item 5.4), or extra
// lines that would break the response.
func TestAcceptRefusesMisuse(t *testing.T) {
	var r Request
	r.Feed([]byte(minimal[:20]))
	if out, err := r.AppendAccept([]byte("x"), Accept{}); err != ErrNotDone || string(out) != "x" {
		t.Fatalf("not done: %q %v", out, err)
	}
	r.Reset(nil)
	r.Feed([]byte(withField(minimal, "Sec-WebSocket-Protocol: chat, superchat")))
	for _, p := range []string{"cha", "Chat", "chat, superchat", "x"} {
		if out, err := r.AppendAccept([]byte("x"), Accept{Protocol: p}); err != ErrProtocolNotOffered || string(out) != "x" {
			t.Fatalf("protocol %q: %q %v", p, out, err)
		}
	}
	for _, h := range []string{
		"X-A: b",                 // no CRLF
		"X-A: b\n",               // bare LF
		"X-A: b\r\n\r\n",         // ends the header early: response splitting
		"X-A: b\r\nHTTP/1.1 200", // a second response
		"X A: b\r\n",             // name not a token
		"X-A: b\x00c\r\n",        // NUL
		"X-A: b\rc\r\n",          // bare CR
		"\r\n",                   // empty line
	} {
		if out, err := r.AppendAccept([]byte("x"), Accept{ExtraHeader: []byte(h)}); err != ErrHeaderLines || string(out) != "x" {
			t.Fatalf("header %q: %q %v", h, out, err)
		}
	}
}

// TestAppendError checks the answer to every refusal: its status, the
// fields RFC 9110 and RFC 6455 §4.4 call for, Connection: close, and the
// error's message as the body, as net/http reads it.
func TestAppendError(t *testing.T) {
	errs := []*Error{ErrTooLarge, ErrURITooLong}
	for _, tc := range refusals {
		errs = append(errs, tc.err)
	}
	for _, e := range errs {
		out := AppendError(nil, e)
		resp, body := readResponse(t, out)
		h := resp.Header
		if resp.StatusCode != e.Status() || body != e.Error() || resp.Status[4:] != statusText(e.Status()) {
			t.Fatalf("%v: %s %q", e, resp.Status, body)
		}
		switch e.Status() {
		case 405:
			if h.Get("Allow") != "GET" || !resp.Close {
				t.Fatalf("405: %v", h)
			}
		case 426:
			if h.Get("Upgrade") != "websocket" || h.Get("Sec-WebSocket-Version") != "13" ||
				!bytes.Contains(out, []byte("\r\nConnection: Upgrade, close\r\n")) || !resp.Close {
				t.Fatalf("426: %v", h)
			}
		default:
			if !resp.Close { // net/http removes "Connection: close" and sets Close
				t.Fatalf("%d: %v", e.Status(), h)
			}
		}
	}
	// Errors that are not the parser's get 500.
	for _, err := range []error{errors.New("boom"), nil, ErrResponseUpgrade} {
		if resp, _ := readResponse(t, AppendError(nil, err)); resp.StatusCode != 500 {
			t.Fatalf("%v: %d", err, resp.StatusCode)
		}
	}
}

// TestAppendReject checks a refusal the application chooses: status,
// extra fields, body; a status that cannot refuse is written as 500.
func TestAppendReject(t *testing.T) {
	out := AppendReject(nil, 302, []byte("Location: https://example.com/ws\r\n"), "moved")
	resp, body := readResponse(t, out)
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "https://example.com/ws" || body != "moved" || !resp.Close {
		t.Fatalf("%q", out)
	}
	out = AppendReject(nil, 403, nil, []byte("origin not allowed"))
	if resp, body = readResponse(t, out); resp.StatusCode != 403 || resp.Status != "403 Forbidden" || body != "origin not allowed" {
		t.Fatalf("%q", out)
	}
	for _, s := range []int{101, 199, 600, -1} {
		if resp, _ := readResponse(t, AppendReject(nil, s, nil, "")); resp.StatusCode != 500 {
			t.Fatalf("status %d written as %d", s, resp.StatusCode)
		}
	}
	// A status without a reason phrase in the table: an empty one.
	if out := AppendReject(nil, 418, nil, ""); !bytes.HasPrefix(out, []byte("HTTP/1.1 418 \r\n")) {
		t.Fatalf("%q", out)
	} else if resp, _ := readResponse(t, out); resp.StatusCode != 418 {
		t.Fatal(resp.Status)
	}
}
