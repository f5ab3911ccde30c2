package main

import (
	"context"
	"fmt"
	"time"

	"github.com/wsframe/wsframe/codec"
)

// Example runs the server in this process on a free port and echoes a
// message, a ping and a Close through it. (dialClient is the tests'
// client: package handshake's client half and codec's Sender and
// Receiver over a net.Conn.)
func Example() {
	srv, err := NewServer(Config{Compress: true})
	if err != nil {
		panic(err)
	}
	go srv.Run("127.0.0.1:0")
	defer srv.Stop(context.Background())

	c, err := dialClient(srv.Addr(), nil, 10*time.Second)
	if err != nil {
		panic(err)
	}
	defer c.nc.Close()
	c.send(codec.Header{Fin: true, Opcode: codec.OpText}, []byte("héllo"))
	ev, _ := c.next()
	fmt.Printf("%v %s\n", ev.op, ev.payload)

	ping, _ := c.snd.AppendPing(nil, []byte("are you there"))
	c.nc.Write(ping)
	ev, _ = c.next()
	fmt.Printf("%v %s\n", ev.op, ev.payload)

	c.send(codec.Header{Fin: true, Opcode: codec.OpClose}, []byte{0x03, 0xe8})
	fmt.Println(c.expectClose(codec.CloseNormal))
	// Output:
	// text héllo
	// pong are you there
	// <nil>
}
