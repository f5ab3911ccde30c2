package conformance

import (
	"bytes"
	"compress/flate"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// knobs break a test echo server in one way each; the zero value is a
// conforming server. They are the "deliberately broken peers" every case
// must be able to catch.
type knobs struct {
	noUTF8Check    bool // echo invalid UTF-8 text
	utf8Code       int  // close code for invalid UTF-8 (0: 1007)
	noPong         bool // never answer pings
	answerPongs    bool // answer pongs with pongs
	maskFrames     bool // mask server frames
	keepOpen       bool // never close TCP; wait for the client to
	noCloseReply   bool // close TCP without a close frame
	noRSVCheck     bool // ignore RSV bits
	noOpcodeCheck  bool // ignore frames with reserved opcodes
	noControlCheck bool // accept fragmented and oversized control frames
	noFragCheck    bool // accept continuation frames out of sequence
	noCloseCheck   bool // accept any close payload and echo its code
	swapTypes      bool // echo text as binary and binary as text
	echoFragments  bool // echo each fragment as a message of its own

	// permessage-deflate: deflate accepts the client's first offer the way
	// Node's ws does (echoing its parameters) and echoes compressed; the
	// others break it.
	deflate          bool
	rsv1Always       bool // set RSV1 on every echo, negotiated or not
	rsv1Continuation bool // set RSV1 on the continuation frame of a compressed echo too
	corruptDeflate   bool // send compressed echoes that are not deflate data
	ignoreNoContext  bool // keep compression context despite server_no_context_takeover
}

// startPeer runs a test echo server with k and returns its ws:// URL.
func startPeer(t testing.TB, k knobs) string {
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
			go k.serve(c)
		}
	}()
	return "ws://" + ln.Addr().String() + "/"
}

func (k knobs) serve(conn net.Conn) {
	defer conn.Close()
	// A test peer never outlives its test by much; the deadline is long
	// enough for 1000 compressed round trips on a loaded machine.
	conn.SetDeadline(time.Now().Add(10 * time.Minute))
	head, buf, err := readHead(conn)
	if err != nil {
		return
	}
	h := parseHeaders(strings.Split(string(head), "\r\n")[1:])
	var pd *peerDeflate
	ext := ""
	if k.deflate {
		pd, ext = k.negotiate(h["sec-websocket-extensions"])
	}
	io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "+acceptKey(h["sec-websocket-key"])+"\r\n"+ext+"\r\n")

	send := func(op byte, p []byte) {
		var key *[4]byte
		if k.maskFrames {
			key = &[4]byte{1, 2, 3, 4}
		}
		conn.Write(appendFrame(nil, true, 0, op, key, p))
	}
	finish := func() {
		if k.keepOpen {
			io.Copy(io.Discard, conn) // until the client gives up
		}
	}
	fail := func(code int) {
		if !k.noCloseReply {
			send(opClose, closePayload(code, nil))
		}
		finish()
	}
	echo := func(op byte, p []byte) {
		if k.swapTypes {
			op ^= opText ^ opBinary
		}
		switch {
		case pd != nil:
			c := pd.compress(p)
			if k.corruptDeflate {
				c = []byte{0xff, 0xff, 0xff} // BTYPE 11: no such block type
			}
			var rsv2 byte
			if k.rsv1Continuation {
				rsv2 = 4
			}
			half := len(c) / 2
			conn.Write(append(appendFrame(nil, false, 4, op, nil, c[:half]), appendFrame(nil, true, rsv2, opContinuation, nil, c[half:])...))
		case k.rsv1Always:
			conn.Write(appendFrame(nil, true, 4, op, nil, p))
		default:
			send(op, p)
		}
	}
	var msgOp byte
	var msg []byte
	var compressed bool
	tmp := make([]byte, 64<<10)
	for {
		f, n, err := parseFrame(buf, MaxMessage)
		if err == errNeedMore {
			m, err := conn.Read(tmp)
			if err != nil {
				return
			}
			buf = append(buf, tmp[:m]...)
			continue
		}
		if err != nil {
			fail(closeProtocolError)
			return
		}
		buf = buf[n:]
		rsvOK := f.Rsv == 0 || k.noRSVCheck || (pd != nil && f.Rsv == 4 && (f.Opcode == opText || f.Opcode == opBinary))
		if !f.Masked || !rsvOK {
			fail(closeProtocolError)
			return
		}
		switch f.Opcode {
		case opContinuation, opText, opBinary, opClose, opPing, opPong:
		default:
			if k.noOpcodeCheck {
				continue
			}
			fail(closeProtocolError)
			return
		}
		lax := k.noControlCheck || (f.Opcode == opClose && k.noCloseCheck)
		if isControl(f.Opcode) && (!f.Fin || len(f.Payload) > 125) && !lax {
			fail(closeProtocolError)
			return
		}
		switch f.Opcode {
		case opPing:
			if !k.noPong {
				send(opPong, f.Payload)
			}
			continue
		case opPong:
			if k.answerPongs {
				send(opPong, f.Payload)
			}
			continue
		case opClose:
			p := f.Payload
			if !k.noCloseCheck && len(p) > 0 {
				code := int(p[0])<<8 | int(p[1%len(p)])
				switch {
				case len(p) == 1, !validReceivedCloseCode(code):
					fail(closeProtocolError)
					return
				case !utf8.Valid(p[2:]):
					fail(closeInvalidPayload)
					return
				}
			}
			if !k.noCloseReply {
				if len(p) >= 2 {
					send(opClose, p[:2])
				} else if k.noCloseCheck && len(p) == 1 {
					send(opClose, closePayload(closeNormal, nil))
				} else {
					send(opClose, nil)
				}
			}
			finish()
			return
		case opContinuation:
			if msgOp == 0 {
				if !k.noFragCheck {
					fail(closeProtocolError)
					return
				}
				msgOp = opText
			}
			msg = append(msg, f.Payload...)
		default:
			if msgOp != 0 && !k.noFragCheck {
				fail(closeProtocolError)
				return
			}
			msgOp, msg = f.Opcode, append([]byte(nil), f.Payload...)
			compressed = f.Rsv == 4 && pd != nil
		}
		if k.echoFragments && (!f.Fin || f.Opcode == opContinuation) {
			echo(msgOp, f.Payload)
			if f.Fin {
				msgOp, msg = 0, nil
			}
			continue
		}
		if !f.Fin {
			continue
		}
		if compressed {
			var err error
			if msg, err = pd.decompress(msg); err != nil {
				fail(closeInvalidPayload)
				return
			}
		}
		if msgOp == opText && !k.noUTF8Check && !utf8.Valid(msg) {
			code := k.utf8Code
			if code == 0 {
				code = closeInvalidPayload
			}
			fail(code)
			return
		}
		echo(msgOp, msg)
		msgOp, msg = 0, nil
	}
}

// peerDeflate is the test server's permessage-deflate, written directly
// on compress/flate rather than with the judge's pmdCodec, so that a bug
// in one cannot cancel out in the other. Inbound it always negotiates no
// context takeover (every Autobahn offer allows that), so each message
// inflates on its own.
type peerDeflate struct {
	noContext       bool // server_no_context_takeover was agreed
	huffman         bool // server_max_window_bits < 15: no back-references
	ignoreNoContext bool
	fw              *flate.Writer
	buf             bytes.Buffer
}

// negotiate answers the first permessage-deflate offer as Node's ws does
// with default options: it grants what the offer requests and echoes
// client_no_context_takeover when offered.
func (k knobs) negotiate(h string) (*peerDeflate, string) {
	exts, err := parseExtensions(h)
	if err != nil {
		return nil, ""
	}
	for _, e := range exts {
		if e.name != pmdName {
			continue
		}
		pd := &peerDeflate{ignoreNoContext: k.ignoreNoContext}
		answer := pmdName
		for _, p := range e.params {
			switch p.name {
			case "server_no_context_takeover":
				pd.noContext = true
				answer += "; server_no_context_takeover"
			case "server_max_window_bits":
				n, _ := windowBits(p.value)
				pd.huffman = n < 15
				answer += "; server_max_window_bits=" + p.value
			case "client_no_context_takeover":
				answer += "; client_no_context_takeover"
			}
		}
		if !strings.Contains(answer, "client_no_context_takeover") {
			return nil, "" // this peer inflates each message on its own
		}
		return pd, "Sec-WebSocket-Extensions: " + answer + "\r\n"
	}
	return nil, ""
}

func (pd *peerDeflate) compress(p []byte) []byte {
	pd.buf.Reset()
	if pd.fw == nil || (pd.noContext && !pd.ignoreNoContext) {
		level := flate.DefaultCompression
		if pd.huffman {
			level = flate.HuffmanOnly
		}
		pd.fw, _ = flate.NewWriter(&pd.buf, level)
	}
	pd.fw.Write(p)
	pd.fw.Flush()
	return append([]byte(nil), bytes.TrimSuffix(pd.buf.Bytes(), []byte{0, 0, 0xff, 0xff})...)
}

func (pd *peerDeflate) decompress(p []byte) ([]byte, error) {
	r := flate.NewReader(io.MultiReader(bytes.NewReader(p), bytes.NewReader([]byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff})))
	return io.ReadAll(io.LimitReader(r, MaxMessage))
}

// testTimeouts are Autobahn's defaults, for broken peers: many of their
// cases end when one of these fires, which it does whatever the load.
var testTimeouts = DefaultTimeouts

// patientTimeouts are for peers that answer: there a timeout must not
// fire, and Autobahn's one second can pass before a peer on a loaded
// 2-core machine (or under -race) gets to its reply.
var patientTimeouts = Timeouts{Open: 30 * time.Second, Close: 10 * time.Second, ServerDrop: 10 * time.Second}

// runAgainst runs cases against a broken peer, with Autobahn's timeouts.
func runAgainst(t testing.TB, url string, parallel int, patterns ...string) *Results {
	t.Helper()
	return runWith(t, url, testTimeouts, parallel, patterns...)
}

// runConforming runs cases against a peer that must pass them, with
// patient timeouts.
func runConforming(t testing.TB, url string, parallel int, patterns ...string) *Results {
	t.Helper()
	return runWith(t, url, patientTimeouts, parallel, patterns...)
}

func runWith(t testing.TB, url string, to Timeouts, parallel int, patterns ...string) *Results {
	t.Helper()
	r := &Runner{Timeouts: to, Parallel: parallel}
	res, err := r.FuzzServers(context.Background(), &ClientSpec{Servers: []ServerEntry{{Agent: "peer", URL: url}}, Cases: patterns})
	if err != nil {
		t.Error(err) // Error, not Fatal: callers may run on other goroutines
		return NewResults()
	}
	return res
}

func failedIDs(res *Results) map[string]*CaseResult {
	out := map[string]*CaseResult{}
	for _, r := range res.ForAgent("peer") {
		if !r.Passed() {
			out[r.ID] = r
		}
	}
	return out
}
