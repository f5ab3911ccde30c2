//go:build unix

package echo

import (
	"os"
	"syscall"
)

// initRaw sets up reading through syscall.RawConn where the connection
// offers one (TCP and Unix sockets): the runtime's poller calls readFn
// only when the socket is readable, and readFn takes a pooled buffer just
// for the read, so that no buffer is held while the peer is idle.
func (c *Conn) initRaw() {
	sc, ok := c.nc.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	c.raw = raw
	c.readFn = c.rawRead
}

// rawRead is the RawConn callback. Returning false means "not readable
// yet": the buffer goes back to the pool and the goroutine parks until the
// poller reports the socket readable (or the read deadline passes).
func (c *Conn) rawRead(fd uintptr) bool {
	if c.rbuf == nil {
		c.rbuf = getReadBuf()
	}
	for {
		n, err := syscall.Read(int(fd), *c.rbuf)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			putReadBuf(c.rbuf)
			c.rbuf = nil
			return false
		}
		if err != nil {
			c.rerr = os.NewSyscallError("read", err)
			return true
		}
		c.rn = n
		return true
	}
}
