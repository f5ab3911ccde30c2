//go:build linux

package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	coder "github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/gorilla/websocket"
	"github.com/lesismal/nbio/nbhttp"
	nbws "github.com/lesismal/nbio/nbhttp/websocket"
	"github.com/lxzan/gws"

	"github.com/wsframe/wsframe/internal/echo"
)

// The end-to-end benchmark's echo servers, one per implementation, each
// written the way its documentation shows: read a whole message, check
// that a text message is UTF-8 (where the library leaves that to the
// application), write it back with the same type. Every server refuses
// messages over 64 MiB and negotiates no compression (the load client
// offers none).
//
// Each runs in a process of its own. wsecho and the peers run in a child
// of the test binary itself (WSFRAME_E2E_SERVER=impl), which serves the
// echo on one loopback port and its allocation count on another; gnet is
// examples/gnet, a module of its own, built with go build and run with
// -debug, whose expvar gives the allocation count.
const e2eMaxMessage = 64 << 20

// e2eImpls is the order the benchmarks run the servers in.
var e2eImpls = []string{"wsecho", "gnet", "gorilla", "gobwas", "gws", "nbio", "coder"}

// e2eHandlers are the servers that net/http serves.
var e2eHandlers = map[string]http.Handler{
	"gorilla": http.HandlerFunc(gorillaEcho),
	"gobwas":  http.HandlerFunc(gobwasEcho),
	"gws":     gwsHandler{gws.NewUpgrader(gwsEcho{}, &gws.ServerOption{ReadMaxPayloadSize: e2eMaxMessage, CheckUtf8Enabled: true})},
	"coder":   http.HandlerFunc(coderEcho),
}

var gorillaUpgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 4096,
	CheckOrigin:     func(*http.Request) bool { return true },
}

func gorillaEcho(w http.ResponseWriter, r *http.Request) {
	c, err := gorillaUpgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	c.SetReadLimit(e2eMaxMessage)
	for {
		op, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		if op == websocket.TextMessage && !utf8.Valid(msg) {
			c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, ""), time.Time{})
			return
		}
		if err := c.WriteMessage(op, msg); err != nil {
			return
		}
	}
}

func gobwasEcho(w http.ResponseWriter, r *http.Request) {
	conn, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	go func() {
		defer conn.Close()
		for {
			msg, op, err := wsutil.ReadClientData(conn)
			if err != nil {
				return
			}
			if op == ws.OpText && !utf8.Valid(msg) {
				wsutil.WriteServerMessage(conn, ws.OpClose, ws.NewCloseFrameBody(ws.StatusInvalidFramePayloadData, ""))
				return
			}
			if err := wsutil.WriteServerMessage(conn, op, msg); err != nil {
				return
			}
		}
	}()
}

type gwsEcho struct{ gws.BuiltinEventHandler }

func (gwsEcho) OnOpen(c *gws.Conn) { c.SetDeadline(time.Time{}) }

func (gwsEcho) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	c.WriteMessage(m.Opcode, m.Bytes())
}

func (gwsEcho) OnPing(c *gws.Conn, p []byte) { c.WritePong(p) }

type gwsHandler struct{ u *gws.Upgrader }

func (h gwsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := h.u.Upgrade(w, r)
	if err != nil {
		return
	}
	go c.ReadLoop()
}

func coderEcho(w http.ResponseWriter, r *http.Request) {
	c, err := coder.Accept(w, r, &coder.AcceptOptions{InsecureSkipVerify: true, CompressionMode: coder.CompressionDisabled})
	if err != nil {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(e2eMaxMessage)
	ctx := context.Background()
	for {
		typ, msg, err := c.Read(ctx)
		if err != nil {
			return
		}
		if typ == coder.MessageText && !utf8.Valid(msg) {
			c.Close(coder.StatusInvalidFramePayloadData, "")
			return
		}
		if err := c.Write(ctx, typ, msg); err != nil {
			return
		}
	}
}

// serveNbio serves the echo on ln with lesismal/nbio the way its
// examples do: nbhttp's engine in its default non-blocking (event-loop)
// mode, its websocket upgrader, the echo in OnMessage. nbio checks the
// UTF-8 of text messages itself.
func serveNbio(ln net.Listener) error {
	u := nbws.NewUpgrader()
	u.CheckOrigin = func(*http.Request) bool { return true }
	u.OnMessage(func(c *nbws.Conn, mt nbws.MessageType, data []byte) {
		c.WriteMessage(mt, data)
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if _, err := u.Upgrade(w, r, nil); err != nil {
			return
		}
	})
	engine := nbhttp.NewEngine(nbhttp.Config{
		Network: "tcp",
		Addrs:   []string{ln.Addr().String()},
		// The listener this process made (and printed): nbhttp would
		// listen on the address itself.
		Listen:                       func(string, string) (net.Listener, error) { return ln, nil },
		Handler:                      mux,
		MaxLoad:                      1 << 20, // default 10k: the idle benchmark opens 10k
		MaxWebsocketFramePayloadSize: e2eMaxMessage,
		ReadLimit:                    e2eMaxMessage,
	})
	return engine.Start()
}

// e2eServerEnv names the implementation a child process serves.
const e2eServerEnv = "WSFRAME_E2E_SERVER"

// runE2EServer is the child process: it serves impl's echo on a loopback
// port and its allocation count at /stats on another, prints both
// addresses, and runs until its stdin is closed (the benchmark process
// ended or stopped it).
func runE2EServer(impl string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	switch h, ok := e2eHandlers[impl]; {
	case ok:
		go (&http.Server{Handler: h}).Serve(ln)
	case impl == "wsecho":
		// What cmd/wsecho runs by default: the push-fed handshake on a
		// raw listener.
		srv := &echo.Server{Config: echo.Config{MaxMessage: e2eMaxMessage}}
		go srv.Serve(ln)
	case impl == "nbio":
		if err := serveNbio(ln); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown implementation", impl)
		os.Exit(2)
	}
	sl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(w, "%d\n", ms.Mallocs)
	})
	go (&http.Server{Handler: mux}).Serve(sl)
	fmt.Printf("listening on ws://%s\nstats on http://%s/stats\n", ln.Addr(), sl.Addr())
	bufio.NewReader(os.Stdin).ReadString('\n')
	os.Exit(0)
}

// e2eServer is a server process.
type e2eServer struct {
	impl  string
	addr  string // the echo's host:port
	stats string // URL of its allocation count
	cmd   *exec.Cmd
	stdin interface{ Close() error }
}

var (
	e2eMu      sync.Mutex
	e2eRunning = map[string]*e2eServer{}
	e2eBinDir  string
)

// e2eStart returns impl's shared server for the throughput benchmarks,
// starting its process on first use.
func e2eStart(tb testing.TB, impl string) *e2eServer {
	e2eMu.Lock()
	defer e2eMu.Unlock()
	if s := e2eRunning[impl]; s != nil {
		return s
	}
	s := e2eLaunch(tb, impl)
	e2eRunning[impl] = s
	return s
}

// e2eLaunch starts a fresh process of impl's server; the caller stops it.
func e2eLaunch(tb testing.TB, impl string) *e2eServer {
	var cmd *exec.Cmd
	if impl == "gnet" {
		cmd = exec.Command(e2eBuildGnet(tb), "-addr", "127.0.0.1:0", "-debug", "127.0.0.1:0", "-compress=false")
	} else {
		cmd = exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), e2eServerEnv+"="+impl)
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s := &e2eServer{impl: impl, cmd: cmd, stdin: stdin}
	r := bufio.NewReader(out)
	for s.addr == "" || s.stats == "" {
		line, err := r.ReadString('\n')
		if err != nil {
			s.stop()
			tb.Fatalf("%s server: %v", impl, err)
		}
		if _, a, ok := strings.Cut(line, "listening on ws://"); ok {
			s.addr = strings.TrimSpace(a)
		}
		if _, a, ok := strings.Cut(line, "stats on "); ok {
			s.stats = strings.TrimSpace(a)
		}
		if _, a, ok := strings.Cut(line, "debug on "); ok {
			s.stats = strings.TrimSpace(a) // expvar's /debug/vars
		}
	}
	go func() { // keep reading, so the child never blocks on stdout
		for {
			if _, err := r.ReadString('\n'); err != nil {
				return
			}
		}
	}()
	return s
}

// e2eBuildGnet builds examples/gnet, once.
func e2eBuildGnet(tb testing.TB) string {
	bin := filepath.Join(e2eBinDir, "gnet")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		gocmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(gocmd, "build", "-o", bin, ".")
	cmd.Dir = filepath.Join("..", "examples", "gnet")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("building examples/gnet: %v\n%s", err, out)
	}
	return bin
}

// stop ends the process: its stdin closes (the children exit on that),
// and a kill makes sure.
func (s *e2eServer) stop() {
	s.stdin.Close()
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

func stopE2EServers() {
	e2eMu.Lock()
	defer e2eMu.Unlock()
	for impl, s := range e2eRunning {
		s.stop()
		delete(e2eRunning, impl)
	}
}

// cpu returns the user+system CPU time the process has used, from
// /proc/PID/stat (in clock ticks of 10 ms: a benchmark must run long
// enough for the difference to mean something).
func (s *e2eServer) cpu(tb testing.TB) (user, sys time.Duration) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		tb.Fatal(err)
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// count fields after its closing one. utime and stime are fields 14
	// and 15.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		tb.Fatalf("/proc/%d/stat: %q", s.cmd.Process.Pid, b)
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return time.Duration(utime) * tick, time.Duration(stime) * tick
}

// mallocs returns the process's heap allocations so far (the Go
// runtime's MemStats.Mallocs).
func (s *e2eServer) mallocs(tb testing.TB) int64 {
	resp, err := http.Get(s.stats)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if s.impl == "gnet" {
		var v struct {
			Memstats struct{ Mallocs int64 } `json:"memstats"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			tb.Fatal(err)
		}
		return v.Memstats.Mallocs
	}
	var n int64
	if _, err := fmt.Fscan(resp.Body, &n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// rss returns the process's resident set (VmRSS) in bytes.
func (s *e2eServer) rss(tb testing.TB) int64 {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v) // "1234 kB"
			if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil && len(f) == 2 && f[1] == "kB" {
				return kb << 10
			}
		}
	}
	tb.Fatalf("no VmRSS in /proc/%d/status", s.cmd.Process.Pid)
	return 0
}
