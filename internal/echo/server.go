package echo

import (
	"errors"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
)

// HandshakeError is a failed opening handshake on the server: the HTTP
// status answered (that of package handshake's error for the broken rule,
// or 500 when the connection cannot be taken over), or 0 when nothing was
// answered because the connection broke or the handshake timed out.
type HandshakeError struct {
	Status int
	Reason string
	// Err is the cause: a *handshake.Error, or the network error.
	Err error
}

// Error returns the status and the reason.
func (e *HandshakeError) Error() string {
	if e.Status == 0 {
		return "websocket: handshake failed: " + e.Reason
	}
	return "websocket: handshake refused (" + http.StatusText(e.Status) + "): " + e.Reason
}

// Unwrap returns the cause.
func (e *HandshakeError) Unwrap() error { return e.Err }

// Upgrade checks a client's opening handshake (RFC 6455 §4.2.1) the way
// package handshake's parser does, on a request net/http has parsed:
// method GET on HTTP/1.1 or later, "Upgrade: websocket", a "Connection"
// header with the "upgrade" token, "Sec-WebSocket-Version: 13" and one
// valid Sec-WebSocket-Key. A request that fails a check gets the status
// and headers handshake.AppendError gives the same failure (405 with
// "Allow: GET", 426 with the headers to retry with, 400 for the rest),
// with the reason in its body, the connection is closed, and Upgrade
// returns a *HandshakeError. Otherwise it hijacks the connection,
// answers 101 and returns the server end, with no subprotocol and, when
// cfg.Compress is set and the client offers it acceptably,
// permessage-deflate.
func Upgrade(w http.ResponseWriter, r *http.Request, cfg Config) (*Conn, error) {
	if err := cfg.check(); err != nil {
		err := &HandshakeError{Status: http.StatusInternalServerError, Reason: "websocket: " + err.Error(), Err: err}
		http.Error(w, err.Reason, err.Status)
		return nil, err
	}
	// The connection gets a copy of its own.
	dc := cfg.withDefaults()
	return upgrade(w, r, &dc)
}

// upgrade is Upgrade with cfg checked and its defaults set; the Conn
// keeps cfg, which must not change while it lives.
func upgrade(w http.ResponseWriter, r *http.Request, cfg *Config) (*Conn, error) {
	if err := checkRequest(r); err != nil {
		refuseHTTP(w, err)
		return nil, &HandshakeError{Status: err.Status(), Reason: err.Error(), Err: err}
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

// refuseHTTP answers a request checkRequest refused as
// handshake.AppendError would, and ends the connection after the answer
// as the raw-listener server does.
func refuseHTTP(w http.ResponseWriter, err *handshake.Error) {
	h := w.Header()
	h.Set("Connection", "close")
	switch err.Status() {
	case http.StatusMethodNotAllowed:
		h.Set("Allow", "GET")
	case http.StatusUpgradeRequired:
		// RFC 9110 §7.8: a sender of Upgrade lists it in Connection.
		// net/http closes after a reply only for "Connection: close"
		// exactly, so the connection is taken over and closed below.
		h.Set("Upgrade", "websocket")
		h.Set("Connection", "Upgrade, close")
		// Spelled as RFC 6455 spells it: net/http would write
		// "Sec-Websocket-Version" for a key set with Set.
		h["Sec-WebSocket-Version"] = []string{"13"}
	}
	http.Error(w, err.Error(), err.Status())
	f, fok := w.(http.Flusher)
	if hj, ok := w.(http.Hijacker); ok && fok {
		// Flush first: Hijack drops the response's own buffer.
		f.Flush()
		if nc, brw, err := hj.Hijack(); err == nil {
			brw.Flush()
			lingerClose(nc)
		}
	}
}

// checkRequest applies the checks of Upgrade, in the order package
// handshake applies them, and returns the error it gives each failure.
func checkRequest(r *http.Request) *handshake.Error {
	switch {
	case r.Method != http.MethodGet:
		return handshake.ErrMethod
	case !r.ProtoAtLeast(1, 1):
		return handshake.ErrHTTPVersion
	case r.ContentLength != 0 || len(r.TransferEncoding) > 0:
		return handshake.ErrBody
	case len(r.Header.Values("Sec-WebSocket-Key")) > 1, len(r.Header.Values("Sec-WebSocket-Version")) > 1,
		len(r.Header.Values("Origin")) > 1:
		return handshake.ErrDuplicate
	case !hasToken(r.Header, "Upgrade", "websocket"):
		return handshake.ErrUpgrade
	case !hasToken(r.Header, "Connection", "upgrade"):
		return handshake.ErrConnection
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return handshake.ErrVersion
	case !codec.ValidKey(strings.TrimSpace(r.Header.Get("Sec-WebSocket-Key"))):
		return handshake.ErrKey
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

// Server is the echo server: it upgrades every request and sends each
// data message back with its opcode until the peer closes. Protocol
// violations fail the connection at once with the close code they map to
// (invalid UTF-8 on the frame that carries it), pings are answered, and
// the Config's timeouts end stalled peers.
//
// Serve reads the opening handshakes itself, with package handshake's
// push-fed parser, or through net/http when HTTP is set; a Server is also
// an http.Handler, for a net/http server of the caller's.
type Server struct {
	Config
	// HandshakeTimeout bounds the time from a connection's accept in
	// Serve to the end of its request (default 10 s): a client that
	// sends its request slowly, or never finishes it, is closed then,
	// without an answer (the slowloris defence).
	HandshakeTimeout time.Duration
	// MaxHeaderBytes limits the request's header block, request line
	// included (default handshake.DefaultMaxBytes, 8 KiB); a larger one
	// is refused with 431 (414 when the request line alone is too long)
	// once that many bytes have been read, and no more are. net/http
	// (HTTP) allows 4 KiB beyond it and answers 431 for both.
	MaxHeaderBytes int
	// HTTP makes Serve read the handshakes through net/http (an
	// http.Server whose handler does what ServeHTTP does, hijacking the
	// upgraded connections) instead of reading them itself. Both refuse
	// a WebSocket request that breaks a rule with the same status and
	// headers; net/http answers requests that are not HTTP at all in its
	// own words, closes a handshake that timed out with a 400 rather
	// than without a word, and holds several KiB more per handshake
	// under way (its buffered reader and connection state).
	HTTP bool
	// Log, when set, gets one line per connection: the peer, how long it
	// lasted, the messages echoed and how it ended, or why its handshake
	// failed.
	Log *log.Logger
}

// DefaultHandshakeTimeout is Server.HandshakeTimeout's default.
const DefaultHandshakeTimeout = 10 * time.Second

func (s *Server) handshakeTimeout() time.Duration {
	if s.HandshakeTimeout <= 0 {
		return DefaultHandshakeTimeout
	}
	return s.HandshakeTimeout
}

func (s *Server) maxHeaderBytes() int {
	if s.MaxHeaderBytes <= 0 {
		return handshake.DefaultMaxBytes
	}
	return s.MaxHeaderBytes
}

// ServeHTTP upgrades the request and runs the echo on a new goroutine, so
// that net/http's handler goroutine, with its deep stack, ends and the
// idle connection costs only the small stack of the echo loop.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := Upgrade(w, r, s.Config)
	s.serveUpgraded(r, c, err)
}

// serveUpgraded runs the echo on c, or logs why the upgrade failed.
func (s *Server) serveUpgraded(r *http.Request, c *Conn, err error) {
	if err != nil {
		if s.Log != nil {
			s.Log.Printf("%s: %v", r.RemoteAddr, err)
		}
		return
	}
	go s.run(c)
}

// run runs the echo on an upgraded connection. It keeps its frame small
// and leaves logging to another function: an idle connection waits at
// the bottom of this stack, and the garbage collector halves a
// goroutine's stack only while less than a quarter of it is in use, so a
// wait under 1 KiB deep lets the 4 KiB stack that echoing grew shrink
// back to 2 KiB.
func (s *Server) run(c *Conn) {
	err := c.Echo()
	if s.Log != nil {
		s.logEnd(c, err)
	}
}

//go:noinline
func (s *Server) logEnd(c *Conn, err error) {
	s.Log.Printf("%s: %d messages in %v: %v", c.nc.RemoteAddr(), c.Messages(), time.Duration(monoNow()-c.start).Round(time.Millisecond), err)
}

// Serve accepts connections on ln and serves the echo on them until ln is
// closed. Connections already upgraded live on after that, until their
// peers close or the Config's timeouts end them. It returns nil once ln
// is closed, or the error that made accepting fail, or an error in the
// Config (an invalid CompressLevel) before accepting anything.
func (s *Server) Serve(ln net.Listener) error {
	if s.HTTP {
		return s.serveHTTP(ln)
	}
	return s.serveRaw(ln)
}

// serveHTTP is Serve through net/http, with its read-header and idle
// timeouts. The connections share one copy of the Config with its
// defaults set (ServeHTTP, for a caller's own http.Server, gives each its
// own).
func (s *Server) serveHTTP(ln net.Listener) error {
	if err := s.Config.check(); err != nil {
		return err
	}
	cfg := s.Config.withDefaults()
	ht := s.handshakeTimeout()
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := upgrade(w, r, &cfg)
			s.serveUpgraded(r, c, err)
		}),
		ReadHeaderTimeout: ht,
		ReadTimeout:       ht,
		IdleTimeout:       ht,
		MaxHeaderBytes:    s.maxHeaderBytes(),
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
