// Command gorillaclient is an Autobahn-protocol client on
// github.com/gorilla/websocket, a peer for `wstest -m fuzzingserver`: it
// asks /getCaseCount, runs /runCase?case=N&agent=A for every case, echoing
// each message with its type, then asks /updateReports. Like
// gorillaecho it checks text messages for valid UTF-8 itself (gorilla
// leaves that to the application) and closes with 1007 when they are not.
//
// With -compress it offers permessage-deflate as gorilla does
// ("server_no_context_takeover; client_no_context_takeover") and
// compresses every echo. gorilla rejects an answer that lacks either
// parameter, so most of wstest's section 12 and 13 cases cannot even open
// with it; such a case is logged and the run goes on (exit status 1).
//
//	go run ./cmd/gorillaclient -url ws://127.0.0.1:9001 -agent gorilla-client
package main

import (
	"flag"
	"fmt"
	"log"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

var compress = flag.Bool("compress", false, "offer permessage-deflate (no context takeover)")

func dial(url string) (*websocket.Conn, error) {
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second, ReadBufferSize: 4096, WriteBufferSize: 4096, EnableCompression: *compress}
	c, _, err := d.Dial(url, nil)
	if c != nil {
		c.EnableWriteCompression(*compress)
	}
	return c, err
}

// echoCase echoes every message until the server closes the connection.
func echoCase(url string) error {
	c, err := dial(url)
	if err != nil {
		return err
	}
	defer c.Close()
	for {
		op, msg, err := c.ReadMessage()
		if err != nil {
			return nil // the case is over, however it ended
		}
		if op == websocket.TextMessage && !utf8.Valid(msg) {
			c.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, ""), time.Now().Add(time.Second))
			// Wait for the server's close reply and TCP close.
			for {
				if _, _, err := c.NextReader(); err != nil {
					return nil
				}
			}
		}
		if err := c.WriteMessage(op, msg); err != nil {
			return nil
		}
	}
}

func caseCount(base string) (int, error) {
	c, err := dial(base + "/getCaseCount")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_, msg, err := c.ReadMessage()
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(string(msg))
}

func main() {
	base := flag.String("url", "ws://127.0.0.1:9001", "wstest fuzzingserver URL")
	agent := flag.String("agent", "gorilla-client", "agent name in the reports")
	flag.Parse()
	n, err := caseCount(*base)
	if err != nil {
		log.Fatal(err)
	}
	failed := 0
	for i := 1; i <= n; i++ {
		if err := echoCase(fmt.Sprintf("%s/runCase?case=%d&agent=%s", *base, i, *agent)); err != nil {
			// The server records the failed handshake; go on with the rest.
			log.Printf("case %d: %v", i, err)
			failed++
		}
	}
	c, err := dial(*base + "/updateReports?agent=" + *agent)
	if err != nil {
		log.Fatal(err)
	}
	for {
		if _, _, err := c.NextReader(); err != nil {
			break
		}
	}
	c.Close()
	fmt.Printf("ran %d cases\n", n)
	if failed > 0 {
		log.Fatalf("%d cases could not connect", failed)
	}
}
