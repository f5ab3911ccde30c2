package conformance

import (
	"context"
	"fmt"
	"html"
	"net"
	neturl "net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Options configures RunServerTests and RunClientTests. The zero value
// runs every case, Autobahn's way (NON-STRICT passes), with Autobahn's
// timeouts, and writes no report.
type Options struct {
	// Cases are the case patterns to run, in Autobahn's syntax: an id
	// ("6.4.1"), or a pattern where '*' matches any run of characters and
	// which matches at the start of an id ("6.*", "9.7.*"). None: every
	// case.
	Cases []string
	// Exclude are case patterns to leave out.
	Exclude []string
	// Strict fails NON-STRICT cases too, which Autobahn counts as passed
	// (a peer that fails fast on invalid UTF-8 only at the end of a
	// message, say).
	Strict bool
	// KnownFailures are case patterns the peer is known to fail, so that a
	// stack can run the suite in CI before it passes every case: such a
	// case that fails is logged, not failed, and one that passes fails its
	// subtest, so that the list is kept true.
	KnownFailures []string
	// Timeouts bounds the waits that are not part of a case's script; the
	// zero value is Autobahn's (DefaultTimeouts).
	Timeouts Timeouts
	// Outdir, when set, gets the reports once every case has run:
	// index.json (Autobahn's shape), index.html, and a JSON and an HTML
	// report per case.
	Outdir string
	// Agent names the peer in the reports: by default "server" or
	// "client".
	Agent string
	// Sequential runs the cases one at a time, in order, as Autobahn does,
	// and has RunServerTests and RunClientTests return only when every
	// case has run. Otherwise each case but the performance ones (section
	// 9) calls t.Parallel, and go test's -parallel flag says how many run
	// at once.
	Sequential bool
	// Origin and Protocols, for RunServerTests, go into the opening
	// handshake's Origin and Sec-WebSocket-Protocol headers.
	Origin    string
	Protocols []string
}

// RunServerTests runs the Autobahn cases against the WebSocket server at
// url (ws:// or wss://, any path), playing the client. Every case runs as
// a subtest of t named by its id, so that a test
//
//	func TestAutobahn(t *testing.T) {
//		conformance.RunServerTests(t, "ws://127.0.0.1:9001/echo", conformance.Options{})
//	}
//
// can pick cases with go test's -run flag. Its pattern is a regular
// expression per level that matches anywhere in a name, and dots in a
// case id match any character: anchor it, as in -run 'TestAutobahn/^6\.4\.'
// for section 6.4, or -run 'TestAutobahn/6.4.1$' for the one case (an id
// ending in "6.4.1" is 6.4.1: the suite has no 16.4.1). A case that fails
// fails its subtest with the case's expectation, what the server did, and
// the tail of the wire log. The server must echo every message it gets,
// as Autobahn's servers under test do.
//
// Cases are independent connections, so each calls t.Parallel, except
// the performance cases of section 9, which run alone, before the others;
// go test's -parallel flag (default GOMAXPROCS) bounds how many run at
// once. The parallel ones run only once the test function that called
// RunServerTests returns: the Results it returns fill up as they finish,
// and are complete when the enclosing t.Run returns or in t's Cleanup.
// Options.Sequential runs every case before returning instead.
//
// With a testing.TB that is not a *testing.T (a *testing.B, say), the
// cases run one after another in t itself, and a failure names its case.
func RunServerTests(t testing.TB, url string, opts Options) *Results {
	t.Helper()
	cases := opts.cases(t)
	if _, err := parseWSURL(url); err != nil {
		t.Fatalf("conformance: %v", err)
	}
	agent := opts.agent("server")
	srv := ServerEntry{Agent: agent, URL: url, Origin: opts.Origin, Protocols: opts.Protocols}
	runner := &Runner{Timeouts: opts.Timeouts}
	res := NewResults()
	opts.writeReportsAtCleanup(t, res)
	for i, c := range cases {
		subtest(t, c.ID, opts.parallel(c), func(t testing.TB) {
			cr := runner.runClientCase(srv, c, i+1)
			res.Add(cr)
			opts.check(t, cr)
		})
	}
	return res
}

// RunClientTests runs the Autobahn cases against a WebSocket client,
// playing the server on a loopback port: for each case it calls connect
// with the case's URL (ws://127.0.0.1:port/runCase?case=N&agent=A), and
// connect must connect the client under test to it and echo every message
// until the connection closes, then return. ctx is cancelled when the case
// is over and the client has not returned by then. An error from connect
// is reported when the case fails: many cases end with the server failing
// the connection, so a client may well return one when it passed.
//
// Subtests, -run, -parallel and the Results are as for RunServerTests.
func RunClientTests(t testing.TB, connect func(ctx context.Context, url string) error, opts Options) *Results {
	t.Helper()
	opts.cases(t) // the patterns are checked here, before anything starts
	agent := opts.agent("client")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	runner := &Runner{Timeouts: opts.Timeouts}
	base := "ws://" + ln.Addr().String()
	fs, err := NewFuzzServer(runner, &ServerSpec{URL: base, Cases: opts.Cases, ExcludeCases: opts.Exclude})
	if err != nil {
		ln.Close()
		t.Fatalf("conformance: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		fs.Serve(ctx, ln)
	}()
	// Cleanups run last first: the reports are written before the server
	// stops, and both after every subtest.
	t.Cleanup(func() {
		cancel()
		<-served
	})
	opts.writeReportsAtCleanup(t, fs.Results)
	grace := runner.Timeouts.withDefaults()
	for i, c := range fs.cases {
		url := fmt.Sprintf("%s/runCase?case=%d&agent=%s", base, i+1, neturl.QueryEscape(agent))
		subtest(t, c.ID, opts.parallel(c), func(t testing.TB) {
			cr, connErr := playClient(fs, agent, c, url, connect, grace)
			if !opts.check(t, cr) && connErr != nil {
				t.Logf("connect returned: %v", connErr)
			}
		})
	}
	return fs.Results
}

// playClient has connect play case c against fs and returns its result,
// or a failed result when the client never connected for it.
func playClient(fs *FuzzServer, agent string, c *Case, url string, connect func(context.Context, string) error, grace Timeouts) (*CaseResult, error) {
	w := fs.watch(agent, c.ID)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := time.Now()
	errc := make(chan error, 1)
	go func() { errc <- connect(ctx, url) }()

	var cr *CaseResult
	var connErr error
	returned := false
	select {
	case cr = <-w.done:
	case connErr = <-errc:
		returned = true
		// The client is done. If its connection arrived, the case's
		// verdict follows as soon as the fuzzer has seen the end of it;
		// if not, a connection still in the listener's queue gets the
		// opening handshake's time to show up.
		select {
		case <-w.started:
			cr = <-w.done
		case cr = <-w.done:
		case <-time.After(grace.Open):
			select {
			case <-w.started:
				cr = <-w.done
			default:
			}
		}
	}
	if !returned {
		// The case is over; a client that has not noticed yet gets the
		// closing handshake's time, then its context is cancelled.
		select {
		case connErr = <-errc:
		case <-time.After(grace.Close + grace.ServerDrop):
			cancel()
			select {
			case connErr = <-errc:
			case <-time.After(grace.Close):
				connErr = fmt.Errorf("connect had not returned %v after the case ended, nor after its context was cancelled", 2*grace.Close+grace.ServerDrop)
			}
		}
	}
	if cr == nil {
		cr = newResult(agent, fs.indexOf(c), c, true)
		err := connErr
		if err == nil {
			err = fmt.Errorf("connect returned without connecting")
		}
		cr.openFailed(fmt.Errorf("the client did not connect to %s: %w", url, err), false, started)
		fs.record(cr)
	}
	return cr, connErr
}

// indexOf is c's 1-based position in fs's cases.
func (fs *FuzzServer) indexOf(c *Case) int {
	for i, x := range fs.cases {
		if x == c {
			return i + 1
		}
	}
	return 0
}

// cases resolves the options' case patterns, failing t when one names no
// case.
func (o *Options) cases(t testing.TB) []*Case {
	t.Helper()
	include := o.Cases
	if len(include) == 0 {
		include = []string{"*"}
	}
	cs, err := MatchCases(include, o.Exclude)
	if err == nil {
		_, err = resolve(o.KnownFailures)
	}
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	if len(o.Cases) == 0 {
		o.Cases = include
	}
	return cs
}

func (o *Options) agent(def string) string {
	if o.Agent != "" {
		return o.Agent
	}
	return def
}

func (o *Options) parallel(c *Case) bool { return !o.Sequential && !c.Performance }

func (o *Options) writeReportsAtCleanup(t testing.TB, res *Results) {
	if o.Outdir == "" {
		return
	}
	dir := o.Outdir
	t.Cleanup(func() {
		if err := WriteReports(res, dir); err != nil {
			t.Errorf("conformance: writing reports: %v", err)
		}
	})
}

// check reports cr to t: an error when the case failed (and is not a
// known failure) or when a known failure passed, a log line when it
// passed with a reservation. It returns whether the case passed.
func (o *Options) check(t testing.TB, cr *CaseResult) bool {
	t.Helper()
	passed := cr.Passed() && (!o.Strict || cr.Behavior != NonStrict)
	known, _ := resolve(o.KnownFailures)
	switch {
	case known[cr.ID] && passed:
		t.Errorf("case %s passed (%s / %s) but is listed in KnownFailures: take it off the list", cr.ID, cr.Behavior, cr.BehaviorCl)
	case known[cr.ID]:
		t.Logf("known failure:\n%s", o.failure(cr))
	case !passed:
		t.Errorf("%s", o.failure(cr))
	case cr.Behavior != OK || cr.BehaviorCl != OK:
		t.Logf("case %s: %s / %s: %s %s", cr.ID, cr.Behavior, cr.BehaviorCl, cr.Result, cr.ResultClose)
	}
	return passed
}

// wirelogTail is how many wire log entries a failure shows.
const wirelogTail = 12

// failure describes a failed case for a test log: the verdicts, what the
// case does and expects, what the peer did, how the connection ended, the
// end of the wire log and where the case's report is.
func (o *Options) failure(cr *CaseResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "case %s: behavior %s, close %s\n", cr.ID, cr.Behavior, cr.BehaviorCl)
	fmt.Fprintf(&b, "case:        %s\n", plainText(cr.Description))
	fmt.Fprintf(&b, "expectation: %s\n", plainText(cr.Expectation))
	for _, v := range verdictOrder {
		if e, ok := cr.Expected[v]; ok {
			fmt.Fprintf(&b, "expected %s: %s\n", v, eventsString(e))
		}
	}
	fmt.Fprintf(&b, "observed:    %s\n", eventsString(cr.Received))
	fmt.Fprintf(&b, "outcome:     %s\n", cr.Result)
	// The closing behaviour in the report's own terms (its Closing
	// Behavior table explains each).
	fmt.Fprintf(&b, "closing:     %s\n", cr.ResultClose)
	fmt.Fprintf(&b, "  expected:  closedByMe=%v, remoteCloseCode in [%s], requireClean=%v\n",
		cr.ExpectedCl.ClosedByMe, joinInts(cr.ExpectedCl.CloseCode), cr.ExpectedCl.RequireClean)
	fmt.Fprintf(&b, "  observed:  closedByMe=%v, failedByMe=%v, droppedByMe=%v, remoteCloseCode=%s, wasClean=%v",
		cr.ClosedByMe, cr.FailedByMe, cr.DroppedByMe, showValue(cr.RemoteCloseCode), cr.WasClean)
	if cr.WasNotCleanReason != nil {
		fmt.Fprintf(&b, " (%s)", *cr.WasNotCleanReason)
	}
	b.WriteString("\n")
	if cr.Extension != "" {
		fmt.Fprintf(&b, "extension:   %s\n", cr.Extension)
	}
	if cr.HTTPResponse != "" && len(cr.Wirelog) == 0 {
		status, _, _ := strings.Cut(cr.HTTPResponse, "\r\n")
		fmt.Fprintf(&b, "handshake:   %s\n", status)
	}
	if n := len(cr.Wirelog); n > 0 {
		from := 0
		if n > wirelogTail {
			from = n - wirelogTail
			fmt.Fprintf(&b, "wire log, last %d of %d entries:\n", wirelogTail, n)
		} else {
			b.WriteString("wire log:\n")
		}
		for i := from; i < n; i++ {
			line := strings.ReplaceAll(wirelogLine(cr.Wirelog[i]), "\n                ", "\n        ")
			fmt.Fprintf(&b, "  %03d %s\n", i, line)
		}
	}
	if o.Outdir != "" {
		fmt.Fprintf(&b, "report:      %s\n", filepath.Join(o.Outdir, ReportBase(cr.Agent, cr.ID)+".html"))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

var markup = regexp.MustCompile(`<[^>]*>`)

// plainText turns a case text with Autobahn's HTML markup into one line
// of plain text, cut to a readable length.
func plainText(s string) string {
	s = strings.ReplaceAll(s, "<br>", " ")
	s = html.UnescapeString(markup.ReplaceAllString(s, ""))
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + " ..."
	}
	return s
}

// subtest runs f as t's subtest name, in parallel with its siblings when
// parallel is set; t's kinds without subtests run f in t itself.
func subtest(t testing.TB, name string, parallel bool, f func(testing.TB)) {
	t.Helper()
	if tt, ok := t.(*testing.T); ok {
		tt.Run(name, func(t *testing.T) {
			if parallel {
				t.Parallel()
			}
			f(t)
		})
		return
	}
	f(t)
}
