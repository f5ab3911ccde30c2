package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsframe/wsframe/internal/echo"
)

// nodeWS returns the node binary and the folder with the pinned ws
// installed (npm ci in testdata/node). Without them the interop tests skip,
// unless WSFRAME_INTEROP=1 (set by .ci/programs.sh) makes that a failure.
func nodeWS(t *testing.T) (node, dir string) {
	dir, _ = filepath.Abs("testdata/node")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "ws", "package.json"))
	}
	if err != nil {
		if os.Getenv("WSFRAME_INTEROP") == "1" {
			t.Fatalf("node and ws needed (npm ci in %s): %v", dir, err)
		}
		t.Skipf("node or ws missing (run: cd %s && npm ci): %v", dir, err)
	}
	return node, dir
}

// Node's ws client against the echo server: every size class in both
// message types, whole and fragmented, pings, every close code and
// invalid UTF-8, each checked by the Node side (client.js).
func TestNodeClient(t *testing.T) {
	for _, tc := range []struct{ name, deflate string }{
		{"plain", ""},
		{"deflate ws defaults", "{}"},
		{"deflate no context takeover", `{"serverNoContextTakeover":true,"clientNoContextTakeover":true}`},
		{"deflate small windows", `{"serverMaxWindowBits":10,"clientMaxWindowBits":9}`},
	} {
		t.Run(tc.name, func(t *testing.T) { testNodeClient(t, tc.deflate) })
	}
}

// testNodeClient runs client.js against the echo server, offering
// permessage-deflate with ws's options deflate (JSON) unless empty.
func testNodeClient(t *testing.T, deflate string) {
	node, dir := nodeWS(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go (&echo.Server{Config: echo.Config{Compress: true}}).Serve(ln)

	args := []string{filepath.Join(dir, "client.js"), "ws://" + ln.Addr().String()}
	if testing.Short() {
		args = append(args, "--short")
	}
	if deflate != "" {
		args = append(args, "--deflate="+deflate)
	}
	cmd := exec.Command(node, args...)
	done := make(chan struct{})
	var out []byte
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	// A bound for a hung client only: a loaded machine under -race takes
	// far longer than an idle one, and must still pass.
	const limit = 5 * time.Minute
	select {
	case <-done:
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("node client did not finish in %v:\n%s", limit, out)
	}
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("node client: %v\n%s", err, out)
	}
}
