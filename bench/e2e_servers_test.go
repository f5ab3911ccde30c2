//go:build unix

package bench

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"syscall"
	"time"
	"unicode/utf8"

	coder "github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/gorilla/websocket"
	"github.com/lxzan/gws"

	"github.com/wsframe/wsframe/internal/echo"
)

// The end-to-end benchmark's echo servers, one per implementation, each
// written the way its documentation shows: read a whole message, check
// that a text message is UTF-8 (where the library leaves that to the
// application), write it back with the same type. Every server refuses
// messages over 64 MiB and negotiates no compression.
const e2eMaxMessage = 64 << 20

var e2eServers = map[string]http.Handler{
	"wsframe": &echo.Server{Config: echo.Config{MaxMessage: e2eMaxMessage}},
	"gorilla": http.HandlerFunc(gorillaEcho),
	"gobwas":  http.HandlerFunc(gobwasEcho),
	"gws":     gwsHandler{gws.NewUpgrader(gwsEcho{}, &gws.ServerOption{ReadMaxPayloadSize: e2eMaxMessage, CheckUtf8Enabled: true})},
	"coder":   http.HandlerFunc(coderEcho),
}

// e2eImpls is the order the benchmarks run the servers in.
var e2eImpls = []string{"wsframe", "gorilla", "gobwas", "gws", "coder"}

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

// e2eServerEnv names the implementation a child process serves.
const e2eServerEnv = "WSFRAME_E2E_SERVER"

// runE2EServer is the child process: it serves impl's echo at "/" and its
// own resource use at "/stats" on a loopback port it prints, until its
// stdin is closed (the benchmark process ended).
func runE2EServer(impl string) {
	h, ok := e2eServers[impl]
	if !ok {
		fmt.Fprintln(os.Stderr, "unknown implementation", impl)
		os.Exit(2)
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("/stats", serveStats)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println(ln.Addr())
	go func() {
		bufio.NewReader(os.Stdin).ReadString('\n')
		os.Exit(0)
	}()
	(&http.Server{Handler: mux}).Serve(ln)
}

// serveStats reports the server process's CPU time (user+system, ns),
// heap allocations so far, and with ?gc=1, after collecting garbage, the
// memory in use by heap and goroutine stacks.
func serveStats(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("gc") != "" {
		runtime.GC()
		runtime.GC()
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Fprintf(w, "%d %d %d %d %d\n", cpu.Nanoseconds(), ms.Mallocs, ms.HeapInuse, ms.StackInuse, runtime.NumGoroutine())
}
