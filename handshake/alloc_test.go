package handshake

import (
	"testing"

	"github.com/wsframe/wsframe/codec"
)

// The package's promise: parsing and answering allocate nothing, in both
// roles, on success and on error. Every count must be exactly 0.

func checkAllocs(t *testing.T, name string, f func()) {
	t.Helper()
	if a := testing.AllocsPerRun(100, f); a != 0 {
		t.Errorf("%s: %v allocations per run", name, a)
	}
}

func TestAllocsServer(t *testing.T) {
	chrome := []byte(realRequests[0].req + clientFrame)
	gorilla := []byte(realRequests[4].req)
	bad := []byte(withField(minimal, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="))
	out := make([]byte, 0, 1024)
	// The Request lives in the function: it must not escape to the heap.
	checkAllocs(t, "parse and accept (chrome)", func() {
		var r Request
		n, done, err := r.Feed(chrome)
		if !done || err != nil || n != len(realRequests[0].req) {
			t.Fatal(done, err)
		}
		if _, ok := r.Header("Cookie"); !ok || !r.CheckOrigin(nil) {
			t.Fatal("cookie, origin")
		}
		agreed, ok := codec.NegotiateDeflate(r.Extensions(), codec.DeflateParams{})
		a := Accept{Protocol: r.SelectProtocol([]string{"chat"})}
		if ok {
			a.Deflate = &agreed
		}
		if _, err := r.AppendAccept(out[:0], a); err != nil {
			t.Fatal(err)
		}
	})
	checkAllocs(t, "parse and accept with subprotocol and origin patterns (gorilla)", func() {
		var r Request
		r.Feed(gorilla)
		var vals [4][]byte
		_ = r.Values(vals[:0], "Authorization")
		if !r.CheckOrigin([]string{"*.example.com"}) {
			t.Fatal("origin")
		}
		if _, err := r.AppendAccept(out[:0], Accept{Protocol: r.SelectProtocol([]string{"graphql-transport-ws", "graphql-ws"}), ExtraHeader: []byte("X-A: b\r\n")}); err != nil {
			t.Fatal(err)
		}
	})
	checkAllocs(t, "parse error and its answer", func() {
		var r Request
		_, _, err := r.Feed(bad)
		if err != ErrDuplicate {
			t.Fatal(err)
		}
		_ = AppendError(out[:0], err)
	})
	version8 := []byte("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Version: 8\r\n\r\n")
	checkAllocs(t, "version error (426) and its answer", func() {
		var r Request
		_, _, err := r.Feed(version8)
		if err != ErrVersion {
			t.Fatal(err)
		}
		_ = AppendError(out[:0], err)
	})
	checkAllocs(t, "application refusal", func() {
		_ = AppendReject(out[:0], 403, nil, "forbidden")
		_ = AppendReject(out[:0], 401, []byte("WWW-Authenticate: Bearer\r\n"), []byte("who are you?"))
	})
	// A split request, with the buffer given back by Release each time.
	var buf []byte
	checkAllocs(t, "split request in a reused buffer", func() {
		var r Request
		r.Reset(buf)
		for i := 0; i < len(chrome); i += 100 {
			if _, done, _ := r.Feed(chrome[i:min(i+100, len(chrome))]); done {
				break
			}
		}
		if _, err := r.AppendAccept(out[:0], Accept{}); err != nil {
			t.Fatal(err)
		}
		buf = r.Release()
	})
}

func TestAllocsClient(t *testing.T) {
	c := newTestClient()
	out := make([]byte, 0, 1024)
	resp := []byte(response101 + serverFrame)
	checkAllocs(t, "request and 101", func() {
		if _, err := c.AppendRequest(out[:0]); err != nil {
			t.Fatal(err)
		}
		if _, done, err := c.Feed(resp); !done || err != nil {
			t.Fatal(done, err)
		}
		if _, ok := c.Negotiated(); !ok || c.Protocol() != "chat" {
			t.Fatal("negotiated")
		}
	})
	redirect := []byte("HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n")
	checkAllocs(t, "request and a redirect", func() {
		c.AppendRequest(out[:0])
		if _, _, err := c.Feed(redirect); err == nil {
			t.Fatal("no error")
		}
		if _, ok := c.Header("Location"); !ok {
			t.Fatal("no Location")
		}
	})
	wrong := []byte(withoutField(response101, "Sec-WebSocket-Accept"))
	checkAllocs(t, "request and a bad 101", func() {
		c.AppendRequest(out[:0])
		if _, _, err := c.Feed(wrong); err != ErrAccept {
			t.Fatal(err)
		}
	})
	// The key from crypto/rand.
	c.Random = nil
	checkAllocs(t, "request with a key from crypto/rand", func() {
		c.AppendRequest(out[:0])
	})
	// A response that arrives split, with the client's buffer kept from
	// one request to the next.
	c.Random = fixedRandom{}
	checkAllocs(t, "split response", func() {
		c.AppendRequest(out[:0])
		for i := 0; i < len(resp); i += 50 {
			if _, done, err := c.Feed(resp[i:min(i+50, len(resp))]); done || err != nil {
				break
			}
		}
	})
}
