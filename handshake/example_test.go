package handshake_test

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
)

// A server's handshake as an event loop sees it: the request arrives in
// pieces, the last one with the client's first frame behind it. Nothing
// blocks; the frame is left for the codec.
func ExampleRequest() {
	reads := []string{
		"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConn",
		"ection: Upgrade\r\nOrigin: https://example.com\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, superchat\r\n" +
			"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n" +
			"\x81\x82\x01\x02\x03\x04\x69\x6b", // a masked text frame, "hi"
	}
	var req handshake.Request
	var out []byte
	for _, read := range reads {
		buf := []byte(read)
		n, done, err := req.Feed(buf)
		if err != nil {
			out = handshake.AppendError(out[:0], err) // write it, then close
			fmt.Printf("refused: %d\n", err.(*handshake.Error).Status())
			return
		}
		if !done {
			continue // wait for the socket
		}
		fmt.Printf("GET %s from %s\n", req.Target(), req.Origin())
		if !req.CheckOrigin([]string{"https://example.com"}) {
			out = handshake.AppendReject(out[:0], 403, nil, "origin not allowed")
			return
		}
		a := handshake.Accept{Protocol: req.SelectProtocol([]string{"superchat", "chat"})}
		agreed, ok := codec.NegotiateDeflate(req.Extensions(), codec.DeflateParams{})
		if ok {
			a.Deflate = &agreed
		}
		out, _ = req.AppendAccept(out[:0], a)
		fmt.Print(strings.ReplaceAll(string(out), "\r\n", "\n")) // write out
		fmt.Printf("%d bytes of frames follow\n", len(buf)-n)
		// r := codec.NewReceiver(codec.Config{Role: codec.RoleServer, RsvMessage: codec.Rsv1, ...})
		// r.Next(buf[n:]) ...
	}
	// Output:
	// GET /chat from https://example.com
	// HTTP/1.1 101 Switching Protocols
	// Upgrade: websocket
	// Connection: Upgrade
	// Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
	// Sec-WebSocket-Protocol: superchat
	// Sec-WebSocket-Extensions: permessage-deflate
	//
	// 8 bytes of frames follow
}

// A bad request gets its status and an answer that says why.
func ExampleAppendError() {
	var req handshake.Request
	_, _, err := req.Feed([]byte("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"))
	fmt.Print(strings.ReplaceAll(string(handshake.AppendError(nil, err)), "\r\n", "\n"))
	// Output:
	// HTTP/1.1 426 Upgrade Required
	// Connection: Upgrade, close
	// Content-Type: text/plain; charset=utf-8
	// Content-Length: 42
	// Upgrade: websocket
	// Sec-WebSocket-Version: 13
	//
	// handshake: Sec-WebSocket-Version is not 13
}

// Both halves over a connection (net.Pipe stands for the network): the
// client writes its request, the server answers, the client checks the
// answer and both go on with frames.
func ExampleClient() {
	clientConn, serverConn := net.Pipe()
	go func() { // the server
		defer serverConn.Close()
		var req handshake.Request
		buf := make([]byte, 4096)
		for {
			m, err := serverConn.Read(buf)
			if err != nil {
				return
			}
			_, done, err := req.Feed(buf[:m])
			if err != nil {
				serverConn.Write(handshake.AppendError(nil, err))
				return
			}
			if done {
				break
			}
		}
		out, _ := req.AppendAccept(nil, handshake.Accept{Protocol: req.SelectProtocol([]string{"v2.chat"})})
		serverConn.Write(append(out, "\x81\x05hello"...)) // the 101 and a first frame
	}()

	c := &handshake.Client{Target: "/chat", Host: "example.com", Protocols: []string{"v1.chat", "v2.chat"}}
	out, _ := c.AppendRequest(nil)
	clientConn.Write(out)
	buf := make([]byte, 4096)
	for {
		m, err := clientConn.Read(buf)
		if err != nil {
			fmt.Println(err)
			return
		}
		n, done, err := c.Feed(buf[:m])
		var se *handshake.StatusError
		if errors.As(err, &se) {
			loc, _ := c.Header("Location")
			fmt.Printf("status %d, Location %q\n", se.Code, loc)
			return
		}
		if err != nil {
			fmt.Println("fail the connection:", err)
			return
		}
		if done {
			fmt.Printf("connected, subprotocol %s, first frame %q\n", c.Protocol(), buf[n:m])
			return
		}
	}
	// Output:
	// connected, subprotocol v2.chat, first frame "\x81\x05hello"
}
