package main

import (
	"github.com/panjf2000/gnet/v2"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/pmdeflate"
)

// copyMax is the largest payload copied into the outbox's buffer; larger
// ones go out as iovecs of their own (a slice of the read buffer, or a
// message's chunks), which costs the kernel an iovec instead of us a copy.
const copyMax = 32 << 10

// heldMax is how many messages of more than copyMax one write may carry
// by reference. A read is at most 64 KiB (gnet's read buffer), so it
// rarely completes more than two of them; when it does, the outbox is
// written in between (see full).
const heldMax = 4

// outBufSize is the size of the outbox's buffer: a 64 KiB read answered
// in full fits (echoes are no longer than what was read: a server's
// headers are 4 bytes shorter, having no masking key).
const outBufSize = 64 << 10

// outbox collects everything that one OnTraffic answers (echoes, pongs, a
// Close) and hands it to gnet in one write: one write(2) when it all
// fits in the outbox's buffer, one writev(2) when large payloads ride
// along by reference. It is taken from a pool for one OnTraffic and given
// back after the write, so a connection holds none between reads.
type outbox struct {
	iov   [][]byte
	iovs  iovecs           // writev's argument, built here rather than allocated
	buf   *[]byte          // the buffer small frames are copied into
	seg   int              // start of the part of buf not yet in iov
	spare []*[]byte        // earlier buffers, when one was not enough
	held  [heldMax]message // messages whose chunks iov points into
	nheld int
}

// newOutbox returns an empty outbox with its buffer.
func newOutbox() *outbox {
	b := make([]byte, 0, outBufSize)
	return &outbox{iov: make([][]byte, 0, 4*heldMax), buf: &b, spare: make([]*[]byte, 0, 4)}
}

// empty reports whether nothing is waiting to be written.
func (o *outbox) empty() bool { return len(o.iov) == 0 && len(*o.buf) == o.seg }

// full reports whether o should be written before another message is
// added: it holds as many messages by reference as one write should carry.
func (o *outbox) full() bool { return o.nheld == heldMax }

// space returns o's buffer with at least n bytes free, closing the
// current buffer's segment and continuing in another buffer if needed.
func (o *outbox) space(n int) []byte {
	b := *o.buf
	if cap(b)-len(b) >= n {
		return b
	}
	o.cut()
	o.spare = append(o.spare, o.buf)
	o.buf = getChunk(max(n, outBufSize))
	o.seg = 0
	return *o.buf
}

// cut closes the segment of o's buffer written since the last cut: it
// becomes an iovec.
func (o *outbox) cut() {
	b := *o.buf
	if len(b) > o.seg {
		o.iov = append(o.iov, b[o.seg:])
		o.seg = len(b)
	}
}

// control appends a pong (or another control frame) with payload.
func (o *outbox) control(op codec.Opcode, payload []byte) {
	h := codec.Header{Fin: true, Opcode: op, Length: int64(len(payload))}
	b := codec.AppendHeader(o.space(h.Len()+len(payload)), h)
	*o.buf = append(b, payload...)
}

// close appends a Close frame with code (codec.CloseNoStatus: an empty
// one) and reason, cut to fit a control frame.
func (o *outbox) close(code codec.CloseCode, reason string) {
	b := o.space(2 + codec.MaxControlPayload)
	if len(reason) > codec.MaxCloseReason {
		reason = reason[:codec.MaxCloseReason]
	}
	nb, err := serverSender.AppendClose(b, code, reason)
	if err != nil {
		// A reason cut inside a UTF-8 sequence: send the code alone.
		nb, _ = serverSender.AppendClose(b, code, "")
	}
	*o.buf = nb
}

// serverSender writes Close frames. A server's Sender masks nothing, so it
// holds no state that differs between connections.
var serverSender codec.Sender

// frame appends a data frame carrying payload, a slice of the read buffer
// that must stay untouched until the write when it is larger than copyMax.
func (o *outbox) frame(op codec.Opcode, payload []byte) {
	h := codec.Header{Fin: true, Opcode: op, Length: int64(len(payload))}
	if len(payload) <= copyMax {
		b := codec.AppendHeader(o.space(h.Len()+len(payload)), h)
		*o.buf = append(b, payload...)
		return
	}
	*o.buf = codec.AppendHeader(o.space(h.Len()), h)
	o.cut()
	o.iov = append(o.iov, payload)
}

// message appends m's bytes as one data frame with the RSV bits rsv. A
// small message is copied and m released; a large one goes out by
// reference: o takes m's chunks until the write and leaves m empty.
func (o *outbox) message(op codec.Opcode, rsv uint8, m *message) {
	h := codec.Header{Fin: true, Opcode: op, Rsv: rsv, Length: m.n}
	if m.n <= copyMax {
		b := codec.AppendHeader(o.space(h.Len()+int(m.n)), h)
		for _, c := range m.chunks {
			b = append(b, *c...)
		}
		*o.buf = b
		m.release()
		return
	}
	*o.buf = codec.AppendHeader(o.space(h.Len()), h)
	o.cut()
	for _, c := range m.chunks {
		if len(*c) > 0 {
			o.iov = append(o.iov, *c)
		}
	}
	m.moveTo(&o.held[o.nheld])
	o.nheld++
}

// compressed appends a data frame with Rsv1 whose payload is src, or m's
// bytes when src is nil, compressed with comp. A small message is
// compressed straight into o's buffer, behind room for the longest
// header, which is then written in front of it; a large one into chunks
// of z that go out by reference.
func (o *outbox) compressed(comp *pmdeflate.Compressor, z *message, op codec.Opcode, src []byte, m *message) error {
	n := int64(len(src))
	if src == nil {
		n = m.n
	}
	if n > copyMax {
		z.reset(1 << 62)
		if err := compressInto(comp, z, src, m); err != nil {
			z.release()
			return err
		}
		o.message(op, codec.Rsv1, z)
		return nil
	}
	// Deflate never makes a message much longer than stored blocks do
	// (5 bytes per block of up to 64 KiB), plus the final flush.
	b := o.space(codec.MaxHeaderLen + int(n) + 64)
	start := len(b)
	at := start + codec.MaxHeaderLen
	z2, err := appendCompressed(comp, b[:at], src, m)
	if err != nil {
		return err
	}
	h := codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: op, Length: int64(len(z2) - at)}
	if cap(z2) != cap(b) {
		// The bound above did not hold and the compressor grew the
		// buffer: the payload is in a new array, which goes out by
		// reference.
		*o.buf = codec.AppendHeader(b, h)
		o.cut()
		o.iov = append(o.iov, z2[at:])
		return nil
	}
	// Move the payload down against its header.
	hl := len(codec.AppendHeader(b[:start], h)) - start
	end := start + hl + copy(z2[start+hl:], z2[at:])
	*o.buf = z2[:end]
	return nil
}

// appendCompressed appends the compressed payload of src, or of m's bytes
// when src is nil, to dst.
func appendCompressed(comp *pmdeflate.Compressor, dst, src []byte, m *message) ([]byte, error) {
	if src != nil || len(m.chunks) == 0 {
		return comp.AppendMessage(dst, src)
	}
	var err error
	for i, c := range m.chunks {
		if dst, err = comp.Append(dst, *c, i == len(m.chunks)-1); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// compressSlice is the most input given to the compressor in one call
// when compressing into chunks. One call can release what compress/flate
// held back (up to 64 KiB) and what this much input adds, so before each
// call the last chunk must have that much room.
const compressSlice = 64 << 10

// compressInto compresses src, or m's bytes when src is nil, into z's
// chunks, making sure before each call that the last chunk has room for
// all that the call can produce, so the compressor never grows a buffer.
func compressInto(comp *pmdeflate.Compressor, z *message, src []byte, m *message) error {
	if src != nil || len(m.chunks) == 0 {
		return compressPart(comp, z, src, true)
	}
	for i, c := range m.chunks {
		if err := compressPart(comp, z, *c, i == len(m.chunks)-1); err != nil {
			return err
		}
	}
	return nil
}

// compressPart compresses p, the next bytes of a message (last: the end
// of it), into z.
func compressPart(comp *pmdeflate.Compressor, z *message, p []byte, last bool) error {
	for {
		piece := p[:min(len(p), compressSlice)]
		p = p[len(piece):]
		r := z.roomAtLeast(2*compressSlice + 1024)
		out, err := comp.Append(r[:0], piece, last && len(p) == 0)
		if err != nil {
			return err
		}
		if cap(out) == cap(r) {
			z.grew(len(out))
		} else {
			z.adopt(out) // see compressed: not expected to happen
		}
		if len(p) == 0 {
			return nil
		}
	}
}

// flush writes everything o holds to c, in one write or writev, and gives
// back the buffers and messages it held.
func (o *outbox) flush(c gnet.Conn) error {
	o.cut()
	var err error
	switch len(o.iov) {
	case 0:
	case 1:
		_, err = c.Write(o.iov[0])
	default:
		err = o.writev(c)
	}
	clear(o.iov)
	o.iov = o.iov[:0]
	for i := 0; i < o.nheld; i++ {
		o.held[i].release()
	}
	o.nheld = 0
	if len(o.spare) > 0 {
		// Keep the first buffer (the one made for the outbox); the
		// others go back to the chunk pools.
		first := o.spare[0]
		putChunk(o.buf)
		for _, b := range o.spare[1:] {
			putChunk(b)
		}
		clear(o.spare)
		o.spare = o.spare[:0]
		o.buf = first
	}
	*o.buf = (*o.buf)[:0]
	o.seg = 0
	return err
}

// writev writes o's iovecs to c. While nothing of c's is waiting in gnet's
// outbound buffer, they go straight to the socket with writev(2), up to
// maxIovecs at a time (gnet's Writev would allocate an iovec array per
// call); what the kernel does not take, if anything, is handed to gnet,
// which keeps it and writes it when the socket is writable, in order.
func (o *outbox) writev(c gnet.Conn) error {
	iov := o.iov
	for len(iov) > 0 && c.OutboundBuffered() == 0 {
		batch := iov[:min(len(iov), maxIovecs)]
		want := 0
		for _, b := range batch {
			want += len(b)
		}
		n, err := writev(c.Fd(), &o.iovs, batch)
		if err != nil {
			return err
		}
		if n < want {
			// Drop what was written from the front of iov; the rest goes
			// to gnet.
			for n > 0 {
				if n < len(iov[0]) {
					iov[0] = iov[0][n:]
					break
				}
				n -= len(iov[0])
				iov = iov[1:]
			}
			break
		}
		iov = iov[len(batch):]
	}
	if len(iov) == 0 {
		return nil
	}
	_, err := c.Writev(iov)
	return err
}
