// Command wsselftest is the project's main job in one command: it starts
// the echo server of cmd/wsecho and the client of cmd/wsclient in-process
// on loopback, both with permessage-deflate on as the commands have it by
// default, runs the Autobahn conformance suite (cmd/wstest's engine,
// sections 1-7, 9, 10, 12 and 13) against both, writes the HTML reports and
// prints a summary per role, then "N passed, N failed" over both.
//
//	go run ./cmd/wsselftest                # every case, both roles
//	go run ./cmd/wsselftest -cases '6.*'   # one section
//
// Cases run -parallel at a time (8 by default, as cmd/wstest plays them;
// in the server role the performance cases of section 9 alone). While they
// run, stderr shows how far the run got: on a terminal one line kept up to
// date (cases done of the total, failures, the case running, the time
// taken and an estimate of the time left), in a log a line per section and
// at least one a minute, with -v a line per case. The summary goes to
// stdout once the run is over.
//
// The verdict is strict: every case must be OK, in its behaviour and in its
// closing behaviour (INFORMATIONAL where the case itself is informational);
// NON-STRICT counts as a failure here although Autobahn's summary passes
// it. The exit status is 0 when every case is OK, 1 otherwise, 2 when the
// suite could not run.
//
// It lives apart from cmd/wstest on purpose: the judge (cmd/wstest,
// package conformance) never imports the library it judges, while this
// command links both.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/wsframe/wsframe/conformance"
	"github.com/wsframe/wsframe/internal/echo"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("wsselftest", flag.ContinueOnError)
	fl.SetOutput(stderr)
	outdir := fl.String("outdir", "reports", "where the HTML and JSON reports go (servers/ and clients/ below it)")
	cases := fl.String("cases", "*", "comma-separated Autobahn case patterns to run")
	exclude := fl.String("exclude", "", "comma-separated case patterns to leave out")
	parallel := fl.Int("parallel", conformance.DefaultParallel, "cases run at once (in the server role performance cases always run alone)")
	roles := fl.String("roles", "server,client", "which roles to test: server (wsecho), client (wsclient) or both")
	verbose := fl.Bool("v", false, "progress: one line per case (on stderr)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	include := splitList(*cases)
	excl := splitList(*exclude)
	planned, err := conformance.MatchCases(include, excl)
	if err != nil {
		fmt.Fprintln(stderr, "wsselftest:", err)
		return 2
	}
	agents := map[string]string{"server": "wsecho", "client": "wsclient"}
	for _, role := range splitList(*roles) {
		if agents[role] == "" {
			fmt.Fprintf(stderr, "wsselftest: unknown role %q (want server or client)\n", role)
			return 2
		}
	}
	// One progress display for both roles, which knows the whole run
	// from the start; it writes to stderr, the summary to stdout.
	progress := conformance.NewProgress(stderr, *verbose)
	defer progress.Done()
	for _, role := range splitList(*roles) {
		progress.Planned(agents[role], planned)
	}
	status := 0
	var passed, failed int
	// The summaries wait for the end of the progress display, which a
	// terminal shows on the same screen.
	var summary bytes.Buffer
	for _, role := range splitList(*roles) {
		var res *conformance.Results
		var dir string
		var err error
		start := time.Now()
		switch role {
		case "server":
			dir = filepath.Join(*outdir, "servers")
			res, err = testServer(ctx, include, excl, *parallel, progress)
		case "client":
			dir = filepath.Join(*outdir, "clients")
			res, err = testClient(ctx, include, excl, *parallel, progress)
		}
		if err != nil {
			progress.Done()
			fmt.Fprintf(stderr, "wsselftest: %s role: %v\n", role, err)
			return 2
		}
		if err := conformance.WriteReports(res, dir); err != nil {
			progress.Done()
			fmt.Fprintf(stderr, "wsselftest: writing reports: %v\n", err)
			return 2
		}
		p, f := summarize(res, dir, time.Since(start), &summary)
		passed, failed = passed+p, failed+f
		if f > 0 || p == 0 {
			status = 1
		}
	}
	progress.Done()
	stdout.Write(summary.Bytes())
	// The last line, as cmd/wstest prints it, but strict: a NON-STRICT
	// case counts as failed here.
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	return status
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// testServer runs the suite as fuzzingclient against cmd/wsecho's server.
func testServer(ctx context.Context, include, exclude []string, parallel int, progress conformance.Observer) (*conformance.Results, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	// The suite's fail-fast cases expect the closing handshake within
	// Autobahn's one-second timeouts: keep ours shorter.
	srv := &echo.Server{Config: echo.Config{CloseTimeout: 500 * time.Millisecond, Compress: true}}
	go srv.Serve(ln)
	runner := &conformance.Runner{Parallel: parallel, Observer: progress}
	spec := &conformance.ClientSpec{
		Servers:      []conformance.ServerEntry{{Agent: "wsecho", URL: "ws://" + ln.Addr().String()}},
		Cases:        include,
		ExcludeCases: exclude,
	}
	return runner.FuzzServers(ctx, spec)
}

// testClient runs the suite as fuzzingserver against cmd/wsclient's
// Autobahn mode.
func testClient(ctx context.Context, include, exclude []string, parallel int, progress conformance.Observer) (*conformance.Results, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	runner := &conformance.Runner{Observer: progress}
	fs, err := conformance.NewFuzzServer(runner, &conformance.ServerSpec{
		URL:          "ws://" + ln.Addr().String(),
		Cases:        include,
		ExcludeCases: exclude,
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- fs.Serve(sctx, ln) }()
	err = echo.Autobahn(ctx, "ws://"+ln.Addr().String(), "wsclient", echo.Config{Compress: true}, parallel, nil)
	cancel()
	if serr := <-served; serr != nil && !errors.Is(serr, context.Canceled) && err == nil {
		err = serr
	}
	ln.Close()
	if err != nil {
		return nil, err
	}
	return fs.Results, nil
}

// strictOK reports whether a case is OK without concessions: behaviour OK
// (or INFORMATIONAL, for the cases whose outcome is only recorded) and the
// closing behaviour OK or INFORMATIONAL.
func strictOK(r *conformance.CaseResult) bool {
	return r.Passed() && r.Behavior != conformance.NonStrict
}

// summarize prints one role's verdicts and returns how many cases were
// strictly OK and how many were not.
func summarize(res *conformance.Results, dir string, took time.Duration, stdout io.Writer) (passed, failed int) {
	for _, agent := range res.Agents() {
		verdicts := map[string]int{}
		var bad []string
		n := 0
		for _, r := range res.ForAgent(agent) {
			n++
			verdicts[r.Behavior+"/"+r.BehaviorCl]++
			if !strictOK(r) {
				bad = append(bad, fmt.Sprintf("%s (%s/%s)", r.ID, r.Behavior, r.BehaviorCl))
			}
		}
		fmt.Fprintf(stdout, "%s: %d cases in %v; behaviour/close: %s\n", agent, n, took.Round(time.Millisecond), fmtCounts(verdicts))
		if len(bad) > 0 {
			fmt.Fprintf(stdout, "%s: NOT OK: %s\n", agent, strings.Join(bad, ", "))
		}
		fmt.Fprintf(stdout, "%s: %d strictly OK, %d not\n", agent, n-len(bad), len(bad))
		passed += n - len(bad)
		failed += len(bad)
	}
	if len(res.Agents()) == 0 {
		fmt.Fprintln(stdout, "no case ran")
	}
	fmt.Fprintf(stdout, "reports in %s\n", filepath.Join(dir, "index.html"))
	return passed, failed
}

func fmtCounts(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	// Deterministic order for diffs between runs.
	for i := range parts {
		for j := i + 1; j < len(parts); j++ {
			if parts[j] < parts[i] {
				parts[i], parts[j] = parts[j], parts[i]
			}
		}
	}
	return strings.Join(parts, ", ")
}
