package conformance

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
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
	// offers, when set, are offered for permessage-deflate; the client then
	// compresses every message it echoes (without context takeover, which
	// it may always do) and inflates what the server compressed.
	offers []pmdOffer
}

// clientInflater inflates a server's compressed messages for testClient,
// keeping the last 32 KiB as the next message's dictionary unless the
// server agreed to no context takeover.
type clientInflater struct {
	noContext bool
	history   []byte
}

func (ci *clientInflater) inflate(p []byte) ([]byte, error) {
	var dict []byte
	if !ci.noContext {
		dict = ci.history
	}
	r := flate.NewReaderDict(io.MultiReader(bytes.NewReader(p), bytes.NewReader([]byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff})), dict)
	out, err := io.ReadAll(r)
	ci.history = append(ci.history, out...)
	if len(ci.history) > 1<<15 {
		ci.history = append([]byte(nil), ci.history[len(ci.history)-1<<15:]...)
	}
	return out, err
}

// clientDeflater compresses testClient's messages, each on its own (no
// context takeover), reusing one flate.Writer.
type clientDeflater struct {
	w   *flate.Writer
	buf bytes.Buffer
}

func (cd *clientDeflater) deflate(p []byte, huffman bool) []byte {
	cd.buf.Reset()
	if cd.w == nil {
		level := flate.BestCompression
		if huffman {
			level = flate.HuffmanOnly
		}
		cd.w, _ = flate.NewWriter(&cd.buf, level)
	} else {
		cd.w.Reset(&cd.buf)
	}
	cd.w.Write(p)
	cd.w.Flush()
	return bytes.TrimSuffix(cd.buf.Bytes(), []byte{0, 0, 0xff, 0xff})
}

// session connects to path and serves the connection until the server
// closes it; it returns the messages received.
func (tc testClient) session(t testing.TB, path string, echo bool) [][]byte {
	t.Helper()
	var offers []pmdOffer
	if strings.HasPrefix(path, "/runCase") {
		offers = tc.offers
	}
	conn, rest, _, _, pmd, err := dialOffer(ServerEntry{URL: tc.base + path}, 5*time.Second, offers)
	if err != nil {
		// The fuzzing server answers every request this client makes:
		// a refused or failed handshake is the server's failure.
		t.Errorf("%s: %v", path, err)
		return nil
	}
	var inflater *clientInflater
	var deflater clientDeflater
	if pmd != nil {
		inflater = &clientInflater{noContext: pmd.ServerNoContextTakeover}
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Minute)) // 1000 compressed round trips on a loaded machine
	send := func(op byte, p []byte) {
		key := &[4]byte{0xa1, 0xb2, 0xc3, 0xd4}
		if tc.unmasked {
			key = nil
		}
		conn.Write(appendFrame(nil, true, 0, op, key, p))
	}
	var got [][]byte
	buf := rest
	tmp := make([]byte, 64<<10)
	var msgOp byte
	var msg []byte
	var compressed bool
	for {
		f, n, err := parseFrame(buf, MaxMessage)
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
		case opPing:
			send(opPong, f.Payload)
		case opPong:
		case opClose:
			p := f.Payload
			if len(p) > 2 {
				p = p[:2]
			}
			if len(p) == 2 && !validReceivedCloseCode(int(p[0])<<8|int(p[1])) {
				p = closePayload(closeProtocolError, nil)
			}
			send(opClose, p)
			io.Copy(io.Discard, conn) // the server closes TCP
			return got
		default:
			if f.Opcode != opContinuation {
				msgOp, msg, compressed = f.Opcode, nil, f.Rsv == 4 && inflater != nil
			}
			msg = append(msg, f.Payload...)
			if f.Fin && compressed {
				if msg, err = inflater.inflate(msg); err != nil {
					send(opClose, closePayload(closeInvalidPayload, nil))
					continue
				}
			}
			if f.Fin {
				if msgOp == opText && !utf8.Valid(msg) {
					send(opClose, closePayload(closeInvalidPayload, nil))
					continue // the server's close reply follows
				}
				got = append(got, msg)
				switch {
				case echo && pmd != nil:
					key := &[4]byte{0xa1, 0xb2, 0xc3, 0xd4}
					conn.Write(appendFrame(nil, true, 4, msgOp, key, deflater.deflate(msg, pmd.ClientMaxWindowBits < 15)))
				case echo:
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
	fs, err := NewFuzzServer(&Runner{Timeouts: patientTimeouts}, &ServerSpec{Cases: patterns})
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
	const want = 8 + 11 + 1 + 1 + 6 + 1 + 1
	good := testClient{base: base}
	if n := good.runAll(t, "good"); n != want {
		t.Fatalf("case count %d, want %d", n, want)
	}
	if got := <-reports; got != "good" {
		t.Errorf("updateReports for %q", got)
	}
	if n := len(fs.Results.ForAgent("good")); n != want {
		t.Errorf("%d results for the good client, want %d", n, want)
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
	if n := len(fs.Results.ForAgent("unmasked")); n != want {
		t.Errorf("%d results for the unmasked client, want %d", n, want)
	}
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

// TestFuzzingServerDeflate: with wstest as the server, a client that offers
// permessage-deflate as Node's ws does passes sections 12 and 13 (first
// sizes), one as gorilla offers passes only the sets whose accept it can
// take, one that offers nothing gets UNIMPLEMENTED, and a malformed offer
// fails the case at the handshake.
func TestFuzzingServerDeflate(t *testing.T) {
	patterns := []string{"12.1.1", "12.2.1", "13.1.1", "13.2.1", "13.3.1", "13.4.1", "13.5.1", "13.6.1", "13.7.1", "1.1.1"}
	if !testing.Short() {
		patterns = append(patterns, "12.4.11", "13.6.4") // fragmented; 1 KiB messages
	}
	fs, base, _ := startFuzzServer(t, patterns...)
	results := func(agent string) []*CaseResult {
		t.Helper()
		rs := fs.Results.ForAgent(agent)
		if len(rs) != len(patterns) {
			t.Errorf("%s: %d results, want %d", agent, len(rs), len(patterns))
		}
		return rs
	}
	nodeLike := testClient{base: base, offers: []pmdOffer{{acceptMaxWindowBits: true}}}
	nodeLike.runAll(t, "node-like")
	for _, r := range results("node-like") {
		if !r.Passed() || (r.ID != "1.1.1") != (r.Extension != "") {
			t.Errorf("case %s: %s / %s: %s; extension %q", r.ID, r.Behavior, r.BehaviorCl, r.Result, r.Extension)
		}
	}
	// gorilla's offer asks for no context takeover both ways and allows no
	// window limit: sets 13.3-13.6 must decline it.
	gorillaLike := testClient{base: base, offers: []pmdOffer{{acceptNoContextTakeover: true, requestNoContextTakeover: true}}}
	gorillaLike.runAll(t, "gorilla-like")
	for _, r := range results("gorilla-like") {
		want := OK
		if strings.HasPrefix(r.ID, "13.3.") || strings.HasPrefix(r.ID, "13.4.") || strings.HasPrefix(r.ID, "13.5.") || strings.HasPrefix(r.ID, "13.6.") {
			want = Unimplemented
		}
		if r.Behavior != want {
			t.Errorf("gorilla-like offer, case %s: %s, want %s (%s)", r.ID, r.Behavior, want, r.Result)
		}
	}
	testClient{base: base}.runAll(t, "plain")
	for _, r := range results("plain") {
		if r.ID != "1.1.1" && r.Behavior != Unimplemented {
			t.Errorf("client without deflate, case %s: %s", r.ID, r.Behavior)
		}
	}
	// A malformed offer: Autobahn's server fails the handshake.
	conn, _, _, resp, _, err := dialOffer(ServerEntry{URL: base + "/runCase?case=2&agent=bad"}, 5*time.Second, []pmdOffer{{requestMaxWindowBits: 16}})
	if err == nil {
		conn.Close()
	}
	if err == nil || !strings.Contains(resp, "400") {
		t.Errorf("offer with server_max_window_bits=16: err %v, response %q", err, resp)
	}
	if r, ok := fs.Results.Get("bad", "12.1.1"); !ok || r.Passed() {
		t.Error("a malformed offer was not recorded as a failed case")
	}
}
