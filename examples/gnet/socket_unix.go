//go:build unix

package main

import (
	"net"
	"syscall"
	"unsafe"

	"github.com/panjf2000/gnet/v2"
)

// shutdownWrite half-closes c: the peer reads what was written, then EOF,
// while we can still read (and drop) what it sends.
func shutdownWrite(c gnet.Conn) error {
	return syscall.Shutdown(c.Fd(), syscall.SHUT_WR)
}

// listenAddr returns the address eng listens on, the port chosen by the
// kernel included.
func listenAddr(eng gnet.Engine) (string, error) {
	fd, err := eng.Dup()
	if err != nil {
		return "", err
	}
	defer syscall.Close(fd)
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return "", err
	}
	switch sa := sa.(type) {
	case *syscall.SockaddrInet4:
		return (&net.TCPAddr{IP: sa.Addr[:], Port: sa.Port}).String(), nil
	case *syscall.SockaddrInet6:
		return (&net.TCPAddr{IP: sa.Addr[:], Port: sa.Port}).String(), nil
	}
	return "", syscall.EAFNOSUPPORT
}

// maxIovecs is how many iovecs writev gets at once here; the outbox
// writes before it holds more (see outbox.full).
const maxIovecs = 16

// iovecs is the array writev's arguments are built in, kept in the outbox
// so that a write allocates nothing (golang.org/x/sys/unix.Writev, which
// gnet's Writev uses, allocates its iovec array on every call).
type iovecs [maxIovecs]syscall.Iovec

// writev writes bufs to fd with one writev(2) and returns how many bytes
// the kernel took: fewer than all when the socket buffer is full (EAGAIN
// counts as 0 bytes and no error).
func writev(fd int, iov *iovecs, bufs [][]byte) (int, error) {
	n := 0
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		iov[n].Base = &b[0]
		iov[n].SetLen(len(b))
		n++
	}
	for {
		r, _, e := syscall.Syscall(syscall.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(n))
		switch e {
		case 0:
			clear(iov[:n])
			return int(r), nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			clear(iov[:n])
			return 0, nil
		}
		clear(iov[:n])
		return 0, e
	}
}
