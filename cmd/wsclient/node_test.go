package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/internal/echo"
)

// The client against Node's ws echo server (cmd/wsecho/testdata/node/
// server.js): every size class in both message types, whole and
// fragmented, pings, and every close code. The Go side checks each echo
// byte for byte and each close answer; the Node side reports every close
// it saw and any protocol violation, which are checked here too. It runs
// without compression and with permessage-deflate under several of ws's
// option sets (ws compresses every message: threshold 0).
func TestNodeServer(t *testing.T) {
	for _, tc := range []struct{ name, deflate string }{
		{"plain", ""},
		{"deflate ws defaults", "{}"},
		{"deflate no context takeover", `{"serverNoContextTakeover":true,"clientNoContextTakeover":true}`},
		{"deflate small windows", `{"serverMaxWindowBits":10,"clientMaxWindowBits":9}`},
	} {
		t.Run(tc.name, func(t *testing.T) { testNodeServer(t, tc.deflate) })
	}
}

func testNodeServer(t *testing.T, deflate string) {
	dir, _ := filepath.Abs("../wsecho/testdata/node")
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
	args := []string{filepath.Join(dir, "server.js")}
	cfg := echo.Config{}
	if deflate != "" {
		args = append(args, "0", deflate)
		cfg.Compress = true
	}
	cmd := exec.Command(node, args...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close() // server.js exits when its stdin ends
	lines := make(chan string, 100)
	exts := make(chan string, 100) // "extensions" lines: what ws agreed to
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if l, ok := strings.CutPrefix(sc.Text(), "extensions "); ok {
				exts <- l
				continue
			}
			lines <- sc.Text()
		}
		close(lines)
	}()
	// Bounds for a hung Node only: a loaded machine under -race takes far
	// longer than an idle one, and must still pass.
	const wait = time.Minute
	var u string
	select {
	case u = <-lines:
	case <-time.After(wait):
		t.Fatalf("node server did not start in %v", wait)
	}
	// nodeSaw returns the next report line of the Node server.
	nodeSaw := func() string {
		select {
		case l := <-lines:
			return l
		case <-time.After(wait):
			return fmt.Sprintf("(nothing in %v)", wait)
		}
	}

	ctx := context.Background()
	c, err := echo.Dial(ctx, u, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Compressed() != (deflate != "") {
		t.Fatalf("compressed %v with ws options %q", c.Compressed(), deflate)
	}
	if deflate != "" {
		select {
		case e := <-exts:
			if !strings.Contains(e, "permessage-deflate") {
				t.Fatalf("ws agreed to %q", e)
			}
		case <-time.After(wait):
			t.Fatalf("node server reported no extensions in %v", wait)
		}
	}
	sizes := []int{0, 125, 126, 65535, 65536, 16 << 20}
	if testing.Short() {
		sizes = sizes[:5]
	}
	for _, size := range sizes {
		for _, op := range []codec.Opcode{codec.OpText, codec.OpBinary} {
			want := payload(size, op == codec.OpText)
			for _, frame := range []int{0, max(size/3, 1)} {
				if err := c.WriteMessage(op, want, frame); err != nil {
					t.Fatal(err)
				}
				gotOp, got, err := c.ReadMessage()
				if err != nil {
					t.Fatalf("%v message of %d bytes in frames of %d: %v", op, size, frame, err)
				}
				if gotOp != op || !bytes.Equal(got, want) {
					t.Fatalf("%v message of %d bytes in frames of %d came back as %v of %d bytes", op, size, frame, gotOp, len(got))
				}
			}
		}
	}
	var pongs []string
	c.OnPong = func(p []byte) { pongs = append(pongs, string(p)) }
	for _, p := range []string{"", "ping", strings.Repeat("\xfe", 125)} {
		if err := c.Ping([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	c.WriteMessage(codec.OpText, []byte("after the pings"), 0)
	if _, m, err := c.ReadMessage(); err != nil || string(m) != "after the pings" {
		t.Fatalf("%q, %v", m, err)
	}
	if len(pongs) != 3 || pongs[0] != "" || pongs[1] != "ping" || len(pongs[2]) != 125 {
		t.Fatalf("pongs %q", pongs)
	}
	checkClose(t, c.Close(codec.CloseNormal, "done"), codec.CloseNormal)
	if l := nodeSaw(); l != "close 1000 done" {
		t.Fatalf("node saw %q", l)
	}

	codes := []codec.CloseCode{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999}
	for _, code := range codes {
		c, err := echo.Dial(ctx, u, cfg)
		if err != nil {
			t.Fatal(err)
		}
		checkClose(t, c.Close(code, "bye"), code)
		if l, want := nodeSaw(), "close "+strconv.Itoa(int(code))+" bye"; l != want {
			t.Fatalf("node saw %q, want %q", l, want)
		}
	}
	c, err = echo.Dial(ctx, u, cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkClose(t, c.Close(codec.CloseNoStatus, ""), codec.CloseNoStatus)
	if l := nodeSaw(); l != "close 1005 " {
		t.Fatalf("node saw %q", l)
	}
}

func checkClose(t *testing.T, err error, want codec.CloseCode) {
	t.Helper()
	var ce *echo.CloseError
	if !errors.As(err, &ce) || ce.Code != want {
		t.Fatalf("close with %v: answered %v", want, err)
	}
}

// payload returns n bytes of valid UTF-8 with multi-byte characters for
// text, every byte value for binary.
func payload(n int, text bool) []byte {
	if !text {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + i>>8)
		}
		return b
	}
	b := bytes.Repeat([]byte("héllo wörld € 𝄞 "), n/16+1)[:n]
	for i := n - 1; !utf8.Valid(b); i-- {
		b[i] = 'z'
	}
	return b
}
