package main

import (
	"context"
	"errors"
	"expvar"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/pmdeflate"
)

// Config is the server's configuration; zero fields take the defaults
// listed with each.
type Config struct {
	// MaxMessage is the largest data message accepted, in payload bytes
	// on the wire and, for a compressed message, inflated (default 64 MiB,
	// as wsecho). A larger one is refused with close code 1009: as soon as
	// a frame header announces it, or as soon as inflating passes it.
	MaxMessage int64
	// Compress negotiates permessage-deflate (RFC 7692).
	Compress bool
	// ClientContextTakeover lets a client keep its compression context
	// from one message to the next. Off (the default), the server
	// answers client_no_context_takeover, which every client must accept
	// (§7.1.1.2), so that no connection holds a 32 KiB inflate history
	// between messages: idle connections hold no buffers. On, messages
	// compress better and each connection that negotiates it keeps the
	// history (and its session, about 600 bytes) for its whole life.
	ClientContextTakeover bool
	// HandshakeTimeout closes a connection whose opening handshake is not
	// complete after this long (default 10 s): the slowloris defence.
	HandshakeTimeout time.Duration
	// CloseTimeout closes a connection whose peer has not closed its side
	// this long after our Close frame (default 5 s).
	CloseTimeout time.Duration
	// ReadTimeout fails an open connection whose peer sends nothing for
	// this long with close code 1001 (default 60 s, as wsecho). Any bytes
	// count, a ping or a single byte of a frame as much as a message.
	ReadTimeout time.Duration
	// MessageTimeout bounds the time from a data message's first frame to
	// its last (default 2 min, as wsecho): a peer that keeps a message
	// open, even with bytes flowing, gets close code 1008.
	//
	// Both are enforced by the ticker (see Server.OnTick), in whole ticks:
	// a connection is never failed before its timeout, and at most a tick
	// (100 ms) and an eighth of the shorter of the two timeouts after it.
	MessageTimeout time.Duration
	// Loops is the number of event loops (default: one per CPU).
	Loops int
	// MaxPending is the most a peer may leave unread: when the bytes
	// waiting to be written to a connection pass it, the connection is
	// dropped (default MaxMessage + 1 MiB, an echo of the largest
	// message and then some).
	MaxPending int
}

// Defaults of Config's zero fields.
const (
	DefaultMaxMessage       = 64 << 20
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultCloseTimeout     = 5 * time.Second
	DefaultReadTimeout      = 60 * time.Second
	DefaultMessageTimeout   = 2 * time.Minute
)

func (c Config) withDefaults() Config {
	if c.MaxMessage <= 0 {
		c.MaxMessage = DefaultMaxMessage
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.MessageTimeout <= 0 {
		c.MessageTimeout = DefaultMessageTimeout
	}
	if c.MaxPending <= 0 {
		c.MaxPending = int(min(c.MaxMessage, 1<<40)) + 1<<20
	}
	return c
}

// The server's counters, published with expvar (under "wsgnet", beside
// the standard "memstats", whose Mallocs divided by messages is the
// allocations per message).
var counters struct {
	conns      expvar.Int // open connections
	handshakes expvar.Int // opening handshakes accepted
	rejected   expvar.Int // opening handshakes refused (HTTP 4xx)
	messages   expvar.Int // data messages echoed
	failed     expvar.Int // connections failed with a Close code other than the peer's, for a violation
	timeouts   expvar.Int // connections failed by ReadTimeout (1001) or MessageTimeout (1008)
	dropped    expvar.Int // connections closed without a Close frame: a handshake or closing handshake timed out, or the peer did not read
}

func init() {
	m := expvar.NewMap("wsgnet")
	m.Set("conns", &counters.conns)
	m.Set("handshakes", &counters.handshakes)
	m.Set("rejected", &counters.rejected)
	m.Set("messages", &counters.messages)
	m.Set("failed", &counters.failed)
	m.Set("timeouts", &counters.timeouts)
	m.Set("dropped", &counters.dropped)
}

// Server is the echo server: a gnet.EventHandler that does the opening
// handshake with package handshake and the frames with package codec,
// both fed whatever bytes each read brought, and answers everything a
// read produced with one write.
type Server struct {
	gnet.BuiltinEventEngine

	cfg    Config
	eng    gnet.Engine
	addr   string
	booted chan struct{}

	// The ticker's lists and clock (see timers.go). OnTick runs on a
	// goroutine of its own: mu guards the lists (and each listed
	// connection's links, list and deadline), the clock is atomic.
	mu     sync.Mutex
	timed  connList     // connections in the opening or the closing handshake
	open   connList     // open connections, watched for ReadTimeout and MessageTimeout
	cursor *conn        // the next connection the sweep in progress visits
	ticks  atomic.Int64 // the ticker's clock: 1 + the ticks so far

	// ReadTimeout and MessageTimeout in ticks (rounded up), and how
	// often the open list is swept, in ticks.
	idleTicks, msgTicks, openEvery int64
}

// NewServer returns a server for cfg.
func NewServer(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if cfg.Compress {
		if _, err := pmdeflate.NewCompressor(pmdeflate.CompressorConfig{}); err != nil {
			return nil, err
		}
	}
	s := &Server{cfg: cfg, booted: make(chan struct{})}
	s.idleTicks = inTicks(cfg.ReadTimeout)
	s.msgTicks = inTicks(cfg.MessageTimeout)
	s.openEvery = max(1, min(s.idleTicks, s.msgTicks)/8)
	s.ticks.Store(1) // 0 is the stamp of no message (conn.msgAt)
	return s, nil
}

// Run serves on addr (host:port; port 0 picks a free one, see Addr) until
// Stop. It returns gnet's error, if any.
func (s *Server) Run(addr string) error {
	opts := []gnet.Option{
		gnet.WithMulticore(true),
		gnet.WithTicker(true),
		gnet.WithLogger(quietLogger{}),
		gnet.WithReuseAddr(true),
	}
	if s.cfg.Loops > 0 {
		opts = append(opts, gnet.WithNumEventLoop(s.cfg.Loops))
	}
	err := gnet.Run(s, "tcp://"+addr, opts...)
	select {
	case <-s.booted:
	default:
		close(s.booted) // Addr must not wait for a server that never ran
	}
	return err
}

// Addr waits until the server listens and returns its address ("" if it
// failed to start).
func (s *Server) Addr() string {
	<-s.booted
	return s.addr
}

// Stop stops the engine and closes every connection.
func (s *Server) Stop(ctx context.Context) error {
	<-s.booted
	if s.addr == "" {
		return errors.New("server not running")
	}
	return s.eng.Stop(ctx)
}

// OnBoot records the engine and the address it listens on.
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	addr, err := listenAddr(eng)
	if err != nil {
		fmt.Println("gnet:", err)
		return gnet.Shutdown
	}
	s.addr = addr
	close(s.booted)
	return gnet.None
}

// OnOpen gives the connection its state and a handshake parser, and puts
// it on the deadline list.
func (s *Server) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	w := &conn{gc: c}
	w.hs = handshakePool.Get().(*handshake.Request)
	w.hs.Reset(nil)
	c.SetContext(w)
	counters.conns.Add(1)
	s.setDeadline(w, s.cfg.HandshakeTimeout, false)
	return nil, gnet.None
}

// OnClose gives back what the connection held.
func (s *Server) OnClose(c gnet.Conn, _ error) gnet.Action {
	w, ok := c.Context().(*conn)
	if !ok {
		return gnet.None
	}
	s.unlist(w)
	w.releaseSession()
	w.releaseHandshake()
	counters.conns.Add(-1)
	return gnet.None
}

// OnTraffic handles one read: everything that arrived goes through the
// handshake parser and the frame receiver at once (the loop never waits
// for more bytes: what is incomplete stays in the parser's, the
// receiver's or the message's state, and the read buffer is consumed
// whole), and everything it produced leaves in one write.
//
// It is also called without bytes when the ticker wakes the connection:
// to look again at a Close still being written (afterWrite), or, on an
// open connection, because a timeout ran out, which is checked again here,
// on the connection's own loop, as a read may have come since.
func (s *Server) OnTraffic(c gnet.Conn) gnet.Action {
	w := c.Context().(*conn)
	buf, _ := c.Next(-1)
	var timeout error
	if len(buf) > 0 {
		w.touch(s.ticks.Load())
	} else if w.state == stateOpen {
		if timeout = s.expired(w, s.ticks.Load()); timeout == nil {
			return gnet.None
		}
	}
	o := outboxPool.Get().(*outbox)
	if timeout != nil {
		w.fail(o, timeout)
		counters.timeouts.Add(1)
	} else {
		s.traffic(w, o, buf)
	}
	err := o.flush(c)
	outboxPool.Put(o)
	if err != nil {
		return gnet.Close
	}
	return s.afterWrite(w)
}

// traffic runs buf through w's state machine, answering in o.
func (s *Server) traffic(w *conn, o *outbox, buf []byte) {
	switch w.state {
	case stateHandshake:
		n, done, err := w.hs.Feed(buf)
		if err != nil {
			*o.buf = handshake.AppendError(o.space(1024), err)
			counters.rejected.Add(1)
			w.releaseHandshake()
			w.closing(false)
			return
		}
		if !done {
			return
		}
		if !s.accept(w, o) {
			return
		}
		buf = buf[n:] // the client's first frames, if it sent any
		fallthrough
	case stateOpen:
		if err := w.frames(s, o, buf); err != nil {
			w.fail(o, err)
			counters.failed.Add(1)
		}
	case stateClosing:
		// What the peer sends after our Close is dropped: its own Close,
		// or the rest of what it was sending when we failed it.
	}
}

// accept answers a complete opening handshake with 101, negotiating
// permessage-deflate, and opens the connection for frames.
func (s *Server) accept(w *conn, o *outbox) bool {
	req := w.hs
	var a handshake.Accept
	var agreed codec.DeflateParams
	if s.cfg.Compress {
		policy := codec.DeflateParams{ClientNoContextTakeover: !s.cfg.ClientContextTakeover}
		var ok bool
		if agreed, ok = codec.NegotiateDeflate(req.Extensions(), policy); ok {
			a.Deflate = &agreed
			w.deflate = true
			w.inTakeover, _ = agreed.Incoming(codec.RoleServer)
			_, bits := agreed.Outgoing(codec.RoleServer)
			w.outBits = uint8(bits)
		}
	}
	b, err := req.AppendAccept(o.space(1024), a)
	if err != nil {
		*o.buf = handshake.AppendError(o.space(1024), err)
		w.releaseHandshake()
		w.closing(false)
		return false
	}
	*o.buf = b
	w.releaseHandshake()
	s.watch(w)
	w.state = stateOpen
	counters.handshakes.Add(1)
	return true
}

// releaseHandshake gives the handshake parser back to the pool, with the
// buffer it assembled a split request in, if any.
func (w *conn) releaseHandshake() {
	if w.hs != nil {
		handshakePool.Put(w.hs)
		w.hs = nil
	}
}

// afterWrite ends the connection where the closing handshake says so,
// and drops a peer that does not read what it is sent.
func (s *Server) afterWrite(w *conn) gnet.Action {
	pending := w.gc.OutboundBuffered()
	if pending > s.cfg.MaxPending {
		counters.dropped.Add(1)
		return gnet.Close
	}
	if w.state != stateClosing || w.shutDown {
		return gnet.None
	}
	if pending > 0 {
		// Our Close is still on its way: look again when the ticker
		// wakes the connection.
		s.setDeadline(w, s.cfg.CloseTimeout, true)
		return gnet.None
	}
	if w.closeWhenDrained {
		return gnet.Close
	}
	// We started the closing handshake: shut down our side, so the peer
	// reads our Close and then EOF, and drop what it still sends until
	// its own FIN (closing with unread bytes would reset the connection
	// and could destroy our Close on its way).
	w.shutDown = true
	if err := shutdownWrite(w.gc); err != nil {
		return gnet.Close
	}
	s.setDeadline(w, s.cfg.CloseTimeout, false)
	return gnet.None
}

// quietLogger is gnet's logger: its start-up and debug lines are dropped
// (the command prints its own address line), its warnings and errors go
// to the standard logger.
type quietLogger struct{}

func (quietLogger) Debugf(string, ...any)            {}
func (quietLogger) Infof(string, ...any)             {}
func (quietLogger) Warnf(format string, args ...any) { log.Printf("gnet: "+format, args...) }
func (quietLogger) Errorf(format string, args ...any) {
	log.Printf("gnet: "+format, args...)
}
func (quietLogger) Fatalf(format string, args ...any) { log.Fatalf("gnet: "+format, args...) }
