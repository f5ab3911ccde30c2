//go:build !js && !wasip1

package echo

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/pmdeflate"
)

// batchListener hands out connections that count their reads and
// writes. They hide the socket's syscall.RawConn, so the server reads
// them with plain Read calls, each of which is counted.
type batchListener struct {
	net.Listener
	mu    sync.Mutex
	conns []*batchConn
}

func (l *batchListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c := &batchConn{Conn: nc}
	l.mu.Lock()
	l.conns = append(l.conns, c)
	l.mu.Unlock()
	return c, nil
}

type batchConn struct {
	net.Conn
	mu            sync.Mutex
	reads, writes int
}

func (c *batchConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	if n > 0 {
		c.reads++
	}
	c.mu.Unlock()
	return n, err
}

func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *batchConn) counts() (reads, writes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads, c.writes
}

// TestEchoesOfOneReadInOneWrite: 100 messages and a ping sent in one
// write come back (echoes and pong, in order) in no more writes than the
// server needed reads to take them in: everything one read produced leaves
// in one write. Without batching it would be 101 writes.
func TestEchoesOfOneReadInOneWrite(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			cl := &batchListener{Listener: ln}
			go (&Server{Config: Config{Compress: compress}}).Serve(cl)
			defer ln.Close()

			rc := newRawCfg(t, "ws://"+ln.Addr().String()+"/", Config{Compress: compress})
			cl.mu.Lock()
			sc := cl.conns[0]
			cl.mu.Unlock()
			reads0, writes0 := sc.counts() // the handshake's

			var batch []byte
			var want [][]byte
			for i := 0; i < 100; i++ {
				p := []byte(fmt.Sprintf("message %d", i))
				want = append(want, p)
				batch = append(batch, rc.frame(codec.Header{Fin: true, Opcode: codec.OpText}, p)...)
				if i == 49 {
					batch = append(batch, rc.frame(codec.Header{Fin: true, Opcode: codec.OpPing}, []byte("ping"))...)
				}
			}
			if err := rc.write(batch); err != nil {
				t.Fatal(err)
			}
			for i, p := range want {
				if i == 50 {
					if ev := rc.read(30 * time.Second); ev.op != codec.OpPong || string(ev.payload) != "ping" {
						t.Fatalf("after echo 49: %v %q, want the pong", ev.op, ev.payload)
					}
				}
				ev := rc.read(30 * time.Second)
				got := ev.payload
				if ev.compressed {
					got = inflateAll(t, got)
				}
				if ev.op != codec.OpText || ev.compressed != compress || !bytes.Equal(got, p) {
					t.Fatalf("echo %d: %v (compressed %v) %q, want %q", i, ev.op, ev.compressed, got, p)
				}
			}
			reads, writes := sc.counts()
			reads, writes = reads-reads0, writes-writes0
			t.Logf("the server took the 101 frames in %d reads and answered in %d writes", reads, writes)
			if writes > reads {
				t.Errorf("%d writes for %d reads: the echoes of a read did not leave together", writes, reads)
			}
		})
	}
}

// inflateAll inflates a compressed message that was sent without context
// takeover (the server's default).
func inflateAll(t *testing.T, p []byte) []byte {
	t.Helper()
	b, err := pmdeflate.NewDecompressor(pmdeflate.DecompressorConfig{}).AppendInflate(nil, p, true)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
