package echo

import (
	"errors"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/wsframe/wsframe/codec"
)

// HandshakeError is a refused opening handshake: the HTTP status sent
// (400 or 426, 500 when the connection cannot be taken over) and why.
type HandshakeError struct {
	Status int
	Reason string
}

// Error returns the status and the reason.
func (e *HandshakeError) Error() string {
	return "websocket: handshake refused (" + http.StatusText(e.Status) + "): " + e.Reason
}

// Upgrade checks a client's opening handshake (RFC 6455 §4.2.1): method
// GET on HTTP/1.1 or later, "Upgrade: websocket", a "Connection" header
// with the "upgrade" token, "Sec-WebSocket-Version: 13" and a valid
// Sec-WebSocket-Key. A request that fails a check gets an HTTP error with
// the reason in its body (426 with the headers to retry with for a missing
// Upgrade or another version, 400 for the rest) and Upgrade returns a
// *HandshakeError; nothing is taken over then. Otherwise it hijacks the
// connection, answers 101 and returns the server end, with no subprotocol
// and, when cfg.Compress is set and the client offers it acceptably,
// permessage-deflate.
func Upgrade(w http.ResponseWriter, r *http.Request, cfg Config) (*Conn, error) {
	if err := cfg.check(); err != nil {
		err := &HandshakeError{Status: http.StatusInternalServerError, Reason: "websocket: " + err.Error()}
		http.Error(w, err.Reason, err.Status)
		return nil, err
	}
	if err := checkRequest(r); err != nil {
		if err.Status == http.StatusUpgradeRequired {
			w.Header().Set("Upgrade", "websocket")
			w.Header().Set("Connection", "Upgrade")
			w.Header().Set("Sec-WebSocket-Version", "13")
		}
		http.Error(w, err.Reason, err.Status)
		return nil, err
	}
	key := strings.TrimSpace(r.Header.Get("Sec-WebSocket-Key"))
	// 101 response: status line, three headers, the accept value.
	resp := make([]byte, 0, 160)
	resp = append(resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	resp, _ = codec.AppendAccept(resp, key) // key checked above
	var deflate codec.DeflateParams
	var compress bool
	if cfg.Compress {
		deflate, compress = codec.NegotiateDeflate(r.Header.Values("Sec-WebSocket-Extensions"), cfg.Deflate)
		if compress {
			resp = append(resp, "\r\nSec-WebSocket-Extensions: "...)
			resp = deflate.AppendResponse(resp)
		}
	}
	resp = append(resp, "\r\n\r\n"...)

	hj, ok := w.(http.Hijacker)
	if !ok {
		err := &HandshakeError{Status: http.StatusInternalServerError, Reason: "connection cannot be taken over (not HTTP/1.x)"}
		http.Error(w, err.Reason, err.Status)
		return nil, err
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return nil, err
	}
	// A client may send frames right behind its request; net/http may
	// have read them already. Copy them out so that its 4 KiB reader can
	// be dropped.
	var pending []byte
	if n := brw.Reader.Buffered(); n > 0 {
		pending = make([]byte, n)
		brw.Reader.Read(pending)
	}
	cfg = cfg.withDefaults()
	nc.SetWriteDeadline(time.Now().Add(cfg.WriteTimeout))
	if _, err := nc.Write(resp); err != nil {
		nc.Close()
		return nil, err
	}
	c := newConn(nc, codec.RoleServer, cfg, pending)
	if compress {
		c.useDeflate(deflate)
	}
	return c, nil
}

// checkRequest applies the checks of Upgrade.
func checkRequest(r *http.Request) *HandshakeError {
	bad := func(reason string) *HandshakeError {
		return &HandshakeError{Status: http.StatusBadRequest, Reason: reason}
	}
	switch {
	case r.Method != http.MethodGet:
		return bad("websocket: the opening handshake must be a GET request")
	case !r.ProtoAtLeast(1, 1):
		return bad("websocket: the opening handshake needs HTTP/1.1")
	case !hasToken(r.Header, "Upgrade", "websocket"):
		return &HandshakeError{Status: http.StatusUpgradeRequired, Reason: "websocket: this endpoint speaks WebSocket only: 'Upgrade: websocket' missing"}
	case !hasToken(r.Header, "Connection", "upgrade"):
		return bad("websocket: 'Connection' header lacks the 'upgrade' token")
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return &HandshakeError{Status: http.StatusUpgradeRequired, Reason: "websocket: unsupported Sec-WebSocket-Version: only 13 is spoken"}
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 || !codec.ValidKey(strings.TrimSpace(keys[0])) {
		return bad("websocket: Sec-WebSocket-Key must be one base64-encoded 16-byte value")
	}
	return nil
}

// hasToken reports whether a comma-separated header (over any number of
// lines) has token, compared without regard to case.
func hasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// Server is the echo server: an http.Handler that upgrades every request
// and sends each data message back with its opcode until the peer closes.
// Protocol violations fail the connection at once with the close code
// they map to (invalid UTF-8 on the frame that carries it), pings are
// answered, and the Config's timeouts end stalled peers.
type Server struct {
	Config
	// HandshakeTimeout bounds reading a request's headers in Serve
	// (default 10 s), so junk that never finishes a request costs
	// nothing for long.
	HandshakeTimeout time.Duration
	// Log, when set, gets one line per connection: the peer, how long it
	// lasted, the messages echoed and how it ended.
	Log *log.Logger
}

// ServeHTTP upgrades the request and runs the echo on a new goroutine, so
// that net/http's handler goroutine, with its deep stack, ends and the
// idle connection costs only the small stack of the echo loop.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := Upgrade(w, r, s.Config)
	if err != nil {
		if s.Log != nil {
			s.Log.Printf("%s: %v", r.RemoteAddr, err)
		}
		return
	}
	go s.run(c, r.RemoteAddr)
}

// run is the connection's goroutine. It keeps its frame small and leaves
// logging to another function: an idle connection waits at the bottom of
// this stack, and the garbage collector halves a goroutine's stack only
// while less than a quarter of it is in use, so a wait under 1 KiB deep
// lets the 4 KiB stack that echoing grew shrink back to 2 KiB.
func (s *Server) run(c *Conn, peer string) {
	err := c.Echo()
	if s.Log != nil {
		s.logEnd(c, peer, err)
	}
}

//go:noinline
func (s *Server) logEnd(c *Conn, peer string, err error) {
	s.Log.Printf("%s: %d messages in %v: %v", peer, c.Messages(), time.Since(c.start).Round(time.Millisecond), err)
}

// Serve accepts connections on ln and serves the echo on them until ln is
// closed, with read-header and idle timeouts on the HTTP side. Connections
// already upgraded live on after that, until their peers close or the
// Config's timeouts end them.
func (s *Server) Serve(ln net.Listener) error {
	ht := s.HandshakeTimeout
	if ht <= 0 {
		ht = 10 * time.Second
	}
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: ht,
		ReadTimeout:       ht,
		IdleTimeout:       ht,
		MaxHeaderBytes:    16 << 10,
	}
	if s.Log == nil {
		hs.ErrorLog = log.New(discard{}, "", 0)
	}
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
