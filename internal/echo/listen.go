package echo

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
)

// serveRaw is Serve without net/http: it accepts connections on ln and
// gives each a goroutine that does the opening handshake with package
// handshake's push-fed parser and then runs the echo. The connections
// share one copy of the Config with its defaults set.
func (s *Server) serveRaw(ln net.Listener) error {
	if err := s.Config.check(); err != nil {
		return err
	}
	cfg := s.Config.withDefaults()
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			// Out of file descriptors, say: wait and retry, as net/http
			// does, rather than give up on the listener.
			if te, ok := err.(interface{ Temporary() bool }); ok && te.Temporary() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		go s.serveConn(nc, &cfg)
	}
}

// serveConn is an accepted connection's goroutine for its opening
// handshake. The echo then runs on a goroutine of its own, started with
// the smallest stack: answering the handshake (hashing the key, writing,
// arming deadlines) grows this goroutine's stack from 2 to 4 KiB, and the
// runtime never shrinks it back while the goroutine waits for its socket
// (a stack is halved only when less than a quarter of it, counting an
// 800-byte reserve, is in use: a wait under 224 bytes deep, which no read
// through package net is). An idle connection would keep those 4 KiB.
func (s *Server) serveConn(nc net.Conn, cfg *Config) {
	u, err := s.readRequest(nc)
	var c *Conn
	if err == nil {
		c, err = s.accept(nc, u, cfg)
	}
	if err != nil {
		if s.Log != nil {
			s.logFailed(nc, err)
		}
		return
	}
	go s.run(c)
}

//go:noinline
func (s *Server) logFailed(nc net.Conn, err error) {
	s.Log.Printf("%s: %v", nc.RemoteAddr(), err)
}

// upgrader is a connection in its opening handshake: the parser, which
// holds the bytes of a request that arrives split (and no more), and the
// socket reader, which holds a read buffer only while it has bytes. A
// client that sends half a request and stops costs this, its goroutine's
// stack and the runtime's socket and timer: no read buffer.
type upgrader struct {
	sockReader
	req handshake.Request
	// pending are the bytes that followed the request in its last read,
	// in *rbuf: the client's first frames.
	pending []byte
}

// readRequest reads the opening handshake's request on nc, a connection
// Serve accepted, within HandshakeTimeout of now. A request that breaks a
// rule of RFC 6455 §4.2.1 or of HTTP/1.1 is answered with the status
// package handshake gives it (handshake.AppendError) and nc is closed; so
// is a connection that breaks or runs out of time before its request is
// complete. The error says which.
func (s *Server) readRequest(nc net.Conn) (*upgrader, error) {
	// One timer: the answer's write gets its own deadline.
	nc.SetReadDeadline(time.Now().Add(s.handshakeTimeout()))
	u := new(upgrader)
	u.init(nc)
	limit := s.maxHeaderBytes()
	u.req.MaxBytes = limit
	for fed := 0; ; {
		// The parser refuses a block that reaches the limit unfinished,
		// so reads stop there: no byte beyond the limit is read.
		u.rmax = int32(min(limit-fed, readBufSize)) // a read takes no more anyway
		b, err := u.readSome(nc)
		if err != nil {
			u.release()
			nc.Close()
			return nil, readFailed(err)
		}
		n, done, err := u.req.Feed(b)
		if err != nil {
			u.release()
			return nil, s.refuse(nc, err)
		}
		if done {
			u.pending = b[n:]
			return u, nil
		}
		// The parser keeps what it needs of a request that arrives split.
		fed += n
		u.release()
	}
}

//go:noinline
func readFailed(err error) error {
	return &HandshakeError{Reason: "reading the opening handshake: " + err.Error(), Err: err}
}

// accept answers the request u has read with 101, and returns the
// connection, set up for the permessage-deflate agreement if any, with
// the bytes that followed the request (the client's first frames) as its
// first input. cfg is the Server's Config with its defaults set.
func (s *Server) accept(nc net.Conn, u *upgrader, cfg *Config) (*Conn, error) {
	var agreed codec.DeflateParams
	var a handshake.Accept
	if cfg.Compress {
		if p, ok := codec.NegotiateDeflate(u.req.Extensions(), cfg.Deflate); ok {
			agreed = p
			a.Deflate = &agreed
		}
	}
	bp := getMsgBuf()
	resp, err := u.req.AppendAccept((*bp)[:0], a)
	if err == nil {
		nc.SetWriteDeadline(time.Now().Add(cfg.WriteTimeout))
		_, err = nc.Write(resp)
	}
	*bp = resp[:0]
	putMsgBuf(bp)
	// The request's fields are no longer needed.
	u.req.Release()
	if err != nil {
		u.release()
		nc.Close()
		return nil, err
	}
	c := newConn(nc, codec.RoleServer, cfg, nil)
	if len(u.pending) > 0 {
		// The client's first frames: the connection reads them from the
		// read buffer they arrived in, and gives the buffer back.
		c.rbuf, c.rest = u.rbuf, u.pending
		u.rbuf = nil
	} else {
		u.release()
	}
	if a.Deflate != nil {
		c.useDeflate(agreed)
	}
	return c, nil
}

// A refused client gets lingerTime to read the answer and close, during
// which up to maxLinger bytes it still sends are dropped.
const (
	lingerTime = 500 * time.Millisecond
	maxLinger  = 64 << 10
)

// refuse answers a request the parser refused with err, closes nc and
// returns the *HandshakeError.
func (s *Server) refuse(nc net.Conn, err error) error {
	status := http.StatusInternalServerError
	var he *handshake.Error
	if errors.As(err, &he) {
		status = he.Status()
	}
	bp := getMsgBuf()
	ans := handshake.AppendError((*bp)[:0], err)
	nc.SetWriteDeadline(time.Now().Add(lingerTime))
	_, werr := nc.Write(ans)
	*bp = ans[:0]
	putMsgBuf(bp)
	if werr != nil {
		nc.Close()
	} else {
		lingerClose(nc)
	}
	return &HandshakeError{Status: status, Reason: err.Error(), Err: err}
}

// lingerClose closes nc after an answer that ends the connection.
// Closing a socket with unread bytes in it (the rest of a header block
// over the limit, say) makes the kernel send a reset, which can destroy
// the answer before the client has read it; so the server half-closes
// first and gives the client a little time to read and close (net/http
// waits likewise), reading and dropping what it still sends, with a read
// buffer only while there are bytes.
func lingerClose(nc net.Conn) {
	if cw, ok := nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		nc.SetReadDeadline(time.Now().Add(lingerTime))
		var r sockReader
		r.init(nc)
		for drained := 0; drained < maxLinger; {
			b, err := r.readSome(nc)
			r.release()
			if err != nil {
				break
			}
			drained += len(b)
		}
	}
	nc.Close()
}
