package codec

import "errors"

// Error is a violation of RFC 6455 (or of a limit the caller configured),
// with the close code the endpoint should send before closing (§7.4.1).
//
// Every Error the package returns is one of the Err... variables below, so
// returning one allocates nothing and errors.Is compares them by identity.
type Error struct {
	// Code is the status code to put in the Close frame sent in reply.
	Code CloseCode
	msg  string
}

// Error returns the message, which starts with "codec: ".
func (e *Error) Error() string { return e.msg }

func newError(code CloseCode, msg string) *Error {
	return &Error{Code: code, msg: "codec: " + msg}
}

// ErrShortHeader is returned by [ParseHeader] when b holds only the start of
// a header; n then says how many bytes the header needs in all. It is not a
// violation: read more bytes and parse again.
var ErrShortHeader = errors.New("codec: incomplete frame header")

// Header errors (RFC 6455 §5.2).
var (
	// ErrLengthTopBit: a 64-bit payload length has its most significant
	// bit set, which §5.2 forbids.
	ErrLengthTopBit = newError(CloseProtocolError, "payload length has its most significant bit set")
	// ErrLengthOverflow: the payload length does not fit an int (only on
	// 32-bit targets), so no buffer could hold the frame.
	ErrLengthOverflow = newError(CloseMessageTooBig, "payload length does not fit an int on this platform")
	// ErrNonMinimalLength: the payload length was not written in the
	// fewest bytes, as §5.2 requires. See [Config.AllowNonMinimalLength].
	ErrNonMinimalLength = newError(CloseProtocolError, "payload length not minimally encoded")
)

// Frame and message rules enforced by [Receiver] (RFC 6455 §5.2–5.6, 8.1),
// in the order they apply to a frame's bytes.
var (
	// ErrReservedBits: an RSV bit is set that no negotiated extension
	// allows on this frame (§5.2). See [Config.RsvMessage].
	ErrReservedBits = newError(CloseProtocolError, "reserved bit set without a negotiated extension")
	// ErrReservedOpcode: opcode 3–7 or 11–15 (§5.2).
	ErrReservedOpcode = newError(CloseProtocolError, "reserved opcode")
	// ErrControlFragmented: a control frame with FIN clear (§5.5).
	ErrControlFragmented = newError(CloseProtocolError, "fragmented control frame")
	// ErrUnexpectedContinuation: a continuation frame with no fragmented
	// message to continue (§5.4).
	ErrUnexpectedContinuation = newError(CloseProtocolError, "continuation frame without a message to continue")
	// ErrExpectedContinuation: a text or binary frame arrived while a
	// fragmented message was still open (§5.4).
	ErrExpectedContinuation = newError(CloseProtocolError, "new data frame inside a fragmented message")
	// ErrMaskRequired: a server received an unmasked frame (§5.1).
	ErrMaskRequired = newError(CloseProtocolError, "unmasked frame from a client")
	// ErrMaskForbidden: a client received a masked frame (§5.1).
	ErrMaskForbidden = newError(CloseProtocolError, "masked frame from a server")
	// ErrControlTooLong: a control frame with more than 125 bytes of
	// payload (§5.5).
	ErrControlTooLong = newError(CloseProtocolError, "control frame payload over 125 bytes")
	// ErrFrameTooBig: a data frame longer than [Config.MaxFrameSize].
	ErrFrameTooBig = newError(CloseMessageTooBig, "frame exceeds the size limit")
	// ErrMessageTooBig: a message whose fragments add up to more than
	// [Config.MaxMessageSize].
	ErrMessageTooBig = newError(CloseMessageTooBig, "message exceeds the size limit")
	// ErrAfterClose: bytes after the peer's Close frame, which must be the
	// last frame it sends (§5.5.1).
	ErrAfterClose = newError(CloseProtocolError, "data after a Close frame")
	// ErrInvalidUTF8: a text message, or a Close reason, that is not
	// valid UTF-8 (§5.6, 8.1).
	ErrInvalidUTF8 = newError(CloseInvalidPayload, "invalid UTF-8 in text message")
)

// Close payload errors (RFC 6455 §5.5.1, 7.4).
var (
	// ErrCloseLength: a Close payload of exactly one byte, which cannot
	// hold a status code.
	ErrCloseLength = newError(CloseProtocolError, "close payload of one byte")
	// ErrCloseCode: a status code that may not appear on the wire
	// (reserved, unassigned, or out of range).
	ErrCloseCode = newError(CloseProtocolError, "invalid close status code")
	// ErrCloseReasonUTF8: a Close reason that is not valid UTF-8.
	ErrCloseReasonUTF8 = newError(CloseInvalidPayload, "close reason is not valid UTF-8")
	// ErrCloseReasonTooLong: a Close reason over 123 bytes, which would
	// make the control frame longer than 125 bytes.
	ErrCloseReasonTooLong = newError(CloseProtocolError, "close reason over 123 bytes")
)

// Errors of the writing side. They are caller mistakes rather than a peer's,
// and reuse the codes the receiving side would send for the same frame.
var (
	// ErrBufferTooSmall: the destination cannot hold the frame.
	ErrBufferTooSmall = newError(CloseInternalError, "destination buffer too small")
	// ErrBufferOverlap: the payload lies inside the destination buffer,
	// where writing the frame would overwrite it.
	ErrBufferOverlap = newError(CloseInternalError, "payload overlaps the destination buffer")
	// ErrBadOpcode: an opcode that does not fit the call, such as a
	// control opcode for a message or a reserved one.
	ErrBadOpcode = newError(CloseInternalError, "opcode not allowed here")
	// ErrBadFrameSize: a frame size below 1 for a fragmented message.
	ErrBadFrameSize = newError(CloseInternalError, "frame size must be at least 1")
)

// ErrInvalidKey: a Sec-WebSocket-Key that is not the base64 encoding of 16
// bytes (RFC 6455 §4.1, 4.2.1). The handshake answer to it is HTTP 400, not
// a close code; Code is 1002 for callers that only look at codes.
var ErrInvalidKey = newError(CloseProtocolError, "Sec-WebSocket-Key is not base64 of 16 bytes")

// CodeOf returns the close code to send for err: for nil, 1000 (normal
// closure); for an error that carries a close code anywhere in its chain
// (a method CloseCode() uint16, which codec's [*Error], package utf8valid's
// and package pmdeflate's errors have), that code; for any other error,
// 1011 (internal error).
//
// So a caller that validates inflated text with utf8valid, or inflates with
// pmdeflate, gets 1007 or 1009 from their errors without mapping them.
func CodeOf(err error) CloseCode {
	if err == nil {
		return CloseNormal
	}
	if e, ok := err.(*Error); ok { // the usual case, without errors.As's allocation
		return e.Code
	}
	var c closeCoder
	if errors.As(err, &c) {
		return CloseCode(c.CloseCode())
	}
	return CloseInternalError
}

// closeCoder is an error that knows the close code it maps to. The method
// returns a plain uint16 so that packages below codec (utf8valid, which
// codec imports) can implement it without importing codec.
type closeCoder interface {
	error
	CloseCode() uint16
}

// CloseCode returns e.Code as a number, so that a codec error satisfies the
// same interface as the errors of packages utf8valid and pmdeflate.
func (e *Error) CloseCode() uint16 { return uint16(e.Code) }
