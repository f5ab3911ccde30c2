package echo

import (
	"net"
	"sync"
)

// Batching: the reader does not write each echo (or pong) as it produces
// it but queues it, and writes the queue just before it would block on the
// socket again. Everything that one read produced therefore leaves in one
// write: a write(2) when it was all copied into the queue's buffer, a
// writev(2) (net.Buffers) when large payloads ride along by reference.
// Order is kept; any other write (a Close, WriteMessage, Ping) writes the
// queue first.
//
// Bounds: a read is at most readBufSize bytes, so the frames it completes
// are few; the queue is written early when it holds batchHeld large
// messages or its buffer is full. Between reads nothing is queued and a
// connection holds no queue buffer.

// batchCopyMax is the largest frame copied into the queue's buffer;
// larger ones are queued by reference, their message buffer kept until
// the write.
const batchCopyMax = 16 << 10

// batchBufSize bounds the queue's buffer: the echoes of one full read fit
// (an echo is no longer than what was read; a compressed echo of a small
// message is at most a few bytes longer), and beyond it the queue is
// written early. The buffer is a message buffer from the pool, 4 KiB
// unless it grew for a read that produced more, which it keeps in the pool.
const batchBufSize = 64 << 10

// batchHeld is how many large messages the queue holds by reference.
const batchHeld = 4

// batch is the queue of frames not yet written; it belongs to the writing
// side of a Conn (under wmu). Its state is taken from a pool when a frame
// is queued and given back once the queue is written, so that a Conn
// spends one pointer on it between reads.
type batch struct{ *queue }

var queuePool = sync.Pool{New: func() any { return new(queue) }}

// get returns the queue's state, taking it from the pool if needed.
func (b *batch) get() *queue {
	if b.queue == nil {
		b.queue = queuePool.Get().(*queue)
	}
	return b.queue
}

// drop gives everything back, written or not.
func (b *batch) drop() {
	if b.queue != nil {
		b.queue.reset()
		queuePool.Put(b.queue)
		b.queue = nil
	}
}

// queue is a batch's state.
type queue struct {
	buf   *[]byte     // copied frames; nil when nothing is queued
	seg   int         // start of the part of buf not yet in q
	q     net.Buffers // segments of buf and large frames, in order
	qArr  [2*batchHeld + 2][]byte
	held  [batchHeld]*[]byte // message buffers q points into
	nheld int
	// chunks are the chunks of spilled messages q points into.
	chunks []*[]byte
}

// queued reports whether anything waits to be written.
func (b *queue) queued() bool { return len(b.q) > 0 || b.buf != nil && len(*b.buf) > b.seg }

// cut closes the part of buf written since the last cut: it joins q.
func (b *queue) cut() {
	if b.buf != nil && len(*b.buf) > b.seg {
		if b.q == nil {
			b.q = b.qArr[:0]
		}
		b.q = append(b.q, (*b.buf)[b.seg:])
		b.seg = len(*b.buf)
	}
}

// room reports whether n more bytes may be copied into buf (which grows
// as needed, up to about batchBufSize), taking it from the pool first if
// needed. Growing by append is safe: the segments already in q keep
// pointing into the old array.
func (b *queue) room(n int) bool {
	if b.buf == nil {
		b.buf = getMsgBuf()
		b.seg = 0
	}
	return len(*b.buf)+n <= batchBufSize || len(*b.buf) == 0
}

// full reports whether the queue must be written before another large
// frame is queued.
func (b *queue) full() bool { return b.nheld == batchHeld || len(b.q) >= len(b.qArr)-2 }

// reset gives back what the queue held, once it is written (or dropped).
func (b *queue) reset() {
	for i := 0; i < b.nheld; i++ {
		putMsgBuf(b.held[i])
		b.held[i] = nil
	}
	b.nheld = 0
	for i, ch := range b.chunks {
		if cap(*ch) == chunkSize {
			*ch = (*ch)[:0]
			chunkPool.Put(ch)
		}
		b.chunks[i] = nil
	}
	b.chunks = b.chunks[:0]
	clear(b.qArr[:])
	b.q = nil
	if b.buf != nil {
		putMsgBuf(b.buf)
		b.buf = nil
	}
	b.seg = 0
}

// queueFrame queues frame, a whole frame in *owner (a pooled message
// buffer), for the next flush. A small frame is copied and owner left to
// the caller; a large one is queued by reference, and queueFrame takes
// owner over (it returns true then: the caller must not give it back).
// The caller holds wmu.
func (c *Conn) queueFrame(frame []byte, owner *[]byte) (taken bool, err error) {
	b := c.out.get()
	if len(frame) <= batchCopyMax {
		if !b.room(len(frame)) {
			if err := c.flushLocked(); err != nil {
				return false, err
			}
			b = c.out.get() // the written queue went back to the pool
			b.room(len(frame))
		}
		*b.buf = append(*b.buf, frame...)
		return false, nil
	}
	if b.full() {
		if err := c.flushLocked(); err != nil {
			return false, err
		}
		b = c.out.get()
	}
	b.cut()
	if b.q == nil {
		b.q = b.qArr[:0]
	}
	b.q = append(b.q, frame)
	b.held[b.nheld] = owner
	b.nheld++
	return true, nil
}

// queueChunks queues a large message that spilled into chunks: head (the
// frame header and the first bytes, in *owner) and the chunks, by
// reference. The queue takes owner and the chunks over. The caller holds
// wmu.
func (c *Conn) queueChunks(head []byte, owner *[]byte, chunks []*[]byte) error {
	b := c.out.get()
	if b.full() {
		if err := c.flushLocked(); err != nil {
			return err
		}
		b = c.out.get()
	}
	b.cut()
	if b.q == nil {
		b.q = b.qArr[:0]
	}
	b.q = append(b.q, head)
	for _, ch := range chunks {
		b.q = append(b.q, *ch)
	}
	b.held[b.nheld] = owner
	b.nheld++
	b.chunks = append(b.chunks, chunks...)
	return nil
}

// flush writes the queue, if anything is queued.
func (c *Conn) flush() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.flushLocked()
}

// flushLocked writes the queue in one write or writev; the caller holds
// wmu.
func (c *Conn) flushLocked() error {
	b := c.out.queue
	if b == nil {
		return nil
	}
	if !b.queued() {
		c.out.drop()
		return nil
	}
	b.cut()
	var err error
	if len(b.q) == 1 {
		err = c.writeAt(b.q[0], c.now)
	} else if err = c.armWrite(c.now); err == nil {
		q := b.q // WriteTo consumes the slice it is called on
		_, err = q.WriteTo(c.nc)
	}
	c.out.drop()
	return err
}
