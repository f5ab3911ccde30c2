package pmdeflate

import (
	"errors"
	"sync"

	"github.com/wsframe/wsframe/codec"
)

// endTail is what the decompressor inflates after a message's last byte:
// the 00 00 ff ff that the sender removed (RFC 7692 §7.2.2), then an empty
// stored block with BFINAL set. A message must reach the end of that final
// block; one that ends inside a block of its own is truncated, and fails as
// corrupt rather than come out short.
var endTail = [...]byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// ErrShortDst is returned by [Decompressor.Inflate] when dst is full and
// more of the message may follow: call again with a fresh dst and the rest
// of src. It is not a violation.
var ErrShortDst = errors.New("pmdeflate: destination buffer full")

// errStuck reports a decoder that stopped making progress, which would be a
// bug in it; it fails the message (1011) rather than loop.
var errStuck = &Error{"pmdeflate: internal error: the decoder made no progress", uint16(codec.CloseInternalError)}

// The decoder state and the history are pooled separately: a connection
// with context takeover keeps its history between messages, but no
// connection keeps decoder state while it is idle.
var (
	inflaterPool = sync.Pool{New: func() any { return new(inflater) }}
	windowPool   = sync.Pool{New: func() any { return new(window) }}
)

// DecompressorConfig says how a [Decompressor] inflates. The zero
// DecompressorConfig is no context takeover and a limit of
// codec.DefaultMaxMessageSize (16 MiB) on a message's inflated size.
type DecompressorConfig struct {
	// ContextTakeover: the peer's messages may refer back to its earlier
	// ones (DeflateParams.Incoming's contextTakeover), so the decompressor
	// keeps the last 32 KiB of what it inflated.
	ContextTakeover bool
	// MaxMessageSize is the largest inflated size of a message. Inflating
	// stops as soon as a message exceeds it, with [ErrDeflateTooBig]
	// (1009), having delivered exactly MaxMessageSize bytes: a
	// decompression bomb costs no more memory or time than a message of
	// the limit's size. Zero means codec.DefaultMaxMessageSize; a negative
	// value (codec.NoLimit) turns the limit off, which lets a peer make a
	// caller that collects messages grow without bound (DEFLATE expands
	// up to 1032 times): choose it only when something else bounds them.
	MaxMessageSize int64
}

// limit returns the message limit cfg enforces, or 0 for none.
func (c *DecompressorConfig) limit() int64 {
	switch {
	case c.MaxMessageSize == 0:
		return codec.DefaultMaxMessageSize
	case c.MaxMessageSize < 0:
		return 0
	}
	return c.MaxMessageSize
}

// Decompressor inflates the payloads of the compressed messages that one end
// of a connection receives, in whatever chunks they arrive: a chunk can end
// anywhere, inside a DEFLATE symbol, a block header or a frame. It has its
// own DEFLATE decoder (RFC 1951), which stops where its input ends and
// resumes with the next chunk, so every chunking of a message inflates to
// the same bytes, output comes as the input does, and no compressed input
// is ever held back.
//
// While a message is in progress it holds about 38 KiB taken from pools
// shared by all connections: its decoder state (under 6 KiB: bit buffer,
// place in the stream, decoding tables) and a 32 KiB history. At the
// message's end it gives both back; with context takeover it keeps the
// history (the peer's next message may refer to it) until Reset.
//
// The zero Decompressor is ready to use with the zero [DecompressorConfig].
// After an error it returns the same error until Reset. A Decompressor is not
// safe for concurrent use.
type Decompressor struct {
	cfg   DecompressorConfig
	f     *inflater // decoder state, while a message is in progress
	w     *window   // history: in a message, and between them with context takeover
	n     int64     // bytes of the current message delivered
	tailN int       // bytes of endTail inflated
	eof   bool      // the message's stream has ended; the rest is ignored
	perr  error     // found while inflated output before it is still to deliver
	err   error     // returned by every call until Reset
}

// NewDecompressor returns a Decompressor for cfg.
func NewDecompressor(cfg DecompressorConfig) *Decompressor {
	d := new(Decompressor)
	d.Reset(cfg)
	return d
}

// Reset makes d a fresh Decompressor for cfg, forgetting any message in
// progress, the context of earlier ones and any error, and gives its pooled
// state and its history back. Call it when the connection closes.
func (d *Decompressor) Reset(cfg DecompressorConfig) {
	d.endMessage()
	d.releaseWindow()
	*d = Decompressor{cfg: cfg}
}

// Idle reports whether d holds no decoder state (no message in progress).
// With context takeover it still holds its 32 KiB of history.
func (d *Decompressor) Idle() bool { return d.f == nil }

// InMessage reports whether a message has begun and not yet ended.
func (d *Decompressor) InMessage() bool { return d.f != nil }

func (d *Decompressor) beginMessage() {
	d.f = inflaterPool.Get().(*inflater)
	d.f.reset()
	if d.w == nil {
		d.w = windowPool.Get().(*window)
		d.w.reset() // whatever it held is not this connection's history
	}
	d.n, d.tailN, d.eof, d.perr = 0, 0, false, nil
}

func (d *Decompressor) endMessage() {
	if d.f != nil {
		inflaterPool.Put(d.f)
		d.f = nil
	}
	d.n = 0 // so that AppendInflate sizes the next message from zero
	if !d.cfg.ContextTakeover {
		d.releaseWindow()
	}
}

func (d *Decompressor) releaseWindow() {
	if d.w != nil {
		windowPool.Put(d.w)
		d.w = nil
	}
}

func (d *Decompressor) fail(err error) error {
	d.endMessage()
	d.releaseWindow()
	d.err = err
	return err
}

// Inflate inflates src, the next bytes of a compressed message's payload
// (frames' payloads concatenated, unmasked), into dst. final says src ends
// the message. It returns how many bytes it wrote to dst and consumed from
// src, and:
//   - nil when it consumed all of src and delivered all that src inflates
//     to. After a final call the message is complete; the next call starts
//     the next message.
//   - [ErrShortDst] when dst is full: call again with more room, src[nSrc:]
//     and the same final.
//   - [ErrDeflateCorrupt] (1007) or [ErrDeflateTooBig] (1009), after
//     delivering the output that came before the fault (at most the
//     limit); d then fails every call until Reset.
//
// A message with context takeover may refer to the output of the messages
// before it, which is why every message must go through the same
// Decompressor in order, each ended by a final call.
func (d *Decompressor) Inflate(dst, src []byte, final bool) (nDst, nSrc int, err error) {
	if d.err != nil {
		return 0, 0, d.err
	}
	if d.f == nil {
		d.beginMessage()
	}
	limit := d.cfg.limit()
	for {
		// Deliver what is inflated, up to the limit.
		if p := d.w.pending(); len(p) > 0 {
			allowed := p
			if limit > 0 && int64(len(p)) > limit-d.n {
				allowed = p[:limit-d.n]
			}
			k := copy(dst[nDst:], allowed)
			nDst += k
			d.w.rpos += k
			d.n += int64(k)
			if k < len(allowed) {
				return nDst, nSrc, ErrShortDst
			}
			if len(allowed) < len(p) {
				return nDst, nSrc, d.fail(ErrDeflateTooBig)
			}
		}
		if d.perr != nil {
			return nDst, nSrc, d.fail(d.perr)
		}
		if d.eof {
			// The stream ended at a final block: ours in endTail, or
			// the sender's own (RFC 7692 §7.2.3.4), after which a sender
			// still appends the start of an empty stored block (§7.2.1).
			// As zlib's inflate does, ignore whatever follows.
			if final {
				d.endMessage()
			}
			return nDst, len(src), nil
		}
		var in []byte
		tail := false
		switch {
		case nSrc < len(src):
			in = src[nSrc:]
		case !final:
			return nDst, nSrc, nil
		case d.tailN < len(endTail):
			in, tail = endTail[d.tailN:], true
		default:
			// endTail did not end the stream: the message ends inside
			// a block.
			return nDst, nSrc, d.fail(ErrDeflateCorrupt)
		}
		// Nothing is pending here. With a limit, inflate one byte more
		// than it allows, which shows that the message exceeds it.
		room := d.w.room()
		if limit > 0 {
			room = int(min(int64(room), limit-d.n+1))
		}
		k, s := d.f.inflate(d.w, in, room)
		if tail {
			d.tailN += k
		} else {
			nSrc += k
		}
		switch s {
		case stopEnd:
			d.eof = true
		case stopCorrupt:
			d.perr = ErrDeflateCorrupt
		case stopInput:
			if k != len(in) {
				// The decoder wants more input while it has some: a
				// bug, which must not become an endless loop.
				d.perr = errStuck
			}
		}
	}
}

// AppendInflate inflates src like [Decompressor.Inflate], appending all the
// output to dst (which it grows as needed, never beyond the message limit)
// and returning the extended slice.
func (d *Decompressor) AppendInflate(dst, src []byte, final bool) ([]byte, error) {
	for {
		if len(dst) == cap(dst) && d.err == nil {
			n := max(512, len(src), cap(dst))
			if limit := d.cfg.limit(); limit > 0 {
				// Exactly what the limit allows, so that it bounds
				// the capacity too.
				n = int(min(int64(n), limit-d.n))
			}
			if n > 0 {
				grown := make([]byte, len(dst), len(dst)+n)
				dst = grown[:copy(grown, dst)]
			}
		}
		nd, ns, err := d.Inflate(dst[len(dst):cap(dst)], src, final)
		dst, src = dst[:len(dst)+nd], src[ns:]
		if err != ErrShortDst {
			return dst, err
		}
	}
}
