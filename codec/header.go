package codec

import (
	"encoding/binary"
	"strconv"
)

// Opcode is a frame's opcode (RFC 6455 §5.2), the low four bits of its first
// byte.
type Opcode uint8

// The opcodes RFC 6455 defines; 3–7 and 11–15 are reserved.
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

// IsControl reports whether o is a control opcode (8–15, reserved ones
// included); control frames may be no longer than 125 bytes and may not be
// fragmented.
func (o Opcode) IsControl() bool { return o&0x8 != 0 }

// IsReserved reports whether o is one of the reserved opcodes 3–7 and 11–15,
// or does not fit in four bits.
func (o Opcode) IsReserved() bool {
	return o > 0xF || (o&0x7) > 2
}

// String returns the opcode's name ("text", "ping", ...) or, for a reserved
// one, "opcode N".
func (o Opcode) String() string {
	switch o {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return "opcode " + strconv.Itoa(int(o))
}

// The RSV bits as they appear in [Header.Rsv]: bits 6, 5 and 4 of the
// frame's first byte, shifted down by 4.
const (
	Rsv1 uint8 = 4 // used by permessage-deflate (RFC 7692)
	Rsv2 uint8 = 2
	Rsv3 uint8 = 1
)

// MaxHeaderLen is the longest frame header: 2 bytes, an 8-byte extended
// length and a 4-byte masking key.
const MaxHeaderLen = 14

// MaxControlPayload is the longest payload a control frame may carry
// (RFC 6455 §5.5).
const MaxControlPayload = 125

// maxInt is the largest int; on 32-bit targets a payload length above it
// cannot be buffered and is refused.
const maxInt = int(^uint(0) >> 1)

// Header is a frame header (RFC 6455 §5.2).
type Header struct {
	// Fin is set on the last frame of a message.
	Fin bool
	// Rsv holds the three RSV bits: [Rsv1], [Rsv2], [Rsv3].
	Rsv uint8
	// Opcode is the frame's opcode.
	Opcode Opcode
	// Masked says the payload is masked with Key; clients mask every
	// frame they send, servers none.
	Masked bool
	// Key is the masking key; it is meaningful only when Masked is set.
	Key [4]byte
	// Length is the payload length: never negative in a valid frame
	// (§5.2 forbids the top bit of the 64-bit form) and, from ParseHeader,
	// also within an int. Lengths and size limits are int64 throughout the
	// library; sizes of buffers in memory are int.
	Length int64
}

// Len returns the length of h's minimal encoding: 2 to 14 bytes.
func (h Header) Len() int {
	n := 2
	switch {
	case uint64(h.Length) > 0xFFFF:
		n = 10
	case h.Length >= 126:
		n = 4
	}
	if h.Masked {
		n += 4
	}
	return n
}

// headerLens maps a header's second byte to the header's length: 2, plus 2
// or 8 for an extended length, plus 4 for a masking key. A table, because
// ParseHeader and Receiver.Next look it up for every frame.
var headerLens = func() (t [256]uint8) {
	for b1 := range t {
		n := 2
		if b1&0x80 != 0 {
			n += 4
		}
		switch b1 & 0x7F {
		case 126:
			n += 2
		case 127:
			n += 8
		}
		t[b1] = uint8(n)
	}
	return t
}()

// headerLen returns the header length announced by a header's second byte.
func headerLen(b1 byte) int { return int(headerLens[b1]) }

// ParseHeader parses the frame header at the start of b, which may hold only
// part of it, and returns it with its length n in bytes.
//
// When b is too short it returns [ErrShortHeader] and in n how many bytes the
// header needs in all: 2 while fewer than two bytes are there, the exact
// length from then on. It never reports another error for a short b.
//
// The only other errors are about the length: [ErrLengthTopBit] when a
// 64-bit length has its top bit set, and on 32-bit targets
// [ErrLengthOverflow] when it does not fit an int. ParseHeader accepts
// non-minimal length encodings (compare n with [Header.Len] to find them) and
// checks no other rule; [Receiver] checks them all.
//
// [Header.Parse] does the same into a Header the caller keeps, which is
// several times faster in a hot loop: see its documentation.
func ParseHeader(b []byte) (h Header, n int, err error) {
	n, err = h.Parse(b)
	return h, n, err
}

// Parse is [ParseHeader] writing into h, which it sets in full on success
// and leaves unchanged on error.
//
// It exists for speed. Returning a Header by value makes the caller copy it
// as one 16-byte block right after the callee wrote it field by field, and
// CPUs cannot forward such narrow stores to a wider load: the copy waits for
// the stores to reach the cache, which costs more than the parsing. Parsing
// into a Header that the caller reads field by field avoids it.
func (h *Header) Parse(b []byte) (n int, err error) {
	if len(b) < 2 {
		return 2, ErrShortHeader
	}
	b0, b1 := b[0], b[1]
	n = headerLen(b1)
	if len(b) < n {
		return n, ErrShortHeader
	}
	length := uint64(b1 & 0x7F)
	if length >= 126 {
		if length == 126 {
			length = uint64(binary.BigEndian.Uint16(b[2:4]))
		} else {
			length = binary.BigEndian.Uint64(b[2:10])
			if err := checkLength64(length); err != nil {
				return n, err
			}
		}
	}
	h.Fin = b0&0x80 != 0
	h.Rsv = b0 >> 4 & 7
	h.Opcode = Opcode(b0 & 0xF)
	h.Masked = b1&0x80 != 0
	h.Length = int64(length)
	if b1&0x80 != 0 {
		h.Key = [4]byte(b[n-4 : n])
	} else {
		h.Key = [4]byte{}
	}
	return n, nil
}

// checkLength64 applies ParseHeader's rules to a 64-bit length.
func checkLength64(l uint64) error {
	if l>>63 != 0 {
		return ErrLengthTopBit
	}
	if l > uint64(maxInt) { // only possible on 32-bit targets
		return ErrLengthOverflow
	}
	return nil
}

// PutHeader writes h into b in its minimal encoding and returns the number of
// bytes written, [Header.Len]. Opcode and Rsv are truncated to 4 and 3 bits
// and Key is written only when Masked is set. A negative Length is not
// valid on the wire; it is written as its 64-bit two's complement, which
// any receiver refuses (the top bit is set).
func PutHeader(b *[MaxHeaderLen]byte, h Header) int {
	b0 := byte(h.Opcode&0xF) | (h.Rsv&7)<<4
	if h.Fin {
		b0 |= 0x80
	}
	var m byte
	if h.Masked {
		m = 0x80
	}
	b[0] = b0
	n := 2
	switch {
	case uint64(h.Length) < 126:
		b[1] = m | byte(h.Length)
	case uint64(h.Length) <= 0xFFFF:
		b[1] = m | 126
		binary.BigEndian.PutUint16(b[2:4], uint16(h.Length))
		n = 4
	default:
		b[1] = m | 127
		binary.BigEndian.PutUint64(b[2:10], uint64(h.Length))
		n = 10
	}
	if h.Masked {
		*(*[4]byte)(b[n : n+4]) = h.Key
		n += 4
	}
	return n
}

// Put writes h into b in its minimal encoding, as [PutHeader] does, and
// returns the number of bytes written, [Header.Len]. b needs room for
// exactly that many bytes, so a header fits the headroom a caller reserved
// before a payload: h.Len() bytes, not [MaxHeaderLen]. A shorter b is
// [ErrBufferTooSmall], with nothing written.
func (h Header) Put(b []byte) (int, error) {
	if len(b) >= MaxHeaderLen {
		return PutHeader((*[MaxHeaderLen]byte)(b), h), nil
	}
	// Exact headroom: one pass over the length's encoding decides the
	// header's size, which is checked before anything is written.
	l7, n := byte(h.Length), 2
	switch {
	case uint64(h.Length) <= 125:
	case uint64(h.Length) <= 0xFFFF:
		l7, n = 126, 4
	default:
		l7, n = 127, 10
	}
	if h.Masked {
		l7 |= 0x80
		n += 4
	}
	if len(b) < n {
		return 0, ErrBufferTooSmall
	}
	b = b[:n]
	switch l7 & 0x7F {
	case 126:
		binary.BigEndian.PutUint16(b[2:4], uint16(h.Length))
	case 127:
		binary.BigEndian.PutUint64(b[2:10], uint64(h.Length))
	}
	if h.Masked {
		*(*[4]byte)(b[n-4:]) = h.Key
	}
	b0 := byte(h.Opcode&0xF) | (h.Rsv&7)<<4
	if h.Fin {
		b0 |= 0x80
	}
	b[0], b[1] = b0, l7
	return n, nil
}

// AppendHeader appends h to dst in its minimal encoding, as [PutHeader]
// writes it, and returns the extended slice. It appends the bytes directly
// rather than through a temporary array: the copy from one would cost as
// much as the encoding.
func AppendHeader(dst []byte, h Header) []byte {
	b0 := byte(h.Opcode&0xF) | (h.Rsv&7)<<4
	if h.Fin {
		b0 |= 0x80
	}
	var m byte
	if h.Masked {
		m = 0x80
	}
	switch {
	case uint64(h.Length) < 126:
		dst = append(dst, b0, m|byte(h.Length))
	case uint64(h.Length) <= 0xFFFF:
		dst = append(dst, b0, m|126, byte(h.Length>>8), byte(h.Length))
	default:
		dst = append(dst, b0, m|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(h.Length))
	}
	if h.Masked {
		dst = append(dst, h.Key[:]...)
	}
	return dst
}
