package conformance

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"
	"unicode/utf8"
)

// Timeouts holds every wait that is not part of a case's own script.
// The zero value means Autobahn's defaults (DefaultTimeouts).
type Timeouts struct {
	// Open bounds dialing plus the opening handshake.
	Open time.Duration
	// Close bounds the wait for the peer's reply after we sent a close frame.
	Close time.Duration
	// ServerDrop bounds, in the client role, the wait for the server to
	// close the TCP connection once the closing handshake is done.
	ServerDrop time.Duration
}

// DefaultTimeouts are Autobahn's: openHandshakeTimeout 5 s,
// closeHandshakeTimeout 1 s, serverConnectionDropTimeout 1 s.
var DefaultTimeouts = Timeouts{Open: 5 * time.Second, Close: time.Second, ServerDrop: time.Second}

func (t Timeouts) withDefaults() Timeouts {
	if t.Open <= 0 {
		t.Open = DefaultTimeouts.Open
	}
	if t.Close <= 0 {
		t.Close = DefaultTimeouts.Close
	}
	if t.ServerDrop <= 0 {
		t.ServerDrop = DefaultTimeouts.ServerDrop
	}
	return t
}

// MaxMessage is the largest message (and frame) the fuzzer accepts from a
// peer. The largest message a case sends is 16 MiB, so an honest echo
// never comes near it; it keeps a misbehaving peer from growing memory
// without bound.
const MaxMessage = 20 << 20

const (
	stateOpen = iota
	stateClosing
	stateClosed
)

// maxEvents caps the events one case records; no case expects more than
// a dozen, and the cap keeps a flooding peer from growing memory.
const maxEvents = 4096

// maxWirelog caps the wire log of one case (about 1 MB at most, since
// each entry keeps at most maxWireLogData octets); later entries are
// dropped. No honest peer comes near it outside section 9, which turns
// the log off.
const maxWirelog = 2000

// maxWireLogData is how many octets of one read, write or payload the
// wire log keeps (Autobahn's MAX_WIRE_LOG_DATA).
const maxWireLogData = 256

type rxEvent struct {
	data []byte
	err  error
}

type writeItem struct {
	data  []byte
	chop  int
	sync  bool
	flush chan struct{} // closed by the writer when it reaches this item
}

// session is one WebSocket connection playing one case, in either role.
// Everything a case does runs on the session's own goroutine (the loop),
// so case code needs no locking; only the wire log and the octet counters
// are shared with the writer goroutine.
type session struct {
	conn     net.Conn
	isServer bool
	timeouts Timeouts

	rx    chan rxEvent
	calls chan func()
	done  chan struct{}
	wq    chan writeItem
	wdone chan struct{}
	rdone chan struct{}

	state int
	inbuf []byte

	msgOpcode     byte // opcode of the message being reassembled, 0 if none
	msgBuf        []byte
	msgCompressed bool // its first frame had RSV1 (permessage-deflate)

	// pmd compresses and decompresses messages when permessage-deflate was
	// negotiated (sections 12 and 13); nil otherwise.
	pmd *pmdCodec

	closeSent, closeReceived bool

	// Closing behaviour, named as in Autobahn's reports.
	closedByMe, failedByMe, droppedByMe, wasClean bool
	wasNotCleanReason                             string
	wasServerConnectionDropTimeout                bool
	wasOpenHandshakeTimeout                       bool
	wasCloseHandshakeTimeout                      bool
	localCloseCode, remoteCloseCode               *int
	localCloseReason, remoteCloseReason           *string

	mu            sync.Mutex // guards the fields below
	createWirelog bool
	wirelog       [][]any
	rxOctetStats  map[int]int
	txOctetStats  map[int]int
	rxFrameStats  map[int]int
	txFrameStats  map[int]int

	// Case state.
	c             *Case
	Received      []Event
	Expected      map[string][]Event
	ExpectedClose ExpectedClose
	Behavior      string
	BehaviorClose string
	Result        string
	ResultClose   string
	SuppressClose bool
	// AutoFragmentSize, when positive, splits every message the case sends
	// with SendMessage into frames of at most this many payload octets.
	AutoFragmentSize int

	count int    // scratch counter for cases that send in rounds (9.7, 9.8, 12, 13)
	want  []byte // the message whose echo a section 12/13 case waits for
	start time.Time
}

func newSession(conn net.Conn, isServer bool, c *Case, t Timeouts) *session {
	s := &session{
		conn:          conn,
		isServer:      isServer,
		timeouts:      t.withDefaults(),
		rx:            make(chan rxEvent, 16),
		calls:         make(chan func(), 16),
		done:          make(chan struct{}),
		wq:            make(chan writeItem, 4096),
		wdone:         make(chan struct{}),
		rdone:         make(chan struct{}),
		createWirelog: true,
		rxOctetStats:  map[int]int{},
		txOctetStats:  map[int]int{},
		rxFrameStats:  map[int]int{},
		txFrameStats:  map[int]int{},
		c:             c,
		Expected:      map[string][]Event{},
		Behavior:      Failed,
		BehaviorClose: Failed,
		Result:        "Actual events differ from any expected.",
		ResultClose:   "TCP connection was dropped without close handshake",
	}
	return s
}

// play runs the case to its end: it starts the reader and writer, calls
// the case's Open, then serves events until the connection is closed, and
// finally judges. leftover is what the opening handshake read past its end.
func (s *session) play(leftover []byte) {
	go s.readLoop()
	go s.writeLoop()
	s.start = time.Now()
	if len(leftover) > 0 {
		s.logRxOctets(leftover)
		s.inbuf = append(s.inbuf, leftover...)
	}
	s.c.open(s)
	if s.state != stateClosed {
		s.processInput()
	}
	for s.state != stateClosed {
		select {
		case ev := <-s.rx:
			if ev.err != nil {
				s.connectionLost()
				break
			}
			s.logRxOctets(ev.data)
			s.inbuf = append(s.inbuf, ev.data...)
			s.processInput()
		case fn := <-s.calls:
			fn()
		}
	}
	close(s.done)
	s.conn.Close()
	<-s.wdone
	<-s.rdone
	s.judge()
}

func (s *session) readLoop() {
	defer close(s.rdone)
	buf := make([]byte, 64<<10)
	for {
		n, err := s.conn.Read(buf)
		if n > 0 {
			chunk := append([]byte(nil), buf[:n]...)
			select {
			case s.rx <- rxEvent{data: chunk}:
			case <-s.done:
				return
			}
		}
		if err != nil {
			select {
			case s.rx <- rxEvent{err: err}:
			case <-s.done:
			}
			return
		}
	}
}

func (s *session) writeLoop() {
	defer close(s.wdone)
	var failed bool
	for {
		var it writeItem
		select {
		case it = <-s.wq:
		case <-s.done:
			return
		}
		if it.flush != nil {
			close(it.flush)
			continue
		}
		if failed {
			continue
		}
		chop := it.chop
		if chop <= 0 || chop > len(it.data) {
			chop = len(it.data)
		}
		for off := 0; off < len(it.data) && !failed; off += chop {
			end := off + chop
			if end > len(it.data) {
				end = len(it.data)
			}
			s.logTxOctets(it.data[off:end], it.sync || it.chop > 0)
			if _, err := s.conn.Write(it.data[off:end]); err != nil {
				failed = true
			}
		}
		if it.sync {
			// Give the octets their own TCP segment before the next write:
			// that is what Autobahn's "sync" means.
			time.Sleep(200 * time.Microsecond)
		}
	}
}

// after runs fn on the session's loop after d, unless the case is over.
func (s *session) after(d time.Duration, fn func()) {
	time.AfterFunc(d, func() {
		select {
		case s.calls <- fn:
		case <-s.done:
		}
	})
}

func secs(d float64) time.Duration { return time.Duration(d * float64(time.Second)) }

// KillAfter fails the connection (drops TCP) after d seconds unless it is
// closed by then (Autobahn's killAfter).
func (s *session) KillAfter(d float64) {
	s.wl("KL", d)
	s.after(secs(d), func() {
		if s.state != stateClosed {
			s.wl("KLE")
			s.failConnection()
		}
	})
}

// CloseAfter starts the closing handshake after d seconds unless the
// connection is closed by then (Autobahn's closeAfter).
func (s *session) CloseAfter(d float64) {
	s.wl("TI", d)
	s.after(secs(d), func() {
		if s.state != stateClosed {
			s.wl("TIE")
			s.SendClose(-1, nil)
		}
	})
}

// ContinueLater runs fn after d seconds while the connection is not
// closed (Autobahn's continueLater).
func (s *session) ContinueLater(d float64, tag string, fn func()) {
	s.wl("CT", d, tag)
	s.after(secs(d), func() {
		if s.state != stateClosed {
			s.wl("CTE", tag)
			fn()
		}
	})
}

// IsOpen reports whether the connection is open (no close sent or received).
func (s *session) IsOpen() bool { return s.state == stateOpen }

// frameSpec describes one frame a case sends, with Autobahn's sendFrame
// options.
type frameSpec struct {
	Opcode  byte
	Payload []byte
	// NotFin clears the FIN bit (FIN is set by default).
	NotFin bool
	Rsv    byte
	// PayloadLen, when positive, repeats Payload until it is this long.
	PayloadLen int
	// Chop, when positive, writes the frame's octets in pieces of this size.
	Chop int
	// Sync writes the frame's octets on their own and pauses briefly.
	Sync bool
}

func (s *session) maskKey() *[4]byte {
	if s.isServer {
		return nil
	}
	var k [4]byte
	v := rand.Uint32()
	k[0], k[1], k[2], k[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	return &k
}

func repeatTo(p []byte, n int) []byte {
	if n <= 0 {
		return p
	}
	out := make([]byte, n)
	if len(p) == 0 {
		return out
	}
	for i := 0; i < n; i += len(p) {
		copy(out[i:], p)
	}
	return out
}

// encode builds the frame's octets and logs it as a transmitted frame.
func (s *session) encode(dst []byte, f frameSpec) []byte {
	payload := repeatTo(f.Payload, f.PayloadLen)
	key := s.maskKey()
	var maskHex any
	if key != nil {
		maskHex = hex.EncodeToString(key[:])
	}
	var repeat any
	if f.PayloadLen > 0 {
		repeat = f.PayloadLen
	}
	var chop any
	if f.Chop > 0 {
		chop = f.Chop
	}
	s.mu.Lock()
	s.txFrameStats[int(f.Opcode)]++
	if s.createWirelog {
		s.wlLocked("TF", logData(f.Payload), int(f.Opcode), !f.NotFin, int(f.Rsv), maskHex, repeat, chop, f.Sync)
	}
	s.mu.Unlock()
	return appendFrame(dst, !f.NotFin, f.Rsv, f.Opcode, key, payload)
}

// SendFrame sends one frame exactly as specified, valid or not.
func (s *session) SendFrame(f frameSpec) {
	if s.state == stateClosed {
		return
	}
	s.wq <- writeItem{data: s.encode(nil, f), chop: f.Chop, sync: f.Sync}
}

// sendRaw sends octets that are not a whole frame (6.4.3, 6.4.4).
func (s *session) sendRaw(b []byte) {
	if s.state == stateClosed {
		return
	}
	s.wq <- writeItem{data: b}
}

// SendMessage sends a whole message, in frames of fragSize payload octets
// when fragSize (or AutoFragmentSize) is positive.
func (s *session) SendMessage(payload []byte, binary bool, fragSize int) {
	if s.state == stateClosed {
		return
	}
	if fragSize <= 0 {
		fragSize = s.AutoFragmentSize
	}
	op := byte(opText)
	if binary {
		op = opBinary
	}
	// With permessage-deflate every message goes out compressed, RSV1 on
	// its first frame; fragmenting applies to the compressed octets.
	var rsv byte
	if s.pmd != nil {
		payload, rsv = s.pmd.compress(payload), 4
	}
	if fragSize <= 0 || len(payload) <= fragSize {
		s.SendFrame(frameSpec{Opcode: op, Payload: payload, Rsv: rsv})
		return
	}
	// All fragments go out in one write, as Autobahn queues them without
	// sync; building them in one buffer also keeps 65536-frame messages
	// (case 9.3.1) from flooding the write queue.
	// 14 octets is the largest header a client frame has.
	out := make([]byte, 0, len(payload)+(len(payload)/fragSize+1)*14)
	for off := 0; off < len(payload); off += fragSize {
		end := off + fragSize
		if end > len(payload) {
			end = len(payload)
		}
		out = s.encode(out, frameSpec{Opcode: op, Payload: payload[off:end], NotFin: end < len(payload), Rsv: rsv})
		op, rsv = opContinuation, 0
	}
	s.wq <- writeItem{data: out}
}

// SendClose starts (or answers) the closing handshake with a close frame
// carrying code and reason; code < 0 sends an empty close frame. It does
// nothing unless the connection is open.
func (s *session) SendClose(code int, reason []byte) {
	if s.state != stateOpen {
		return
	}
	s.sendCloseFrame(code, reason)
}

func (s *session) sendCloseFrame(code int, reason []byte) {
	s.sendClosePayload(closePayload(code, reason), code, reason)
}

// sendClosePayload sends a close frame with exactly payload (which may be
// malformed on purpose, as in case 7.3.2) and does the closing handshake's
// bookkeeping; code and reason are what the report shows as sent.
func (s *session) sendClosePayload(payload []byte, code int, reason []byte) {
	s.SendFrame(frameSpec{Opcode: opClose, Payload: payload})
	s.closeSent = true
	if code >= 0 {
		c := code
		s.localCloseCode = &c
		r := string(reason)
		if !utf8.ValidString(r) {
			r = "0x" + hex.EncodeToString(reason)
		}
		s.localCloseReason = &r
	}
	if s.closeReceived {
		s.closeHandshakeDone()
		return
	}
	s.closedByMe = true
	s.state = stateClosing
	s.after(s.timeouts.Close, func() {
		if s.state == stateClosing && !s.closeReceived {
			s.wasCloseHandshakeTimeout = true
			s.wasClean = false
			s.wasNotCleanReason = "peer did not respond (in time) in closing handshake"
			s.drop(false)
		}
	})
}

// closeHandshakeDone runs once close frames went both ways: a server drops
// the TCP connection; a client waits (bounded) for the server to drop it.
func (s *session) closeHandshakeDone() {
	s.state = stateClosing
	if s.isServer {
		s.wasClean = true
		s.drop(true)
		return
	}
	s.after(s.timeouts.ServerDrop, func() {
		if s.state != stateClosed {
			s.wasServerConnectionDropTimeout = true
			s.wasClean = false
			s.wasNotCleanReason = "server did not drop TCP connection (in time)"
			s.drop(false)
		}
	})
}

// drop closes the TCP connection from our side. graceful lets queued
// writes (a close reply) reach the wire first, within the close timeout.
func (s *session) drop(graceful bool) {
	if s.state == stateClosed {
		return
	}
	if graceful {
		fl := make(chan struct{})
		select {
		case s.wq <- writeItem{flush: fl}:
			select {
			case <-fl:
			case <-time.After(s.timeouts.Close):
			}
		default:
		}
	}
	s.droppedByMe = true
	s.state = stateClosed
	s.conn.Close()
}

// failConnection fails the WebSocket connection the way Autobahn's fuzzer
// does by default (failByDrop): by dropping TCP at once.
func (s *session) failConnection() {
	if s.state == stateClosed {
		return
	}
	s.failedByMe = true
	s.wasClean = false
	s.wasNotCleanReason = "I failed the WebSocket connection by dropping the TCP connection"
	s.drop(false)
}

// protocolViolation is failConnection after a frame the peer must not send.
func (s *session) protocolViolation(err error) {
	s.wl("ERR", err.Error())
	s.failConnection()
}

// connectionLost handles the peer closing TCP (or a read error).
func (s *session) connectionLost() {
	if s.state == stateClosed {
		return
	}
	s.state = stateClosed
	if s.closeSent && s.closeReceived {
		s.wasClean = true
	} else {
		s.wasClean = false
		s.wasNotCleanReason = "peer dropped the TCP connection without previous WebSocket closing handshake"
	}
}

// processInput decodes and handles every complete frame in inbuf.
func (s *session) processInput() {
	for s.state != stateClosed {
		f, n, err := parseFrame(s.inbuf, MaxMessage)
		if err == errNeedMore {
			break
		}
		if err != nil {
			s.protocolViolation(err)
			return
		}
		s.inbuf = s.inbuf[n:]
		s.logRxFrame(f)
		if s.closeReceived {
			continue // nothing after a close frame counts
		}
		if err := s.checkFrame(f); err != nil {
			s.protocolViolation(err)
			return
		}
		s.handleFrame(f)
	}
	if len(s.inbuf) == 0 {
		s.inbuf = nil // let a 16 MiB buffer go once it is consumed
	}
}

// checkFrame applies every rule of RFC 6455 that does not need the
// message's payload.
func (s *session) checkFrame(f wireFrame) error {
	if s.isServer && !f.Masked {
		return protoErr(closeProtocolError, "client frame is not masked")
	}
	if !s.isServer && f.Masked {
		return protoErr(closeProtocolError, "server frame is masked")
	}
	// permessage-deflate gives RSV1 a meaning on the first frame of a data
	// message only (RFC 7692 section 6); every other RSV use is an error.
	switch {
	case f.Rsv == 0:
	case s.pmd == nil:
		return protoErr(closeProtocolError, "RSV bits %d set without a negotiated extension", f.Rsv)
	case f.Rsv != 4:
		return protoErr(closeProtocolError, "RSV bits %d set; permessage-deflate uses RSV1 only", f.Rsv)
	case isControl(f.Opcode):
		return protoErr(closeProtocolError, "RSV1 set on a control frame (opcode %d)", f.Opcode)
	case f.Opcode == opContinuation:
		return protoErr(closeProtocolError, "RSV1 set on a continuation frame")
	}
	switch f.Opcode {
	case opContinuation, opText, opBinary, opClose, opPing, opPong:
	default:
		return protoErr(closeProtocolError, "reserved opcode %d", f.Opcode)
	}
	if isControl(f.Opcode) {
		if !f.Fin {
			return protoErr(closeProtocolError, "fragmented control frame (opcode %d)", f.Opcode)
		}
		if len(f.Payload) > 125 {
			return protoErr(closeProtocolError, "control frame payload of %d octets", len(f.Payload))
		}
		return nil
	}
	if f.Opcode == opContinuation && s.msgOpcode == 0 {
		return protoErr(closeProtocolError, "continuation frame without a message to continue")
	}
	if f.Opcode != opContinuation && s.msgOpcode != 0 {
		return protoErr(closeProtocolError, "new data frame while a fragmented message is open")
	}
	if len(s.msgBuf)+len(f.Payload) > MaxMessage {
		return protoErr(closeMessageTooBig, "message exceeds %d octets", MaxMessage)
	}
	return nil
}

func (s *session) handleFrame(f wireFrame) {
	switch f.Opcode {
	case opPing:
		// Answer pings as any endpoint must; they are not case events.
		if s.state == stateOpen {
			s.SendFrame(frameSpec{Opcode: opPong, Payload: f.Payload})
		}
	case opPong:
		s.onEvent(pongEvent(f.Payload))
	case opClose:
		s.onCloseFrame(f.Payload)
	default:
		if f.Opcode != opContinuation {
			s.msgOpcode = f.Opcode
			s.msgBuf = nil
			s.msgCompressed = f.Rsv&4 != 0
		}
		if s.msgBuf == nil {
			s.msgBuf = f.Payload // parseFrame's own copy: no second 16 MiB copy
		} else {
			s.msgBuf = append(s.msgBuf, f.Payload...)
		}
		if !f.Fin {
			return
		}
		msg, binary := s.msgBuf, s.msgOpcode == opBinary
		s.msgOpcode, s.msgBuf = 0, nil
		if msg == nil {
			msg = []byte{}
		}
		if s.msgCompressed {
			var err error
			if msg, err = s.pmd.decompress(msg, MaxMessage); err != nil {
				if err == errInflateLimit {
					s.protocolViolation(protoErr(closeMessageTooBig, "compressed message inflates to more than %d octets", MaxMessage))
				} else {
					s.protocolViolation(protoErr(closeInvalidPayload, "compressed message does not inflate: %v", err))
				}
				return
			}
		}
		if !binary && !utf8.Valid(msg) {
			// Record what the peer sent before failing, so the report
			// shows the invalid echo rather than an empty outcome.
			s.onMessage(msg, binary)
			s.protocolViolation(protoErr(closeInvalidPayload, "text message is not valid UTF-8"))
			return
		}
		s.onMessage(msg, binary)
	}
}

func (s *session) onCloseFrame(p []byte) {
	s.closeReceived = true
	code := -1
	var reason []byte
	switch {
	case len(p) == 1:
		s.protocolViolation(protoErr(closeProtocolError, "close frame with a 1-octet payload"))
		return
	case len(p) >= 2:
		code = int(p[0])<<8 | int(p[1])
		reason = p[2:]
		c := code
		s.remoteCloseCode = &c
		r := string(reason)
		if !utf8.Valid(reason) {
			r = "0x" + hex.EncodeToString(reason)
		}
		s.remoteCloseReason = &r
		if !validReceivedCloseCode(code) {
			s.protocolViolation(protoErr(closeProtocolError, "invalid close code %d", code))
			return
		}
		if !utf8.Valid(reason) {
			s.protocolViolation(protoErr(closeInvalidPayload, "close reason is not valid UTF-8"))
			return
		}
	}
	if s.state == stateOpen {
		// The peer started the closing handshake: echo its code.
		s.sendCloseFrame(code, nil)
		return
	}
	s.closeHandshakeDone()
}

func (s *session) onMessage(msg []byte, binary bool) {
	if s.c.onMessage != nil {
		s.c.onMessage(s, msg, binary)
		return
	}
	s.onEvent(msgEvent(msg, binary))
}

func (s *session) onEvent(e Event) {
	if len(s.Received) >= maxEvents {
		s.protocolViolation(protoErr(closeProtocolError, "peer sent more than %d messages and pongs", maxEvents))
		return
	}
	s.Received = append(s.Received, e)
	s.finishWhenDone()
}

// finishWhenDone starts the closing handshake once the events match an
// expected outcome, when the case expects to close.
func (s *session) finishWhenDone() {
	if !s.ExpectedClose.ClosedByMe || s.SuppressClose {
		return
	}
	for _, v := range verdictOrder {
		if exp, ok := s.Expected[v]; ok && eventsEqual(s.Received, exp) {
			s.SendClose(s.ExpectedClose.CloseCode[0], nil)
			return
		}
	}
}

// judge sets behavior and behaviorClose from what happened (Autobahn's
// Case.onConnectionLost), then lets the case adjust them.
func (s *session) judge() {
	for _, v := range verdictOrder {
		if exp, ok := s.Expected[v]; ok && eventsEqual(s.Received, exp) {
			s.Behavior = v
			s.Result = "Actual events match at least one expected."
			break
		}
	}
	ec := s.ExpectedClose
	switch {
	case ec.ClosedByMe != s.closedByMe:
		s.BehaviorClose = Failed
		s.ResultClose = "The connection was failed by the wrong endpoint"
		if ec.ClosedByWrongEndpointIsFatal {
			s.Behavior = Failed
		}
	case ec.RequireClean && !s.wasClean:
		s.BehaviorClose = Unclean
		s.ResultClose = "The spec requires the connection to be failed cleanly here"
	case s.remoteCloseCode != nil && !containsInt(ec.CloseCode, *s.remoteCloseCode):
		s.BehaviorClose = WrongCode
		s.ResultClose = "The close code should have been " + joinInts(ec.CloseCode) + " or empty"
	case !s.isServer && s.droppedByMe:
		s.BehaviorClose = FailedByClient
		s.ResultClose = "It is preferred that the server close the TCP connection"
	default:
		s.BehaviorClose = OK
		s.ResultClose = "Connection was properly closed"
	}
	if s.c.judge != nil {
		s.c.judge(s)
	}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func joinInts(list []int) string {
	out := ""
	for i, x := range list {
		if i > 0 {
			out += ","
		}
		out += fmt.Sprint(x)
	}
	return out
}

// --- wire log and statistics ---

func logData(b []byte) string {
	if len(b) > maxWireLogData {
		return showPayload(b[:maxWireLogData], false) + " ..."
	}
	return showPayload(b, false)
}

func hexLogData(b []byte) string {
	if len(b) > maxWireLogData {
		return hex.EncodeToString(b[:maxWireLogData]) + " ..."
	}
	return hex.EncodeToString(b)
}

func (s *session) wl(kind string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wlLocked(kind, args...)
}

func (s *session) wlLocked(kind string, args ...any) {
	switch {
	case len(s.wirelog) > maxWirelog:
		return
	case len(s.wirelog) == maxWirelog:
		s.wirelog = append(s.wirelog, []any{"TRUNC", maxWirelog})
		return
	}
	s.wirelog = append(s.wirelog, append([]any{kind}, args...))
}

// EnableWirelog switches the wire log on or off (sections 9 turn it off
// while moving megabytes).
func (s *session) EnableWirelog(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on != s.createWirelog {
		s.createWirelog = on
		s.wlLocked("WLM", on)
	}
}

func (s *session) logRxOctets(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rxOctetStats[len(b)]++
	if s.createWirelog {
		s.wlLocked("RO", hexLogData(b))
	}
}

func (s *session) logTxOctets(b []byte, sync bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.txOctetStats[len(b)]++
	if s.createWirelog {
		s.wlLocked("TO", hexLogData(b), sync)
	}
}

func (s *session) logRxFrame(f wireFrame) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rxFrameStats[int(f.Opcode)]++
	if s.createWirelog {
		var key any
		if f.Masked {
			key = hex.EncodeToString(f.Key[:])
		}
		s.wlLocked("RF", logData(f.Payload), int(f.Opcode), f.Fin, int(f.Rsv), f.Masked, key)
	}
}
