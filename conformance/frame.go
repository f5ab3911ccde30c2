package conformance

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// WebSocket opcodes (RFC 6455 section 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// Close codes the judge uses (RFC 6455 section 7.4.1).
const (
	closeNormal          = 1000
	closeGoingAway       = 1001
	closeProtocolError   = 1002
	closeUnsupportedData = 1003
	closeInvalidPayload  = 1007
	closePolicyViolation = 1008
	closeMessageTooBig   = 1009
	closeMandatoryExt    = 1010
	closeInternalError   = 1011
)

// wireFrame is one decoded WebSocket frame as it was seen on the wire.
// Payload is already unmasked.
type wireFrame struct {
	Fin     bool
	Rsv     byte // the three RSV bits, RSV1 as 4, RSV2 as 2, RSV3 as 1
	Opcode  byte
	Masked  bool
	Key     [4]byte
	Payload []byte
}

// isControl reports whether op is a control opcode (close, ping, pong or a
// reserved control opcode 0xB-0xF).
func isControl(op byte) bool { return op&0x8 != 0 }

// maskBytes XORs b with key, starting at key byte pos%4. It is a plain byte
// loop on purpose: the judge must not share code with the library's SIMD
// masking kernels.
func maskBytes(key [4]byte, pos int, b []byte) {
	for i := range b {
		b[i] ^= key[(pos+i)&3]
	}
}

// appendFrame appends one encoded frame to dst. When mask is non-nil the
// payload is masked with *mask (client to server); payload itself is not
// modified. rsv holds the three RSV bits in its low bits (RSV1 = 4).
func appendFrame(dst []byte, fin bool, rsv, opcode byte, mask *[4]byte, payload []byte) []byte {
	b0 := opcode & 0x0F
	b0 |= (rsv & 7) << 4
	if fin {
		b0 |= 0x80
	}
	var b1 byte
	if mask != nil {
		b1 = 0x80
	}
	n := len(payload)
	switch {
	case n <= 125:
		dst = append(dst, b0, b1|byte(n))
	case n <= 0xFFFF:
		dst = append(dst, b0, b1|126, byte(n>>8), byte(n))
	default:
		var l [8]byte
		binary.BigEndian.PutUint64(l[:], uint64(n))
		dst = append(dst, b0, b1|127)
		dst = append(dst, l[:]...)
	}
	if mask != nil {
		dst = append(dst, mask[:]...)
		start := len(dst)
		dst = append(dst, payload...)
		maskBytes(*mask, 0, dst[start:])
		return dst
	}
	return append(dst, payload...)
}

// errNeedMore is returned by parseFrame when b holds only part of a frame.
var errNeedMore = errors.New("conformance: incomplete frame")

// protocolError is a violation of RFC 6455 seen on the wire, with the close
// code it maps to.
type protocolError struct {
	Code   int
	Reason string
}

// Error describes the violation and its close code.
func (e *protocolError) Error() string { return fmt.Sprintf("%s (close code %d)", e.Reason, e.Code) }

func protoErr(code int, format string, args ...any) error {
	return &protocolError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// parseFrame decodes the frame at the start of b. It returns the frame and
// the number of bytes it took, errNeedMore (and n == 0) when b does not yet
// hold the whole frame, or a *protocolError for a frame no endpoint may send
// (a 64-bit length with the top bit set, or a payload over maxPayload). The
// returned payload is a fresh, unmasked copy; b is not modified. Checks that
// depend on the connection (masking direction, RSV, opcodes, fragmentation)
// are the caller's.
func parseFrame(b []byte, maxPayload int64) (f wireFrame, n int, err error) {
	if len(b) < 2 {
		return f, 0, errNeedMore
	}
	f.Fin = b[0]&0x80 != 0
	f.Rsv = (b[0] >> 4) & 7
	f.Opcode = b[0] & 0x0F
	f.Masked = b[1]&0x80 != 0
	length := int64(b[1] & 0x7F)
	pos := 2
	switch length {
	case 126:
		if len(b) < pos+2 {
			return f, 0, errNeedMore
		}
		length = int64(binary.BigEndian.Uint16(b[pos:]))
		pos += 2
	case 127:
		if len(b) < pos+8 {
			return f, 0, errNeedMore
		}
		u := binary.BigEndian.Uint64(b[pos:])
		if u>>63 != 0 {
			return f, 0, protoErr(closeProtocolError, "64-bit payload length with most significant bit set")
		}
		length = int64(u)
		pos += 8
	}
	if length > maxPayload {
		return f, 0, protoErr(closeMessageTooBig, "frame payload of %d octets exceeds the limit of %d", length, maxPayload)
	}
	if f.Masked {
		if len(b) < pos+4 {
			return f, 0, errNeedMore
		}
		copy(f.Key[:], b[pos:pos+4])
		pos += 4
	}
	if int64(len(b)-pos) < length {
		return f, 0, errNeedMore
	}
	end := pos + int(length)
	f.Payload = append([]byte(nil), b[pos:end]...)
	if f.Masked {
		maskBytes(f.Key, 0, f.Payload)
	}
	return f, end, nil
}

// closePayload builds a close frame body: nothing when code < 0, else the
// 2-octet code followed by reason.
func closePayload(code int, reason []byte) []byte {
	if code < 0 {
		return nil
	}
	p := []byte{byte(code >> 8), byte(code)}
	return append(p, reason...)
}

// validReceivedCloseCode reports whether code may appear in a close frame
// on the wire (RFC 6455 section 7.4; 1004-1006 and 1015 are reserved,
// 1012-1014 are IANA-registered additions accepted by current stacks).
func validReceivedCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003:
		return true
	case code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}
