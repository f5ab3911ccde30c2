package autobahn

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
	conn.SetDeadline(time.Now().Add(30 * time.Second)) // a test peer never outlives its test
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
		conn.Write(AppendFrame(nil, true, 0, op, key, p))
	}
	finish := func() {
		if k.keepOpen {
			io.Copy(io.Discard, conn) // until the client gives up
		}
	}
	fail := func(code int) {
		if !k.noCloseReply {
			send(OpClose, ClosePayload(code, nil))
		}
		finish()
	}
	echo := func(op byte, p []byte) {
		if k.swapTypes {
			op ^= OpText ^ OpBinary
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
			conn.Write(append(AppendFrame(nil, false, 4, op, nil, c[:half]), AppendFrame(nil, true, rsv2, OpContinuation, nil, c[half:])...))
		case k.rsv1Always:
			conn.Write(AppendFrame(nil, true, 4, op, nil, p))
		default:
			send(op, p)
		}
	}
	var msgOp byte
	var msg []byte
	var compressed bool
	tmp := make([]byte, 64<<10)
	for {
		f, n, err := ParseFrame(buf, MaxMessage)
		if err == errNeedMore {
			m, err := conn.Read(tmp)
			if err != nil {
				return
			}
			buf = append(buf, tmp[:m]...)
			continue
		}
		if err != nil {
			fail(CloseProtocolError)
			return
		}
		buf = buf[n:]
		rsvOK := f.Rsv == 0 || k.noRSVCheck || (pd != nil && f.Rsv == 4 && (f.Opcode == OpText || f.Opcode == OpBinary))
		if !f.Masked || !rsvOK {
			fail(CloseProtocolError)
			return
		}
		switch f.Opcode {
		case OpContinuation, OpText, OpBinary, OpClose, OpPing, OpPong:
		default:
			if k.noOpcodeCheck {
				continue
			}
			fail(CloseProtocolError)
			return
		}
		lax := k.noControlCheck || (f.Opcode == OpClose && k.noCloseCheck)
		if IsControl(f.Opcode) && (!f.Fin || len(f.Payload) > 125) && !lax {
			fail(CloseProtocolError)
			return
		}
		switch f.Opcode {
		case OpPing:
			if !k.noPong {
				send(OpPong, f.Payload)
			}
			continue
		case OpPong:
			if k.answerPongs {
				send(OpPong, f.Payload)
			}
			continue
		case OpClose:
			p := f.Payload
			if !k.noCloseCheck && len(p) > 0 {
				code := int(p[0])<<8 | int(p[1%len(p)])
				switch {
				case len(p) == 1, !validReceivedCloseCode(code):
					fail(CloseProtocolError)
					return
				case !utf8.Valid(p[2:]):
					fail(CloseInvalidPayload)
					return
				}
			}
			if !k.noCloseReply {
				if len(p) >= 2 {
					send(OpClose, p[:2])
				} else if k.noCloseCheck && len(p) == 1 {
					send(OpClose, ClosePayload(CloseNormal, nil))
				} else {
					send(OpClose, nil)
				}
			}
			finish()
			return
		case OpContinuation:
			if msgOp == 0 {
				if !k.noFragCheck {
					fail(CloseProtocolError)
					return
				}
				msgOp = OpText
			}
			msg = append(msg, f.Payload...)
		default:
			if msgOp != 0 && !k.noFragCheck {
				fail(CloseProtocolError)
				return
			}
			msgOp, msg = f.Opcode, append([]byte(nil), f.Payload...)
			compressed = f.Rsv == 4 && pd != nil
		}
		if k.echoFragments && (!f.Fin || f.Opcode == OpContinuation) {
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
				fail(CloseInvalidPayload)
				return
			}
		}
		if msgOp == OpText && !k.noUTF8Check && !utf8.Valid(msg) {
			code := k.utf8Code
			if code == 0 {
				code = CloseInvalidPayload
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

// testTimeouts are Autobahn's defaults: shorter ones make a loaded
// machine (or -race, or qemu) fail conforming peers for being slow.
var testTimeouts = DefaultTimeouts

func runAgainst(t testing.TB, url string, parallel int, patterns ...string) *Results {
	t.Helper()
	r := &Runner{Timeouts: testTimeouts, Parallel: parallel}
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
