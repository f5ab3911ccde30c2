package echo

import (
	"io"
	"net"
	"syscall"
)

// sockReader reads a socket into pooled buffers and holds one only while
// it has bytes not yet consumed: a connection that waits for its peer,
// in the opening handshake or between messages, holds no read buffer.
type sockReader struct {
	raw    syscall.RawConn // nil where the socket has none: plain Read
	readFn func(fd uintptr) bool
	rbuf   *[]byte // pooled read buffer, held only while it has bytes
	rerr   error
	// rn is what the last read took. rmax, when positive, caps the bytes
	// one read takes, so that a handshake reads no more than its limit.
	// Both are at most readBufSize, and as int32 they share a word: every
	// Conn embeds a sockReader (see TestConnSize).
	rn   int32
	rmax int32
}

// readBuf is the part of *r.rbuf the next read may fill.
func (r *sockReader) readBuf() []byte {
	b := *r.rbuf
	if r.rmax > 0 && int(r.rmax) < len(b) {
		b = b[:r.rmax]
	}
	return b
}

// readSome waits until nc has bytes, reads what it has (up to the read
// buffer's size) and returns them, in *r.rbuf. The caller gives the
// buffer back with release once it is done with them.
func (r *sockReader) readSome(nc net.Conn) ([]byte, error) {
	if r.raw != nil {
		// The callback takes the buffer only when the socket is readable.
		r.rn, r.rerr = 0, nil
		if err := r.raw.Read(r.readFn); err != nil {
			return nil, err
		}
		if r.rerr != nil {
			return nil, r.rerr
		}
		if r.rn == 0 {
			return nil, io.EOF
		}
		return (*r.rbuf)[:r.rn], nil
	}
	if r.rbuf == nil {
		r.rbuf = getReadBuf()
	}
	n, err := nc.Read(r.readBuf())
	if n > 0 {
		return (*r.rbuf)[:n], nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return nil, err
}

// release gives the read buffer back to the pool.
func (r *sockReader) release() {
	if r.rbuf != nil {
		putReadBuf(r.rbuf)
		r.rbuf = nil
	}
}
