package codec

import (
	"crypto/rand"
	"encoding/binary"
	"io"
	"net"
	"unsafe"

	"github.com/wsframe/wsframe"
)

// keyBatch is how many random bytes a Sender reads at once: 64 masking keys
// per read, so that a client pays for a call into the system's random source
// once every 64 frames rather than on every frame.
const keyBatch = 256

// Sender writes frames into buffers the caller owns: header and payload in
// one call, the payload masked while it is copied when the role is client.
//
// Masking keys come from [crypto/rand.Reader] unless another source is given
// to [NewSender]; RFC 6455 §10.3 requires them to be unpredictable, so never
// give it math/rand. They are read 256 bytes at a time.
//
// The zero Sender is a server's, which masks nothing and needs no random
// source. A Sender is not safe for concurrent use, and allocates nothing.
type Sender struct {
	role  Role
	rand  io.Reader
	avail int // unused key bytes at the end of keys
	keys  [keyBatch]byte
}

// NewSender returns a Sender for role that draws masking keys from random,
// or from crypto/rand when random is nil.
func NewSender(role Role, random io.Reader) *Sender {
	s := new(Sender)
	s.Reset(role, random)
	return s
}

// Reset makes s a fresh Sender for role with the random source random (nil:
// crypto/rand), discarding any random bytes it held.
func (s *Sender) Reset(role Role, random io.Reader) {
	s.role, s.rand, s.avail = role, random, 0
}

// Role returns the role s writes for.
func (s *Sender) Role() Role { return s.role }

// randReader returns the default source of masking keys and handshake keys.
func randReader() io.Reader { return rand.Reader }

// key returns a fresh masking key.
func (s *Sender) key() ([4]byte, error) {
	if s.avail < 4 {
		src := s.rand
		if src == nil {
			src = randReader()
		}
		if _, err := io.ReadFull(src, s.keys[:]); err != nil {
			return [4]byte{}, err
		}
		s.avail = len(s.keys)
	}
	k := [4]byte(s.keys[len(s.keys)-s.avail:])
	s.avail -= 4
	return k, nil
}

// FrameLen returns the size of a frame with n bytes of payload as s writes
// it: header plus payload.
func (s *Sender) FrameLen(n int) int {
	return Header{Length: uint64(n), Masked: s.role == RoleClient}.Len() + n
}

// MessageLen returns the size of a message of n payload bytes split into
// frames of at most frameSize bytes, as [Sender.AppendMessage] writes it.
func (s *Sender) MessageLen(n, frameSize int) int {
	if frameSize < 1 {
		return 0
	}
	if n <= frameSize {
		return s.FrameLen(n)
	}
	full := n / frameSize
	size := full * s.FrameLen(frameSize)
	if rest := n % frameSize; rest > 0 {
		size += s.FrameLen(rest)
	}
	return size
}

// checkFrame applies the rules every frame must obey to h and a payload of n
// bytes.
func checkFrame(h Header, n int) error {
	switch {
	case h.Opcode.IsReserved():
		return ErrReservedOpcode
	case h.Rsv > 7:
		return ErrReservedBits
	case h.Opcode.IsControl() && n > MaxControlPayload:
		return ErrControlTooLong
	case h.Opcode.IsControl() && !h.Fin:
		return ErrControlFragmented
	}
	return nil
}

// header completes h for a payload of n bytes: length, and a fresh masking
// key for a client.
func (s *Sender) header(h Header, n int) (Header, error) {
	h.Length = uint64(n)
	h.Masked = s.role == RoleClient
	h.Key = [4]byte{}
	if h.Masked {
		k, err := s.key()
		if err != nil {
			return h, err
		}
		h.Key = k
	}
	return h, nil
}

// PutFrame writes one frame into dst: h's Fin, Rsv and Opcode, with payload,
// which a client's Sender masks with a fresh key while copying it (h's
// Masked, Key and Length are ignored). It returns the number of bytes
// written, [Sender.FrameLen] of len(payload).
//
// Errors leave dst untouched: [ErrBufferTooSmall], [ErrReservedOpcode],
// [ErrReservedBits] (Rsv over 7), [ErrControlTooLong] and
// [ErrControlFragmented] for a control frame that breaks §5.5,
// [ErrBufferOverlap] when payload lies in the part of dst the frame would
// take, or the random source's error.
func (s *Sender) PutFrame(dst []byte, h Header, payload []byte) (int, error) {
	if err := checkFrame(h, len(payload)); err != nil {
		return 0, err
	}
	if len(dst) < s.FrameLen(len(payload)) {
		return 0, ErrBufferTooSmall
	}
	if overlap(dst, payload) {
		return 0, ErrBufferOverlap
	}
	h, err := s.header(h, len(payload))
	if err != nil {
		return 0, err
	}
	var hb [MaxHeaderLen]byte
	hn := PutHeader(&hb, h)
	copy(dst, hb[:hn])
	if h.Masked {
		wsframe.MaskCopy(dst[hn:], payload, h.Key, 0)
	} else {
		copy(dst[hn:], payload)
	}
	return hn + len(payload), nil
}

// AppendFrame appends one frame to dst, as [Sender.PutFrame] writes it, and
// returns the extended slice; on error, dst unchanged. It allocates only when
// dst lacks the capacity.
func (s *Sender) AppendFrame(dst []byte, h Header, payload []byte) ([]byte, error) {
	size := s.FrameLen(len(payload))
	if err := checkFrame(h, len(payload)); err != nil {
		return dst, err
	}
	out := grow(dst, size)
	n, err := s.PutFrame(out[len(dst):], h, payload)
	if err != nil {
		return dst, err
	}
	return out[:len(dst)+n], nil
}

// overlap reports whether payload shares memory with dst.
func overlap(dst, payload []byte) bool {
	if len(dst) == 0 || len(payload) == 0 {
		return false
	}
	d, p := uintptr(unsafe.Pointer(&dst[0])), uintptr(unsafe.Pointer(&payload[0]))
	return d < p+uintptr(len(payload)) && p < d+uintptr(len(dst))
}

// grow returns dst with room for n more bytes, its length unchanged.
func grow(dst []byte, n int) []byte {
	if cap(dst)-len(dst) >= n {
		return dst[:len(dst)+n]
	}
	out := make([]byte, len(dst)+n, 2*len(dst)+n)
	copy(out, dst)
	return out
}

// AppendMessage appends a data message to dst split into frames that carry
// at most frameSize payload bytes each (one frame when payload fits, one
// empty frame when payload is empty), and returns the extended slice; on
// error, dst unchanged. h.Opcode must be OpText or OpBinary
// ([ErrBadOpcode]); h.Rsv is set on the first frame only, where
// permessage-deflate's Rsv1 belongs. A client masks every frame with its own
// key. frameSize below 1 is [ErrBadFrameSize].
func (s *Sender) AppendMessage(dst []byte, h Header, payload []byte, frameSize int) ([]byte, error) {
	if h.Opcode != OpText && h.Opcode != OpBinary {
		return dst, ErrBadOpcode
	}
	if frameSize < 1 {
		return dst, ErrBadFrameSize
	}
	if h.Rsv > 7 {
		return dst, ErrReservedBits
	}
	out := grow(dst, s.MessageLen(len(payload), frameSize))
	n := len(dst)
	fh := Header{Rsv: h.Rsv, Opcode: h.Opcode}
	for {
		chunk := payload
		if len(chunk) > frameSize {
			chunk = chunk[:frameSize]
		}
		payload = payload[len(chunk):]
		fh.Fin = len(payload) == 0
		w, err := s.PutFrame(out[n:], fh, chunk)
		if err != nil {
			return dst, err
		}
		n += w
		if fh.Fin {
			return out[:n], nil
		}
		fh.Rsv, fh.Opcode = 0, OpContinuation
	}
}

// AppendPing appends a ping frame carrying payload (at most 125 bytes).
func (s *Sender) AppendPing(dst, payload []byte) ([]byte, error) {
	return s.AppendFrame(dst, Header{Fin: true, Opcode: OpPing}, payload)
}

// AppendPong appends a pong frame carrying payload (at most 125 bytes); the
// answer to a ping echoes the ping's payload.
func (s *Sender) AppendPong(dst, payload []byte) ([]byte, error) {
	return s.AppendFrame(dst, Header{Fin: true, Opcode: OpPong}, payload)
}

// AppendClose appends a Close frame with code and reason, under
// [AppendClosePayload]'s rules; [CloseNoStatus] gives an empty Close frame.
func (s *Sender) AppendClose(dst []byte, code CloseCode, reason string) ([]byte, error) {
	if err := checkClose(code, reason); err != nil {
		return dst, err
	}
	// The body is written straight into dst and masked there: a stack
	// buffer handed on to the masking kernel would escape in race builds.
	n := 0
	if code != CloseNoStatus {
		n = 2 + len(reason)
	}
	h, err := s.header(Header{Fin: true, Opcode: OpClose}, n)
	if err != nil {
		return dst, err
	}
	var hb [MaxHeaderLen]byte
	hn := PutHeader(&hb, h)
	out := grow(dst, hn+n)
	body := out[len(dst)+hn:]
	copy(out[len(dst):], hb[:hn])
	if n > 0 {
		binary.BigEndian.PutUint16(body, uint16(code))
		copy(body[2:], reason)
	}
	if h.Masked {
		wsframe.Mask(h.Key, 0, body)
	}
	return out, nil
}

// Buffers appends to bufs a frame of h (as in [Sender.PutFrame]) whose
// header is written into hdr and whose payload is not copied: bufs gets
// hdr's used part and payload itself, ready for [net.Buffers.WriteTo], which
// hands both to the kernel in one writev. Use it for payloads large enough
// that copying them costs more than a second iovec.
//
// A client's Sender masks payload in place, so the caller gives up its
// contents; a server's leaves it alone. hdr and payload must stay untouched
// until the write is done. It allocates only when bufs lacks capacity.
func (s *Sender) Buffers(bufs net.Buffers, hdr *[MaxHeaderLen]byte, h Header, payload []byte) (net.Buffers, error) {
	if err := checkFrame(h, len(payload)); err != nil {
		return bufs, err
	}
	h, err := s.header(h, len(payload))
	if err != nil {
		return bufs, err
	}
	n := PutHeader(hdr, h)
	if h.Masked {
		wsframe.Mask(h.Key, 0, payload)
	}
	return append(bufs, hdr[:n], payload), nil
}
