package main

import (
	"sync"

	"github.com/wsframe/wsframe/pmdeflate"
	"github.com/wsframe/wsframe/utf8valid"
)

// A message that does not arrive in one read, or that must be inflated, is
// kept in a chain of chunks rather than in one contiguous buffer. A
// contiguous buffer has to be copied to grow, and while it is copied the
// old and the new one are both alive: growing by doubling, a message that
// reaches the limit briefly costs 1.5 times the limit, and the final buffer
// may hold up to twice what the message needs. Chunks are never copied:
// a message costs its size plus at most one partly filled chunk, so a peer
// that grows a message to the limit (or a deflate bomb, stopped at the
// limit) costs the limit and a little more, whatever the chunking. The
// echo then goes out with writev, one iovec per chunk, without a copy.
//
// Chunks come in size classes, each with its own sync.Pool: the first
// chunks of a message are small, so that a message of a few KiB takes a
// few KiB, and later ones grow to maxChunk. A chunk is never larger than
// what the limit still allows.
const (
	minChunk = 4 << 10
	maxChunk = 1 << 20
)

// chunkClasses are the pooled chunk sizes: 4 KiB, 16 KiB, 64 KiB, 256 KiB
// and 1 MiB.
var chunkClasses = [...]int{4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20}

var chunkPools [len(chunkClasses)]sync.Pool

// getChunk returns a pooled chunk of at least n bytes (at most maxChunk),
// empty. A request below a class boundary gets that class; one that
// does not fall on a class and is smaller than minChunk never happens, as
// callers ask for at least minChunk or for what the limit allows, and a
// chunk of exactly that size is made, unpooled, for the latter.
func getChunk(n int) *[]byte {
	for i, size := range chunkClasses {
		if n <= size {
			if b, ok := chunkPools[i].Get().(*[]byte); ok {
				*b = (*b)[:0]
				return b
			}
			b := make([]byte, 0, size)
			return &b
		}
	}
	b := make([]byte, 0, maxChunk)
	return &b
}

// putChunk gives a chunk back to the pool of its class; a chunk of
// another size (cut to fit the limit) is left to the garbage collector.
func putChunk(b *[]byte) {
	for i, size := range chunkClasses {
		if cap(*b) == size {
			*b = (*b)[:0]
			chunkPools[i].Put(b)
			return
		}
	}
}

// message is a data message being received: its chunks in order, each
// filled before the next is taken, and its length. The first
// len(inline) chunk pointers live in the struct, so a message of up to
// about 2.3 MiB adds no allocation of its own.
type message struct {
	chunks []*[]byte
	inline [6]*[]byte
	n      int64 // bytes in the chunks
	limit  int64 // the most the message may hold
}

// reset readies m for a message of at most limit bytes.
func (m *message) reset(limit int64) {
	m.chunks = m.inline[:0]
	m.n = 0
	m.limit = limit
}

// release gives every chunk back.
func (m *message) release() {
	for i, c := range m.chunks {
		putChunk(c)
		m.chunks[i] = nil
	}
	m.chunks = m.inline[:0]
	m.n = 0
}

// room returns the free part of the last chunk, taking a new chunk when
// that one is full: sized for hint more bytes (the rest of the frame when
// it is known), at least the next class after the last chunk's, and never
// beyond what the limit still allows. It returns an empty slice only when
// the message is at its limit.
func (m *message) room(hint int64) []byte {
	if k := len(m.chunks); k > 0 {
		last := *m.chunks[k-1]
		if len(last) < cap(last) {
			return last[len(last):cap(last)]
		}
	}
	left := m.limit - m.n
	if left <= 0 {
		return nil
	}
	// Chunks grow with the message: 4 KiB, 16 KiB, ... as the classes do.
	want := minChunk
	if k := len(m.chunks); k > 0 {
		want = min(4*cap(*m.chunks[k-1]), maxChunk)
	}
	want = max(want, int(min(hint, maxChunk)))
	var c *[]byte
	if int64(want) > left {
		// The limit is near: take exactly what it allows, no more.
		b := make([]byte, 0, left)
		c = &b
	} else {
		c = getChunk(want)
	}
	m.chunks = append(m.chunks, c)
	return (*c)[:cap(*c)]
}

// roomAtLeast is room with at least need bytes free: when the last
// chunk has less, it is left as it is and a new chunk is taken. Only for
// messages without a limit of their own (compressed output).
func (m *message) roomAtLeast(need int) []byte {
	if k := len(m.chunks); k > 0 {
		last := *m.chunks[k-1]
		if cap(last)-len(last) >= need {
			return last[len(last):cap(last)]
		}
	}
	c := getChunk(max(need, minChunk))
	m.chunks = append(m.chunks, c)
	return (*c)[:cap(*c)]
}

// adopt appends b as a chunk of its own.
func (m *message) adopt(b []byte) {
	m.chunks = append(m.chunks, &b)
	m.n += int64(len(b))
}

// moveTo hands m's chunks over to d, which must be empty, and leaves m
// empty with the same limit.
func (m *message) moveTo(d *message) {
	d.n, d.limit = m.n, m.limit
	if len(m.chunks) <= len(d.inline) {
		d.chunks = d.inline[:copy(d.inline[:], m.chunks)]
	} else {
		d.chunks = m.chunks // m's own array, on the heap
	}
	m.inline = [len(m.inline)]*[]byte{}
	m.chunks = m.inline[:0]
	m.n = 0
}

// grew records that n bytes were written at the start of the slice room
// returned last.
func (m *message) grew(n int) {
	last := m.chunks[len(m.chunks)-1]
	*last = (*last)[:len(*last)+n]
	m.n += int64(n)
}

// write appends p. The caller (the codec's limits) makes sure that p fits
// in the limit.
func (m *message) write(p []byte) {
	for len(p) > 0 {
		r := m.room(int64(len(p)))
		if len(r) == 0 {
			return // over the limit: the codec refuses such a frame first
		}
		n := copy(r, p)
		m.grew(n)
		p = p[n:]
	}
}

// inflate inflates src, the next compressed bytes of the message, into
// the message (final: src ends it). The decompressor's limit is the
// message's: once the message holds that much, room is empty and the
// decompressor answers ErrDeflateTooBig if more output follows.
func (m *message) inflate(d *pmdeflate.Decompressor, src []byte, final bool) error {
	for {
		r := m.room(int64(len(src)) * 4)
		nd, ns, err := d.Inflate(r, src, final)
		if nd > 0 {
			m.grew(nd)
		}
		src = src[ns:]
		if err != pmdeflate.ErrShortDst {
			return err
		}
		if len(r) == 0 {
			// Only a decompressor whose limit is above the message's
			// gets here; the message's limit is the one that holds.
			return pmdeflate.ErrDeflateTooBig
		}
	}
}

// validate feeds v the message's bytes from offset from on (what the last
// inflate added) and reports whether they keep it valid UTF-8 so far.
func (m *message) validate(v *utf8valid.Validator, from int64) bool {
	for _, c := range m.chunks {
		b := *c
		if from >= int64(len(b)) {
			from -= int64(len(b))
			continue
		}
		if _, ok := v.Feed(b[from:]); !ok {
			return false
		}
		from = 0
	}
	return true
}
