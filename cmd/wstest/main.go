// Command wstest runs the Autobahn testsuite's WebSocket conformance cases
// (sections 1-7, 9, 10, and 12 and 13 for permessage-deflate) against
// servers or clients, and writes
// Autobahn-shaped reports. It is one static binary with no Python, Docker
// or network access beyond the peers named in its spec.
//
//	wstest -m fuzzingclient -s fuzzingclient.json   # test servers
//	wstest -m fuzzingserver -s fuzzingserver.json   # test clients
//	wstest -m cases                                 # list the cases
//
// The spec files are Autobahn's: fuzzingclient.json has "servers" (each
// with "agent" and "url"), "cases", "exclude-cases", "exclude-agent-cases"
// and "outdir"; fuzzingserver.json has "url" instead of "servers". Case
// patterns use Autobahn's glob syntax ("*", "6.*", "9.7.*"). Only cases
// 12.* and 13.* offer or accept permessage-deflate; a peer that declines
// it gets UNIMPLEMENTED there, which counts as failed.
//
// As fuzzingclient it plays -parallel cases at once (8 by default; the
// performance cases of section 9 always alone), each on its own
// connection, as far as Autobahn's semantics allow: -parallel 1 plays them
// one by one, as Autobahn does.
//
// Progress goes to stderr: on a terminal one line kept up to date (cases
// done out of the total, failures, the case running, the time taken and
// an estimate of the time left), in a log a line per section and at least
// one a minute, with -v a line per case. stdout gets the summary, and its
// last line is "N passed, N failed" (NON-STRICT and INFORMATIONAL count as
// passed); the exit status is 1 when any case failed and 2 when wstest
// could not run.
//
// The engine is the package github.com/wsframe/wsframe/conformance, which
// also runs the cases as subtests of go test.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"time"

	"github.com/wsframe/wsframe/conformance"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("wstest", flag.ContinueOnError)
	fl.SetOutput(stderr)
	mode := fl.String("m", "", "mode: fuzzingclient (test servers), fuzzingserver (test clients) or cases (list cases)")
	specPath := fl.String("s", "", "spec file (default fuzzingclient.json or fuzzingserver.json)")
	parallel := fl.Int("parallel", conformance.DefaultParallel, "fuzzingclient: cases run at once (performance cases always run alone); 1 runs them one by one, as Autobahn does")
	verbose := fl.Bool("v", false, "progress: one line per case (on stderr)")
	openT := fl.Duration("open-timeout", conformance.DefaultTimeouts.Open, "bound on dialing plus the opening handshake")
	closeT := fl.Duration("close-timeout", conformance.DefaultTimeouts.Close, "bound on the peer's reply to our close frame")
	dropT := fl.Duration("drop-timeout", conformance.DefaultTimeouts.ServerDrop, "bound on the server closing TCP after the closing handshake")
	once := fl.Bool("once", false, "fuzzingserver: exit after the first /updateReports, with the summary and exit status")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	runner := &conformance.Runner{
		Timeouts: conformance.Timeouts{Open: *openT, Close: *closeT, ServerDrop: *dropT},
		Parallel: *parallel,
	}
	// Progress goes to stderr, so that stdout has the summary only.
	progress := conformance.NewProgress(stderr, *verbose)
	runner.Observer = progress
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	switch *mode {
	case "cases":
		return listCases(stdout)
	case "fuzzingclient":
		if *specPath == "" {
			*specPath = "fuzzingclient.json"
		}
		spec, err := conformance.LoadClientSpec(*specPath)
		if err != nil {
			fmt.Fprintln(stderr, "wstest:", err)
			return 2
		}
		res, err := runner.FuzzServers(ctx, spec)
		progress.Done()
		if err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "wstest:", err)
			return 2
		}
		return finish(res, spec.Outdir, stdout, stderr)
	case "fuzzingserver":
		if *specPath == "" {
			*specPath = "fuzzingserver.json"
		}
		spec, err := conformance.LoadServerSpec(*specPath)
		if err != nil {
			fmt.Fprintln(stderr, "wstest:", err)
			return 2
		}
		return serve(ctx, runner, spec, *once, progress, stdout, stderr)
	default:
		fmt.Fprintln(stderr, "wstest: -m must be fuzzingclient, fuzzingserver or cases")
		fl.Usage()
		return 2
	}
}

func serve(ctx context.Context, runner *conformance.Runner, spec *conformance.ServerSpec, once bool, progress *conformance.Progress, stdout, stderr io.Writer) int {
	u, err := url.Parse(spec.URL)
	if err != nil || u.Scheme != "ws" || u.Host == "" {
		fmt.Fprintf(stderr, "wstest: url %q: want ws://host:port\n", spec.URL)
		return 2
	}
	fs, err := conformance.NewFuzzServer(runner, spec)
	if err != nil {
		fmt.Fprintln(stderr, "wstest:", err)
		return 2
	}
	ln, err := net.Listen("tcp", u.Host)
	if err != nil {
		fmt.Fprintln(stderr, "wstest:", err)
		return 2
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fs.Reports = func(agent string) {
		if err := conformance.WriteReports(fs.Results, spec.Outdir); err != nil {
			fmt.Fprintln(stderr, "wstest: writing reports:", err)
		}
		if once {
			cancel()
		}
	}
	fmt.Fprintf(stdout, "wstest fuzzing server on ws://%s, %d cases for any client connecting\n", ln.Addr(), fs.CaseCount())
	err = fs.Serve(ctx, ln)
	progress.Done()
	if err != nil {
		fmt.Fprintln(stderr, "wstest:", err)
		return 2
	}
	return finish(fs.Results, spec.Outdir, stdout, stderr)
}

// finish writes the reports and prints the counts; the summary line is
// the last line on stdout.
func finish(res *conformance.Results, outdir string, stdout, stderr io.Writer) int {
	if err := conformance.WriteReports(res, outdir); err != nil {
		fmt.Fprintln(stderr, "wstest: writing reports:", err)
		return 2
	}
	for _, agent := range res.Agents() {
		verdicts := map[string]int{}
		closes := map[string]int{}
		sections := map[string]int{}
		var failed []string
		var total time.Duration
		for _, r := range res.ForAgent(agent) {
			verdicts[r.Behavior]++
			closes[r.BehaviorCl]++
			sections[conformance.Section(r.ID)]++
			total += time.Duration(r.Duration) * time.Millisecond
			if !r.Passed() {
				failed = append(failed, r.ID)
			}
		}
		fmt.Fprintf(stdout, "%s: behavior %s; close %s; cases per section %s; case time %s\n",
			agent, counts(verdicts), counts(closes), counts(sections), total.Round(time.Millisecond))
		if len(failed) > 0 {
			fmt.Fprintf(stdout, "%s: failed cases: %v\n", agent, failed)
		}
	}
	fmt.Fprintf(stdout, "reports in %s/index.html\n", outdir)
	passed, failed := res.Counts()
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

func counts(m map[string]int) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		a, b := ks[i], ks[j]
		var x, y int
		if _, err := fmt.Sscan(a, &x); err == nil {
			if _, err := fmt.Sscan(b, &y); err == nil {
				return x < y
			}
		}
		return a < b
	})
	s := ""
	for i, k := range ks {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s=%d", k, m[k])
	}
	return s
}

func listCases(stdout io.Writer) int {
	perSection := map[string]int{}
	for _, c := range conformance.Cases() {
		perSection[conformance.Section(c.ID)]++
		fmt.Fprintf(stdout, "%-8s %s\n", c.ID, c.Description)
	}
	fmt.Fprintf(stdout, "cases per section: %s; %d in all\n", counts(perSection), len(conformance.Cases()))
	return 0
}
