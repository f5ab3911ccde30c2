package pmdeflate

import (
	"compress/flate"
	"errors"
	"sync"
)

// flushTail is what a DEFLATE sync flush ends with, the LEN and NLEN of an
// empty stored block. RFC 7692 §7.2.1 removes it from the end of every
// compressed message and §7.2.2 appends it back before inflating.
var flushTail = [4]byte{0x00, 0x00, 0xff, 0xff}

// CompressorConfig says how a [Compressor] compresses. The zero
// CompressorConfig compresses at flate.BestSpeed with a 32 KiB window and
// no context takeover.
type CompressorConfig struct {
	// Level is a compress/flate level: flate.BestSpeed (1) to
	// flate.BestCompression (9), flate.DefaultCompression (-1, level 6) or
	// flate.HuffmanOnly (-2). Zero means flate.BestSpeed, the default
	// because it is the only level whose per-message reset is cheap:
	// levels 2..9 clear 640 KiB of hash tables whenever a message starts
	// without context takeover.
	Level int
	// ContextTakeover lets a message refer back to the messages sent
	// before it, which compresses repetitive traffic much better but keeps
	// a flate.Writer per connection. Set it only when the peer allows it
	// (DeflateParams.Outgoing's contextTakeover); leaving it off is always
	// conformant.
	ContextTakeover bool
	// WindowBits is the largest LZ77 window the peer's decompressor
	// accepts, 8..15 (DeflateParams.Outgoing's windowBits); zero means 15.
	// Below 15 the compressor uses flate.HuffmanOnly whatever Level says
	// (see the package documentation).
	WindowBits int
}

// ErrBadConfig is returned for a CompressorConfig with a Level or
// WindowBits outside the ranges it documents.
var ErrBadConfig = errors.New("pmdeflate: compression level or window bits out of range")

// errFlush would mean compress/flate changed how it flushes.
var errFlush = errors.New("pmdeflate: compress/flate flush did not end with 00 00 ff ff")

// A sink collects what a flate.Writer writes, appending to the caller's
// buffer.
type sink struct{ buf []byte }

func (s *sink) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	return len(p), nil
}

// writer is a flate.Writer with the sink it writes into, pooled together
// so that taking one from the pool needs no rebinding.
type writer struct {
	fw  *flate.Writer
	out sink
}

// writerPools holds idle writers, one pool per level (flate.Writer.Reset
// keeps the level).
var writerPools [flate.BestCompression - flate.HuffmanOnly + 1]sync.Pool

func getWriter(level int) *writer {
	if w, ok := writerPools[level-flate.HuffmanOnly].Get().(*writer); ok {
		w.fw.Reset(&w.out)
		return w
	}
	w := new(writer)
	fw, err := flate.NewWriter(&w.out, level)
	if err != nil { // cannot happen: Reset checked the level
		panic("pmdeflate: " + err.Error())
	}
	w.fw = fw
	return w
}

func putWriter(level int, w *writer) {
	w.out.buf = nil // do not keep the caller's buffer alive
	writerPools[level-flate.HuffmanOnly].Put(w)
}

// Compressor compresses the messages one end of a connection sends, each
// into the payload of a permessage-deflate message: the bytes to put in its
// frames, the first of which has Rsv1 set. A message may be given whole
// ([Compressor.AppendMessage]) or in chunks ([Compressor.Append]); the
// output is the same DEFLATE stream either way.
//
// The zero Compressor is ready to use with the zero [CompressorConfig]. A
// Compressor is not safe for concurrent use.
type Compressor struct {
	level    int
	takeover bool
	w        *writer // with context takeover always, else only mid-message
}

// NewCompressor returns a Compressor for cfg, or [ErrBadConfig].
func NewCompressor(cfg CompressorConfig) (*Compressor, error) {
	c := new(Compressor)
	if err := c.Reset(cfg); err != nil {
		return nil, err
	}
	return c, nil
}

// Reset makes c a fresh Compressor for cfg, abandoning any message in
// progress and the context of earlier ones, and gives its compress/flate
// state back to the pool. On [ErrBadConfig] c is left as it was. Call
// Reset(c's config) when the connection closes, so that a compressor with
// context takeover returns its writer.
func (c *Compressor) Reset(cfg CompressorConfig) error {
	level, takeover := cfg.Level, cfg.ContextTakeover
	switch {
	case level == 0:
		level = flate.BestSpeed
	case level == flate.DefaultCompression:
		level = 6
	case level < flate.HuffmanOnly || level > flate.BestCompression:
		return ErrBadConfig
	}
	switch bits := cfg.WindowBits; {
	case bits == 0 || bits == 15:
	case bits >= 8 && bits < 15:
		// compress/flate cannot shrink its window: use no window.
		level, takeover = flate.HuffmanOnly, false
	default:
		return ErrBadConfig
	}
	if level == flate.HuffmanOnly {
		takeover = false // no back-references, so no context to keep
	}
	c.release()
	c.level, c.takeover = level, takeover
	return nil
}

func (c *Compressor) release() {
	if c.w != nil {
		putWriter(c.level, c.w)
		c.w = nil
	}
}

func (c *Compressor) init() {
	if c.level == 0 { // the zero Compressor
		c.level = flate.BestSpeed
	}
}

// Append compresses src, the next bytes of the message being sent, appends
// what compress/flate has produced so far to dst and returns the extended
// slice. With final, src is the end of the message: the stream is flushed
// to a byte boundary and its last four bytes, 00 00 ff ff, are left out
// (RFC 7692 §7.2.1). The payload of the message is everything the calls
// for it appended, in order; an empty message compresses to one byte, 00.
//
// Output lags input: compress/flate holds up to 64 KiB before it writes a
// block, so only the final call is sure to append anything. Without context
// takeover the compress/flate state is taken from a pool by the first call
// of a message and given back by the final one.
func (c *Compressor) Append(dst, src []byte, final bool) ([]byte, error) {
	c.init()
	if c.w == nil {
		c.w = getWriter(c.level)
	}
	w := c.w
	w.out.buf = dst
	if len(src) > 0 {
		if _, err := w.fw.Write(src); err != nil { // sink never fails
			w.out.buf = nil
			return dst, err
		}
	}
	if !final {
		out := w.out.buf
		w.out.buf = nil
		return out, nil
	}
	if err := w.fw.Flush(); err != nil {
		w.out.buf = nil
		return dst, err
	}
	out := w.out.buf
	w.out.buf = nil
	// A flush writes its whole empty stored block in this call.
	n := len(out) - len(flushTail)
	if n < len(dst) || [4]byte(out[n:]) != flushTail {
		c.release()
		return dst, errFlush
	}
	if !c.takeover {
		c.release()
	}
	return out[:n], nil
}

// AppendMessage compresses the whole message msg and appends the payload of
// its compressed message to dst: Append(dst, msg, true).
func (c *Compressor) AppendMessage(dst, msg []byte) ([]byte, error) {
	return c.Append(dst, msg, true)
}

// Idle reports whether c holds no compress/flate state: between messages
// without context takeover, always true.
func (c *Compressor) Idle() bool { return c.w == nil }
