//go:build unix

package echo

import (
	"net"
	"os"
	"syscall"
)

// init sets up reading through syscall.RawConn where nc offers one (TCP
// and Unix sockets): the runtime's poller calls readFn only when the
// socket is readable, and readFn takes a pooled buffer just for the read,
// so that no buffer is held while the peer is idle.
func (r *sockReader) init(nc net.Conn) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	r.raw = raw
	r.readFn = r.rawRead
}

// rawRead is the RawConn callback. Returning false means "not readable
// yet": the buffer goes back to the pool and the goroutine parks until the
// poller reports the socket readable (or the read deadline passes).
func (r *sockReader) rawRead(fd uintptr) bool {
	if r.rbuf == nil {
		r.rbuf = getReadBuf()
	}
	for {
		n, err := syscall.Read(int(fd), r.readBuf())
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			r.release()
			return false
		}
		if err != nil {
			r.rerr = os.NewSyscallError("read", err)
			return true
		}
		r.rn = int32(n) // n <= len(r.readBuf()), readBufSize
		return true
	}
}
