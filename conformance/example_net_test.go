//go:build !js && !wasip1

package conformance

import (
	"context"
	"fmt"
	"net"
)

func ExampleRunner_FuzzServers() {
	// A conforming echo server to test (any WebSocket server will do).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go knobs{}.serve(c)
		}
	}()

	spec := &ClientSpec{
		Servers: []ServerEntry{{Agent: "echo", URL: "ws://" + ln.Addr().String()}},
		Cases:   []string{"1.1.*", "2.1"},
	}
	res, err := (&Runner{Parallel: 4}).FuzzServers(context.Background(), spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	passed, failed := res.Counts()
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	// Output: 9 passed, 0 failed
}
