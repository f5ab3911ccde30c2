//go:build linux

package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
)

// End-to-end benchmark: the echo servers of e2e_servers_test.go, each in
// a process of its own, driven over loopback by one load client (this
// process, built on package codec). Cells, per impl=X:
//
//	mode=pingpong/conns=1/size=16     one message in flight on one connection
//	mode=pingpong/conns=100/size=16   one message in flight on each of 100
//	mode=stream/conns=100/size=S      16 messages in flight on each of 100,
//	                                  S = 16, 1024, 65536
//
// and reports
//
//	msgs/s               messages echoed per second, all connections together
//	p50-ns, p99-ns       round-trip latency (ping-pong only)
//	server-cpu-ns/msg    the server process's user+system CPU time per message
//	                     (/proc/PID/stat, before and after)
//	server-allocs/msg    the server process's heap allocations per message
//
// BenchmarkE2EIdle reports the resident memory per idle connection of a
// fresh server process holding 10,000 of them.
//
//	go test -run '^$' -bench 'E2E$' -count 10 -benchtime 2s . | tee e2e.txt
//	go test -run '^$' -bench 'E2EIdle' -count 5 .  | tee idle.txt
//	benchstat -col /impl e2e.txt
//
// Run it on a quiet machine: the client and the servers share its cores.

func TestMain(m *testing.M) {
	if impl := os.Getenv(e2eServerEnv); impl != "" {
		runE2EServer(impl)
		return
	}
	dir, err := os.MkdirTemp("", "wsframe-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	e2eBinDir = dir
	code := m.Run()
	stopE2EServers()
	os.RemoveAll(dir)
	os.Exit(code)
}

// e2eInFlight is how many messages each connection of a stream cell keeps
// in flight.
const e2eInFlight = 16

// loadConn is one connection of the load client: a prebuilt masked frame
// to send, a Receiver to find the end of each echo, however the server
// frames it.
type loadConn struct {
	nc    net.Conn
	rcv   codec.Receiver
	buf   []byte
	rest  []byte
	frame []byte
	size  int
	lat   []time.Duration
}

const e2eKey = "dGhlIHNhbXBsZSBub25jZQ=="

// dialLoad opens a connection, does the opening handshake by hand and
// prepares a binary message of size bytes; bufSize is its read buffer.
func dialLoad(addr string, size, bufSize int) (*loadConn, error) {
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
	l := &loadConn{nc: nc, buf: make([]byte, bufSize), size: size}
	l.rcv.Reset(codec.Config{Role: codec.RoleClient})
	payload := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
	l.frame, err = codec.NewSender(codec.RoleClient, nil).AppendFrame(nil, codec.Header{Fin: true, Opcode: codec.OpBinary}, payload)
	return l, err
}

// readEcho waits for the next whole echo and checks its size.
func (l *loadConn) readEcho() error {
	got := 0
	for {
		ev, n, err := l.rcv.Next(l.rest)
		l.rest = l.rest[n:]
		if err != nil {
			return err
		}
		switch ev.Kind {
		case codec.EventPayload:
			got += len(ev.Payload)
			continue
		case codec.EventMessageEnd:
			if got != l.size {
				return fmt.Errorf("echo of %d bytes came back with %d", l.size, got)
			}
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
		l.rest = l.buf[:m]
	}
}

// roundTrip sends the message and waits for its whole echo.
func (l *loadConn) roundTrip() error {
	start := time.Now()
	if _, err := l.nc.Write(l.frame); err != nil {
		return err
	}
	if err := l.readEcho(); err != nil {
		return err
	}
	if len(l.rest) != 0 {
		return fmt.Errorf("%d bytes after the echo", len(l.rest))
	}
	l.lat = append(l.lat, time.Since(start))
	return nil
}

// stream sends n messages, keeping at most e2eInFlight unanswered, and
// reads their echoes.
func (l *loadConn) stream(n int) error {
	window := make(chan struct{}, e2eInFlight)
	errc := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if err := l.readEcho(); err != nil {
				errc <- err
				return
			}
			<-window
		}
		errc <- nil
	}()
	for i := 0; i < n; i++ {
		select {
		case window <- struct{}{}:
		case err := <-errc:
			return errors.Join(err, errors.New("reader stopped early"))
		}
		if _, err := l.nc.Write(l.frame); err != nil {
			return err
		}
	}
	return <-errc
}

// e2eCell is one cell of the benchmark.
type e2eCell struct {
	mode  string
	conns int
	size  int
}

var e2eCells = []e2eCell{
	{"pingpong", 1, 16},
	{"pingpong", 100, 16},
	{"stream", 100, 16},
	{"stream", 100, 1 << 10},
	{"stream", 100, 64 << 10},
}

func BenchmarkE2E(b *testing.B) {
	for _, impl := range e2eImpls {
		for _, c := range e2eCells {
			b.Run(fmt.Sprintf("impl=%s/mode=%s/conns=%d/size=%d", impl, c.mode, c.conns, c.size), func(b *testing.B) {
				benchEcho(b, e2eStart(b, impl), c)
			})
		}
	}
}

func benchEcho(b *testing.B, srv *e2eServer, cell e2eCell) {
	lcs := make([]*loadConn, cell.conns)
	for i := range lcs {
		l, err := dialLoad(srv.addr, cell.size, 128<<10)
		if err != nil {
			b.Fatal(err)
		}
		defer l.nc.Close()
		for j := 0; j < 3; j++ { // warm the server's buffers and stacks
			if err := l.roundTrip(); err != nil {
				b.Fatal(err)
			}
		}
		l.lat = make([]time.Duration, 0, b.N/cell.conns+1)
		lcs[i] = l
	}
	b.SetBytes(int64(cell.size))
	// Two readings: the second minus the first is what one reading costs
	// the server, taken off the result below.
	first := srv.mallocs(b)
	mallocs0 := srv.mallocs(b)
	perReading := mallocs0 - first
	usr0, sys0 := srv.cpu(b)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, cell.conns)
	for i, l := range lcs {
		n := b.N / cell.conns
		if i < b.N%cell.conns {
			n++
		}
		wg.Add(1)
		go func(l *loadConn, n int) {
			defer wg.Done()
			if cell.mode == "stream" {
				if err := l.stream(n); err != nil {
					errs <- err
				}
				return
			}
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
	usr1, sys1 := srv.cpu(b)
	mallocs1 := srv.mallocs(b)
	n := float64(b.N)
	b.ReportMetric(n/elapsed.Seconds(), "msgs/s")
	if cell.mode == "pingpong" {
		var lat []time.Duration
		for _, l := range lcs {
			lat = append(lat, l.lat...)
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
		b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ns")
	}
	// User and system time apart: the system calls, and the loopback TCP
	// work the kernel does in them, are a floor every server pays.
	b.ReportMetric(float64(usr1-usr0+sys1-sys0)/n, "server-cpu-ns/msg")
	b.ReportMetric(float64(usr1-usr0)/n, "server-usr-ns/msg")
	b.ReportMetric(float64(sys1-sys0)/n, "server-sys-ns/msg")
	b.ReportMetric(float64(max(mallocs1-mallocs0-perReading, 0))/n, "server-allocs/msg")
}

// e2eIdleConns is how many idle connections BenchmarkE2EIdle opens.
const e2eIdleConns = 10000

// BenchmarkE2EIdle starts a fresh process of each server, opens 10,000
// connections that each echo one 16-byte message and then sit idle, and
// reports the growth of the process's resident set per connection
// (idle-rss-B/conn, VmRSS in /proc/PID/status): what an idle connection
// really costs, heap, stacks, garbage not yet collected and runtime
// structures included, but not the kernel's socket buffers. Both
// processes need a descriptor per connection; the benchmark raises its
// RLIMIT_NOFILE to the hard limit, which the servers inherit.
// The measurement runs once per benchmark run, whatever b.N.
func BenchmarkE2EIdle(b *testing.B) {
	conns := e2eIdleConns
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			b.Fatal(err)
		}
	}
	if need := uint64(conns) + 200; lim.Cur < need {
		b.Fatalf("RLIMIT_NOFILE hard limit is %d: %d connections need %d descriptors", lim.Max, conns, need)
	}
	for _, impl := range e2eImpls {
		b.Run("impl="+impl, func(b *testing.B) {
			srv := e2eLaunch(b, impl)
			defer srv.stop()
			// One connection first: the runtime's and the library's
			// one-time costs are not per connection.
			warm, err := dialLoad(srv.addr, 16, 1<<10)
			if err != nil {
				b.Fatal(err)
			}
			defer warm.nc.Close()
			if err := warm.roundTrip(); err != nil {
				b.Fatal(err)
			}
			before := settledRSS(b, srv)
			lcs := make([]*loadConn, 0, conns)
			defer func() {
				for _, l := range lcs {
					l.nc.Close()
				}
			}()
			for i := 0; i < conns; i++ {
				l, err := dialLoad(srv.addr, 16, 1<<10)
				if err != nil {
					b.Fatalf("connection %d: %v", i, err)
				}
				lcs = append(lcs, l)
				if err := l.roundTrip(); err != nil {
					b.Fatal(err)
				}
			}
			after := settledRSS(b, srv)
			for i := 0; i < b.N; i++ {
				// Nothing to repeat: idle memory is a state, not an operation.
			}
			b.ReportMetric(float64(after-before)/float64(conns), "idle-rss-B/conn")
		})
	}
}

// settledRSS waits until the server's RSS is the same in three readings
// 200 ms apart (or 20 s passed) and returns it.
func settledRSS(b *testing.B, srv *e2eServer) int64 {
	last, same := srv.rss(b), 0
	for end := time.Now().Add(20 * time.Second); same < 3 && time.Now().Before(end); {
		time.Sleep(200 * time.Millisecond)
		r := srv.rss(b)
		if r == last {
			same++
		} else {
			last, same = r, 0
		}
	}
	return last
}
