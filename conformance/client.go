package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"
)

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// Runner plays cases against peers. The zero value runs up to
// DefaultParallel cases at once with Autobahn's timeouts and reports
// nothing as it goes.
type Runner struct {
	Timeouts Timeouts
	// Parallel is how many cases may run at once: 0 means DefaultParallel,
	// 1 one at a time as Autobahn does. Performance cases (section 9)
	// always run alone, after the others.
	Parallel int
	// Observer, when set, is told about the run as it goes (a Progress
	// shows it to people).
	Observer Observer
}

// DefaultParallel is how many cases a Runner plays at once unless told
// otherwise. Cases are independent connections, and most of a run is
// sections 12 and 13, whose cases each wait for 1000 echoes one after the
// other: playing several at once overlaps the waiting until the peer or
// the machine is busy. Measured on the 18 cases of 12.1 on 2 cores:
// Node's ws (one thread) took 97 s one at a time, 51 s four at a time,
// 37 s at eight and 42 s at sixteen; wsecho, which compresses on both
// cores, took 23 to 28 s at one to eight and 38 s at sixteen. Eight is
// the fastest for the slow peer and costs the fast one nothing.
const DefaultParallel = 8

func (r *Runner) parallel() int {
	if r.Parallel <= 0 {
		return DefaultParallel
	}
	return r.Parallel
}

func (r *Runner) planned(agent string, cases []*Case) {
	if r.Observer != nil {
		r.Observer.Planned(agent, cases)
	}
}

func (r *Runner) started(agent string, c *Case) {
	if r.Observer != nil {
		r.Observer.Started(agent, c)
	}
}

func (r *Runner) finished(cr *CaseResult) {
	if r.Observer != nil {
		r.Observer.Finished(cr)
	}
}

// FuzzServers is the fuzzingclient mode: it runs the spec's cases against
// every server in it and returns the results. It dials only the servers'
// URLs. ctx cancels the run between cases.
func (r *Runner) FuzzServers(ctx context.Context, spec *ClientSpec) (*Results, error) {
	cases, err := MatchCases(spec.Cases, spec.ExcludeCases)
	if err != nil {
		return nil, err
	}
	ex, err := newAgentExcluder(spec.ExcludeAgentCases)
	if err != nil {
		return nil, err
	}
	for _, srv := range spec.Servers {
		if _, err := parseWSURL(srv.URL); err != nil {
			return nil, fmt.Errorf("server %s: %w", srv.Agent, err)
		}
	}
	// Every server's cases are announced first, so that progress counts
	// the whole run from the start.
	runs := make([][]int, len(spec.Servers))
	for k, srv := range spec.Servers {
		var planned []*Case
		for i, c := range cases {
			if !ex.excluded(srv.Agent, c.ID) {
				runs[k] = append(runs[k], i)
				planned = append(planned, c)
			}
		}
		r.planned(srv.Agent, planned)
	}
	res := NewResults()
	for k, srv := range spec.Servers {
		r.schedule(ctx, cases, runs[k], func(i int) {
			r.started(srv.Agent, cases[i])
			cr := r.runClientCase(srv, cases[i], i+1)
			res.Add(cr)
			r.finished(cr)
		})
		if err := ctx.Err(); err != nil {
			return res, err
		}
	}
	return res, nil
}

// schedule runs fn for every index in run: the non-performance cases on
// up to Parallel workers, then the performance cases one at a time.
func (r *Runner) schedule(ctx context.Context, cases []*Case, run []int, fn func(i int)) {
	workers := r.parallel()
	var normal, perf []int
	for _, i := range run {
		if cases[i].Performance {
			perf = append(perf, i)
		} else {
			normal = append(normal, i)
		}
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				fn(i)
			}
		}()
	}
	for _, i := range normal {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for _, i := range perf {
		if ctx.Err() != nil {
			break
		}
		fn(i)
	}
}

func parseWSURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "ws" && u.Scheme != "wss" {
		return nil, fmt.Errorf("url %q: scheme must be ws or wss", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("url %q: no host", raw)
	}
	return u, nil
}

// runClientCase connects to srv and plays one case as the client; index
// is the case's 1-based position in the run, as reports number it.
func (r *Runner) runClientCase(srv ServerEntry, c *Case, index int) *CaseResult {
	cr := newResult(srv.Agent, index, c, false)
	t := r.Timeouts.withDefaults()
	started := time.Now()
	conn, leftover, reqText, respText, pmd, err := dialOffer(srv, t.Open, c.offers)
	cr.HTTPRequest, cr.HTTPResponse = reqText, respText
	if err != nil {
		var ne net.Error
		cr.openFailed(err, errors.As(err, &ne) && ne.Timeout(), started)
		return cr
	}
	s := newSession(conn, false, c, t)
	if pmd != nil {
		s.pmd = newCodec(*pmd, false)
		cr.Extension = pmdName + " (" + pmd.String() + ")"
	}
	s.play(leftover)
	cr.fill(s)
	return cr
}

// dialWS opens a TCP (or TLS) connection to srv.URL and performs the
// client's opening handshake, offering no extension and no compression.
func dialWS(srv ServerEntry, timeout time.Duration) (conn net.Conn, leftover []byte, reqText, respText string, err error) {
	conn, leftover, reqText, respText, _, err = dialOffer(srv, timeout, nil)
	return conn, leftover, reqText, respText, err
}

// dialOffer is dialWS offering permessage-deflate with offers (none: no
// Sec-WebSocket-Extensions header). pmd is what the server agreed to, nil
// if it declined; an answer RFC 7692 does not allow is an error.
func dialOffer(srv ServerEntry, timeout time.Duration, offers []pmdOffer) (conn net.Conn, leftover []byte, reqText, respText string, pmd *deflateParams, err error) {
	u, err := parseWSURL(srv.URL)
	if err != nil {
		return nil, nil, "", "", nil, err
	}
	host := u.Host
	if u.Port() == "" {
		if u.Scheme == "wss" {
			host = net.JoinHostPort(u.Hostname(), "443")
		} else {
			host = net.JoinHostPort(u.Hostname(), "80")
		}
	}
	deadline := time.Now().Add(timeout)
	d := net.Dialer{Deadline: deadline}
	if u.Scheme == "wss" {
		conn, err = tls.DialWithDialer(&d, "tcp", host, &tls.Config{ServerName: u.Hostname()})
	} else {
		conn, err = d.Dial("tcp", host)
	}
	if err != nil {
		return nil, nil, "", "", nil, err
	}
	var kb [16]byte
	if _, err := rand.Read(kb[:]); err != nil {
		conn.Close()
		return nil, nil, "", "", nil, err
	}
	key := base64.StdEncoding.EncodeToString(kb[:])
	path := u.RequestURI()
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nUser-Agent: wstest\r\nHost: %s\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nPragma: no-cache\r\nCache-Control: no-cache\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", path, u.Host, key)
	if srv.Origin != "" {
		fmt.Fprintf(&req, "Origin: %s\r\n", srv.Origin)
	}
	if len(offers) > 0 {
		fmt.Fprintf(&req, "Sec-WebSocket-Extensions: %s\r\n", offersHeader(offers))
	}
	if len(srv.Protocols) > 0 {
		fmt.Fprintf(&req, "Sec-WebSocket-Protocol: %s\r\n", strings.Join(srv.Protocols, ","))
	}
	req.WriteString("\r\n")
	reqText = req.String()
	conn.SetDeadline(deadline)
	if _, err := io.WriteString(conn, reqText); err != nil {
		conn.Close()
		return nil, nil, reqText, "", nil, err
	}
	head, rest, err := readHead(conn)
	respText = string(head)
	if err != nil {
		conn.Close()
		return nil, nil, reqText, respText, nil, err
	}
	if pmd, err = checkResponse(head, acceptKey(key), offers); err != nil {
		conn.Close()
		return nil, nil, reqText, respText, nil, err
	}
	conn.SetDeadline(time.Time{})
	return conn, rest, reqText, respText, pmd, nil
}

// maxHead bounds an HTTP head (request or response) during the opening
// handshake.
const maxHead = 16 << 10

// readHead reads up to and including the blank line ending an HTTP head
// and returns what came after it too.
func readHead(conn net.Conn) (head, rest []byte, err error) {
	buf := make([]byte, 0, 1024)
	tmp := make([]byte, 1024)
	for {
		if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
			return buf[:i+4], append([]byte(nil), buf[i+4:]...), nil
		}
		if len(buf) > maxHead {
			return buf, nil, fmt.Errorf("HTTP head longer than %d octets", maxHead)
		}
		n, err := conn.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return buf, nil, err
		}
	}
}

func parseHeaders(lines []string) map[string]string {
	h := map[string]string{}
	for _, l := range lines {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if old, dup := h[k]; dup {
			v = old + ", " + v
		}
		h[k] = v
	}
	return h
}

func hasToken(v, token string) bool {
	for _, t := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// checkResponse checks the server's opening handshake answer; pmd is the
// permessage-deflate it agreed to (nil: none).
func checkResponse(head []byte, wantAccept string, offers []pmdOffer) (pmd *deflateParams, err error) {
	lines := strings.Split(strings.TrimRight(string(head), "\r\n"), "\r\n")
	status := strings.SplitN(lines[0], " ", 3)
	if len(status) < 2 || !strings.HasPrefix(status[0], "HTTP/1.") {
		return nil, fmt.Errorf("malformed status line %q", lines[0])
	}
	if status[1] != "101" {
		return nil, fmt.Errorf("server answered %q, not 101 Switching Protocols", lines[0])
	}
	h := parseHeaders(lines[1:])
	if !strings.EqualFold(h["upgrade"], "websocket") {
		return nil, fmt.Errorf("Upgrade header is %q, not websocket", h["upgrade"])
	}
	if !hasToken(h["connection"], "upgrade") {
		return nil, fmt.Errorf("Connection header %q lacks upgrade", h["connection"])
	}
	if h["sec-websocket-accept"] != wantAccept {
		return nil, fmt.Errorf("Sec-WebSocket-Accept is %q, want %q", h["sec-websocket-accept"], wantAccept)
	}
	return checkDeflateResponse(h["sec-websocket-extensions"], offers)
}
