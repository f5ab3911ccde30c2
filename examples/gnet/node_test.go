package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeDir is where the repository pins Node's ws (npm ci there installs
// it), with the client script that cmd/wsecho's tests run.
const nodeDir = "../../cmd/wsecho/testdata/node"

// nodeWS returns the node binary and the absolute nodeDir. Without node
// or ws the Node tests skip, unless WSFRAME_INTEROP=1 makes that a
// failure (as in CI).
func nodeWS(t *testing.T) (node, dir string) {
	dir, _ = filepath.Abs(nodeDir)
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

// TestNodeClient runs Node's ws client (client.js: every size class up to
// 16 MiB in both message types, whole and fragmented, pings, every close
// code, invalid UTF-8) against the gnet server and wsecho, without and
// with permessage-deflate in the configurations ws offers.
func TestNodeClient(t *testing.T) {
	node, dir := nodeWS(t)
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			p := startProcess(t, srv.name)
			for _, tc := range []struct{ name, deflate string }{
				{"plain", ""},
				{"deflate ws defaults", "{}"},
				{"deflate no context takeover", `{"serverNoContextTakeover":true,"clientNoContextTakeover":true}`},
				{"deflate small windows", `{"serverMaxWindowBits":10,"clientMaxWindowBits":9}`},
			} {
				t.Run(tc.name, func(t *testing.T) {
					args := []string{filepath.Join(dir, "client.js"), "ws://" + p.addr}
					if testing.Short() {
						args = append(args, "--short")
					}
					if tc.deflate != "" {
						args = append(args, "--deflate="+tc.deflate)
					}
					runNode(t, node, args)
				})
			}
		})
	}
}

// runNode runs node with args and requires it to print "ok" alone.
func runNode(t *testing.T, node string, args []string) {
	t.Helper()
	cmd := exec.Command(node, args...)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("node client did not finish in 3 minutes:\n%s", out)
	}
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("node client: %v\n%s", err, out)
	}
}
