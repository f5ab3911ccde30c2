package echo

import (
	"sync"

	"github.com/wsframe/wsframe/pmdeflate"
)

// Large messages: a message buffer that had to grow by copying would
// briefly hold the old and the new buffer, and doubling leaves up to half
// of the new one unused, so a peer that grows a message to the limit (in
// many frames, or as a deflate bomb) would cost up to twice the limit. So
// the contiguous message buffer grows only to spillAt; the rest of a
// larger message goes into chunks of chunkSize that are never copied, the
// last one cut to what the limit still allows. A message then costs its
// size plus at most one partly filled chunk and the spillAt head, and its
// echo goes out by reference, the head (with the frame header in its
// headroom) and the chunks in one writev.
const (
	spillAt   = 1 << 20
	chunkSize = 1 << 20
)

var chunkPool = sync.Pool{New: func() any {
	b := make([]byte, 0, chunkSize)
	return &b
}}

// spill is the part of a message beyond its first spillAt bytes. A Conn
// allocates one when a message first spills and keeps it for the next
// large message; connections that never see one carry only the nil
// pointer.
type spill struct {
	chunks []*[]byte
	n      int // bytes in the chunks
}

// spilled reports whether the message has bytes beyond spillAt.
func (c *Conn) spilled() bool { return c.big != nil && len(c.big.chunks) > 0 }

// headMax is the largest the head buffer gets: spillAt, headroom
// included (so that it goes back to the message pool), or the limit.
func (c *Conn) headMax() int {
	return headroom + int(min(spillAt-headroom, c.cfg.MaxMessage))
}

// room returns free space for the message's next bytes: in the head
// buffer, which it grows (doubling) up to headMax, then in the last chunk
// or a new one. It returns nil only when the message is at its limit.
func (c *Conn) room() []byte {
	b := *c.msg
	if len(b) < cap(b) {
		return b[len(b):cap(b)]
	}
	spilled := c.spilled()
	if !spilled && cap(b) < c.headMax() {
		c.reserve(max(cap(b)-headroom, 4<<10))
		b = *c.msg
		return b[len(b):cap(b)]
	}
	if spilled {
		last := *c.big.chunks[len(c.big.chunks)-1]
		if len(last) < cap(last) {
			return last[len(last):cap(last)]
		}
	}
	left := c.cfg.MaxMessage - c.msgLen()
	if left <= 0 {
		return nil
	}
	var ch *[]byte
	if left < chunkSize {
		nb := make([]byte, 0, left) // just what the limit allows
		ch = &nb
	} else {
		ch = chunkPool.Get().(*[]byte)
		*ch = (*ch)[:0]
	}
	if c.big == nil {
		c.big = new(spill)
	}
	c.big.chunks = append(c.big.chunks, ch)
	return (*ch)[:cap(*ch)]
}

// grew records that n bytes were written at the start of the slice room
// returned last.
func (c *Conn) grew(n int) {
	if c.spilled() {
		last := c.big.chunks[len(c.big.chunks)-1]
		*last = (*last)[:len(*last)+n]
		c.big.n += n
		return
	}
	*c.msg = (*c.msg)[:len(*c.msg)+n]
}

// msgLen returns the length of the message received so far.
func (c *Conn) msgLen() int64 {
	n := int64(len(*c.msg) - headroom)
	if c.big != nil {
		n += int64(c.big.n)
	}
	return n
}

// appendPayload appends p, a payload the codec has checked against the
// limit, to the message.
func (c *Conn) appendPayload(p []byte) {
	for len(p) > 0 {
		r := c.room()
		if len(r) == 0 {
			return // cannot happen: the codec refuses the frame first
		}
		n := copy(r, p)
		c.grew(n)
		p = p[n:]
	}
}

// inflateInto inflates p (final: it ends the message) into the message,
// handing each piece of output to check (the UTF-8 validation of text).
func (c *Conn) inflateInto(p []byte, final bool, check func([]byte) error) error {
	for {
		r := c.room()
		nd, ns, err := c.z.dec.Inflate(r, p, final)
		if nd > 0 {
			c.grew(nd)
			if cerr := check(r[:nd]); cerr != nil {
				return cerr
			}
		}
		p = p[ns:]
		if err != pmdeflate.ErrShortDst {
			return err
		}
		if len(r) == 0 {
			// At the limit with more to come.
			return pmdeflate.ErrDeflateTooBig
		}
	}
}

// releaseSpill gives the chunks back.
func (c *Conn) releaseSpill() {
	if c.big == nil {
		return
	}
	for i, ch := range c.big.chunks {
		if cap(*ch) == chunkSize {
			*ch = (*ch)[:0]
			chunkPool.Put(ch)
		}
		c.big.chunks[i] = nil
	}
	c.big.chunks = c.big.chunks[:0]
	c.big.n = 0
}

// joined returns the whole message payload in one slice: the head's when
// nothing spilled, else a new buffer with everything (for ReadMessage,
// whose callers want one slice).
func (c *Conn) joined() []byte {
	head := (*c.msg)[headroom:]
	if !c.spilled() {
		return head
	}
	all := make([]byte, 0, len(head)+c.big.n)
	all = append(all, head...)
	for _, ch := range c.big.chunks {
		all = append(all, *ch...)
	}
	return all
}
