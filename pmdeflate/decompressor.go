package pmdeflate

import (
	"compress/flate"
	"errors"
	"io"
	"sync"

	"github.com/wsframe/wsframe/codec"
)

// endTail is appended to a message's compressed bytes before inflating
// them: the 00 00 ff ff that the sender removed (RFC 7692 §7.2.2), then an
// empty stored block with BFINAL set, so that compress/flate reaches the end
// of a stream and says io.EOF instead of asking for more input.
var endTail = [...]byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

const (
	// window is DEFLATE's largest distance, all the context a message can
	// refer back to.
	window = 32 << 10
	// hold is how much compressed input must be at hand before inflating
	// from the middle of a message. compress/flate cannot resume once its
	// input runs dry (the error sticks), and one of its steps fills at most
	// its 32 KiB window, from at most 15 bits of input per output byte
	// (61,440 bytes) plus a dynamic block header (under 600 bytes). Only a
	// run of empty blocks can need more, and ErrDeflateStalled refuses it.
	hold = 64 << 10
	// pendCap is the size of the buffer that holds input back: after
	// inflating down to below hold it always has room for more.
	pendCap = 2 * hold
)

// ErrShortDst is returned by [Decompressor.Inflate] when dst is full and
// more of the message may follow: call again with a fresh dst and the rest
// of src. It is not a violation.
var ErrShortDst = errors.New("pmdeflate: destination buffer full")

// errDry is what the input gives compress/flate when it has no more bytes.
var errDry = errors.New("pmdeflate: input ran dry")

// source feeds compress/flate from up to three pieces in turn: input held
// back from earlier calls, the caller's src, and endTail. It implements
// flate.Reader (io.ByteReader), so that compress/flate reads exactly the
// bytes it needs and nothing is lost in a buffer of its own.
type source struct {
	cur  []byte    // what is left of piece i
	rest [2][]byte // the pieces after i
	i    int
	dry  bool // compress/flate asked for more than there was
}

func (s *source) set(held, src, tail []byte) {
	*s = source{cur: held, rest: [2][]byte{src, tail}}
}

// left returns what is left of piece k (0, 1 or 2).
func (s *source) left(k int) []byte {
	switch {
	case k < s.i:
		return nil
	case k == s.i:
		return s.cur
	}
	return s.rest[k-s.i-1]
}

// advance moves to the next non-empty piece; false when there is none.
func (s *source) advance() bool {
	for len(s.cur) == 0 {
		if s.i == len(s.rest) {
			s.dry = true
			return false
		}
		s.cur = s.rest[0]
		s.rest[0], s.rest[1] = s.rest[1], nil
		s.i++
	}
	return true
}

func (s *source) ReadByte() (byte, error) {
	if len(s.cur) == 0 && !s.advance() {
		return 0, errDry
	}
	b := s.cur[0]
	s.cur = s.cur[1:]
	return b, nil
}

func (s *source) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && (len(s.cur) > 0 || s.advance()) {
		k := copy(p[n:], s.cur)
		s.cur = s.cur[k:]
		n += k
	}
	if n == 0 && len(p) > 0 {
		return 0, errDry
	}
	return n, nil
}

// reader is a pooled compress/flate decompressor with its source.
type reader struct {
	fr  io.ReadCloser
	src source
}

var (
	readerPool sync.Pool // *reader
	pendPool   sync.Pool // *[]byte of capacity pendCap
)

func getReader(dict []byte) *reader {
	r, ok := readerPool.Get().(*reader)
	if !ok {
		r = new(reader)
		r.fr = flate.NewReaderDict(&r.src, dict)
		return r
	}
	// Reset cannot fail for a flate.Reader source.
	_ = r.fr.(flate.Resetter).Reset(&r.src, dict)
	return r
}

func putReader(r *reader) {
	r.src = source{} // do not keep the caller's buffers alive
	readerPool.Put(r)
}

// DecompressorConfig says how a [Decompressor] inflates. The zero
// DecompressorConfig is no context takeover and no size limit.
type DecompressorConfig struct {
	// ContextTakeover: the peer's messages may refer back to its earlier
	// ones (DeflateParams.Incoming's contextTakeover), so the decompressor
	// keeps the last 32 KiB of what it inflated.
	ContextTakeover bool
	// MaxMessageSize, when positive, is the largest inflated size of a
	// message. Inflating stops as soon as a message exceeds it, with
	// [codec.ErrDeflateTooBig] (1009), having delivered at most
	// MaxMessageSize bytes: a decompression bomb costs no more memory or
	// time than a message of the limit's size.
	MaxMessageSize int64
}

// Decompressor inflates the payloads of the compressed messages that one end
// of a connection receives, in whatever chunks they arrive: a chunk can end
// anywhere, including inside a DEFLATE symbol or in the middle of a frame.
//
// It holds compressed input back only from the middle of a message, and at
// most 128 KiB of it (compress/flate cannot stop and resume when its input
// runs out, so the decompressor keeps enough at hand for its next step; see
// [Decompressor.Inflate]). A message given in one call is inflated straight
// from the caller's bytes.
//
// The zero Decompressor is ready to use with the zero [DecompressorConfig].
// After an error it returns the same error until Reset. A Decompressor is not
// safe for concurrent use.
type Decompressor struct {
	cfg   DecompressorConfig
	r     *reader // while a message is in progress
	pend  []byte  // input held back, in *pendp; nil when none
	pendp *[]byte // from pendPool
	pos   int     // pend[pos:] is what compress/flate has not read yet
	tailN int     // bytes of endTail read in the message's final call
	n     int64   // bytes inflated in the current message
	eof   bool    // the message's stream ended before its final call
	hist  []byte  // with context takeover: recent output, last 32 KiB used
	err   error
}

// NewDecompressor returns a Decompressor for cfg.
func NewDecompressor(cfg DecompressorConfig) *Decompressor {
	d := new(Decompressor)
	d.Reset(cfg)
	return d
}

// Reset makes d a fresh Decompressor for cfg, forgetting any message in
// progress, the context of earlier ones and any error, and gives its pooled
// state back. Call it when the connection closes.
func (d *Decompressor) Reset(cfg DecompressorConfig) {
	d.endMessage()
	hist := d.hist[:0]
	if !cfg.ContextTakeover {
		hist = nil
	}
	*d = Decompressor{cfg: cfg, hist: hist}
}

// Idle reports whether d holds no pooled state (no message in progress).
// With context takeover it still holds its 64 KiB of history.
func (d *Decompressor) Idle() bool { return d.r == nil && d.pendp == nil }

// InMessage reports whether a message has begun and not yet ended.
func (d *Decompressor) InMessage() bool { return d.r != nil }

func (d *Decompressor) beginMessage() {
	var dict []byte
	if d.cfg.ContextTakeover && len(d.hist) > 0 {
		dict = d.hist[max(0, len(d.hist)-window):]
	}
	d.r = getReader(dict)
	d.n, d.tailN, d.eof = 0, 0, false
}

func (d *Decompressor) endMessage() {
	if d.r != nil {
		putReader(d.r)
		d.r = nil
	}
	if d.pendp != nil {
		pendPool.Put(d.pendp)
		d.pend, d.pendp, d.pos = nil, nil, 0
	}
}

func (d *Decompressor) fail(err error) error {
	d.endMessage()
	d.err = err
	return err
}

// remember keeps p as the most recent output, for the next message's
// context: the history buffer is twice the window, so that it is shifted
// at most once per 32 KiB of output.
func (d *Decompressor) remember(p []byte) {
	if len(p) >= window {
		d.hist = append(d.hist[:0], p[len(p)-window:]...)
		return
	}
	if d.hist == nil {
		d.hist = make([]byte, 0, 2*window)
	}
	if len(d.hist)+len(p) > cap(d.hist) {
		keep := window - len(p)
		d.hist = d.hist[:copy(d.hist, d.hist[len(d.hist)-keep:])]
	}
	d.hist = append(d.hist, p...)
}

// read inflates into p (never empty), enforcing the limit and keeping the
// history. It returns io.EOF at the end of the stream.
func (d *Decompressor) read(p []byte, final bool) (int, error) {
	limit := d.cfg.MaxMessageSize
	if limit > 0 && int64(len(p)) > limit-d.n+1 {
		p = p[:limit-d.n+1] // one byte more than allowed shows it is exceeded
	}
	k, err := d.r.fr.Read(p)
	over := limit > 0 && d.n+int64(k) > limit
	if over {
		k = int(limit - d.n)
	}
	d.n += int64(k)
	if d.cfg.ContextTakeover && k > 0 {
		d.remember(p[:k])
	}
	switch {
	case over:
		return k, ErrDeflateTooBig
	case err == nil || err == io.EOF:
		return k, err
	case d.r.src.dry && !final:
		return k, ErrDeflateStalled
	}
	return k, ErrDeflateCorrupt
}

// The errors of compressed payloads are codec errors, with close codes.
var (
	ErrDeflateCorrupt = codec.ErrDeflateCorrupt // 1007
	ErrDeflateTooBig  = codec.ErrDeflateTooBig  // 1009
	ErrDeflateStalled = codec.ErrDeflateStalled // 1009
)

// Inflate inflates src, the next bytes of a compressed message's payload
// (frames' payloads concatenated, unmasked), into dst. final says src ends
// the message. It returns how many bytes it wrote to dst and consumed from
// src, and:
//   - nil when it consumed all of src. After a final call the message is
//     complete and all of it is in dst; the next call starts the next
//     message. After other calls, output may lag: inflating from the middle
//     of a message waits until 64 KiB of input is at hand, and what is left
//     comes with later calls (at the latest, the final one).
//   - [ErrShortDst] when dst is full: call again with more room, src[nSrc:]
//     and the same final.
//   - [ErrDeflateCorrupt] (1007), [ErrDeflateTooBig] (1009) or
//     [ErrDeflateStalled] (1009); d then fails every call until Reset.
//
// A message with context takeover may refer to the output of the messages
// before it, which is why every message must go through the same
// Decompressor in order, each ended by a final call.
func (d *Decompressor) Inflate(dst, src []byte, final bool) (nDst, nSrc int, err error) {
	if d.err != nil {
		return 0, 0, d.err
	}
	if d.r == nil {
		d.beginMessage()
	}
	if d.eof {
		// The sender ended the stream with a final block of its own
		// (RFC 7692 §7.2.3.4); what follows it is ignored.
		if final {
			d.endMessage()
		}
		return 0, len(src), nil
	}
	if final {
		return d.inflateFinal(dst, src)
	}
	for {
		// Inflate as long as compress/flate cannot run dry.
		for len(d.pend)-d.pos >= hold {
			if nDst == len(dst) {
				return nDst, nSrc, ErrShortDst
			}
			d.r.src.set(d.pend[d.pos:], nil, nil)
			k, err := d.read(dst[nDst:], false)
			d.pos = len(d.pend) - len(d.r.src.left(0))
			nDst += k
			if err == io.EOF {
				d.eof = true // see above
				d.pos = len(d.pend)
				return nDst, len(src), nil
			}
			if err != nil {
				return nDst, nSrc, d.fail(err)
			}
		}
		if nSrc == len(src) {
			return nDst, nSrc, nil
		}
		if d.pendp == nil {
			p, ok := pendPool.Get().(*[]byte)
			if !ok {
				b := make([]byte, 0, pendCap)
				p = &b
			}
			d.pendp, d.pend = p, (*p)[:0]
		}
		d.pend = d.pend[:copy(d.pend, d.pend[d.pos:])]
		d.pos = 0
		k := copy(d.pend[len(d.pend):cap(d.pend)], src[nSrc:])
		d.pend = d.pend[:len(d.pend)+k]
		nSrc += k
	}
}

// inflateFinal inflates the held input, src and endTail to the end of the
// stream.
func (d *Decompressor) inflateFinal(dst, src []byte) (nDst, nSrc int, err error) {
	var held []byte
	if d.pend != nil {
		held = d.pend[d.pos:]
	}
	s := &d.r.src
	for {
		if nDst == len(dst) {
			return nDst, nSrc, ErrShortDst
		}
		s.set(held, src[nSrc:], endTail[d.tailN:])
		k, err := d.read(dst[nDst:], true)
		nDst += k
		held = s.left(0)
		nSrc = len(src) - len(s.left(1))
		d.tailN = len(endTail) - len(s.left(2))
		if d.pend != nil {
			d.pos = len(d.pend) - len(held)
		}
		switch {
		case err == io.EOF:
			// The stream ended: at our final block, or at one of the
			// sender's (RFC 7692 §7.2.3.4). A sender that ends with a
			// final block still appends the start of an empty stored
			// block (§7.2.1), and zlib's inflate stops at the final
			// block whatever follows, so the rest is ignored.
			d.endMessage()
			return nDst, len(src), nil
		case err != nil:
			return nDst, nSrc, d.fail(err)
		}
	}
}

// AppendInflate inflates src like [Decompressor.Inflate], appending all the
// output to dst (which it grows as needed, never beyond the message limit)
// and returning the extended slice.
func (d *Decompressor) AppendInflate(dst, src []byte, final bool) ([]byte, error) {
	for {
		if len(dst) == cap(dst) {
			n := max(512, len(src), cap(dst))
			if limit := d.cfg.MaxMessageSize; limit > 0 && d.err == nil {
				n = int(min(int64(n), max(1, limit-d.n+1)))
			}
			// Exactly n more, so that the limit bounds the capacity.
			grown := make([]byte, len(dst), len(dst)+n)
			dst = grown[:copy(grown, dst)]
		}
		nd, ns, err := d.Inflate(dst[len(dst):cap(dst)], src, final)
		dst, src = dst[:len(dst)+nd], src[ns:]
		if err != ErrShortDst {
			return dst, err
		}
	}
}
