package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordingTB is a testing.TB that is not a *testing.T: RunServerTests
// runs the cases in it one after another, and it keeps what they report.
// The embedded TB only satisfies the interface's unexported method; every
// method the package calls is overridden here.
type recordingTB struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	logs     []string
	cleanups []func()
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic(errFatal)
}
func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

var errFatal = errors.New("Fatalf called")

// finish runs the cleanups, last registered first, as testing does.
func (r *recordingTB) finish() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// TestFailureMessage: a case the peer fails reports, in one error that
// names the case, its expectation, the events expected and observed, the
// closing behaviour and the tail of the wire log; a case it passes
// reports nothing.
func TestFailureMessage(t *testing.T) {
	url := startPeer(t, knobs{noUTF8Check: true})
	tb := &recordingTB{}
	res := RunServerTests(tb, url, Options{Cases: []string{"6.3.1", "1.1.1"}})
	tb.finish()
	if n := len(res.ForAgent("server")); n != 2 {
		t.Fatalf("%d results, want 2", n)
	}
	if len(tb.errors) != 1 {
		t.Fatalf("%d errors, want 1 (for 6.3.1): %q", len(tb.errors), tb.errors)
	}
	msg := tb.errors[0]
	for _, want := range []string{
		"case 6.3.1: behavior FAILED",
		"expectation: The connection is failed immediately, since the payload is not valid UTF-8.",
		"expected OK: []",
		`observed:    [["message","0xcebae1bdb9cf83cebcceb5eda080656469746564",false]]`,
		"remoteCloseCode in [1007]",
		"outcome:     Actual events differ from any expected.",
		"wire log",
		"TX FRAME : OPCODE=1",
		"RX FRAME : OPCODE=1",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the failure lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "<br>") {
		t.Errorf("the failure shows the report's HTML markup:\n%s", msg)
	}
}

// TestStrictAndKnownFailures: NON-STRICT passes unless Options.Strict; a
// known failure that fails is logged, one that passes is an error.
func TestStrictAndKnownFailures(t *testing.T) {
	// This peer checks UTF-8 once a message is whole: 6.4.1 is NON-STRICT.
	url := startPeer(t, knobs{})
	broken := startPeer(t, knobs{noUTF8Check: true})
	for _, tc := range []struct {
		name       string
		url        string
		opts       Options
		errs, logs int
		errWant    string
	}{
		{"lenient", url, Options{Cases: []string{"6.4.1"}, Timeouts: patientTimeouts}, 0, 1, ""},
		{"strict", url, Options{Cases: []string{"6.4.1"}, Strict: true, Timeouts: patientTimeouts}, 1, 0, "behavior NON-STRICT"},
		{"known failure fails", broken, Options{Cases: []string{"6.3.1"}, KnownFailures: []string{"6.3.*"}}, 0, 1, ""},
		{"known failure passes", url, Options{Cases: []string{"1.1.1"}, KnownFailures: []string{"1.1.1"}, Timeouts: patientTimeouts}, 1, 0, "listed in KnownFailures"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := &recordingTB{}
			RunServerTests(tb, tc.url, tc.opts)
			tb.finish()
			if len(tb.errors) != tc.errs || len(tb.logs) != tc.logs {
				t.Fatalf("%d errors, %d logs; want %d, %d:\nerrors %q\nlogs %q", len(tb.errors), len(tb.logs), tc.errs, tc.logs, tb.errors, tb.logs)
			}
			if tc.errWant != "" && !strings.Contains(tb.errors[0], tc.errWant) {
				t.Errorf("error lacks %q: %s", tc.errWant, tb.errors[0])
			}
		})
	}
}

// TestBadOptions: an unknown case id, in any list, and a URL that is not
// ws:// or wss:// stop the test before any case runs.
func TestBadOptions(t *testing.T) {
	for _, tc := range []struct {
		url  string
		opts Options
		want string
	}{
		{"ws://127.0.0.1:1/", Options{Cases: []string{"8.1"}}, `unknown case id "8.1"`},
		{"ws://127.0.0.1:1/", Options{KnownFailures: []string{"6.4.9"}}, `unknown case id "6.4.9"`},
		{"http://127.0.0.1:1/", Options{}, "scheme must be ws or wss"},
	} {
		tb := &recordingTB{}
		func() {
			defer func() {
				if r := recover(); r != errFatal {
					t.Errorf("%+v: recovered %v, want a Fatalf", tc.opts, r)
				}
			}()
			RunServerTests(tb, tc.url, tc.opts)
		}()
		if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], tc.want) {
			t.Errorf("%s %+v: errors %q, want one with %q", tc.url, tc.opts, tb.errors, tc.want)
		}
	}
}

// TestReportsAtCleanup: with an outdir the reports are written once the
// subtests are done, in Autobahn's files.
func TestReportsAtCleanup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	url := startPeer(t, knobs{})
	t.Run("suite", func(t *testing.T) {
		RunServerTests(t, url, Options{Cases: []string{"1.1.1", "2.1"}, Outdir: dir, Agent: "Test Peer", Timeouts: patientTimeouts})
		if _, err := os.Stat(dir); err == nil {
			t.Error("reports written before the cases ran")
		}
	})
	for _, f := range []string{"index.json", "index.html", "test_peer_case_1_1_1.json", "test_peer_case_1_1_1.html", "test_peer_case_2_1.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestRunClientTests plays the server for a client that connects through
// connect: a conforming one passes, one that does not mask fails every
// case, and a connect that never reaches the server fails its cases with
// that said.
func TestRunClientTests(t *testing.T) {
	needNet(t)
	ids := []string{"1.1.1", "2.1", "5.19", "7.1.1", "9.7.1"}
	connectWith := func(tc testClient) func(context.Context, string) error {
		return func(ctx context.Context, url string) error {
			tc.session(t, url, true)
			return nil
		}
	}
	t.Run("conforming", func(t *testing.T) {
		res := RunClientTests(t, connectWith(testClient{}), Options{Cases: ids, Sequential: true, Timeouts: patientTimeouts})
		if n := len(res.ForAgent("client")); n != len(ids) {
			t.Errorf("%d results, want %d", n, len(ids))
		}
	})
	t.Run("unmasked", func(t *testing.T) {
		RunClientTests(t, connectWith(testClient{unmasked: true}), Options{Cases: ids, KnownFailures: ids})
	})
	t.Run("never connects", func(t *testing.T) {
		tb := &recordingTB{}
		refused := errors.New("no route to the fuzzer")
		res := RunClientTests(tb, func(context.Context, string) error { return refused }, Options{Cases: []string{"1.1.1"}, Timeouts: Timeouts{Open: 100 * time.Millisecond}})
		tb.finish()
		if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "the client did not connect") || !strings.Contains(tb.errors[0], refused.Error()) {
			t.Errorf("errors %q", tb.errors)
		}
		if r, _ := res.Get("client", "1.1.1"); r == nil || r.Passed() {
			t.Errorf("result %+v", r)
		}
	})
}

// runPatterns are the -run patterns the documentation of RunServerTests
// recommends, with the cases each must select.
var runPatterns = []struct {
	pattern string
	want    []string
}{
	{`6.4.1$`, []string{"6.4.1"}},
	{`^6\.4\.`, []string{"6.4.1", "6.4.2", "6.4.3", "6.4.4"}},
	{`^13\.7\.1$`, []string{"13.7.1"}},
}

// TestRunPatterns checks those patterns against every case id the way go
// test matches a subtest name (unanchored), and shows why they are
// anchored: "6.4" alone also selects 9.6.4 and 13.6.4.
func TestRunPatterns(t *testing.T) {
	sel := func(pattern string) []string {
		re := regexp.MustCompile(pattern)
		var out []string
		for _, c := range Cases() {
			if re.MatchString(c.ID) {
				out = append(out, c.ID)
			}
		}
		return out
	}
	for _, p := range runPatterns {
		if got := sel(p.pattern); fmt.Sprint(got) != fmt.Sprint(p.want) {
			t.Errorf("-run pattern %q selects %v, want %v", p.pattern, got, p.want)
		}
	}
	loose := fmt.Sprint(sel("6.4"))
	if !strings.Contains(loose, "9.6.4") || !strings.Contains(loose, "13.6.4") {
		t.Errorf("unanchored 6.4 selects %v: the documentation's reason to anchor is gone", loose)
	}
}

// TestGoTestRunFlag runs this test binary again with go test's -run and
// -v flags on a helper test: the documented patterns pick exactly their
// cases, -v lists them, and a failing case fails its subtest with the
// message on the test's output.
func TestGoTestRunFlag(t *testing.T) {
	needNet(t)
	if os.Getenv("CONFORMANCE_HELPER") != "" {
		t.Skip("in the helper process")
	}
	run := func(peer, pattern string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSuite$/"+pattern, "-test.v", "-test.parallel=4", "-test.timeout=5m")
		cmd.Env = append(os.Environ(), "CONFORMANCE_HELPER="+peer)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	listed := regexp.MustCompile(`(?m)^=== RUN   TestHelperSuite/(\S+)$`)
	for _, p := range runPatterns[:2] {
		out, err := run("conforming", p.pattern)
		if err != nil {
			t.Fatalf("-run %s: %v\n%s", p.pattern, err, out)
		}
		var got []string
		for _, m := range listed.FindAllStringSubmatch(out, -1) {
			got = append(got, m[1])
		}
		if fmt.Sprint(got) != fmt.Sprint(p.want) {
			t.Errorf("-run %s ran %v, want %v:\n%s", p.pattern, got, p.want, out)
		}
	}
	// 6.3.1 fails against a peer that echoes invalid UTF-8.
	out, err := run("no-utf8-check", `^6\.3\.1$`)
	if err == nil {
		t.Fatalf("a failing case did not fail the test:\n%s", out)
	}
	for _, want := range []string{"--- FAIL: TestHelperSuite/6.3.1", "expectation: The connection is failed immediately", "observed:", "wire log"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestHelperSuite is what TestGoTestRunFlag runs in a process of its own:
// every case against a conforming server, or one that does not check
// UTF-8.
func TestHelperSuite(t *testing.T) {
	var k knobs
	switch os.Getenv("CONFORMANCE_HELPER") {
	case "":
		t.Skip("run by TestGoTestRunFlag")
	case "no-utf8-check":
		k.noUTF8Check = true
	}
	RunServerTests(t, startPeer(t, k), Options{Timeouts: patientTimeouts})
}
