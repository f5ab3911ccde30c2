package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
)

// testClient is the tests' WebSocket client, built on the same packages
// as the server (handshake's client half, codec's Sender and Receiver),
// with a deadline on every wait so that a server that stops answering
// fails the test instead of hanging it.
type testClient struct {
	nc   net.Conn
	snd  *codec.Sender
	rcv  codec.Receiver
	buf  []byte
	rest []byte
	wait time.Duration
}

// dialClient connects to addr and does the opening handshake, offering
// deflate when it is not nil.
func dialClient(addr string, deflate *codec.DeflateParams, wait time.Duration) (*testClient, error) {
	nc, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		return nil, err
	}
	c := &testClient{nc: nc, snd: codec.NewSender(codec.RoleClient, nil), buf: make([]byte, 64<<10), wait: wait}
	hc := handshake.Client{Host: addr, Deflate: deflate}
	req, err := hc.AppendRequest(nil)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if _, err := nc.Write(req); err != nil {
		nc.Close()
		return nil, err
	}
	if err := c.finishHandshake(&hc); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// finishHandshake reads the server's answer to the request hc wrote.
func (c *testClient) finishHandshake(hc *handshake.Client) error {
	for {
		c.nc.SetReadDeadline(time.Now().Add(c.wait))
		m, err := c.nc.Read(c.buf)
		if m > 0 {
			n, done, ferr := hc.Feed(c.buf[:m])
			if ferr != nil {
				return ferr
			}
			if done {
				c.rest = c.buf[n:m]
				rc := codec.Config{Role: codec.RoleClient, MaxMessageSize: codec.NoLimit}
				if _, ok := hc.Negotiated(); ok {
					rc.RsvMessage = codec.Rsv1
				}
				c.rcv.Reset(rc)
				return nil
			}
		}
		if err != nil {
			return err
		}
	}
}

// send writes one frame.
func (c *testClient) send(h codec.Header, payload []byte) error {
	b, err := c.snd.AppendFrame(nil, h, payload)
	if err != nil {
		return err
	}
	c.nc.SetWriteDeadline(time.Now().Add(c.wait))
	_, err = c.nc.Write(b)
	return err
}

// event is one thing the client received: a whole data message (not
// inflated: the tests that compress check the Rsv1 bit and inflate
// themselves) or a control frame.
type event struct {
	op         codec.Opcode
	compressed bool
	payload    []byte
}

// next returns the next message or control frame from the server.
func (c *testClient) next() (event, error) {
	var msg []byte
	var compressed bool
	for {
		ev, n, err := c.rcv.Next(c.rest)
		c.rest = c.rest[n:]
		if err != nil {
			return event{}, err
		}
		switch ev.Kind {
		case codec.EventHeader:
			if c.rcv.Header().Opcode != codec.OpContinuation {
				compressed = c.rcv.Compressed()
			}
			continue
		case codec.EventPayload:
			msg = append(msg, ev.Payload...)
			continue
		case codec.EventMessageEnd:
			if msg == nil {
				msg = []byte{}
			}
			return event{op: ev.Message, compressed: compressed, payload: msg}, nil
		case codec.EventControl:
			return event{op: ev.Message, payload: append([]byte{}, ev.Payload...)}, nil
		}
		c.nc.SetReadDeadline(time.Now().Add(c.wait))
		m, err := c.nc.Read(c.buf)
		if err != nil {
			return event{}, err
		}
		c.rest = c.buf[:m]
	}
}

// echo sends payload as one uncompressed message of type op and checks
// that the next message is its echo.
func (c *testClient) echo(op codec.Opcode, payload []byte) error {
	if err := c.send(codec.Header{Fin: true, Opcode: op}, payload); err != nil {
		return err
	}
	ev, err := c.next()
	if err != nil {
		return err
	}
	if ev.op != op || ev.compressed || !bytes.Equal(ev.payload, payload) {
		return fmt.Errorf("echo of a %v message of %d bytes came back as %v (compressed %v) of %d bytes", op, len(payload), ev.op, ev.compressed, len(ev.payload))
	}
	return nil
}

// expectClose reads until the server's Close frame, checks its code, and
// then reads until the server closes the connection.
func (c *testClient) expectClose(want codec.CloseCode) error {
	for {
		ev, err := c.next()
		if err != nil {
			return fmt.Errorf("waiting for Close %v: %w", want, err)
		}
		if ev.op != codec.OpClose {
			return fmt.Errorf("got a %v frame before the Close", ev.op)
		}
		code, _, err := codec.ParseClose(ev.payload)
		if err != nil {
			return err
		}
		if code != want {
			return fmt.Errorf("Close with %v, want %v", code, want)
		}
		return c.expectEOF()
	}
}

// expectEOF reads until the server closes the connection; nothing but the
// end may come.
func (c *testClient) expectEOF() error {
	if len(c.rest) > 0 {
		return fmt.Errorf("%d bytes after the Close", len(c.rest))
	}
	c.nc.SetReadDeadline(time.Now().Add(c.wait))
	n, err := c.nc.Read(c.buf)
	if n > 0 {
		return fmt.Errorf("%d bytes after the Close", n)
	}
	if !errors.Is(err, io.EOF) {
		return fmt.Errorf("connection not closed by the server: %v", err)
	}
	return nil
}
