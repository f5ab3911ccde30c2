//go:build !js && !wasip1

package conformance_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsframe/wsframe/conformance"
	"github.com/wsframe/wsframe/internal/echo"
)

// These tests run the suite through the go test entry point against
// peers nobody here wrote the judge for: the programs built on the
// library (cmd/wsecho's server and cmd/wsclient's client, in-process) and
// Node's ws. cmd/wsselftest and .ci/wstest-peers.sh run every case
// against them; these take a cross-section that keeps go test quick:
// every case of sections 1-7 and 10, round trips of section 9, and of
// the permessage-deflate sections the first size of every subcategory
// and a fragmented size of two (each of these cases is 1000 round trips).
// With -short, sections 9, 12 and 13 give one case each.
func crossSection() []string {
	ids := []string{"1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "10.*", "9.7.1"}
	if testing.Short() {
		return append(ids, "12.1.1", "13.7.1")
	}
	ids = append(ids, "9.8.2", "12.1.11", "13.7.11")
	for _, sub := range []string{"12.1", "12.2", "12.3", "12.4", "12.5", "13.1", "13.2", "13.3", "13.4", "13.5", "13.6", "13.7"} {
		ids = append(ids, sub+".1") // an id, not a pattern: "12.1.1*" would take 12.1.10-18 too
	}
	return ids
}

// patient are the timeouts for peers that answer: none must fire, and
// Autobahn's one second can pass before a peer on a loaded 2-core machine
// gets to its reply. (The cases' own timers stay as Autobahn has them.)
var patient = conformance.Timeouts{Open: 30 * time.Second, Close: 10 * time.Second, ServerDrop: 10 * time.Second}

// TestWsecho: cmd/wsecho's server, with permessage-deflate on as the
// command has it, passes strictly.
func TestWsecho(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	// Autobahn's closing timeouts are one second: the server's own must
	// be shorter, as cmd/wsselftest has it.
	go (&echo.Server{Config: echo.Config{CloseTimeout: 500 * time.Millisecond, Compress: true}}).Serve(ln)
	conformance.RunServerTests(t, "ws://"+ln.Addr().String(), conformance.Options{
		Cases: crossSection(), Strict: true, Agent: "wsecho", Timeouts: patient,
	})
}

// TestWsclient: cmd/wsclient's client, with permessage-deflate on,
// passes strictly.
func TestWsclient(t *testing.T) {
	cfg := echo.Config{Compress: true}
	conformance.RunClientTests(t, func(ctx context.Context, url string) error {
		c, err := echo.Dial(ctx, url, cfg)
		if err != nil {
			return err
		}
		return c.Echo()
	}, conformance.Options{Cases: crossSection(), Strict: true, Agent: "wsclient", Timeouts: patient})
}

// nodeWS returns the node binary and the folder of the Node peers, with
// the pinned ws installed (npm install in testdata/node). Without them
// the Node tests skip, unless WSFRAME_INTEROP=1 (set by CI) makes that a
// failure.
func nodeWS(t *testing.T) (node, dir string) {
	t.Helper()
	dir, _ = filepath.Abs(filepath.Join("testdata", "node"))
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "ws", "package.json"))
	}
	if err != nil {
		if os.Getenv("WSFRAME_INTEROP") == "1" {
			t.Fatalf("node and ws needed (npm install in %s): %v", dir, err)
		}
		t.Skipf("node or ws missing (run: cd %s && npm install): %v", dir, err)
	}
	return node, dir
}

// startNode starts a Node program of testdata/node and stops it when the
// test is over; the returned reader has its output.
func startNode(t *testing.T, args ...string) (*exec.Cmd, io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	node, dir := nodeWS(t)
	cmd := exec.Command(node, append([]string{filepath.Join(dir, args[0])}, args[1:]...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, stdin, bufio.NewScanner(stdout)
}

// nodeOptions are the options for Node's ws in both roles: strict, but
// ws checks UTF-8 only once a message is whole, which Autobahn counts as
// NON-STRICT in the fail-fast cases 6.4.1-6.4.4 (ws's own published
// Autobahn results say the same).
func nodeOptions(agent string) conformance.Options {
	return conformance.Options{Cases: crossSection(), Strict: true, KnownFailures: []string{"6.4.*"}, Agent: agent, Timeouts: patient}
}

// TestNodeServer: Node's ws echo server passes strictly but for the
// fail-fast UTF-8 cases.
func TestNodeServer(t *testing.T) {
	_, _, out := startNode(t, "echo-server.js", "0")
	addr := regexp.MustCompile(`ws://127\.0\.0\.1:\d+`)
	var url string
	for url == "" && out.Scan() {
		url = addr.FindString(out.Text())
	}
	if url == "" {
		t.Fatalf("the Node server printed no address: %v", out.Err())
	}
	go func() {
		for out.Scan() { // keep the pipe from filling up
		}
	}()
	conformance.RunServerTests(t, url, nodeOptions("node-ws"))
}

// TestNodeClient: Node's ws client passes strictly but for the fail-fast
// UTF-8 cases. One Node process
// (client.js --stdin) connects to every case's URL it is given and says
// when that connection closed.
func TestNodeClient(t *testing.T) {
	_, stdin, out := startNode(t, "client.js", "--stdin")
	var mu sync.Mutex
	closed := map[string]chan struct{}{}
	waitFor := func(url string) chan struct{} {
		mu.Lock()
		defer mu.Unlock()
		if closed[url] == nil {
			closed[url] = make(chan struct{})
		}
		return closed[url]
	}
	go func() {
		for out.Scan() {
			if url, ok := strings.CutPrefix(out.Text(), "closed "); ok {
				close(waitFor(url))
			}
		}
	}()
	var writeMu sync.Mutex
	connect := func(ctx context.Context, url string) error {
		done := waitFor(url)
		writeMu.Lock()
		_, err := fmt.Fprintln(stdin, url)
		writeMu.Unlock()
		if err != nil {
			return err
		}
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	conformance.RunClientTests(t, connect, nodeOptions("node-ws-client"))
}
