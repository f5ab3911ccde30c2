package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The interop tests (Node's ws, Chromium) and the memory tests run each
// server as a process of its own, built from source: this module's
// command, and wsecho from the repository root, so that both are checked
// by the same tests.

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wsframe-gnet-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// servers are the programs the interop tests run against: the package
// (directory, relative to this one) each is built from.
var servers = []struct{ name, pkg string }{
	{"gnet", "."},
	{"wsecho", "../../cmd/wsecho"},
}

var (
	buildMu sync.Mutex
	built   = map[string]string{}
)

// build builds the command in pkg (once per test binary) and returns the
// executable's path.
func build(t testing.TB, name, pkg string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if bin, ok := built[name]; ok {
		return bin
	}
	bin := filepath.Join(binDir, name)
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = pkg
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	built[name] = bin
	return bin
}

// serverProcess is a server started by startProcess.
type serverProcess struct {
	cmd   *exec.Cmd
	addr  string // the WebSocket address (host:port)
	debug string // the -debug address, if asked for
}

// startProcess builds and starts the server named name with args (which
// get -addr 127.0.0.1:0 added) and returns it once it listens. It is
// killed when the test ends.
func startProcess(t testing.TB, name string, args ...string) *serverProcess {
	t.Helper()
	var pkg string
	for _, s := range servers {
		if s.name == name {
			pkg = s.pkg
		}
	}
	bin := build(t, name, pkg)
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{cmd: cmd}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // the address lines came first; later ones are dropped
			}
		}
	}()
	wantDebug := false
	for _, a := range args {
		wantDebug = wantDebug || a == "-debug"
	}
	deadline := time.After(time.Minute)
	for p.addr == "" || wantDebug && p.debug == "" {
		select {
		case line := <-lines:
			if _, a, ok := strings.Cut(line, "listening on ws://"); ok {
				p.addr = a
			}
			if _, a, ok := strings.Cut(line, "debug on http://"); ok {
				p.debug, _, _ = strings.Cut(a, "/")
			}
		case <-deadline:
			t.Fatalf("%s did not print its address within a minute", name)
		}
	}
	return p
}
