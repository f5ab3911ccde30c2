package echo

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
)

// Dial opens a WebSocket connection to a ws:// or wss:// URL as a client:
// it sends the opening handshake with a fresh key from crypto/rand and
// checks the answer with package handshake's client half (status 101,
// "Upgrade: websocket", "Connection: upgrade" and the
// Sec-WebSocket-Accept value for the key). With cfg.Compress it offers
// permessage-deflate (see Config.Compress) and checks the server's answer
// by RFC 7692; otherwise, and for subprotocols, a server that answers with
// an extension or subprotocol is refused. Frames the server sent right
// behind its answer are the Conn's first input. ctx bounds the dial and
// the handshake. Every frame the Conn sends is masked with a key from
// crypto/rand.
func Dial(ctx context.Context, rawURL string, cfg Config) (*Conn, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	host := u.Host
	switch u.Scheme {
	case "ws":
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "80")
		}
	case "wss":
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "443")
		}
	default:
		return nil, fmt.Errorf("websocket: URL scheme %q: want ws or wss", u.Scheme)
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "wss" {
		tc := tls.Client(nc, &tls.Config{ServerName: u.Hostname()})
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		nc = tc
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	// Cancelling ctx during the handshake unblocks its reads and writes.
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	pending, deflate, err := clientHandshake(nc, u, cfg)
	if !stop() || err != nil {
		nc.Close()
		if err == nil {
			err = ctx.Err()
		}
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	dc := cfg.withDefaults() // the connection's own copy
	c := newConn(nc, codec.RoleClient, &dc, pending)
	if deflate != nil {
		c.useDeflate(*deflate)
	}
	return c, nil
}

// clientHandshake writes the request and reads the response with package
// handshake's client half, which checks it (RFC 6455 §4.1); it returns
// the bytes that followed the response in the stream (the server's first
// frames, if it was quick) and the permessage-deflate agreement, nil when
// none. A response other than 101 is an error that wraps a
// *handshake.StatusError and quotes the start of its body; a 101 that
// fails a check wraps the handshake (or codec) error for the check.
func clientHandshake(nc net.Conn, u *url.URL, cfg Config) ([]byte, *codec.DeflateParams, error) {
	hc := handshake.Client{Target: u.RequestURI(), Host: u.Host}
	offer := cfg.clientOffer()
	if cfg.Compress {
		hc.Deflate = &offer
	}
	bp := getMsgBuf()
	req, err := hc.AppendRequest((*bp)[:0])
	if err == nil {
		_, err = nc.Write(req)
	}
	*bp = req[:0]
	putMsgBuf(bp)
	if err != nil {
		return nil, nil, fmt.Errorf("websocket: sending the handshake request: %w", err)
	}
	var r sockReader
	r.init(nc)
	defer r.release()
	for {
		b, err := r.readSome(nc)
		if err != nil {
			return nil, nil, fmt.Errorf("websocket: reading the handshake response: %w", err)
		}
		n, done, err := hc.Feed(b)
		var se *handshake.StatusError
		switch {
		case errors.As(err, &se):
			return nil, nil, fmt.Errorf("websocket: handshake refused: %w: %s", err, bodyStart(&hc, b[n:]))
		case err != nil:
			return nil, nil, fmt.Errorf("websocket: handshake response: %w", err)
		case !done:
			// The parser keeps what it needs of a response that
			// arrives split.
			r.release()
			continue
		}
		var pending []byte
		if len(b) > n {
			pending = append([]byte(nil), b[n:]...)
		}
		var deflate *codec.DeflateParams
		if p, ok := hc.Negotiated(); ok {
			deflate = &p
		}
		return pending, deflate, nil
	}
}

// bodyStart returns what a refusal's body says, for the error: the part
// of it that came with the header block, at most its Content-Length and
// 200 bytes, with its white space trimmed.
func bodyStart(hc *handshake.Client, rest []byte) string {
	if v, ok := hc.Header("Content-Length"); ok {
		if n, err := strconv.Atoi(string(v)); err == nil && n >= 0 && n < len(rest) {
			rest = rest[:n]
		}
	}
	return strings.TrimSpace(string(rest[:min(len(rest), 200)]))
}

// Autobahn runs a client under test against an Autobahn fuzzingserver at
// base (such as "ws://127.0.0.1:9001"): it asks /getCaseCount, connects to
// /runCase?case=N&agent=agent for every case and echoes all it gets, then
// asks /updateReports so that the server writes its reports. Up to
// parallel cases (at least one) run at once, started in order. progress,
// when not nil, gets one line per case. The cases' verdicts are the
// server's business; errors here are the protocol's steps failing.
func Autobahn(ctx context.Context, base, agent string, cfg Config, parallel int, progress io.Writer) error {
	base = strings.TrimSuffix(base, "/")
	count, err := caseCount(ctx, base, cfg)
	if err != nil {
		return fmt.Errorf("getCaseCount: %w", err)
	}
	q := url.QueryEscape(agent)
	// Cases are independent connections: up to parallel of them at once,
	// each started in order.
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex // progress lines
	for w := 0; w < max(parallel, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				err := runCase(ctx, fmt.Sprintf("%s/runCase?case=%d&agent=%s", base, i, q), cfg)
				if progress != nil {
					mu.Lock()
					fmt.Fprintf(progress, "case %d/%d: %v\n", i, count, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := 1; i <= count && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := dialTimeout(ctx, base+"/updateReports?agent="+q, cfg)
	if err != nil {
		return fmt.Errorf("updateReports: %w", err)
	}
	return closedNormally(c.Echo())
}

func dialTimeout(ctx context.Context, u string, cfg Config) (*Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return Dial(ctx, u, cfg)
}

// runCase plays one case: echo until the connection ends. A failed
// connection is part of many cases, so only a failed dial is an error.
func runCase(ctx context.Context, u string, cfg Config) error {
	c, err := dialTimeout(ctx, u, cfg)
	if err != nil {
		return err
	}
	return c.Echo()
}

func caseCount(ctx context.Context, base string, cfg Config) (int, error) {
	c, err := dialTimeout(ctx, base+"/getCaseCount", cfg)
	if err != nil {
		return 0, err
	}
	op, msg, err := c.ReadMessage()
	if err != nil {
		return 0, err
	}
	if op != codec.OpText {
		c.Close(codec.CloseUnsupportedData, "case count must be text")
		return 0, errors.New("case count is not a text message")
	}
	n, perr := strconv.Atoi(strings.TrimSpace(string(msg)))
	if err := closedNormally(c.Echo()); err != nil {
		return 0, err
	}
	if perr != nil || n < 0 {
		return 0, fmt.Errorf("bad case count %q", msg)
	}
	return n, nil
}

// closedNormally turns the peer's normal close into nil.
func closedNormally(err error) error {
	var ce *CloseError
	if errors.As(err, &ce) && ce.Remote && (ce.Code == codec.CloseNormal || ce.Code == codec.CloseNoStatus) {
		return nil
	}
	return err
}
