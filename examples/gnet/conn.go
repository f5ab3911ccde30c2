package main

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/panjf2000/gnet/v2"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/pmdeflate"
	"github.com/wsframe/wsframe/utf8valid"
)

// A connection's life: the opening handshake (stateHandshake), frames
// (stateOpen), and, once our Close frame is written, the closing
// handshake (stateClosing), in which whatever the peer still sends is
// dropped.
const (
	stateHandshake uint8 = iota
	stateOpen
	stateClosing
)

// conn is what the server keeps for one connection for all of its life
// (gnet's context of the connection). It is small on purpose: between
// reads an open connection holds this and nothing else (no read buffer, no
// receiver, no message buffer), 80 bytes on 64-bit platforms:
//
//	gc              16  gnet's connection, for the ticker to close or wake it
//	hs, s           16  the handshake parser and the session, both pooled,
//	                    both nil on an idle open connection
//	prev, next      16  the ticker's list the connection is on (timers.go)
//	deadline         8  when the handshake or the closing handshake expires
//	readAt, msgAt   16  the ticks of the last read and of the open
//	                    message's start, for ReadTimeout and MessageTimeout
//	flags            8  state, close mode, negotiated deflate parameters,
//	                    the list and its wake flag
//
// gnet's own conn (about 250 bytes, the two net.Addr it keeps and its
// entry in the loop's connection table) and the kernel's socket come on
// top. While bytes are processed a connection also holds a session
// (640 bytes) and, for the length of one OnTraffic, an outbox (680 bytes
// and its 64 KiB buffer), both from pools.
type conn struct {
	gc         gnet.Conn
	hs         *handshake.Request
	s          *session
	prev, next *conn
	deadline   int64 // on the timed list: unix nanoseconds

	// Stamps of the ticker's clock (Server.ticks), written by the
	// connection's loop and read by the ticker: the tick of the last read
	// that brought bytes, and the tick of the read that began the data
	// message still open at the end of the last read (0: none).
	readAt, msgAt atomic.Int64

	list uint8 // the ticker's list it is on: listNone, listTimed, listOpen
	wake bool  // on the timed list: the ticker wakes it every tick

	state uint8
	// closeWhenDrained: the peer started the closing handshake, so once
	// our answer is out the server closes the TCP connection, first, as
	// RFC 6455 §7.1.1 asks. Otherwise we started it: once our Close is out
	// we shut down our side and drop what comes until the peer's FIN.
	closeWhenDrained bool
	shutDown         bool // our side is shut down (half-close)

	// permessage-deflate, when negotiated.
	deflate    bool
	inTakeover bool  // the peer keeps its compression context
	outBits    uint8 // window bits our compressor may use
}

// session is the state of a connection while its bytes are processed: the
// frame receiver, the (de)compressor, the UTF-8 validator of compressed
// text and the message being received. It is taken from a pool when bytes
// arrive and given back when a read ends between messages (and between
// frames), which is where a connection spends most of its life. The one
// exception is a peer that keeps its compression context: the session
// then stays, with the decompressor's 32 KiB history.
type session struct {
	rcv  codec.Receiver
	dec  pmdeflate.Decompressor
	comp pmdeflate.Compressor
	utf8 utf8valid.Validator
	msg  message // the message being received, unless direct
	z    message // compressed output of a large echo

	op     codec.Opcode // the message's type
	inMsg  bool         // a data message has begun and not ended
	zmsg   bool         // it is compressed (Rsv1)
	direct bool         // one frame, whole in this read: echoed from there
	// stamped: the ticker has been told that this message is open
	// (conn.msgAt).
	stamped bool
	// payload is a direct message's payload, unmasked in the read buffer.
	payload []byte
}

var (
	sessionPool   = sync.Pool{New: func() any { return new(session) }}
	handshakePool = sync.Pool{New: func() any { return new(handshake.Request) }}
	outboxPool    = sync.Pool{New: func() any { return newOutbox() }}
)

// takeSession gives c a session, from the pool, set up for what the
// handshake agreed.
func (c *conn) takeSession(cfg *Config) *session {
	if c.s != nil {
		return c.s
	}
	s := sessionPool.Get().(*session)
	rc := codec.Config{Role: codec.RoleServer, MaxFrameSize: cfg.MaxMessage, MaxMessageSize: cfg.MaxMessage}
	if c.deflate {
		rc.RsvMessage = codec.Rsv1
		s.dec.Reset(pmdeflate.DecompressorConfig{ContextTakeover: c.inTakeover, MaxMessageSize: cfg.MaxMessage})
		// Never our own context takeover: the compressor's state is
		// pooled and held only while a message is compressed. The
		// window bits were checked when the handshake was answered.
		_ = s.comp.Reset(pmdeflate.CompressorConfig{WindowBits: int(c.outBits)})
	}
	s.rcv.Reset(rc)
	s.msg.reset(cfg.MaxMessage)
	s.inMsg = false
	c.s = s
	return s
}

// releaseSession gives c's session back to the pool.
func (c *conn) releaseSession() {
	s := c.s
	if s == nil {
		return
	}
	c.s = nil
	s.msg.release()
	s.z.release()
	s.payload = nil
	if c.deflate {
		s.dec.Reset(pmdeflate.DecompressorConfig{})
		_ = s.comp.Reset(pmdeflate.CompressorConfig{})
	}
	sessionPool.Put(s)
}

// frames runs the bytes of one read (or the part after the handshake)
// through c's receiver and answers in o: echoes, pongs, a Close. It
// returns the error that fails the connection, if any (a *codec.Error or
// another error carrying a close code).
func (c *conn) frames(srv *Server, o *outbox, buf []byte) error {
	s := c.takeSession(&srv.cfg)
	for {
		ev, n, err := s.rcv.Next(buf)
		buf = buf[n:]
		if err != nil {
			return err
		}
		switch ev.Kind {
		case codec.EventMore:
			c.stampMessage(s)
			// Between frames with no message open, the session has
			// nothing to keep (n == 0: no partial header or control
			// frame was taken into the receiver) unless the peer's
			// compression context must be kept.
			if n == 0 && !s.inMsg && !(c.deflate && c.inTakeover) {
				c.releaseSession()
			}
			return nil
		case codec.EventHeader:
			h := s.rcv.Header()
			if h.Opcode == codec.OpContinuation {
				break
			}
			s.inMsg, s.op, s.zmsg = true, ev.Message, s.rcv.Compressed()
			s.stamped = false
			// A whole message in one frame, all of it in this read:
			// echoed from the read buffer, never copied.
			s.direct = h.Fin && !s.zmsg && h.Length <= int64(len(buf))
			s.payload = nil
			if s.zmsg && s.op == codec.OpText {
				s.utf8.Reset()
			}
		case codec.EventPayload:
			if err := c.payload(s, ev); err != nil {
				return err
			}
		case codec.EventMessageEnd:
			if o.full() {
				if err := c.flush(srv, o); err != nil {
					return err
				}
			}
			if err := c.echo(s, o); err != nil {
				return err
			}
			s.inMsg = false
			counters.messages.Add(1)
		case codec.EventControl:
			switch ev.Message {
			case codec.OpPing:
				o.control(codec.OpPong, ev.Payload)
			case codec.OpClose:
				// The receiver has checked the payload. Answer with the
				// same code (none for none), then close.
				code, _, _ := codec.ParseClose(ev.Payload)
				o.close(code, "")
				c.closing(true)
				return nil
			}
		}
	}
}

// touch stamps c with the tick of a read that brought bytes. The store
// is skipped while the stamp is current: a busy connection pays two loads
// per read and one store per tick.
func (c *conn) touch(tick int64) {
	if c.readAt.Load() != tick {
		c.readAt.Store(tick)
	}
}

// stampMessage tells the ticker, at the end of a read, whether a data
// message is still open and since which tick. A message that begins and
// ends within one read, the usual case, is never stamped.
func (c *conn) stampMessage(s *session) {
	switch {
	case s.inMsg && !s.stamped:
		// It began in this read, whose tick readAt holds.
		c.msgAt.Store(c.readAt.Load())
		s.stamped = true
	case !s.inMsg && c.msgAt.Load() != 0:
		c.msgAt.Store(0)
	}
}

// payload takes the next payload bytes of the message.
func (c *conn) payload(s *session, ev codec.Event) error {
	if s.direct {
		if s.payload == nil {
			s.payload = ev.Payload
			return nil
		}
		// The receiver delivered the frame in more than one piece:
		// collect it like any other message.
		s.direct = false
		s.msg.write(s.payload)
		s.payload = nil
	}
	if !s.zmsg {
		s.msg.write(ev.Payload)
		return nil
	}
	before := s.msg.n
	// ev.End marks the message's last payload, an empty one included:
	// that is when the decompressor is told the message is complete.
	if err := s.msg.inflate(&s.dec, ev.Payload, ev.End); err != nil {
		return err
	}
	if s.op == codec.OpText {
		// Inflated text is validated as it grows (fail fast), as the
		// receiver validates uncompressed text.
		if !s.msg.validate(&s.utf8, before) || ev.End && !s.utf8.Complete() {
			return codec.ErrInvalidUTF8
		}
	}
	return nil
}

// echo appends the message just received to o, compressed when
// permessage-deflate was agreed, and readies s for the next message.
func (c *conn) echo(s *session, o *outbox) error {
	var src []byte
	if s.direct {
		src = s.payload
		if src == nil {
			src = []byte{} // an empty message: a non-nil empty payload
		}
	}
	if c.deflate {
		err := o.compressed(&s.comp, &s.z, s.op, src, &s.msg)
		s.msg.release()
		s.payload = nil
		return err
	}
	if s.direct {
		o.frame(s.op, src)
	} else {
		o.message(s.op, 0, &s.msg)
	}
	s.payload = nil
	return nil
}

// fail answers a violation with a Close frame carrying its close code and
// starts the closing handshake.
func (c *conn) fail(o *outbox, err error) {
	// "codec: ..." names the layer; the peer only needs the rule.
	reason := strings.TrimPrefix(err.Error(), "codec: ")
	o.close(codec.CodeOf(err), reason)
	c.closing(false)
}

// closing records that our Close frame is in the outbox: no more frames
// are read, and the connection ends once it is written (see
// Server.afterWrite).
func (c *conn) closing(peerStarted bool) {
	c.state = stateClosing
	c.closeWhenDrained = peerStarted
	c.releaseSession()
}

// flush writes o now, in the middle of a read, when it is full.
func (c *conn) flush(srv *Server, o *outbox) error {
	return o.flush(c.gc)
}
