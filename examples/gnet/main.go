// Command wsgnet is a WebSocket echo server on the gnet event loop
// (github.com/panjf2000/gnet/v2), built on the wsframe library's sans-I/O
// packages: handshake for the opening handshake, codec for the frames,
// pmdeflate for permessage-deflate, utf8valid for compressed text. It is
// the template for the stacks the codec is written for: OnTraffic feeds
// whatever bytes a read brought to the handshake parser and then to the
// frame receiver, never waits for more inside the loop, and answers
// everything that read produced (echoes, pongs, a Close) with one write.
//
//	wsgnet                          # ws://127.0.0.1:9001
//	wsgnet -addr 127.0.0.1:0        # any free port (printed)
//	wsgnet -debug 127.0.0.1:6060    # expvar and pprof on another port
//	wsgnet -compress=false          # no permessage-deflate
//
// It echoes every data message with its type, answers pings, answers a
// Close with the same code and closes, and fails a connection at the first
// violation with the close code the library maps it to (codec.CodeOf):
// 1002 for the protocol, 1007 for invalid UTF-8 (compressed text
// included, checked as it inflates), 1009 for a message over -max-message.
// As wsecho, it fails a connection whose peer sends nothing for
// -read-timeout with 1001, and one whose data message is not complete
// after -message-timeout with 1008.
// See README.md for where each byte of a connection goes.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	var cfg Config
	addr := flag.String("addr", "127.0.0.1:9001", "address to listen on (port 0: any free port, printed)")
	debug := flag.String("debug", "", "serve expvar (/debug/vars) and pprof (/debug/pprof/) on this address; off when empty")
	flag.Int64Var(&cfg.MaxMessage, "max-message", DefaultMaxMessage, "largest message in bytes, inflated size included; a larger one is refused with close code 1009")
	flag.BoolVar(&cfg.Compress, "compress", true, "negotiate permessage-deflate (RFC 7692)")
	flag.BoolVar(&cfg.ClientContextTakeover, "client-context-takeover", false, "let clients keep their compression context between messages (better ratios; 32 KiB of history per such connection)")
	flag.DurationVar(&cfg.HandshakeTimeout, "handshake-timeout", DefaultHandshakeTimeout, "close a connection whose opening handshake is not complete after this long")
	flag.DurationVar(&cfg.CloseTimeout, "close-timeout", DefaultCloseTimeout, "close a connection this long after our Close frame if the peer has not closed")
	flag.DurationVar(&cfg.ReadTimeout, "read-timeout", DefaultReadTimeout, "close a connection (1001) whose peer sends nothing for this long")
	flag.DurationVar(&cfg.MessageTimeout, "message-timeout", DefaultMessageTimeout, "close a connection (1008) whose message is not complete after this long")
	flag.IntVar(&cfg.Loops, "loops", 0, "event loops (0: one per CPU)")
	flag.Parse()

	srv, err := NewServer(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gnet:", err)
		os.Exit(2)
	}
	if *debug != "" {
		a, err := serveDebug(*debug)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gnet:", err)
			os.Exit(1)
		}
		// Scripts read the debug address from this line.
		fmt.Printf("gnet debug on http://%s/debug/vars\n", a)
	}
	go func() {
		if a := srv.Addr(); a != "" {
			// Scripts that pass port 0 read the address from this line.
			fmt.Printf("gnet listening on ws://%s\n", a)
		}
	}()
	if err := srv.Run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "gnet:", err)
		os.Exit(1)
	}
}
