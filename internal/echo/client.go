package echo

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wsframe/wsframe/codec"
)

// Dial opens a WebSocket connection to a ws:// or wss:// URL as a client:
// it sends the opening handshake with a fresh key from crypto/rand and
// checks the answer (status 101, "Upgrade: websocket", "Connection:
// upgrade" and the Sec-WebSocket-Accept value for the key). With
// cfg.Compress it offers permessage-deflate (see Config.Compress) and
// checks the server's answer by RFC 7692; otherwise, and for subprotocols,
// a server that answers with an extension or subprotocol is refused.
// ctx bounds the dial and the handshake. Every frame the Conn sends is
// masked with a key from crypto/rand.
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
	c := newConn(nc, codec.RoleClient, cfg, pending)
	if deflate != nil {
		c.useDeflate(*deflate)
	}
	return c, nil
}

// clientHandshake writes the request and checks the response; it returns
// the bytes that followed the response (the first frames, if the server
// was quick) and the permessage-deflate agreement, nil when none.
func clientHandshake(nc net.Conn, u *url.URL, cfg Config) ([]byte, *codec.DeflateParams, error) {
	key, err := codec.AppendKey(nil, nil)
	if err != nil {
		return nil, nil, err
	}
	var req strings.Builder
	req.WriteString("GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + string(key) +
		"\r\nSec-WebSocket-Version: 13\r\n")
	offer := cfg.clientOffer()
	if cfg.Compress {
		req.WriteString("Sec-WebSocket-Extensions: " + string(offer.AppendOffer(nil)) + "\r\n")
	}
	req.WriteString("\r\n")
	if _, err := io.WriteString(nc, req.String()); err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(nc, 4096)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet, URL: u})
	if err != nil {
		return nil, nil, fmt.Errorf("websocket: reading the handshake response: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, nil, fmt.Errorf("websocket: handshake refused: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	var deflate *codec.DeflateParams
	exts := resp.Header.Values("Sec-WebSocket-Extensions")
	switch {
	case !hasToken(resp.Header, "Upgrade", "websocket"):
		return nil, nil, errors.New("websocket: handshake response lacks 'Upgrade: websocket'")
	case !hasToken(resp.Header, "Connection", "upgrade"):
		return nil, nil, errors.New("websocket: handshake response lacks 'Connection: upgrade'")
	case !codec.ValidAccept(key, strings.TrimSpace(resp.Header.Get("Sec-WebSocket-Accept"))):
		return nil, nil, errors.New("websocket: wrong Sec-WebSocket-Accept in the handshake response")
	case cfg.Compress:
		p, ok, err := codec.AcceptDeflateResponse(exts, offer)
		if err != nil {
			return nil, nil, fmt.Errorf("websocket: handshake response: %w", err)
		}
		if ok {
			deflate = &p
		}
	case len(exts) > 0:
		return nil, nil, errors.New("websocket: server chose an extension that was not offered")
	}
	if resp.Header.Get("Sec-WebSocket-Protocol") != "" {
		return nil, nil, errors.New("websocket: server chose a subprotocol that was not offered")
	}
	var pending []byte
	if n := br.Buffered(); n > 0 {
		pending = make([]byte, n)
		io.ReadFull(br, pending)
	}
	return pending, deflate, nil
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
