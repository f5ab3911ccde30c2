//go:build unix

package bench

import (
	"bufio"
	"bytes"

	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
)

// End-to-end benchmark: the echo servers of e2e_servers_test.go, each in
// a child process of its own, driven over loopback by one load client
// (this process, built on package codec) with 1 and 100 connections and
// messages of 16 B, 1 KiB and 64 KiB. Each connection keeps one message in
// flight. Reported per sub-benchmark impl=X/conns=N/size=S:
//
//	msgs/s               round trips per second, all connections together
//	p50-ns, p99-ns       round-trip latency percentiles
//	server-cpu-ns/msg    the server process's user+system CPU time
//	server-allocs/msg    the server process's heap allocations (MemStats)
//
// BenchmarkE2EIdle reports the server's memory per idle connection.
//
//	go test -run '^$' -bench 'E2E' -count 10 . | tee e2e.txt
//	benchstat -col /impl e2e.txt
//
// Run it on a quiet machine: the client and the server share its cores.

func TestMain(m *testing.M) {
	if impl := os.Getenv(e2eServerEnv); impl != "" {
		runE2EServer(impl)
		return
	}
	code := m.Run()
	stopE2EServers()
	os.Exit(code)
}

type e2eServer struct {
	addr  string
	cmd   *exec.Cmd
	stdin io.Closer
}

var (
	e2eMu      sync.Mutex
	e2eRunning = map[string]*e2eServer{}
)

// e2eStart returns impl's server, starting its process on first use.
func e2eStart(tb testing.TB, impl string) *e2eServer {
	e2eMu.Lock()
	defer e2eMu.Unlock()
	if s := e2eRunning[impl]; s != nil {
		return s
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), e2eServerEnv+"="+impl)
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
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		tb.Fatalf("%s server: %v", impl, err)
	}
	s := &e2eServer{addr: strings.TrimSpace(line), cmd: cmd, stdin: stdin}
	e2eRunning[impl] = s
	return s
}

func stopE2EServers() {
	e2eMu.Lock()
	defer e2eMu.Unlock()
	for impl, s := range e2eRunning {
		s.stdin.Close() // the child exits when its stdin closes
		s.cmd.Wait()
		delete(e2eRunning, impl)
	}
}

type serverStats struct {
	cpu, mallocs, heap, stack, goroutines int64
}

func (s *e2eServer) stats(tb testing.TB, gc bool) serverStats {
	u := "http://" + s.addr + "/stats"
	if gc {
		u += "?gc=1"
	}
	resp, err := http.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var st serverStats
	if _, err := fmt.Fscan(resp.Body, &st.cpu, &st.mallocs, &st.heap, &st.stack, &st.goroutines); err != nil {
		tb.Fatal(err)
	}
	return st
}

// loadConn is one connection of the load client: a prebuilt masked frame
// to send, a Receiver to find the end of the echo, however the server
// frames it.
type loadConn struct {
	nc    net.Conn
	rcv   codec.Receiver
	buf   []byte
	frame []byte
	size  int
	lat   []time.Duration
}

const e2eKey = "dGhlIHNhbXBsZSBub25jZQ=="

// dialLoad opens a connection and does the opening handshake by hand.
func dialLoad(addr string, size int) (*loadConn, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + e2eKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, err
	}
	// Read the response byte by byte so no frame byte is taken with it.
	var head []byte
	one := make([]byte, 1)
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		if _, err := nc.Read(one); err != nil {
			nc.Close()
			return nil, err
		}
		head = append(head, one[0])
	}
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 101")) {
		nc.Close()
		return nil, fmt.Errorf("handshake: %q", head)
	}
	l := &loadConn{nc: nc, buf: make([]byte, 128<<10), size: size}
	l.rcv.Reset(codec.Config{Role: codec.RoleClient})
	payload := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
	l.frame, err = codec.NewSender(codec.RoleClient, nil).AppendFrame(nil, codec.Header{Fin: true, Opcode: codec.OpBinary}, payload)
	return l, err
}

// roundTrip sends the message and waits for its whole echo.
func (l *loadConn) roundTrip() error {
	start := time.Now()
	if _, err := l.nc.Write(l.frame); err != nil {
		return err
	}
	got := 0
	var rest []byte
	for {
		ev, n, err := l.rcv.Next(rest)
		rest = rest[n:]
		if err != nil {
			return err
		}
		switch ev.Kind {
		case codec.EventPayload:
			got += len(ev.Payload)
			continue
		case codec.EventMessageEnd:
			if got != l.size || len(rest) != 0 {
				return fmt.Errorf("echo of %d bytes came back with %d (+%d extra)", l.size, got, len(rest))
			}
			l.lat = append(l.lat, time.Since(start))
			return nil
		case codec.EventControl:
			return fmt.Errorf("server sent a %v frame", ev.Message)
		case codec.EventHeader:
			continue
		}
		m, err := l.nc.Read(l.buf)
		if err != nil {
			return err
		}
		rest = l.buf[:m]
	}
}

func BenchmarkE2E(b *testing.B) {
	for _, impl := range e2eImpls {
		for _, conns := range []int{1, 100} {
			for _, size := range []int{16, 1 << 10, 64 << 10} {
				b.Run(fmt.Sprintf("impl=%s/conns=%d/size=%d", impl, conns, size), func(b *testing.B) {
					benchEcho(b, e2eStart(b, impl), conns, size)
				})
			}
		}
	}
}

func benchEcho(b *testing.B, srv *e2eServer, conns, size int) {
	lcs := make([]*loadConn, conns)
	for i := range lcs {
		l, err := dialLoad(srv.addr, size)
		if err != nil {
			b.Fatal(err)
		}
		defer l.nc.Close()
		for j := 0; j < 3; j++ { // warm the server's buffers and stacks
			if err := l.roundTrip(); err != nil {
				b.Fatal(err)
			}
		}
		l.lat = make([]time.Duration, 0, b.N/conns+1)
		lcs[i] = l
	}
	b.SetBytes(int64(size))
	// Two readings: the second minus the first is what one stats request
	// costs the server, taken off the result below.
	first := srv.stats(b, false)
	before := srv.stats(b, false)
	statsAllocs := before.mallocs - first.mallocs
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i, l := range lcs {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Add(1)
		go func(l *loadConn, n int) {
			defer wg.Done()
			for j := 0; j < n; j++ {
				if err := l.roundTrip(); err != nil {
					errs <- err
					return
				}
			}
		}(l, n)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	after := srv.stats(b, false)
	var lat []time.Duration
	for _, l := range lcs {
		lat = append(lat, l.lat...)
	}
	slices.Sort(lat)
	n := float64(b.N)
	b.ReportMetric(n/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ns")
	b.ReportMetric(float64(after.cpu-before.cpu)/n, "server-cpu-ns/msg")
	b.ReportMetric(float64(max(after.mallocs-before.mallocs-statsAllocs, 0))/n, "server-allocs/msg")
}

// BenchmarkE2EIdle opens 1000 connections, has each echo one 1 KiB
// message, lets them sit idle and reports the server's heap and stack
// growth per connection after garbage collection (idle-B/conn). The
// kernel's socket buffers are outside the Go runtime and not counted.
// The measurement runs once per benchmark run, whatever b.N.
func BenchmarkE2EIdle(b *testing.B) {
	conns := 1000
	// Both processes hold one descriptor per connection; stay well under
	// the limit (which Go raises to the hard limit at start-up).
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur < 2*uint64(conns)+200 {
		conns = max(int(lim.Cur)/2-100, 10)
	}
	for _, impl := range e2eImpls {
		b.Run("impl="+impl, func(b *testing.B) {
			srv := e2eStart(b, impl)
			before := srv.stats(b, true)
			var lcs []*loadConn
			defer func() {
				for _, l := range lcs {
					l.nc.Close()
				}
			}()
			for i := 0; i < conns; i++ {
				l, err := dialLoad(srv.addr, 1<<10)
				if err != nil {
					b.Fatal(err)
				}
				lcs = append(lcs, l)
				if err := l.roundTrip(); err != nil {
					b.Fatal(err)
				}
			}
			time.Sleep(100 * time.Millisecond)
			after := srv.stats(b, true)
			for i := 0; i < b.N; i++ {
				// Nothing to repeat: idle memory is a state, not an operation.
			}
			n := float64(conns)
			b.ReportMetric(float64((after.heap+after.stack)-(before.heap+before.stack))/n, "idle-B/conn")
			b.ReportMetric(float64(after.stack-before.stack)/n, "idle-stack-B/conn")
			b.ReportMetric(float64(after.goroutines-before.goroutines)/n, "goroutines/conn")
		})
	}
}
