//go:build !js && !wasip1

package echo_test

import (
	"context"
	"fmt"
	"net"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/internal/echo"
)

// An echo server on a loopback port and a client that sends it a text
// message, pings it, and closes.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	go (&echo.Server{}).Serve(ln)

	c, err := echo.Dial(context.Background(), "ws://"+ln.Addr().String()+"/", echo.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	c.OnPong = func(p []byte) { fmt.Printf("pong %q\n", p) }
	c.Ping([]byte("are you there?"))
	c.WriteMessage(codec.OpText, []byte("héllo"), 0)
	op, msg, err := c.ReadMessage()
	fmt.Println(op, string(msg), err)
	fmt.Println(c.Close(codec.CloseNormal, "bye"))
	// Output:
	// pong "are you there?"
	// text héllo <nil>
	// websocket: we closed with 1000 (normal closure)
}
