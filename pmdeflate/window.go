package pmdeflate

// winSize is DEFLATE's largest distance (RFC 1951 §3.2.5): all the context a
// message can refer back to, in it or, with context takeover, before it.
const winSize = 32 << 10

// A window is the decompressor's history: a ring of the last winSize bytes
// inflated, into which the decoder writes and from which the Decompressor
// delivers. Writing wraps to the start only once everything up to the end
// has been delivered, so buf[rpos:wpos] is always one slice, and no byte is
// ever moved to make room: a small message costs its own size, however
// long the history.
type window struct {
	buf  [winSize]byte
	wpos int  // where the next byte goes; winSize when the end is reached
	rpos int  // buf[rpos:wpos] is inflated but not yet delivered
	full bool // wpos has wrapped: all of buf is history
}

// reset forgets the history. The bytes stay (a pooled window may hold
// another connection's data) but become unreachable: a back-reference may
// reach only as far as history says.
func (w *window) reset() { w.wpos, w.rpos, w.full = 0, 0, false }

// history returns how many bytes before buf[wpos] a back-reference may
// reach.
func (w *window) history() int {
	if w.full {
		return winSize
	}
	return w.wpos
}

// pending returns the bytes inflated and not delivered.
func (w *window) pending() []byte { return w.buf[w.rpos:w.wpos] }

// room returns how many bytes can be written before the end of buf, after
// wrapping to its start if everything up to the end has been delivered.
func (w *window) room() int {
	if w.wpos == winSize && w.rpos == winSize {
		w.wpos, w.rpos, w.full = 0, 0, true
	}
	return winSize - w.wpos
}

// copyMatch appends n bytes, each a copy of the byte dist before it (RFC
// 1951 §3.2.3), for dist <= history() and n <= room(). The copy can
// overlap what it writes (dist < n repeats a pattern) and can start before
// the ring's wrap point.
func (w *window) copyMatch(dist, n int) {
	wpos := w.wpos
	end := wpos + n
	src := wpos - dist
	if src < 0 {
		// From the end of the ring: those bytes are older than all that
		// is written here (at most winSize-dist of them lie ahead of
		// wpos), so copy's memmove reads them before they are
		// overwritten, as a byte-by-byte copy would.
		src += winSize
		wpos += copy(w.buf[wpos:end], w.buf[src:])
		src = 0
	}
	// Forward from src < wpos: each copy doubles the repeated pattern.
	for wpos < end {
		wpos += copy(w.buf[wpos:end], w.buf[src:wpos])
	}
	w.wpos = wpos
}
