//go:build linux

package main

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/wsframe/wsframe/codec"
)

// TestConnSize: what an idle open connection holds of ours, its conn, is
// the 80 bytes README.md accounts for on 64-bit platforms (one of the
// allocator's 80-byte size class), timeout stamps included.
func TestConnSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the figure is for 64-bit platforms")
	}
	if n := unsafe.Sizeof(conn{}); n > 80 {
		t.Errorf("conn is %d bytes, more than the 80 README.md accounts for", n)
	}
}

// procStatus returns a field of /proc/PID/status in bytes (VmRSS, VmHWM).
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// TestMemoryUnderAttack: a message that grows to the limit costs the
// server no more than 1.1 times the limit in RSS, whether it comes as many
// frames or as a deflate bomb, and is refused with 1009 when it passes the
// limit. Each attack runs against a fresh process of each server (the gnet
// server and wsecho) with the default -max-message (64 MiB), and the
// growth of its peak RSS (VmHWM) from just before the attack is compared
// with the limit.
func TestMemoryUnderAttack(t *testing.T) {
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) { testMemoryUnderAttack(t, srv.name) })
	}
}

func testMemoryUnderAttack(t *testing.T, server string) {
	if testing.Short() {
		t.Skip("sends 64 MiB twice")
	}
	const limit = DefaultMaxMessage // wsecho's default too
	for _, attack := range []struct {
		name    string
		deflate bool
		send    func(c *testClient) error
	}{
		{"fragmented", false, func(c *testClient) error {
			// 1 MiB frames, the last one taking the message over the
			// limit by one byte.
			frame := make([]byte, 1<<20)
			for i := range frame {
				frame[i] = byte(i * 31)
			}
			for sent := 0; sent <= limit; sent += len(frame) {
				op := codec.OpContinuation
				if sent == 0 {
					op = codec.OpBinary
				}
				p := frame
				if sent+len(p) > limit {
					p = frame[:limit+1-sent]
				}
				if err := c.send(codec.Header{Opcode: op}, p); err != nil {
					return err
				}
			}
			return nil
		}},
		{"deflate bomb", true, func(c *testClient) error {
			// 256 MiB of zeros compress to about 256 KiB.
			var z bytes.Buffer
			fw, _ := flate.NewWriter(&z, flate.BestCompression)
			zeros := make([]byte, 1<<20)
			for i := 0; i < 256; i++ {
				fw.Write(zeros)
			}
			fw.Flush()
			payload := bytes.TrimSuffix(z.Bytes(), []byte{0, 0, 0xff, 0xff})
			return c.send(codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: codec.OpBinary}, payload)
		}},
	} {
		t.Run(attack.name, func(t *testing.T) {
			p := startProcess(t, server)
			pid := p.cmd.Process.Pid
			var offer *codec.DeflateParams
			if attack.deflate {
				offer = &codec.DeflateParams{}
			}
			c, err := dialClient(p.addr, offer, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			defer c.nc.Close()
			before := procStatus(t, pid, "VmHWM")
			if err := attack.send(c); err != nil {
				t.Fatalf("sending: %v", err)
			}
			if err := c.expectClose(codec.CloseMessageTooBig); err != nil {
				t.Fatal(err)
			}
			grew := procStatus(t, pid, "VmHWM") - before
			t.Logf("peak RSS grew by %.1f MiB for a message refused at the %d MiB limit (%.3f× the limit)",
				float64(grew)/(1<<20), limit>>20, float64(grew)/limit)
			if grew > limit*11/10 {
				t.Errorf("peak RSS grew by %d bytes, more than 1.1 × the %d-byte limit", grew, limit)
			}
			if grew < limit*9/10 {
				// The limit must be what stopped it, not something
				// that refused the message early.
				t.Errorf("peak RSS grew by only %d bytes: was the message buffered at all?", grew)
			}
		})
	}
}

// debugVars reads the counters a server publishes with expvar: the
// runtime's allocation count, and the messages echoed (under "wsgnet" for
// the gnet server, "wsecho" for wsecho).
func debugVars(t *testing.T, addr string) (mallocs, messages int64) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/debug/vars")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Memstats struct{ Mallocs int64 }  `json:"memstats"`
		Wsgnet   struct{ Messages int64 } `json:"wsgnet"`
		Wsecho   struct{ Messages int64 } `json:"wsecho"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v.Memstats.Mallocs, v.Wsgnet.Messages + v.Wsecho.Messages
}

// TestAllocsPerMessage reads, through each server's expvar (-debug), how
// many heap allocations the gnet server and wsecho make per echoed message
// in steady state, with and without permessage-deflate, at 16 B and
// 1 KiB: the target is 0. What reading /debug/vars itself allocates is
// measured (two reads with no traffic between them) and taken off. The
// test allows 1 allocation per 1,000 messages, for the runtime's own
// background work (a GC cycle, a timer) during the run.
func TestAllocsPerMessage(t *testing.T) {
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) { testAllocsPerMessage(t, srv.name) })
	}
}

func testAllocsPerMessage(t *testing.T, server string) {
	p := startProcess(t, server, "-debug", "127.0.0.1:0")
	for _, tc := range []struct {
		name    string
		deflate bool
		size    int
	}{{"plain 16 B", false, 16}, {"plain 1 KiB", false, 1 << 10}, {"deflate 16 B", true, 16}, {"deflate 1 KiB", true, 1 << 10}} {
		t.Run(tc.name, func(t *testing.T) {
			var offer *codec.DeflateParams
			if tc.deflate {
				offer = &codec.DeflateParams{}
			}
			c, err := dialClient(p.addr, offer, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			defer c.nc.Close()
			payload := bytes.Repeat([]byte("0123456789abcdef"), tc.size/16)
			frame, err := c.snd.AppendFrame(nil, codec.Header{Fin: true, Opcode: codec.OpBinary}, payload)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip := func() {
				if _, err := c.nc.Write(frame); err != nil {
					t.Fatal(err)
				}
				ev, err := c.next()
				if err != nil || ev.op != codec.OpBinary || ev.compressed != tc.deflate {
					t.Fatalf("echo: %v compressed %v, %v", ev.op, ev.compressed, err)
				}
			}
			for i := 0; i < 2000; i++ { // fill the pools
				roundTrip()
			}
			m0, _ := debugVars(t, p.debug)
			m1, n1 := debugVars(t, p.debug)
			perRead := m1 - m0
			const n = 20000
			for i := 0; i < n; i++ {
				roundTrip()
			}
			m2, n2 := debugVars(t, p.debug)
			if n2-n1 != n {
				t.Fatalf("the server counted %d messages, want %d", n2-n1, n)
			}
			allocs := max(m2-m1-perRead, 0)
			t.Logf("%d allocations in %d messages (%.4f per message; reading /debug/vars costs %d)", allocs, n, float64(allocs)/n, perRead)
			if allocs > n/1000 {
				t.Errorf("%d allocations in %d messages: %.4f per message, want 0", allocs, n, float64(allocs)/n)
			}
		})
	}
}
