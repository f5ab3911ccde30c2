package codec

import (
	"encoding/binary"

	"github.com/wsframe/wsframe"
	"github.com/wsframe/wsframe/utf8valid"
)

// EventKind says what [Receiver.Next] found.
type EventKind uint8

const (
	// EventMore: Next consumed all of its input and has nothing to
	// report. Feed it the next bytes from the connection.
	EventMore EventKind = iota
	// EventHeader: the header of a data frame (text, binary or
	// continuation) is complete and has passed every check. Its payload
	// follows as EventPayload events.
	EventHeader
	// EventPayload: the next bytes of the current data frame's payload,
	// unmasked in place in the caller's buffer. Never empty, except for
	// the one that ends a message whose last frame is empty: every data
	// message has exactly one EventPayload with [Event.End] set.
	EventPayload
	// EventMessageEnd: the last frame of a data message has been
	// received in full (and, for text, the message is valid UTF-8).
	EventMessageEnd
	// EventControl: a whole control frame (close, ping or pong), header
	// and unmasked payload. It may arrive between the frames of a
	// fragmented data message. A Close payload has passed [ParseClose].
	EventControl
)

// String returns the kind's name: "more", "header", "payload",
// "message end" or "control".
func (k EventKind) String() string {
	switch k {
	case EventMore:
		return "more"
	case EventHeader:
		return "header"
	case EventPayload:
		return "payload"
	case EventMessageEnd:
		return "message end"
	case EventControl:
		return "control"
	}
	return "event?"
}

// Event is one thing [Receiver.Next] found in the byte stream. The header
// of the frame it belongs to is [Receiver.Header]. (Event leaves the header
// out so that it fits in registers: Next is called several times per frame,
// and returning a larger struct through memory would cost more than the
// parsing.)
type Event struct {
	// Kind says what happened.
	Kind EventKind
	// Message is the type of the data message (OpText or OpBinary) that
	// an EventHeader, EventPayload or EventMessageEnd belongs to, also for
	// continuation frames; for EventControl, the control frame's opcode.
	Message Opcode
	// End is set on the EventPayload that delivers the last bytes of a
	// data message, and on no other event. A message whose last frame is
	// empty (an empty message, or one whose sender closed it with an
	// empty FIN frame) ends with an EventPayload whose Payload is empty,
	// so a consumer that transforms payloads as they stream in (a
	// decompressor, a hash) handles the end of every message in the one
	// place it already handles payload.
	End bool
	// Payload is the unmasked payload of an EventPayload (a slice of the
	// buffer passed to Next) or of an EventControl (a slice of that buffer
	// or, for a control frame that arrived split, of the Receiver's own
	// buffer, valid until the next call). Nil for the other kinds and for
	// an empty EventPayload.
	Payload []byte
}

// Receiver states.
const (
	stHeader  uint8 = iota // reading a frame header (hn bytes of it in hb)
	stPayload              // remain bytes of a data frame's payload to come
	stControl              // collecting a split control payload in ctrl
	stLast                 // an empty last frame: its empty EventPayload is due
	stEnd                  // the message just ended; EventMessageEnd is due
	stClosed               // a Close frame was received; nothing may follow
	stFailed               // a rule was broken; err says which
)

// utf8Block is how much of a text payload is unmasked and then validated at
// a time: small enough that the validator reads bytes the unmasking has just
// left in L1 cache, large enough that the per-call cost vanishes.
const utf8Block = 16 << 10

// Receiver is the receiving half of a WebSocket connection as a state
// machine without I/O: it is fed the bytes that arrive, in any chunking, and
// returns what they mean, one [Event] at a time, or the first rule they
// break. Feeding a stream one byte at a time gives the same events as feeding
// it at once, except that payload arrives in more, smaller EventPayload
// events.
//
// It keeps no payload: data payloads are unmasked in place and handed back
// as slices of the caller's buffer. The only bytes it holds are up to 14 of a
// header that arrived split and up to 125 of a control frame that did.
//
// The zero Receiver is a server with the zero [Config]; [Receiver.Reset]
// gives it another. A Receiver is not safe for concurrent use, and never
// allocates.
type Receiver struct {
	cfg    Config
	err    error
	h      Header // the frame being received
	remain uint64 // payload bytes of h still to come
	msgLen uint64 // sum of the lengths of the open message's frames
	state  uint8
	pos    uint8  // mask key offset of the next payload byte
	msg    Opcode // OpText or OpBinary while a data message is open, else 0
	check  bool   // validate the open message as UTF-8
	hn     uint8  // bytes of a split header held in hb
	// From cfg, for the hot path: the RSV bits allowed on the first frame
	// of a data message and on other frames, whether limits are set, and
	// the message limit in force (0: none).
	rsvData, rsvOther uint8
	limited           bool
	maxMsg            int64
	cn                uint8 // bytes of a split control payload held in ctrl
	msgRsv            uint8 // RSV bits of the open data message's first frame
	hb                [MaxHeaderLen]byte
	v                 utf8valid.Validator
	ctrl              [MaxControlPayload]byte
}

// NewReceiver returns a Receiver for cfg.
func NewReceiver(cfg Config) *Receiver {
	r := new(Receiver)
	r.Reset(cfg)
	return r
}

// Reset makes r a fresh Receiver for cfg, forgetting any frame, message or
// error in progress.
func (r *Receiver) Reset(cfg Config) {
	*r = Receiver{
		cfg:      cfg,
		rsvData:  cfg.allowedRsv(OpText),
		rsvOther: cfg.allowedRsv(OpClose),
		limited:  cfg.MaxFrameSize > 0 || cfg.messageLimit() > 0,
		maxMsg:   cfg.messageLimit(),
	}
}

// Config returns the configuration r enforces.
func (r *Receiver) Config() Config { return r.cfg }

// Remaining returns how many payload bytes of the current data frame have
// not been delivered yet; zero between frames.
func (r *Receiver) Remaining() int64 {
	if r.state == stPayload {
		return int64(r.remain)
	}
	return 0
}

// Header returns the header of the frame the last event belongs to: the new
// frame after EventHeader and EventControl, the frame being received after
// EventPayload, the message's last frame after EventMessageEnd.
func (r *Receiver) Header() Header { return r.h }

// MessageRsv returns the RSV bits of the first frame of the data message
// that the last EventHeader, EventPayload or EventMessageEnd belongs to. An
// extension that marks messages (permessage-deflate's [Rsv1]) marks only the
// first frame, so this is how its continuation frames are known to belong
// to a transformed message.
func (r *Receiver) MessageRsv() uint8 { return r.msgRsv }

// Compressed reports whether that data message has [Rsv1] set on its first
// frame: with permessage-deflate (RFC 7692) negotiated and
// Config.RsvMessage including Rsv1, its payload is compressed, and the
// receiver has not validated it as UTF-8 (the caller validates the inflated
// bytes). Without the extension, Rsv1 never gets past the receiver
// ([ErrReservedBits], 1002), and Compressed is false.
func (r *Receiver) Compressed() bool { return r.msgRsv&Rsv1 != 0 }

// MessageEnds reports whether the data message being received has no
// payload left to deliver: true from the EventHeader of an empty last frame
// and from the EventPayload that ends a message until EventMessageEnd has
// been returned. Within a loop over events, [Event.End] says the same thing
// on the one event where it matters.
func (r *Receiver) MessageEnds() bool { return r.state == stEnd || r.state == stLast }

// Err returns the violation that stopped r, or nil.
func (r *Receiver) Err() error { return r.err }

// Next consumes bytes from the start of buf and returns the next event with
// the number n of bytes of buf it consumed; the caller continues with
// buf[n:]. Keep calling Next until it returns [EventMore], which it does
// after consuming all of buf, and only then wait for more bytes: an event
// can be due with no input left (an EventMessageEnd, say), so an empty buf
// is a valid argument. Bytes consumed without an event (part of a header)
// are remembered, so buf can be reused once Next returns EventMore.
//
// The payload of an EventPayload is unmasked in place in buf. Next touches
// no byte of buf that it does not consume, except on the error path.
//
// When the bytes break a rule, Next returns the error (an [*Error] carrying
// the close code to send) during the call that is given the offending byte,
// or the next call when it follows a valid part of the same buf that is
// delivered first; a text message that ends inside a UTF-8 sequence is
// reported instead of its EventMessageEnd. Then n is 0 and every later call
// returns the same error until Reset. Rules are checked in the order the
// bytes arrive: opcode, RSV bits, control frame FIN, continuation state,
// mask bit, control frame length, length encoding, frame and message limits,
// then the payload's UTF-8 and, for Close frames, [ParseClose]'s rules.
func (r *Receiver) Next(buf []byte) (ev Event, n int, err error) {
	switch r.state {
	case stPayload:
		return r.payload(buf)
	case stHeader:
		if r.hn == 0 && len(buf) >= 2 {
			if hl := headerLen(buf[1]); len(buf) >= hl {
				return r.header(buf, hl)
			}
		}
		return r.splitHeader(buf)
	case stControl:
		return r.control(buf, 0)
	case stLast:
		r.state = stEnd
		return Event{Kind: EventPayload, Message: r.msg, End: true}, 0, nil
	case stEnd:
		return r.end()
	case stClosed:
		if len(buf) == 0 {
			return Event{}, 0, nil
		}
		return r.fail(ErrAfterClose)
	}
	return Event{}, 0, r.err
}

// fail records err and returns it; the Receiver stays failed until Reset.
func (r *Receiver) fail(err error) (Event, int, error) {
	r.err = err
	r.state = stFailed
	return Event{}, 0, err
}

// check0 applies the rules that the first header byte decides.
func (r *Receiver) check0(b0 byte) error {
	op := Opcode(b0 & 0xF)
	if op.IsReserved() {
		return ErrReservedOpcode
	}
	allowed := r.rsvOther
	if op == OpText || op == OpBinary {
		allowed = r.rsvData
	}
	if rsv := b0 >> 4 & 7; rsv&^allowed != 0 {
		return ErrReservedBits
	}
	switch {
	case op.IsControl():
		if b0&0x80 == 0 {
			return ErrControlFragmented
		}
	case op == OpContinuation:
		if r.msg == 0 {
			return ErrUnexpectedContinuation
		}
	default:
		if r.msg != 0 {
			return ErrExpectedContinuation
		}
	}
	return nil
}

// check1 applies the rules that the second header byte decides.
func (r *Receiver) check1(b0, b1 byte) error {
	if masked := b1&0x80 != 0; masked != (r.cfg.Role == RoleServer) {
		if masked {
			return ErrMaskForbidden
		}
		return ErrMaskRequired
	}
	if b0&0x8 != 0 && b1&0x7F > MaxControlPayload {
		return ErrControlTooLong
	}
	return nil
}

// checkLength applies the rules on a frame's payload length, given the
// 7-bit length field l7 it was announced with.
func (r *Receiver) checkLength(b0, l7 byte, length uint64) error {
	switch l7 {
	case 126:
		if length < 126 && !r.cfg.AllowNonMinimalLength {
			return ErrNonMinimalLength
		}
	case 127:
		if err := checkLength64(length); err != nil {
			return err
		}
		if length <= 0xFFFF && !r.cfg.AllowNonMinimalLength {
			return ErrNonMinimalLength
		}
	}
	if b0&0x8 != 0 {
		return nil // control frames are bounded by check1
	}
	if max := r.cfg.MaxFrameSize; max > 0 && length > uint64(max) {
		return ErrFrameTooBig
	}
	if max := r.maxMsg; max > 0 {
		var sofar uint64 // r.msgLen <= max here, so max-sofar cannot wrap
		if b0&0xF == byte(OpContinuation) {
			sofar = r.msgLen
		}
		if length > uint64(max)-sofar {
			return ErrMessageTooBig
		}
	}
	return nil
}

// header handles a header that lies whole at the start of buf, hl bytes.
// It is the hot path of small frames, so it writes the header straight into
// r.h and starts the frame without another call.
func (r *Receiver) header(buf []byte, hl int) (Event, int, error) {
	b0, b1 := buf[0], buf[1]
	if err := r.check0(b0); err != nil {
		return r.fail(err)
	}
	if err := r.check1(b0, b1); err != nil {
		return r.fail(err)
	}
	l7 := b1 & 0x7F
	length := uint64(l7)
	if l7 >= 126 {
		if l7 == 126 {
			length = uint64(binary.BigEndian.Uint16(buf[2:4]))
		} else {
			length = binary.BigEndian.Uint64(buf[2:10])
		}
	}
	if l7 >= 126 || r.limited {
		if err := r.checkLength(b0, l7, length); err != nil {
			return r.fail(err)
		}
	}
	r.h.Fin = b0&0x80 != 0
	r.h.Rsv = b0 >> 4 & 7
	r.h.Opcode = Opcode(b0 & 0xF)
	r.h.Masked = b1&0x80 != 0
	r.h.Length = int64(length)
	r.h.Key = [4]byte{}
	if b1&0x80 != 0 {
		r.h.Key = [4]byte(buf[hl-4 : hl])
	}
	return r.begin(buf[hl:], hl)
}

// splitHeader collects a header that arrives in pieces, checking each rule
// as soon as the byte that decides it is there.
func (r *Receiver) splitHeader(buf []byte) (Event, int, error) {
	for n, b := range buf {
		i := r.hn
		r.hb[i] = b
		r.hn++
		var err error
		switch {
		case i == 0:
			err = r.check0(b)
		case i == 1:
			err = r.check1(r.hb[0], b)
		case i == 2 && r.hb[1]&0x7F == 127 && b&0x80 != 0:
			err = ErrLengthTopBit
		}
		if err != nil {
			return r.fail(err)
		}
		if r.hn < 2 {
			continue
		}
		l7 := r.hb[1] & 0x7F
		lenEnd := uint8(2)
		switch l7 {
		case 126:
			lenEnd = 4
		case 127:
			lenEnd = 10
		}
		if r.hn == lenEnd {
			length := uint64(l7)
			switch l7 {
			case 126:
				length = uint64(binary.BigEndian.Uint16(r.hb[2:4]))
			case 127:
				length = binary.BigEndian.Uint64(r.hb[2:10])
			}
			if err := r.checkLength(r.hb[0], l7, length); err != nil {
				return r.fail(err)
			}
		}
		if hl := headerLen(r.hb[1]); int(r.hn) == hl {
			h, _, err := ParseHeader(r.hb[:hl])
			if err != nil { // cannot happen: checkLength passed
				return r.fail(err)
			}
			r.h = h
			r.hn = 0
			return r.begin(buf[n+1:], n+1)
		}
	}
	return Event{}, len(buf), nil
}

// begin starts the frame r.h, whose header ended n bytes into the caller's
// buffer; rest is what follows it there.
func (r *Receiver) begin(rest []byte, n int) (Event, int, error) {
	h := &r.h
	r.pos = 0
	if h.Opcode.IsControl() {
		r.cn = 0
		return r.control(rest, n)
	}
	if h.Opcode != OpContinuation {
		r.msg = h.Opcode
		r.msgRsv = h.Rsv
		r.msgLen = 0
		r.check = h.Opcode == OpText && h.Rsv == 0 && !r.cfg.SkipUTF8
		if r.check {
			r.v.Reset()
		}
	}
	r.msgLen += uint64(h.Length)
	r.remain = uint64(h.Length)
	switch {
	case h.Length > 0:
		r.state = stPayload
	case h.Fin:
		r.state = stLast
	default:
		r.state = stHeader
	}
	return Event{Kind: EventHeader, Message: r.msg}, n, nil
}

// payload delivers the next piece of a data frame's payload.
func (r *Receiver) payload(buf []byte) (Event, int, error) {
	if len(buf) == 0 {
		return Event{}, 0, nil
	}
	k := len(buf)
	if uint64(k) > r.remain {
		k = int(r.remain)
	}
	p := buf[:k:k]
	if r.check {
		if i := r.unmaskText(p); i >= 0 {
			if i == 0 {
				return r.fail(ErrInvalidUTF8)
			}
			// Deliver the valid part first, so that the events do not
			// depend on where the caller's chunks happen to end; the
			// next call reports the error.
			r.err = ErrInvalidUTF8
			r.state = stFailed
			return Event{Kind: EventPayload, Message: r.msg, Payload: p[:i]}, i, nil
		}
	} else if r.h.Masked {
		r.pos = uint8(wsframe.Mask(r.h.Key, int(r.pos), p))
	}
	r.remain -= uint64(k)
	end := false
	if r.remain == 0 {
		r.state = stHeader
		if r.h.Fin {
			r.state = stEnd
			end = true
		}
	}
	return Event{Kind: EventPayload, Message: r.msg, End: end, Payload: p}, k, nil
}

// unmaskText unmasks p (if the frame is masked) and validates it as the next
// part of the text message, a block at a time so that validation reads what
// unmasking just wrote while it is in cache. It returns the index of the
// first byte of p that makes the message invalid, or -1.
func (r *Receiver) unmaskText(p []byte) int {
	for off := 0; off < len(p); off += utf8Block {
		blk := p[off:]
		if len(blk) > utf8Block {
			blk = blk[:utf8Block]
		}
		if r.h.Masked {
			r.pos = uint8(wsframe.Mask(r.h.Key, int(r.pos), blk))
		}
		if i, ok := r.v.Feed(blk); !ok {
			return off + i
		}
	}
	return -1
}

// control collects the payload of a control frame, which is delivered whole:
// in place when buf holds all of it, else through r.ctrl. n bytes of the
// caller's buffer precede buf.
func (r *Receiver) control(buf []byte, n int) (Event, int, error) {
	need := int(r.h.Length) - int(r.cn)
	var p []byte
	if r.cn == 0 && len(buf) >= need {
		p = buf[:need:need]
		n += need
	} else {
		take := min(need, len(buf))
		copy(r.ctrl[r.cn:], buf[:take])
		r.cn += uint8(take)
		n += take
		if take < need {
			r.state = stControl
			return Event{}, n, nil
		}
		p = r.ctrl[:r.cn:r.cn]
	}
	if r.h.Masked {
		wsframe.Mask(r.h.Key, 0, p)
	}
	r.state = stHeader
	if r.h.Opcode == OpClose {
		if _, _, err := ParseClose(p); err != nil {
			return r.fail(err)
		}
		// §5.5.1: the Close frame is the last one the peer sends.
		r.state = stClosed
	}
	return Event{Kind: EventControl, Message: r.h.Opcode, Payload: p}, n, nil
}

// end closes the data message whose last frame has been received.
func (r *Receiver) end() (Event, int, error) {
	if r.check {
		if !r.v.Complete() {
			return r.fail(ErrInvalidUTF8)
		}
	}
	ev := Event{Kind: EventMessageEnd, Message: r.msg}
	r.msg = 0
	r.state = stHeader
	return ev, 0, nil
}
