// Command wsecho is a WebSocket echo server built only on the wsframe
// codec (framing, masking, UTF-8 validation) and the standard library. It
// sends every message back with its opcode, answers pings, fails a
// connection at the first protocol violation with the close code it maps
// to, and times out peers that stall. It accepts permessage-deflate (RFC
// 7692; package pmdeflate) unless -compress=false, inflating with the
// message limit. It passes every case of the Autobahn testsuite's sections
// 1-7, 9, 10, 12 and 13 strictly (see cmd/wsselftest).
//
// It reads the opening handshakes itself, straight from the listener, with
// package handshake's push-fed parser: a connection whose request is not
// complete holds only the bytes it sent, a timer and its goroutine, and
// is closed at -handshake-timeout. -http serves the handshakes through
// net/http instead (its Hijack), the way most Go servers do it.
//
//	wsecho                          # ws://127.0.0.1:9001
//	wsecho -addr :9001 -log         # all interfaces, a line per connection
//	wsecho -addr 127.0.0.1:0        # any free port (printed)
//	wsecho -compress=false          # no permessage-deflate
//	wsecho -http                    # handshakes through net/http
//	wsecho -debug 127.0.0.1:6060    # expvar and pprof on another port
//
// The server's code is in internal/echo, so that tests, the self-test and
// the benchmarks run it in-process.
package main

import (
	"expvar"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/echo"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9001", "address to listen on (port 0: any free port)")
	maxMsg := flag.Int64("max-message", echo.DefaultMaxMessage, "largest message in bytes; a larger one is refused with close code 1009")
	readT := flag.Duration("read-timeout", echo.DefaultReadTimeout, "close a connection (1001) whose peer sends nothing for this long")
	msgT := flag.Duration("message-timeout", echo.DefaultMessageTimeout, "close a connection (1008) whose message is not complete after this long")
	closeT := flag.Duration("close-timeout", echo.DefaultCloseTimeout, "drop a connection whose peer does not finish the closing handshake in this long")
	hsT := flag.Duration("handshake-timeout", echo.DefaultHandshakeTimeout, "close a connection whose opening handshake is not complete after this long")
	maxHeader := flag.Int("max-header", handshake.DefaultMaxBytes, "largest request header block in bytes; a larger one is refused with 431")
	viaHTTP := flag.Bool("http", false, "read the opening handshakes through net/http instead of the push-fed parser")
	logConns := flag.Bool("log", false, "log one line per connection")
	debug := flag.String("debug", "", "serve expvar (/debug/vars) and pprof (/debug/pprof/) on this address; off when empty")
	var cfg echo.Config
	echo.CompressFlags(flag.CommandLine, &cfg)
	flag.Parse()

	cfg.MaxMessage = *maxMsg
	cfg.ReadTimeout = *readT
	cfg.MessageTimeout = *msgT
	cfg.CloseTimeout = *closeT
	cfg.WriteTimeout = 10 * time.Second
	srv := &echo.Server{Config: cfg, HandshakeTimeout: *hsT, MaxHeaderBytes: *maxHeader, HTTP: *viaHTTP}
	if *logConns {
		srv.Log = log.New(os.Stderr, "wsecho: ", log.LstdFlags)
	}
	if *debug != "" {
		a, err := serveDebug(*debug)
		if err != nil {
			fmt.Fprintln(os.Stderr, "wsecho:", err)
			os.Exit(1)
		}
		// Scripts read the debug address from this line.
		fmt.Printf("wsecho debug on http://%s/debug/vars\n", a)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wsecho:", err)
		os.Exit(1)
	}
	// Scripts that pass port 0 read the address from this line.
	fmt.Printf("wsecho listening on ws://%s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "wsecho:", err)
		os.Exit(1)
	}
}

// serveDebug serves the standard library's expvar (/debug/vars: "memstats",
// and "wsecho" with the messages echoed so far, whose ratio is the
// allocations per message) and pprof (/debug/pprof/) on a listener of their
// own, apart from the WebSocket port, on a mux of their own (nothing else
// registered on http.DefaultServeMux is exposed), and returns its address.
func serveDebug(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	expvar.Publish("wsecho", expvar.Func(func() any {
		return map[string]int64{"messages": echo.Echoed()}
	}))
	mux := http.NewServeMux()
	mux.Handle("/debug/vars", expvar.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go http.Serve(ln, mux)
	return ln.Addr().String(), nil
}
