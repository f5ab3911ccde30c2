// Command wsclient is a WebSocket client built only on the wsframe codec
// and the standard library: it writes the opening handshake and reads the
// server's answer with package handshake's client half, which checks it
// as RFC 6455 §4.1 requires (status 101, Upgrade, Connection,
// Sec-WebSocket-Accept) and keeps the frames that arrive with it, and it
// masks every frame with a key from crypto/rand. It offers
// permessage-deflate (RFC 7692) and checks the server's answer by the RFC;
// -compress=false offers nothing.
//
// Autobahn mode runs the client under test of any Autobahn fuzzingserver
// (cmd/wstest's or the original): getCaseCount, runCase for every case
// echoing all it gets, then updateReports.
//
//	wsclient -autobahn ws://127.0.0.1:9001 -agent wsclient
//
// Interactive mode sends each line of stdin as a text message (-binary:
// binary) and prints what comes back; end of input closes with 1000.
//
//	wsclient -url ws://127.0.0.1:9001/ -ping 5s
//
// Echo mode (-echo) sends every message it gets back and exits when the
// server closes, with status 0 for codes 1000 and 1005: a peer for
// interoperability tests against other servers.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
	"unicode/utf8"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/internal/echo"
)

func main() {
	autobahn := flag.String("autobahn", "", "run the fuzzingserver protocol against this base URL (ws://host:port)")
	agent := flag.String("agent", "wsclient", "agent name reported to the fuzzingserver")
	rawURL := flag.String("url", "", "connect to this ws:// or wss:// URL")
	binary := flag.Bool("binary", false, "interactive: send lines as binary messages")
	ping := flag.Duration("ping", 0, "interactive: send a ping this often and print the round trip (0: never)")
	echoMode := flag.Bool("echo", false, "with -url: echo every message until the server closes")
	maxMsg := flag.Int64("max-message", echo.DefaultMaxMessage, "largest message accepted, in bytes")
	verbose := flag.Bool("v", false, "autobahn: print a line per case")
	parallel := flag.Int("parallel", 1, "autobahn: cases run at once")
	var cfg echo.Config
	echo.CompressFlags(flag.CommandLine, &cfg)
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg.MaxMessage = *maxMsg
	var err error
	switch {
	case *autobahn != "":
		var progress io.Writer
		if *verbose {
			progress = os.Stdout
		}
		err = echo.Autobahn(ctx, *autobahn, *agent, cfg, *parallel, progress)
	case *rawURL != "" && *echoMode:
		err = echoRun(ctx, *rawURL, cfg)
	case *rawURL != "":
		err = interactive(ctx, *rawURL, cfg, *binary, *ping)
	default:
		fmt.Fprintln(os.Stderr, "wsclient: give -autobahn URL or -url URL")
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wsclient:", err)
		os.Exit(1)
	}
}

func dial(ctx context.Context, u string, cfg echo.Config) (*echo.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return echo.Dial(ctx, u, cfg)
}

// normal turns the server's normal close into success.
func normal(err error) error {
	var ce *echo.CloseError
	if errors.As(err, &ce) && ce.Remote && (ce.Code == codec.CloseNormal || ce.Code == codec.CloseNoStatus) {
		return nil
	}
	return err
}

func echoRun(ctx context.Context, u string, cfg echo.Config) error {
	c, err := dial(ctx, u, cfg)
	if err != nil {
		return err
	}
	return normal(c.Echo())
}

func interactive(ctx context.Context, u string, cfg echo.Config, binary bool, ping time.Duration) error {
	c, err := dial(ctx, u, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "connected to %s; lines you type are sent, end of input closes\n", u)
	c.OnPong = func(p []byte) {
		var sent time.Time
		if sent.UnmarshalBinary(p) == nil {
			fmt.Printf("pong after %v\n", time.Since(sent).Round(time.Microsecond))
		} else {
			fmt.Printf("pong %q\n", p)
		}
	}
	done := make(chan error, 1)
	go func() {
		for {
			op, msg, err := c.ReadMessage()
			if err != nil {
				done <- err
				return
			}
			if op == codec.OpText && utf8.Valid(msg) {
				fmt.Printf("< %s\n", msg)
			} else {
				fmt.Printf("< binary, %d bytes: % x\n", len(msg), msg[:min(len(msg), 64)])
			}
		}
	}()
	if ping > 0 {
		t := time.NewTicker(ping)
		defer t.Stop()
		go func() {
			for range t.C {
				p, _ := time.Now().MarshalBinary()
				if c.Ping(p) != nil {
					return
				}
			}
		}()
	}
	lines := make(chan []byte)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			lines <- append([]byte(nil), sc.Bytes()...)
		}
		close(lines)
	}()
	op := codec.OpText
	if binary {
		op = codec.OpBinary
	}
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				c.SendClose(codec.CloseNormal, "")
				return closeResult(<-done)
			}
			if op == codec.OpText && !utf8.Valid(line) {
				fmt.Fprintln(os.Stderr, "wsclient: line is not valid UTF-8; not sent (use -binary)")
				continue
			}
			if err := c.WriteMessage(op, line, 0); err != nil {
				return err
			}
		case <-ctx.Done():
			c.SendClose(codec.CloseGoingAway, "")
			return closeResult(<-done)
		case err := <-done:
			return normal(err)
		}
	}
}

// closeResult: after our Close, the server's answer ends the read loop.
func closeResult(err error) error {
	var ce *echo.CloseError
	if errors.As(err, &ce) && !ce.Remote {
		fmt.Fprintf(os.Stderr, "closed: server answered %v\n", ce.Code)
		return nil
	}
	return normal(err)
}
