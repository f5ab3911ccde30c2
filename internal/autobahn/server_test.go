package autobahn

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"
)

// needNet skips tests that need TCP where the platform has none (js/wasm).
func needNet(t testing.TB) {
	t.Helper()
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no TCP sockets on " + runtime.GOOS)
	}
}

// testClient is a minimal Autobahn-protocol client: it answers pings,
// replies to close, and (in runCase) echoes every message. unmasked
// breaks it: its frames carry no mask.
type testClient struct {
	base     string
	unmasked bool
}

// session connects to path and serves the connection until the server
// closes it; it returns the messages received.
func (tc testClient) session(t testing.TB, path string, echo bool) [][]byte {
	t.Helper()
	conn, rest, _, _, err := dialWS(ServerEntry{URL: tc.base + path}, 5*time.Second)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	send := func(op byte, p []byte) {
		key := &[4]byte{0xa1, 0xb2, 0xc3, 0xd4}
		if tc.unmasked {
			key = nil
		}
		conn.Write(AppendFrame(nil, true, 0, op, key, p))
	}
	var got [][]byte
	buf := rest
	tmp := make([]byte, 64<<10)
	var msgOp byte
	var msg []byte
	for {
		f, n, err := ParseFrame(buf, MaxMessage)
		if err == errNeedMore {
			m, err := conn.Read(tmp)
			if err != nil {
				return got
			}
			buf = append(buf, tmp[:m]...)
			continue
		}
		if err != nil {
			return got
		}
		buf = buf[n:]
		switch f.Opcode {
		case OpPing:
			send(OpPong, f.Payload)
		case OpPong:
		case OpClose:
			p := f.Payload
			if len(p) > 2 {
				p = p[:2]
			}
			if len(p) == 2 && !validReceivedCloseCode(int(p[0])<<8|int(p[1])) {
				p = ClosePayload(CloseProtocolError, nil)
			}
			send(OpClose, p)
			io.Copy(io.Discard, conn) // the server closes TCP
			return got
		default:
			if f.Opcode != OpContinuation {
				msgOp, msg = f.Opcode, nil
			}
			msg = append(msg, f.Payload...)
			if f.Fin {
				if msgOp == OpText && !utf8.Valid(msg) {
					send(OpClose, ClosePayload(CloseInvalidPayload, nil))
					continue // the server's close reply follows
				}
				got = append(got, msg)
				if echo {
					send(msgOp, msg)
				}
			}
		}
	}
}

func (tc testClient) runAll(t testing.TB, agent string) int {
	t.Helper()
	got := tc.session(t, "/getCaseCount", false)
	if len(got) != 1 {
		t.Fatalf("getCaseCount: %q", got)
	}
	count, err := strconv.Atoi(string(got[0]))
	if err != nil {
		t.Fatalf("getCaseCount: %q", got[0])
	}
	for i := 1; i <= count; i++ {
		tc.session(t, fmt.Sprintf("/runCase?case=%d&agent=%s", i, agent), true)
	}
	tc.session(t, "/updateReports?agent="+agent, false)
	return count
}

func startFuzzServer(t *testing.T, patterns ...string) (*FuzzServer, string, chan string) {
	t.Helper()
	needNet(t)
	fs, err := NewFuzzServer(&Runner{Timeouts: testTimeouts}, &ServerSpec{Cases: patterns})
	if err != nil {
		t.Fatal(err)
	}
	reports := make(chan string, 4)
	fs.Reports = func(agent string) { reports <- agent }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		fs.Serve(ctx, ln)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return fs, "ws://" + ln.Addr().String(), reports
}

// TestFuzzingServerRole runs cases with wstest as the server: a
// conforming client passes, one that does not mask its frames fails
// every case that needs it to send.
func TestFuzzingServerRole(t *testing.T) {
	fs, base, reports := startFuzzServer(t, "1.1.*", "2.*", "5.19", "6.4.1", "7.1.*", "7.9.1", "9.7.1")
	good := testClient{base: base}
	if n := good.runAll(t, "good"); n != 8+11+1+1+6+1+1 {
		t.Fatalf("case count %d", n)
	}
	if got := <-reports; got != "good" {
		t.Errorf("updateReports for %q", got)
	}
	for _, r := range fs.Results.ForAgent("good") {
		if !r.IsServer {
			t.Errorf("case %s: isServer false", r.ID)
		}
		if !r.Passed() {
			t.Errorf("case %s: %s / %s: %s; %s; received %s", r.ID, r.Behavior, r.BehaviorCl, r.Result, r.ResultClose, eventsString(r.Received))
		}
	}
	bad := testClient{base: base, unmasked: true}
	bad.runAll(t, "unmasked")
	for _, id := range []string{"1.1.1", "2.1", "5.19", "7.1.1", "9.7.1"} {
		if r, ok := fs.Results.Get("unmasked", id); !ok || r.Passed() {
			t.Errorf("case %s did not catch an unmasked client", id)
		}
	}
	// The protocol's query requests.
	info := testClient{base: base}.session(t, "/getCaseInfo?case=3", false)
	var ci map[string]string
	if len(info) != 1 || json.Unmarshal(info[0], &ci) != nil || ci["id"] != "1.1.3" {
		t.Errorf("getCaseInfo: %q", info)
	}
	st := testClient{base: base}.session(t, "/getCaseStatus?case=1&agent=good", false)
	if len(st) != 1 || string(st[0]) != `{"behavior":"OK"}` {
		t.Errorf("getCaseStatus: %q", st)
	}
	// Bad requests get HTTP errors, not a panic or a hang.
	if _, _, _, resp, err := dialWS(ServerEntry{URL: base + "/runCase?case=999&agent=x"}, 5*time.Second); err == nil || len(resp) < 12 || resp[9:12] != "404" {
		t.Errorf("case 999: err %v, response %q", err, resp)
	}
}
