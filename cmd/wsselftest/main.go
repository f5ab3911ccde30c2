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
// The verdict is strict: every case must be OK, in its behaviour and in its
// closing behaviour (INFORMATIONAL where the case itself is informational);
// NON-STRICT counts as a failure here although Autobahn's summary passes
// it. The exit status is 0 when every case is OK, 1 otherwise, 2 when the
// suite could not run.
//
// It lives apart from cmd/wstest on purpose: the judge (cmd/wstest,
// internal/autobahn) never imports the library it judges, while this
// command links both.
package main

import (
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

	"github.com/wsframe/wsframe/internal/autobahn"
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
	parallel := fl.Int("parallel", 4, "cases run at once (in the server role performance cases always run alone)")
	roles := fl.String("roles", "server,client", "which roles to test: server (wsecho), client (wsclient) or both")
	verbose := fl.Bool("v", false, "print one line per case")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	include := splitList(*cases)
	excl := splitList(*exclude)
	status := 0
	var passed, failed int
	for _, role := range splitList(*roles) {
		var res *autobahn.Results
		var dir string
		var err error
		start := time.Now()
		switch role {
		case "server":
			dir = filepath.Join(*outdir, "servers")
			res, err = testServer(ctx, include, excl, *parallel, *verbose, stdout)
		case "client":
			dir = filepath.Join(*outdir, "clients")
			res, err = testClient(ctx, include, excl, *parallel, *verbose, stdout)
		default:
			fmt.Fprintf(stderr, "wsselftest: unknown role %q (want server or client)\n", role)
			return 2
		}
		if err != nil {
			fmt.Fprintf(stderr, "wsselftest: %s role: %v\n", role, err)
			return 2
		}
		if err := autobahn.WriteReports(res, dir); err != nil {
			fmt.Fprintf(stderr, "wsselftest: writing reports: %v\n", err)
			return 2
		}
		p, f := summarize(res, dir, time.Since(start), stdout)
		passed, failed = passed+p, failed+f
		if f > 0 || p == 0 {
			status = 1
		}
	}
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
func testServer(ctx context.Context, include, exclude []string, parallel int, verbose bool, stdout io.Writer) (*autobahn.Results, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	// The suite's fail-fast cases expect the closing handshake within
	// Autobahn's one-second timeouts: keep ours shorter.
	srv := &echo.Server{Config: echo.Config{CloseTimeout: 500 * time.Millisecond, Compress: true}}
	go srv.Serve(ln)
	runner := &autobahn.Runner{Parallel: parallel}
	if verbose {
		runner.Log = stdout
	}
	spec := &autobahn.ClientSpec{
		Servers:      []autobahn.ServerEntry{{Agent: "wsecho", URL: "ws://" + ln.Addr().String()}},
		Cases:        include,
		ExcludeCases: exclude,
	}
	return runner.FuzzServers(ctx, spec)
}

// testClient runs the suite as fuzzingserver against cmd/wsclient's
// Autobahn mode.
func testClient(ctx context.Context, include, exclude []string, parallel int, verbose bool, stdout io.Writer) (*autobahn.Results, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	runner := &autobahn.Runner{}
	if verbose {
		runner.Log = stdout
	}
	fs, err := autobahn.NewFuzzServer(runner, &autobahn.ServerSpec{
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
func strictOK(r *autobahn.CaseResult) bool {
	b := r.Behavior == autobahn.OK || r.Behavior == autobahn.Informational
	c := r.BehaviorCl == autobahn.OK || r.BehaviorCl == autobahn.Informational
	return b && c && r.Passed()
}

// summarize prints one role's verdicts and returns how many cases were
// strictly OK and how many were not.
func summarize(res *autobahn.Results, dir string, took time.Duration, stdout io.Writer) (passed, failed int) {
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
