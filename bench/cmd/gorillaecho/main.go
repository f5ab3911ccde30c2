// Command gorillaecho is an echo server on github.com/gorilla/websocket,
// the reference peer cmd/wstest's fuzzingclient mode is checked against.
// It follows gorilla's own Autobahn example: messages are read whole and
// echoed with the same type, text messages must be valid UTF-8 (gorilla
// leaves that check to the application) or the connection is closed with
// 1007, and gorilla itself answers pings and the closing handshake.
//
// With -compress it negotiates permessage-deflate (gorilla's experimental
// support: no context takeover in either direction, which gorilla always
// answers with whatever the client offered, and no window-size parameters)
// and compresses every echo, for wstest's sections 12 and 13.
//
//	go run ./cmd/gorillaecho -addr 127.0.0.1:9001   # port 0 picks a free one
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

var upgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 4096,
	// The fuzzer sends no Origin; this server exists only for tests.
	CheckOrigin: func(*http.Request) bool { return true },
}

func echo(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	// Compresses only where the handshake negotiated permessage-deflate.
	conn.EnableWriteCompression(upgrader.EnableCompression)
	for {
		op, msg, err := conn.ReadMessage()
		if err != nil {
			return
		}
		if op == websocket.TextMessage && !utf8.Valid(msg) {
			conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, ""), time.Time{})
			return
		}
		if err := conn.WriteMessage(op, msg); err != nil {
			return
		}
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9001", "listen address")
	flag.BoolVar(&upgrader.EnableCompression, "compress", false, "negotiate permessage-deflate (no context takeover)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	// The address line lets scripts use port 0 and learn the real port.
	fmt.Printf("gorillaecho listening on ws://%s\n", ln.Addr())
	http.HandleFunc("/", echo)
	log.Fatal(http.Serve(ln, nil))
}
