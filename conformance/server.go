package conformance

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

	mu      sync.Mutex
	agents  map[string]bool        // agents announced to the observer
	watches map[caseKey]*caseWatch // see watch
}

type caseKey struct{ agent, id string }

// caseWatch tells RunClientTests when a client's connection for a case
// arrived (started closes) and what the case's verdict was (done gets it).
type caseWatch struct {
	started chan struct{}
	done    chan *CaseResult
}

// watch returns a caseWatch for the next run of case id by agent. It must
// be called before the client connects.
func (fs *FuzzServer) watch(agent, id string) *caseWatch {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.watches == nil {
		fs.watches = map[caseKey]*caseWatch{}
	}
	w := &caseWatch{started: make(chan struct{}), done: make(chan *CaseResult, 1)}
	fs.watches[caseKey{agent, id}] = w
	return w
}

// starting tells the observer and a watcher that a client began case c.
func (fs *FuzzServer) starting(agent string, c *Case) {
	fs.mu.Lock()
	first := !fs.agents[agent]
	if first {
		if fs.agents == nil {
			fs.agents = map[string]bool{}
		}
		fs.agents[agent] = true
	}
	w := fs.watches[caseKey{agent, c.ID}]
	fs.mu.Unlock()
	if first {
		fs.Runner.planned(agent, fs.casesFor(agent))
	}
	fs.Runner.started(agent, c)
	if w != nil {
		select {
		case <-w.started:
		default:
			close(w.started)
		}
	}
}

// record stores a case's result and tells the observer and a watcher.
func (fs *FuzzServer) record(cr *CaseResult) {
	fs.Results.Add(cr)
	fs.mu.Lock()
	k := caseKey{cr.Agent, cr.ID}
	w := fs.watches[k]
	delete(fs.watches, k)
	fs.mu.Unlock()
	fs.Runner.finished(cr)
	if w != nil {
		w.done <- cr
	}
}

// casesFor returns the cases agent is to run, its exclusions left out.
func (fs *FuzzServer) casesFor(agent string) []*Case {
	var out []*Case
	for _, c := range fs.cases {
		if !fs.ex.excluded(agent, c.ID) {
			out = append(out, c)
		}
	}
	return out
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
			fs.starting(agent, c)
			cr := newResult(agent, index, c, true)
			cr.HTTPRequest = string(head)
			cr.openFailed(fmt.Errorf("bad permessage-deflate offer: %w", err), false, started)
			fs.record(cr)
			httpError(conn, "400 Bad Request", err.Error()+"\n")
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
			// Autobahn's fuzzingserver, too, closes at once and records
			// nothing for an excluded case.
			fs.control(conn, rest, nil)
			return
		}
		fs.recording.RLock()
		fs.starting(agent, c)
		cr := newResult(agent, index, c, true)
		cr.HTTPRequest, cr.HTTPResponse = string(head), resp
		s := newSession(conn, true, c, t)
		if pmd != nil {
			s.pmd = newCodec(*pmd, true)
			cr.Extension = pmdName + " (" + pmd.String() + ")"
		}
		s.play(rest)
		cr.fill(s)
		fs.record(cr)
		fs.recording.RUnlock()
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
	c := &Case{ID: "control", open: func(s *session) {
		s.EnableWirelog(false)
		if msg != nil {
			s.SendMessage(msg, false, 0)
		}
		s.SendClose(closeNormal, nil)
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
