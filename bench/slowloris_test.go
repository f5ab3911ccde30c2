//go:build linux

package bench

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSlowloris measures what an unfinished opening handshake costs
// cmd/wsecho: the program is built and started in a process of its own,
// this process opens many connections that each send half of an upgrade
// request and stop, and the server's resident set (VmRSS in
// /proc/PID/status) is read before and after. Reported per mode:
//
//	rss-B/conn   growth of the server's RSS per half-open handshake
//
// mode=raw is wsecho's default (the push-fed handshake parser on a raw
// net.Listener), mode=http its -http path through net/http. RSS counts
// what the process really holds: goroutine stacks, the heap, garbage not
// yet collected and the runtime's own structures, unlike the heap figures
// of BenchmarkE2EIdle. The kernel's socket buffers are not in it.
//
//	go test -run '^$' -bench Slowloris -benchtime 1x -count 5 . | tee slowloris.txt
//	go test -run '^$' -bench Slowloris -benchtime 1x -slowloris-conns 200 .  # a quick look
//
// The measurement runs once per benchmark run, whatever b.N.
var slowlorisConns = flag.Int("slowloris-conns", 2000, "BenchmarkSlowloris: connections with a half-sent handshake")

// halfRequest is the first half of a browser's upgrade request: the
// server must keep it, and wait for the rest.
const halfRequest = "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n"

func BenchmarkSlowloris(b *testing.B) {
	conns := *slowlorisConns
	const warm = 50 // connections opened before the first reading
	// Both processes hold a descriptor per connection.
	need := uint64(conns+warm) + 200
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	if lim.Cur < need {
		lim.Cur = min(need, lim.Max)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			b.Fatal(err)
		}
		if lim.Cur < need {
			b.Fatalf("RLIMIT_NOFILE hard limit %d: %d connections need %d descriptors", lim.Max, conns, need)
		}
	}
	bin := buildWsecho(b)
	for _, mode := range []string{"raw", "http"} {
		b.Run("mode="+mode, func(b *testing.B) {
			// A handshake timeout longer than the measurement: every
			// connection must still be open when RSS is read.
			args := []string{"-addr", "127.0.0.1:0", "-handshake-timeout", "1h"}
			if mode == "http" {
				args = append(args, "-http")
			}
			srv := startWsecho(b, bin, args, need)
			defer srv.stop()

			var open []net.Conn
			defer func() {
				for _, c := range open {
					c.Close()
				}
			}()
			openHalf := func(n int) {
				for i := 0; i < n; i++ {
					c, err := net.Dial("tcp", srv.addr)
					if err != nil {
						b.Fatal(err)
					}
					open = append(open, c)
					if _, err := io.WriteString(c, halfRequest); err != nil {
						b.Fatal(err)
					}
				}
			}
			// The first connections grow pools and runtime structures
			// that every later one shares.
			openHalf(warm)
			before := srv.settledRSS(b)
			openHalf(conns)
			after := srv.settledRSS(b)
			for i := 0; i < b.N; i++ {
				// Nothing to repeat: memory held is a state, not an operation.
			}
			b.ReportMetric(float64(after-before)/float64(conns), "rss-B/conn")
		})
	}
}

// buildWsecho builds cmd/wsecho from the module this one replaces.
func buildWsecho(b *testing.B) string {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		gocmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(b.TempDir(), "wsecho")
	out, err := exec.Command(gocmd, "build", "-o", bin, "github.com/wsframe/wsframe/cmd/wsecho").CombinedOutput()
	if err != nil {
		b.Fatalf("building wsecho: %v\n%s", err, out)
	}
	return bin
}

type wsechoProc struct {
	cmd  *exec.Cmd
	addr string
}

// startWsecho runs bin with args and a descriptor limit of at least
// nofile, and reads the address from the line it prints.
func startWsecho(b *testing.B, bin string, args []string, nofile uint64) *wsechoProc {
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	p := &wsechoProc{cmd: cmd}
	line, err := bufio.NewReader(out).ReadString('\n')
	_, addr, ok := strings.Cut(strings.TrimSpace(line), "ws://")
	if err != nil || !ok {
		p.stop()
		b.Fatalf("wsecho printed %q: %v", line, err)
	}
	p.addr = addr
	// A Go program raises its own soft limit to the hard one at start,
	// which it inherits from this process.
	if lim := p.limit("Max open files"); lim != 0 && lim < nofile {
		p.stop()
		b.Fatalf("wsecho may open %d files, %d needed", lim, nofile)
	}
	return p
}

func (p *wsechoProc) stop() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// settledRSS waits for the server to have taken in what was sent (its
// RSS the same in three readings 200 ms apart, or 20 s passed) and
// returns its RSS in bytes.
func (p *wsechoProc) settledRSS(b *testing.B) int64 {
	last, same := p.rss(b), 0
	for end := time.Now().Add(20 * time.Second); same < 3 && time.Now().Before(end); {
		time.Sleep(200 * time.Millisecond)
		r := p.rss(b)
		if r == last {
			same++
		} else {
			last, same = r, 0
		}
	}
	return last
}

func (p *wsechoProc) rss(b *testing.B) int64 {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range bytes.Split(st, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := strings.Fields(string(v)) // "1234 kB"
			if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil && len(f) == 2 && f[1] == "kB" {
				return kb << 10
			}
		}
	}
	b.Fatalf("no VmRSS in /proc/%d/status", p.cmd.Process.Pid)
	return 0
}

// limit returns the soft limit named in /proc/PID/limits, 0 when it
// cannot be read.
func (p *wsechoProc) limit(name string) uint64 {
	lims, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(lims), "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				n, _ := strconv.ParseUint(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}
