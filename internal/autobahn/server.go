package autobahn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FuzzServer is the fuzzingserver mode: it tests WebSocket clients that
// speak Autobahn's protocol. Clients ask GET /getCaseCount (a text message
// with the number of cases), then connect to /runCase?case=N&agent=A for
// N = 1..count and echo everything, and finally /updateReports?agent=A.
// /getCaseInfo?case=N and /getCaseStatus?case=N&agent=A answer with JSON.
type FuzzServer struct {
	Runner  *Runner
	Spec    *ServerSpec
	Results *Results
	// Reports is called after every /updateReports.
	Reports func(agent string)

	cases []*Case
	ex    agentExcluder
	// recording is held shared by every /runCase until its result is
	// stored; /updateReports takes it exclusively first. A client opens
	// /updateReports as soon as it sees its last case's connection close,
	// which can be before the server has stored that case's result.
	recording sync.RWMutex
}

// NewFuzzServer resolves the spec's cases.
func NewFuzzServer(r *Runner, spec *ServerSpec) (*FuzzServer, error) {
	cases, err := MatchCases(spec.Cases, spec.ExcludeCases)
	if err != nil {
		return nil, err
	}
	ex, err := newAgentExcluder(spec.ExcludeAgentCases)
	if err != nil {
		return nil, err
	}
	return &FuzzServer{Runner: r, Spec: spec, Results: NewResults(), cases: cases, ex: ex}, nil
}

// CaseCount is the number of cases a client is told to run.
func (fs *FuzzServer) CaseCount() int { return len(fs.cases) }

// Serve accepts connections on ln until ctx is done. Cases run as the
// clients ask for them; a client that runs cases in parallel gets them in
// parallel.
func (fs *FuzzServer) Serve(ctx context.Context, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fs.handle(conn)
		}()
	}
}

// httpError answers a request that cannot become a WebSocket connection.
func httpError(conn net.Conn, status string, msg string) {
	fmt.Fprintf(conn, "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", status, len(msg), msg)
	conn.Close()
}

func (fs *FuzzServer) handle(conn net.Conn) {
	t := fs.Runner.Timeouts.withDefaults()
	started := time.Now()
	conn.SetDeadline(started.Add(t.Open))
	head, rest, err := readHead(conn)
	if err != nil {
		conn.Close()
		return
	}
	lines := strings.Split(strings.TrimRight(string(head), "\r\n"), "\r\n")
	reqLine := strings.Split(lines[0], " ")
	if len(reqLine) != 3 || reqLine[0] != "GET" || !strings.HasPrefix(reqLine[2], "HTTP/1.") {
		httpError(conn, "400 Bad Request", "not a WebSocket opening handshake\n")
		return
	}
	u, err := url.ParseRequestURI(reqLine[1])
	if err != nil {
		httpError(conn, "400 Bad Request", "bad request target\n")
		return
	}
	h := parseHeaders(lines[1:])
	key := h["sec-websocket-key"]
	if !strings.EqualFold(h["upgrade"], "websocket") || !hasToken(h["connection"], "upgrade") || h["sec-websocket-version"] != "13" || len(key) != 24 {
		httpError(conn, "400 Bad Request", "missing or wrong Upgrade, Connection, Sec-WebSocket-Version or Sec-WebSocket-Key\n")
		return
	}
	q := u.Query()
	agent := q.Get("agent")
	var c *Case
	var index int
	switch u.Path {
	case "/runCase", "/getCaseInfo", "/getCaseStatus":
		n, err := strconv.Atoi(q.Get("case"))
		if err != nil || n < 1 || n > len(fs.cases) {
			httpError(conn, "404 Not Found", fmt.Sprintf("case %q not found (1..%d)\n", q.Get("case"), len(fs.cases)))
			return
		}
		c, index = fs.cases[n-1], n
		if (u.Path == "/runCase" || u.Path == "/getCaseStatus") && agent == "" {
			httpError(conn, "400 Bad Request", "need agent\n")
			return
		}
	case "/getCaseCount":
	case "/updateReports":
		if agent == "" {
			httpError(conn, "400 Bad Request", "need agent to update reports for\n")
			return
		}
	default:
		httpError(conn, "404 Not Found", "unknown path\n")
		return
	}
	// Sections 12 and 13 answer permessage-deflate offers as Autobahn's
	// fuzzingserver does: an offer it cannot parse fails the handshake; of
	// the rest, the case's accept picks one or declines them all.
	var pmd *deflateParams
	extLine := ""
	if u.Path == "/runCase" && c.accept != nil && !fs.ex.excluded(agent, c.ID) {
		offers, err := clientOffers(h["sec-websocket-extensions"])
		if err != nil {
			// Record the case before answering, so that a client's next
			// /updateReports finds it.
			cr := newResult(agent, index, c, true)
			cr.HTTPRequest = string(head)
			cr.openFailed(fmt.Errorf("bad permessage-deflate offer: %w", err), false, started)
			fs.Results.Add(cr)
			httpError(conn, "400 Bad Request", err.Error()+"\n")
			fs.Runner.logf("%-8s %-10s %-13s %-16s %s", cr.ID, agent, cr.Behavior, cr.BehaviorCl, verdictWord(cr))
			return
		}
		if a, ok := c.accept(offers); ok {
			p := a.params()
			pmd = &p
			extLine = "Sec-WebSocket-Extensions: " + a.String() + "\r\n"
		}
	}
	resp := "HTTP/1.1 101 Switching Protocols\r\nServer: wstest\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + acceptKey(key) + "\r\n" + extLine + "\r\n"
	if _, err := conn.Write([]byte(resp)); err != nil {
		conn.Close()
		return
	}
	conn.SetDeadline(time.Time{})

	switch u.Path {
	case "/runCase":
		if fs.ex.excluded(agent, c.ID) {
			fs.Runner.logf("Skipping test case %s for agent %s by test configuration", c.ID, agent)
			fs.control(conn, rest, nil)
			return
		}
		fs.recording.RLock()
		cr := newResult(agent, index, c, true)
		cr.HTTPRequest, cr.HTTPResponse = string(head), resp
		s := newSession(conn, true, c, t)
		if pmd != nil {
			s.pmd = newCodec(*pmd, true)
			cr.Extension = pmdName + " (" + pmd.String() + ")"
		}
		s.play(rest)
		cr.fill(s)
		fs.Results.Add(cr)
		fs.recording.RUnlock()
		fs.Runner.logf("%-8s %-10s %-13s %-16s %s", cr.ID, agent, cr.Behavior, cr.BehaviorCl, verdictWord(cr))
	case "/getCaseCount":
		fs.control(conn, rest, []byte(strconv.Itoa(len(fs.cases))))
	case "/getCaseInfo":
		b, _ := json.Marshal(map[string]string{"id": c.ID, "description": c.Description})
		fs.control(conn, rest, b)
	case "/getCaseStatus":
		behavior := "UNKNOWN"
		if r, ok := fs.Results.Get(agent, c.ID); ok {
			behavior = r.Behavior
		}
		b, _ := json.Marshal(map[string]string{"behavior": behavior})
		fs.control(conn, rest, b)
	case "/updateReports":
		fs.recording.Lock() // wait for results still being stored
		fs.recording.Unlock()
		if fs.Reports != nil {
			fs.Reports(agent)
		}
		fs.control(conn, rest, nil)
	}
}

// control answers one of the protocol's control requests: an optional
// text message, then a normal close.
func (fs *FuzzServer) control(conn net.Conn, rest, msg []byte) {
	c := &Case{ID: "control", Open: func(s *Session) {
		s.EnableWirelog(false)
		if msg != nil {
			s.SendMessage(msg, false, 0)
		}
		s.SendClose(CloseNormal, nil)
		s.KillAfter(2)
	}}
	s := newSession(conn, true, c, fs.Runner.Timeouts)
	s.play(rest)
}

// clientOffers returns the permessage-deflate offers in a client's
// Sec-WebSocket-Extensions header, in order; other extensions are ignored
// (declined).
func clientOffers(h string) ([]pmdOffer, error) {
	exts, err := parseExtensions(h)
	if err != nil {
		return nil, err
	}
	var offers []pmdOffer
	for _, e := range exts {
		if e.name != pmdName {
			continue
		}
		o, err := parseOffer(e)
		if err != nil {
			return nil, err
		}
		offers = append(offers, o)
	}
	return offers, nil
}
