// Package echo is the core of cmd/wsecho and cmd/wsclient: a WebSocket
// connection built only on packages codec (framing, masking, UTF-8
// validation, permessage-deflate negotiation), handshake (the opening
// handshake), pmdeflate (compression) and the standard library, an echo
// server (on a net.Listener, or an http.Handler) and a client with the
// Autobahn fuzzingserver protocol on top of it.
//
// The commands are thin wrappers so that the self-test (cmd/wsselftest),
// the tests and the end-to-end benchmark run the very same code in-process.
//
// Memory: a connection holds no read buffer while it waits for the peer,
// in its opening handshake (where package handshake keeps the bytes of a
// request that arrives in pieces, and no more) or between messages. On
// Unix the socket is read through syscall.RawConn, whose callback runs
// only once the socket is readable; the callback takes a buffer from a
// sync.Pool, reads, and the buffer goes back to the pool as soon as the
// bytes it holds have been through the codec. Message buffers are pooled
// the same way, taken when a data message starts and returned once it has
// been echoed. An idle connection costs its goroutine's stack, the Conn
// (at most 512 bytes, TestConnSize) and the runtime's socket bookkeeping.
// With permessage-deflate, a connection also holds about 150 bytes of
// deflate state; compress/flate state is pooled, held only while a
// message is in progress; only context takeover keeps some between messages
// (the peer's: 32 KiB of history; ours, with CompressTakeover: a
// compress/flate writer, about 1.2 MB).
//
// A message grows in one buffer up to 1 MiB and in 1 MiB chunks beyond
// (spill.go), never copied to grow, so a peer that grows a message to the
// limit, in frames or as a deflate bomb, costs the limit and not twice it.
// Echoes and pongs are queued and written just before the reader waits for
// the socket again, so everything one read produced leaves in one write
// (batch.go).

package echo

import (
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsframe/wsframe"
	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/pmdeflate"
	"github.com/wsframe/wsframe/utf8valid"
)

// Config holds a connection's limits and timeouts. Zero fields take the
// defaults listed with each field.
type Config struct {
	// MaxMessage is the largest data message accepted, in payload bytes
	// (default 64 MiB). A larger one is refused with close code 1009 as
	// soon as a frame header announces it, before its payload is read.
	MaxMessage int64
	// ReadTimeout fails a connection whose peer sends nothing for this
	// long with close code 1001 (default 60 s).
	ReadTimeout time.Duration
	// MessageTimeout bounds the time from a data message's first frame
	// to its last (default 2 min): a peer that keeps a fragmented message
	// open forever, even with bytes flowing, gets close code 1008.
	MessageTimeout time.Duration
	// WriteTimeout bounds every write (default 10 s), so that a peer that
	// stops reading cannot hold the connection.
	WriteTimeout time.Duration
	// CloseTimeout bounds the closing handshake once a Close frame has
	// been sent or received (default 5 s): the wait for the peer's Close
	// and for the TCP connection to end.
	CloseTimeout time.Duration

	// Compress negotiates permessage-deflate (RFC 7692). A server accepts
	// the first acceptable offer of a client, answering with what Deflate
	// asks (codec.NegotiateDeflate's policy); a client offers Deflate, or
	// "permessage-deflate; client_max_window_bits" when Deflate is zero,
	// and fails the handshake on an answer RFC 7692 does not allow.
	Compress bool
	// Deflate: the server's policy or the client's offer (see Compress).
	Deflate codec.DeflateParams
	// CompressLevel is the compress/flate level of the messages sent
	// (default flate.BestSpeed; see pmdeflate.CompressorConfig).
	CompressLevel int
	// CompressTakeover keeps the compression context from one sent
	// message to the next where the agreement allows it: better ratios
	// for repetitive traffic, at about 1.2 MB per connection. Off, the
	// compressor is pooled and an idle connection holds none. (Received
	// messages are inflated with the context the peer chose either way.)
	CompressTakeover bool
	// CompressMin: data messages shorter than this are sent uncompressed
	// (permessage-deflate lets the sender choose per message). Zero
	// compresses every message.
	CompressMin int
}

// Defaults of Config's zero fields.
const (
	DefaultMaxMessage     = 64 << 20
	DefaultReadTimeout    = 60 * time.Second
	DefaultMessageTimeout = 2 * time.Minute
	DefaultWriteTimeout   = 10 * time.Second
	DefaultCloseTimeout   = 5 * time.Second
)

// check reports a configuration that cannot work.
func (c Config) check() error {
	if c.Compress {
		if _, err := pmdeflate.NewCompressor(pmdeflate.CompressorConfig{Level: c.CompressLevel}); err != nil {
			return err
		}
	}
	return nil
}

// clientOffer is what a client with cfg offers.
func (c Config) clientOffer() codec.DeflateParams {
	if c.Deflate == (codec.DeflateParams{}) {
		return codec.DeflateParams{ClientMaxWindowBits: 15}
	}
	return c.Deflate
}

func (c Config) withDefaults() Config {
	if c.MaxMessage <= 0 {
		c.MaxMessage = DefaultMaxMessage
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.MessageTimeout <= 0 {
		c.MessageTimeout = DefaultMessageTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
	return c
}

// CloseError is how a connection ended with a closing handshake: the code
// and reason of the peer's Close frame when the peer started it (Remote),
// or the code we sent when we failed the connection.
type CloseError struct {
	Code   codec.CloseCode
	Reason string
	// Remote is set when the peer sent the first Close frame.
	Remote bool
	// Err is the violation or timeout that made us fail the connection,
	// nil when the peer closed.
	Err error
}

// Error describes the close.
func (e *CloseError) Error() string {
	who := "we closed"
	if e.Remote {
		who = "peer closed"
	}
	s := "websocket: " + who + " with " + e.Code.String()
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Unwrap returns the cause of a close we started.
func (e *CloseError) Unwrap() error { return e.Err }

// echoed counts the messages Echo has sent back, in all connections.
var echoed atomic.Int64

// Echoed returns how many messages Conn.Echo has sent back in this
// process, for cmd/wsecho's expvar.
func Echoed() int64 { return echoed.Load() }

// Errors a connection fails with when a timer runs out. They are used as
// the reason of the Close frame sent, and as CloseError.Err.
var (
	ErrIdle           = errors.New("read timeout: peer sent nothing")
	ErrMessageTimeout = errors.New("message timeout: data message not finished in time")
)

// ErrClosed is returned by the writing methods once a Close frame has been
// sent or received.
var ErrClosed = errors.New("websocket: connection closed")

// serverSender writes every server Conn's frames. A server's Sender masks
// nothing and so draws no keys: it has no state to share, and one for
// all saves each connection the 288 bytes of its own (most of which is
// the client's buffer of random key bytes).
var serverSender codec.Sender

// headroom is the space kept in front of a message buffer's payload for
// the frame header, so that an echo goes out in one write without a copy.
const headroom = codec.MaxHeaderLen

const maxInt = int(^uint(0) >> 1)

// Conn is one WebSocket connection after the opening handshake, in either
// role. Reading (ReadMessage, Echo) belongs to one goroutine; the writing
// methods may be called from another one at the same time.
//
// Every idle connection holds a Conn, so it is kept within the 512-byte
// size class of the allocator (TestConnSize): what is shared lives
// elsewhere (cfg, the server's Sender), what is needed only sometimes is
// allocated only then (deflate state, a large message's chunks), and
// times are 8-byte readings of a monotonic clock (mono).
type Conn struct {
	nc  net.Conn
	cfg *Config // with defaults; shared by a Server's connections, never changed
	rcv codec.Receiver

	// Reading side, owned by the reader goroutine.
	sockReader
	// rest is the unconsumed part of *rbuf, or of the bytes that
	// followed the handshake in its reads, which are consumed first.
	rest   []byte
	msg    *[]byte // pooled message buffer: headroom, then the payload
	big    *spill  // the message's bytes beyond spillAt; nil until a message first spills
	readDL mono
	msgDL  mono
	now    mono // when the last read was armed
	start  mono
	msgs   int64

	// permessage-deflate state, nil unless it was negotiated.
	z *deflateState

	// OnPong, when set, is called by the reader with each pong's payload
	// (valid only during the call).
	OnPong func(payload []byte)

	// Writing side, serialised by wmu.
	wmu sync.Mutex

	// Flags, together so that they take one word rather than a word
	// each. role is set once; inMsg, draining, zmsg and ztext belong to
	// the reader; closed to the writing side (under wmu).
	role     codec.Role
	inMsg    bool
	draining bool // closing handshake under way: deadline fixed
	// The open message is compressed (zmsg); its inflated text is
	// validated by z.utf8 (ztext).
	zmsg   bool
	ztext  bool
	closed bool // a Close frame went out

	snd     *codec.Sender // serverSender, or the client's own
	writeDL mono
	out     batch // the reader's echoes and pongs, written before it blocks
}

// deflateState is a connection's permessage-deflate state, allocated once
// the extension is negotiated, so that a Conn without it does not carry
// these 150-odd bytes.
type deflateState struct {
	dec  pmdeflate.Decompressor // the reader's
	utf8 utf8valid.Validator    // the reader's: inflated text
	comp pmdeflate.Compressor   // the writing side's, under wmu
}

// newConn wraps nc, over which the opening handshake is done; pending are
// bytes of the WebSocket stream that arrived with the handshake. cfg must
// have its defaults set, and must not change while the Conn lives.
func newConn(nc net.Conn, role codec.Role, cfg *Config, pending []byte) *Conn {
	now := monoNow()
	c := &Conn{nc: nc, cfg: cfg, role: role, rest: pending, start: now, now: now}
	c.rcv.Reset(codec.Config{
		Role:           role,
		MaxFrameSize:   cfg.MaxMessage,
		MaxMessageSize: cfg.MaxMessage,
	})
	c.snd = &serverSender
	if role == codec.RoleClient {
		c.snd = codec.NewSender(role, nil)
	}
	c.sockReader.init(nc)
	return c
}

// useDeflate sets c up for the permessage-deflate agreement p, before any
// frame is read or written.
func (c *Conn) useDeflate(p codec.DeflateParams) {
	z := new(deflateState)
	c.z = z
	takeover, bits := p.Outgoing(c.role)
	// Checked by Config.check before the handshake.
	_ = z.comp.Reset(pmdeflate.CompressorConfig{Level: c.cfg.CompressLevel, ContextTakeover: takeover && c.cfg.CompressTakeover, WindowBits: bits})
	takeover, _ = p.Incoming(c.role)
	z.dec.Reset(pmdeflate.DecompressorConfig{ContextTakeover: takeover, MaxMessageSize: c.cfg.MaxMessage})
	rc := c.rcv.Config()
	rc.RsvMessage = codec.Rsv1
	c.rcv.Reset(rc)
}

// Compressed reports whether permessage-deflate was negotiated.
func (c *Conn) Compressed() bool { return c.z != nil }

// Messages returns how many data messages have been received.
func (c *Conn) Messages() int64 { return c.msgs }

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.nc }

// fill reads the next bytes from the socket into c.rest, with the read
// deadline armed.
func (c *Conn) fill() error {
	if err := c.armRead(); err != nil {
		return err
	}
	b, err := c.readSome(c.nc)
	if err != nil {
		return err
	}
	c.rest = b
	return nil
}

// releaseRead gives the read buffer back once every byte of it has been
// consumed; events never outlive the next call to next.
func (c *Conn) releaseRead() {
	c.rest = nil
	c.release()
}

// armRead sets the read deadline for the next read: ReadTimeout from now,
// or the end of the message's time if that comes first. Setting a deadline
// updates a runtime timer, so it is skipped while the armed one is no later
// than the wanted one and less than an eighth of ReadTimeout earlier: the
// effective idle timeout is then between 7/8 and all of ReadTimeout.
func (c *Conn) armRead() error {
	if c.draining {
		return nil
	}
	now := monoNow()
	c.now = now
	want := now.add(c.cfg.ReadTimeout)
	if c.inMsg && c.msgDL < want {
		want = c.msgDL
	}
	if c.readDL <= want && time.Duration(want-c.readDL) < c.cfg.ReadTimeout/8 {
		return nil
	}
	c.readDL = want
	return c.nc.SetReadDeadline(want.time())
}

// next returns the next event of the stream, reading the socket when the
// codec needs more bytes. Payload slices are valid until the next call.
func (c *Conn) next() (codec.Event, error) {
	for {
		ev, n, err := c.rcv.Next(c.rest)
		c.rest = c.rest[n:]
		if err != nil {
			return ev, err
		}
		if ev.Kind != codec.EventMore {
			return ev, nil
		}
		c.releaseRead()
		// What this read produced leaves before the next read waits.
		if err := c.flush(); err != nil {
			return ev, err
		}
		if err := c.fill(); err != nil {
			return ev, c.readErr(err)
		}
	}
}

// readErr names a read deadline that passed: the idle or the message
// timeout.
func (c *Conn) readErr(err error) error {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	// armRead may have armed the message's deadline up to ReadTimeout/8
	// early, as it does the idle one.
	if c.inMsg && time.Duration(c.msgDL-monoNow()) <= c.cfg.ReadTimeout/8 {
		return ErrMessageTimeout
	}
	return ErrIdle
}

// readMessage reads the next data message into c.msg (after headroom),
// answering pings and ignoring pongs on the way. It returns a *CloseError
// when the connection ended with a closing handshake, which it has then
// completed (Close sent, TCP closed), or another error when the connection
// broke without one.
func (c *Conn) readMessage() (codec.Opcode, error) {
	for {
		ev, err := c.next()
		if err != nil {
			return 0, c.fail(err)
		}
		switch ev.Kind {
		case codec.EventHeader:
			h := c.rcv.Header()
			if h.Opcode != codec.OpContinuation {
				c.startMessage()
				c.zmsg = c.rcv.Compressed()
				c.ztext = c.zmsg && ev.Message == codec.OpText
				if c.ztext {
					c.z.utf8.Reset()
				}
			}
			if !c.zmsg {
				// The header passed the size limits: reserve the frame.
				c.reserve(int(h.Length))
			}
		case codec.EventPayload:
			if c.zmsg {
				// The message's last bytes (ev.End, on an empty payload
				// too when the last frame is empty) go in as final, so
				// that a message that arrived whole is inflated straight
				// from the read buffer.
				if err := c.inflate(ev.Payload, ev.End); err != nil {
					return 0, c.fail(err)
				}
				continue
			}
			c.appendPayload(ev.Payload)
		case codec.EventMessageEnd:
			c.inMsg = false
			c.msgs++
			return ev.Message, nil
		case codec.EventControl:
			switch ev.Message {
			case codec.OpPing:
				if err := c.queueControl(codec.OpPong, ev.Payload); err != nil {
					return 0, c.abort(err)
				}
			case codec.OpPong:
				if c.OnPong != nil {
					c.OnPong(ev.Payload)
				}
			case codec.OpClose:
				return 0, c.answerClose(ev.Payload)
			}
		}
	}
}

// inflate appends the inflated bytes of the compressed payload p to the
// message, within the message limit, checking a text message's UTF-8 as it
// grows (fail-fast, as for uncompressed text).
func (c *Conn) inflate(p []byte, final bool) error {
	if err := c.inflateInto(p, final, c.checkText); err != nil {
		return err
	}
	if c.ztext && final && c.z.utf8.Finish() != nil {
		return codec.ErrInvalidUTF8
	}
	return nil
}

// checkText validates the next inflated bytes of a compressed message
// when it is text.
func (c *Conn) checkText(b []byte) error {
	if c.ztext {
		if _, err := c.z.utf8.Write(b); err != nil {
			return codec.ErrInvalidUTF8
		}
	}
	return nil
}

// startMessage takes a message buffer and starts the message's clock.
func (c *Conn) startMessage() {
	if c.msg == nil {
		c.msg = getMsgBuf()
	}
	*c.msg = (*c.msg)[:headroom]
	c.releaseSpill() // the previous message's, for ReadMessage's callers
	c.inMsg = true
	c.msgDL = c.now.add(c.cfg.MessageTimeout)
}

// reserve grows the message buffer for n more bytes at once, so that a
// large frame is not copied again and again as it arrives, but never
// beyond spillAt (and the limit): the rest of a larger message goes into
// chunks (see spill.go).
func (c *Conn) reserve(n int) {
	b := *c.msg
	if c.spilled() {
		return
	}
	headMax := c.headMax()
	want := min(len(b)+n, headMax)
	if cap(b) >= want {
		return
	}
	// At least double, or a message in many small frames would be copied
	// once per frame; near headMax, headMax at once rather than once more
	// just short of it.
	grow := max(want, 2*cap(b))
	if grow >= headMax-headMax/4 {
		grow = headMax
	}
	nb := make([]byte, len(b), grow)
	copy(nb, b)
	*c.msg = nb
}

// releaseMsg returns the message buffer to the pool.
func (c *Conn) releaseMsg() {
	if c.msg != nil {
		putMsgBuf(c.msg)
		c.msg = nil
	}
	c.releaseSpill()
}

// ReadMessage returns the next data message, its opcode (codec.OpText or
// codec.OpBinary) and payload, which stays valid until the next call.
// Pings are answered and pongs dropped on the way. When the peer closes,
// or breaks the protocol, the closing handshake is completed and the error
// is a *CloseError; io.EOF or a network error means the connection broke
// without one.
func (c *Conn) ReadMessage() (codec.Opcode, []byte, error) {
	op, err := c.readMessage()
	if err != nil {
		return 0, nil, err
	}
	return op, c.joined(), nil
}

// Echo sends every data message back with its opcode until the connection
// ends, and returns how: a *CloseError after a closing handshake (Remote
// with code 1000 or 1005 is a normal end), another error otherwise.
func (c *Conn) Echo() error {
	for {
		if len(c.rest) == 0 {
			// Between messages with nothing buffered: wait for the peer
			// here, near the top of the stack (see Server.run), rather
			// than under readMessage. The codec has no event due then.
			c.releaseRead()
			// The echoes of the last read leave in one write.
			if err := c.flush(); err != nil {
				return c.abort(err)
			}
			if err := c.fill(); err != nil {
				return c.fail(c.readErr(err))
			}
		}
		op, err := c.readMessage()
		if err != nil {
			return err
		}
		err = c.writeMsgBuf(op)
		c.releaseMsg()
		if err != nil {
			return c.abort(err)
		}
		echoed.Add(1)
	}
}

// writeMsgBuf queues c.msg's payload as one frame, its header written
// into the headroom in front of it (no copy of the payload for a large
// message, which is queued by reference: a client masks it in place); the
// queue is written before the reader next waits for the socket.
//
// The header goes straight into the headroom (Header.Put) rather than
// through codec's Sender.Buffers, whose 14-byte header array and iovec
// pair every Conn would have to carry (see TestConnSize).
func (c *Conn) writeMsgBuf(op codec.Opcode) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed {
		return ErrClosed
	}
	owner := c.msg
	b := *owner
	spilled := c.spilled()
	h := codec.Header{Fin: true, Opcode: op}
	if c.z != nil && c.msgLen() >= int64(c.cfg.CompressMin) {
		zp := getMsgBuf()
		z, err := c.compressMsg((*zp)[:headroom])
		*zp = z
		if err != nil {
			putMsgBuf(zp)
			return err
		}
		owner, b, spilled = zp, z, false
		h.Rsv = codec.Rsv1
	}
	if spilled {
		return c.queueSpilledMsg(h)
	}
	fh, err := c.snd.FrameHeader(h, int64(len(b)-headroom))
	hl := fh.Len()
	if err == nil {
		_, err = fh.Put(b[headroom-hl : headroom])
	}
	if err != nil {
		if owner != c.msg {
			putMsgBuf(owner)
		}
		return err
	}
	if fh.Masked {
		wsframe.Mask(fh.Key, 0, b[headroom:])
	}
	taken, err := c.queueFrame(b[headroom-hl:], owner)
	switch {
	case taken && owner == c.msg:
		c.msg = nil // the queue gives it back after the write
	case !taken && owner != c.msg:
		putMsgBuf(owner)
	}
	return err
}

// compressMsg appends the compressed payload of the message (head and
// chunks) to dst.
func (c *Conn) compressMsg(dst []byte) ([]byte, error) {
	head := (*c.msg)[headroom:]
	comp := &c.z.comp
	if !c.spilled() {
		return comp.AppendMessage(dst, head)
	}
	dst, err := comp.Append(dst, head, false)
	for i, ch := range c.big.chunks {
		if err != nil {
			break
		}
		dst, err = comp.Append(dst, *ch, i == len(c.big.chunks)-1)
	}
	return dst, err
}

// queueSpilledMsg queues a message that spilled into chunks as one frame
// of h: its header in the head's headroom, the head and the chunks by
// reference (a client masks them in place, the key running on from one
// to the next). The queue takes them over. The caller holds wmu.
func (c *Conn) queueSpilledMsg(h codec.Header) error {
	fh, err := c.snd.FrameHeader(h, c.msgLen())
	if err != nil {
		return err
	}
	b := *c.msg
	hl := fh.Len()
	if _, err := fh.Put(b[headroom-hl : headroom]); err != nil {
		return err
	}
	if fh.Masked {
		pos := wsframe.Mask(fh.Key, 0, b[headroom:])
		for _, ch := range c.big.chunks {
			pos = wsframe.Mask(fh.Key, pos, *ch)
		}
	}
	if err := c.queueChunks(b[headroom-hl:], c.msg, c.big.chunks); err != nil {
		return err
	}
	c.msg = nil
	*c.big = spill{} // the chunks are the queue's now
	return nil
}

// write sends b with the write deadline armed; the caller holds wmu.
func (c *Conn) write(b []byte) error { return c.writeAt(b, monoNow()) }

// writeAt is write with the current time given: the reader passes the
// time of its last read rather than asking the clock again (a clock read
// costs about as much as parsing a frame header).
func (c *Conn) writeAt(b []byte, now mono) error {
	if err := c.armWrite(now); err != nil {
		return err
	}
	_, err := c.nc.Write(b)
	return err
}

// armWrite sets the write deadline WriteTimeout from now. It is re-armed
// lazily, as armRead does with the read deadline.
func (c *Conn) armWrite(now mono) error {
	want := now.add(c.cfg.WriteTimeout)
	if c.writeDL > want || time.Duration(want-c.writeDL) >= c.cfg.WriteTimeout/8 {
		c.writeDL = want
		return c.nc.SetWriteDeadline(want.time())
	}
	return nil
}

// WriteMessage sends payload as one data message of type op (codec.OpText
// or codec.OpBinary), in frames of at most frameSize bytes when frameSize
// is positive. A client's payload is copied, not masked in place.
func (c *Conn) WriteMessage(op codec.Opcode, payload []byte, frameSize int) error {
	if frameSize <= 0 || frameSize > len(payload) {
		frameSize = max(len(payload), 1)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed {
		return ErrClosed
	}
	bp := getMsgBuf()
	defer putMsgBuf(bp)
	h := codec.Header{Opcode: op}
	if c.z != nil && len(payload) >= c.cfg.CompressMin {
		zp := getMsgBuf()
		defer putMsgBuf(zp)
		z, err := c.z.comp.AppendMessage((*zp)[:0], payload)
		*zp = z
		if err != nil {
			return err
		}
		payload, h.Rsv = z, codec.Rsv1
		frameSize = min(frameSize, max(len(z), 1))
	}
	b, err := c.snd.AppendMessage((*bp)[:0], h, payload, frameSize)
	if err != nil {
		return err
	}
	*bp = b
	// Whatever the reader queued goes first.
	if err := c.flushLocked(); err != nil {
		return err
	}
	return c.write(b)
}

// Ping sends a ping frame with payload (at most 125 bytes); the pong
// comes back through ReadMessage, which drops it.
func (c *Conn) Ping(payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed {
		return ErrClosed
	}
	return c.writeControlLocked(codec.OpPing, payload)
}

// queueControl queues the reader's answer to a control frame (a pong)
// with its echoes, in the order they were produced.
func (c *Conn) queueControl(op codec.Opcode, payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed {
		return ErrClosed
	}
	// A control frame is at most 2+4+125 bytes.
	if !c.out.get().room(codec.MaxHeaderLen + codec.MaxControlPayload) {
		if err := c.flushLocked(); err != nil {
			return err
		}
		c.out.get().room(codec.MaxHeaderLen + codec.MaxControlPayload)
	}
	q := c.out.queue
	b, err := c.snd.AppendFrame(*q.buf, codec.Header{Fin: true, Opcode: op}, payload)
	// (AppendFrame grows the buffer if it must; see queue.room.)
	if err != nil {
		return err
	}
	*q.buf = b
	return nil
}

func (c *Conn) writeControlLocked(op codec.Opcode, payload []byte) error {
	// Whatever the reader queued goes first.
	if err := c.flushLocked(); err != nil {
		return err
	}
	// Control frames are rare: their buffer comes from the pool rather
	// than from every Conn.
	bp := getMsgBuf()
	defer putMsgBuf(bp)
	b, err := c.snd.AppendFrame((*bp)[:0], codec.Header{Fin: true, Opcode: op}, payload)
	if err != nil {
		return err
	}
	return c.write(b)
}

// sendClose sends a Close frame with code and reason, once.
func (c *Conn) sendClose(code codec.CloseCode, reason string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed {
		return ErrClosed
	}
	// The echoes queued so far go before the Close.
	flushErr := c.flushLocked()
	c.closed = true
	if flushErr != nil {
		return flushErr
	}
	if len(reason) > codec.MaxCloseReason {
		reason = reason[:codec.MaxCloseReason]
	}
	bp := getMsgBuf()
	defer putMsgBuf(bp)
	b, err := c.snd.AppendClose((*bp)[:0], code, reason)
	if err != nil {
		// Only a reason cut inside a UTF-8 sequence can get here.
		b, err = c.snd.AppendClose((*bp)[:0], code, "")
		if err != nil {
			return err
		}
	}
	c.writeDL = monoNow().add(c.cfg.CloseTimeout)
	c.nc.SetWriteDeadline(c.writeDL.time())
	_, err = c.nc.Write(b)
	return err
}

// answerClose replies to the peer's Close frame (payload already checked
// by the codec) with the same code, and ends the connection.
func (c *Conn) answerClose(payload []byte) error {
	code, reason, _ := codec.ParseClose(payload)
	// 1005 means the peer gave no code: answer with an empty Close.
	// ErrClosed means ours went out first (SendClose) and this is the
	// peer's answer.
	// reason lives in the read buffer, which finish gives back.
	ce := &CloseError{Code: code, Reason: string(reason)}
	ce.Remote = !errors.Is(c.sendClose(code, ""), ErrClosed)
	c.finish()
	return ce
}

// fail handles a read error: a codec violation or a timer running out is
// answered with a Close frame carrying its code before the connection
// ends; a broken connection is just closed.
func (c *Conn) fail(err error) error {
	var code codec.CloseCode
	switch {
	case errors.Is(err, ErrIdle):
		code = codec.CloseGoingAway
	case errors.Is(err, ErrMessageTimeout):
		code = codec.ClosePolicyViolation
	default:
		// A violation found by codec, pmdeflate or utf8valid knows its
		// close code; anything else (a network error) has none.
		var cc interface{ CloseCode() uint16 }
		if !errors.As(err, &cc) {
			return c.abort(err)
		}
		code = codec.CloseCode(cc.CloseCode())
	}
	c.sendClose(code, err.Error())
	c.finish()
	return &CloseError{Code: code, Reason: err.Error(), Err: err}
}

// abort closes the connection without a closing handshake.
func (c *Conn) abort(err error) error {
	c.wmu.Lock()
	c.closed = true
	c.out.drop() // what is queued cannot be written any more
	if c.z != nil {
		_ = c.z.comp.Reset(pmdeflate.CompressorConfig{Level: c.cfg.CompressLevel}) // gives the writer back
	}
	c.wmu.Unlock()
	c.nc.Close()
	c.releaseRead()
	c.releaseMsg()
	if c.z != nil {
		c.z.dec.Reset(pmdeflate.DecompressorConfig{})
	}
	return err
}

// closing fixes the read deadline at CloseTimeout from now: the closing
// handshake has begun and no more idle time is granted.
func (c *Conn) closing() {
	if !c.draining {
		c.draining = true
		c.readDL = monoNow().add(c.cfg.CloseTimeout)
		c.nc.SetReadDeadline(c.readDL.time())
	}
}

// finish ends the connection once our Close frame went out. The stream is
// read and dropped until EOF: the peer's Close may still be due, and its
// bytes in flight must not turn our Close into a reset. A server first
// half-closes, since it closes TCP first (RFC 6455 §7.1.1); a client waits
// for the server to. The wait is bounded by CloseTimeout.
func (c *Conn) finish() {
	c.closing()
	if c.role == codec.RoleServer {
		if tc, ok := c.nc.(interface{ CloseWrite() error }); ok {
			tc.CloseWrite()
		}
	}
	for {
		c.releaseRead()
		if err := c.fill(); err != nil {
			break
		}
	}
	c.abort(nil)
}

// Close starts the closing handshake with code and reason, waits (at most
// CloseTimeout) for the peer's answer and the end of the connection, and
// returns the peer's Close as a *CloseError with Remote unset, or the
// error that broke the wait. It must not run while another goroutine is
// in ReadMessage; use SendClose for that.
func (c *Conn) Close(code codec.CloseCode, reason string) error {
	if err := c.sendClose(code, reason); err != nil {
		return c.abort(err)
	}
	c.closing()
	var peer *CloseError
	for peer == nil {
		ev, err := c.next()
		if err != nil {
			c.abort(nil)
			return err
		}
		if ev.Kind == codec.EventControl && ev.Message == codec.OpClose {
			pc, reason, _ := codec.ParseClose(ev.Payload)
			peer = &CloseError{Code: pc, Reason: string(reason)}
		}
	}
	c.finish()
	return peer
}

// SendClose sends a Close frame without waiting: the reader goroutine,
// in ReadMessage, then gets the peer's answer as a *CloseError and
// finishes the connection.
func (c *Conn) SendClose(code codec.CloseCode, reason string) error {
	return c.sendClose(code, reason)
}
