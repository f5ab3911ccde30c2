package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// listenWith starts a TCP server that hands each connection to serve.
func listenWith(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	needNet(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return "ws://" + ln.Addr().String() + "/"
}

// TestDeadPeers: a peer that never answers the handshake, one that goes
// silent after it, and one that is not there all end in a bounded time
// with a failed case, never a hang.
func TestDeadPeers(t *testing.T) {
	silentHandshake := listenWith(t, func(c net.Conn) {
		defer c.Close()
		io.Copy(io.Discard, c)
	})
	hungAfterHandshake := listenWith(t, func(c net.Conn) {
		defer c.Close()
		head, _, err := readHead(c)
		if err != nil {
			return
		}
		_ = head
		h := parseHeaders(strings.Split(string(head), "\r\n")[1:])
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "+acceptKey(h["sec-websocket-key"])+"\r\n\r\n")
		time.Sleep(5 * time.Second) // neither reads nor writes
	})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "ws://" + ln.Addr().String() + "/"
	ln.Close()

	// Each timeout here either must fire (the peer never answers) or must
	// not (the peer answers at once), whatever the machine's load: the
	// silent and absent peers get a short opening handshake timeout, which
	// fires for them under any load; the hung one, which completes the
	// handshake, a long one, and short closing timeouts, which fire
	// because it never answers. A hang is caught by go test's -timeout.
	ids := []string{"1.1.1", "1.1.7", "2.5", "7.1.1"}
	short, long := 300*time.Millisecond, 10*time.Second
	run := func(to Timeouts, servers ...ServerEntry) *Results {
		t.Helper()
		r := &Runner{Timeouts: to, Parallel: 8}
		res, err := r.FuzzServers(context.Background(), &ClientSpec{Servers: servers, Cases: ids})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	gone := run(Timeouts{Open: short, Close: short, ServerDrop: short},
		ServerEntry{Agent: "silent", URL: silentHandshake}, ServerEntry{Agent: "refused", URL: refused})
	hung := run(Timeouts{Open: long, Close: short, ServerDrop: short}, ServerEntry{Agent: "hung", URL: hungAfterHandshake})
	for _, rs := range []struct {
		agent string
		res   *Results
	}{{"silent", gone}, {"refused", gone}, {"hung", hung}} {
		got := rs.res.ForAgent(rs.agent)
		if len(got) != len(ids) {
			t.Fatalf("%s: %d results, want %d", rs.agent, len(got), len(ids))
		}
		for _, cr := range got {
			if cr.Passed() {
				t.Errorf("%s case %s passed", rs.agent, cr.ID)
			}
		}
	}
	res := NewResults()
	for _, r := range append(gone.ForAgent("silent"), hung.ForAgent("hung")...) {
		res.Add(r)
	}
	if cr, _ := res.Get("silent", "1.1.1"); cr == nil || !cr.WasOpenHandshakeTimeout {
		t.Errorf("silent handshake: not an opening handshake timeout: %+v", cr)
	}
	if cr, _ := res.Get("hung", "1.1.1"); cr == nil || !cr.FailedByMe || !cr.DroppedByMe || cr.BehaviorCl != Failed {
		t.Errorf("hung peer: %+v", cr)
	}
}

func TestSpecErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	for name, body := range map[string]string{
		"noservers.json": `{"cases": ["*"]}`,
		"nourl.json":     `{"servers": [{"agent": "x"}]}`,
		"broken.json":    `{"servers": [`,
	} {
		if _, err := LoadClientSpec(write(name, body)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	spec, err := LoadClientSpec(write("ok.json", `{"servers": [{"url": "ws://127.0.0.1:1"}]}`))
	if err != nil || spec.Outdir != "./reports/servers" || spec.Cases[0] != "*" || spec.Servers[0].Agent != "UnknownServer" {
		t.Errorf("defaults: %+v %v", spec, err)
	}
	r := &Runner{}
	for _, u := range []string{"http://x/", "ws://", "::"} {
		if _, err := r.FuzzServers(context.Background(), &ClientSpec{Servers: []ServerEntry{{Agent: "a", URL: u}}, Cases: []string{"1.1.1"}}); err == nil {
			t.Errorf("url %q accepted", u)
		}
	}
}

// TestReports checks the report files' shape against Autobahn's.
func TestReports(t *testing.T) {
	res := runConforming(t, startPeer(t, knobs{}), 4, "1.1.1", "6.3.1", "9.7.1")
	broken := runAgainst(t, startPeer(t, knobs{noUTF8Check: true}), 4, "6.3.1")
	for _, r := range broken.ForAgent("peer") {
		r.Agent = "Broken Peer"
		res.Add(r)
	}
	dir := t.TempDir()
	if err := WriteReports(res, dir); err != nil {
		t.Fatal(err)
	}
	var index map[string]map[string]map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil || json.Unmarshal(b, &index) != nil {
		t.Fatalf("index.json: %v %s", err, b)
	}
	if len(index["peer"]) != 3 || len(index["Broken Peer"]) != 1 {
		t.Fatalf("index.json agents/cases: %s", b)
	}
	e := index["Broken Peer"]["6.3.1"]
	if e["behavior"] != Failed || e["reportfile"] != "broken_peer_case_6_3_1.json" {
		t.Errorf("broken entry %v", e)
	}
	for _, k := range []string{"behavior", "behaviorClose", "duration", "remoteCloseCode", "reportfile"} {
		if _, ok := index["peer"]["1.1.1"][k]; !ok {
			t.Errorf("index.json entry lacks %s", k)
		}
	}
	var cr map[string]any
	b, err = os.ReadFile(filepath.Join(dir, "peer_case_1_1_1.json"))
	if err != nil || json.Unmarshal(b, &cr) != nil {
		t.Fatalf("case json: %v", err)
	}
	for _, k := range []string{"id", "description", "expectation", "behavior", "behaviorClose", "expected", "expectedClose", "received",
		"result", "resultClose", "wirelog", "closedByMe", "failedByMe", "droppedByMe", "wasClean", "wasNotCleanReason",
		"wasServerConnectionDropTimeout", "wasOpenHandshakeTimeout", "wasCloseHandshakeTimeout", "localCloseCode",
		"localCloseReason", "remoteCloseCode", "remoteCloseReason", "isServer", "rxOctetStats", "txOctetStats",
		"rxFrameStats", "txFrameStats", "httpRequest", "httpResponse", "duration", "started"} {
		if _, ok := cr[k]; !ok {
			t.Errorf("case json lacks %s", k)
		}
	}
	page, _ := os.ReadFile(filepath.Join(dir, "broken_peer_case_6_3_1.html"))
	for _, want := range []string{"Case Description", "Case Expectation", "Case Outcome", "Case Closing Behavior",
		"Opening Handshake", "Closing Behavior", "wasCloseHandshakeTimeout", "Wire Statistics", "Octets Received by Chop Size",
		"Frames Transmitted by Opcode", "Wire Log", "TX FRAME", "RX OCTETS", "Sec-WebSocket-Accept"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("case report lacks %q", want)
		}
	}
	idx, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	for _, want := range []string{`href="peer_case_1_1_1.html"`, `class="case_failed"><a href="broken_peer_case_6_3_1.html"`, "UTF-8 Handling", "ms"} {
		if !strings.Contains(string(idx), want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
}

// TestFloodingPeer: a server that sends pongs as fast as it can neither
// grows memory without bound nor keeps the case running.
func TestFloodingPeer(t *testing.T) {
	url := listenWith(t, func(c net.Conn) {
		defer c.Close()
		head, _, err := readHead(c)
		if err != nil {
			return
		}
		h := parseHeaders(strings.Split(string(head), "\r\n")[1:])
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "+acceptKey(h["sec-websocket-key"])+"\r\n\r\n")
		burst := bytes.Repeat(appendFrame(nil, true, 0, opPong, nil, []byte("flood")), 1000)
		for {
			if _, err := c.Write(burst); err != nil {
				return
			}
		}
	})
	res := runAgainst(t, url, 1, "2.7", "1.1.1")
	if n := len(res.ForAgent("peer")); n != 2 {
		t.Fatalf("%d results, want 2", n)
	}
	for _, r := range res.ForAgent("peer") {
		if r.Passed() || len(r.Received) > maxEvents || len(r.Wirelog) > maxWirelog+1 {
			t.Errorf("case %s: passed=%v, %d events, %d wire log entries", r.ID, r.Passed(), len(r.Received), len(r.Wirelog))
		}
	}
}
