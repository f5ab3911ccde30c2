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

// NewKey returns a fresh masking key from s's random source, as the frames
// s writes get. A proxy or a streaming writer that frames a payload it does
// not hold yet takes the key with [Sender.FrameHeader] instead, which also
// completes the header.
func (s *Sender) NewKey() ([4]byte, error) {
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
// it: header plus payload. It fails with [ErrLengthOverflow] when that size
// does not fit an int (only possible on 32-bit targets), where no buffer
// could hold the frame.
func (s *Sender) FrameLen(n int) (int, error) {
	hl := Header{Length: int64(n), Masked: s.role == RoleClient}.Len()
	if n < 0 || n > maxInt-hl {
		return 0, ErrLengthOverflow
	}
	return hl + n, nil
}

// MessageLen returns the size of a message of n payload bytes split into
// frames of at most frameSize bytes, as [Sender.AppendMessage] writes it.
// frameSize below 1 is [ErrBadFrameSize]; a size that does not fit an int is
// [ErrLengthOverflow].
func (s *Sender) MessageLen(n, frameSize int) (int, error) {
	if frameSize < 1 {
		return 0, ErrBadFrameSize
	}
	if n <= frameSize {
		return s.FrameLen(n)
	}
	masked := s.role == RoleClient
	full, rest := n/frameSize, n%frameSize
	// The headers' total, in uint64: full is below maxInt and a header
	// below 15 bytes, so it cannot wrap even where int is 32 bits.
	headers := uint64(full) * uint64(Header{Length: int64(frameSize), Masked: masked}.Len())
	if rest > 0 {
		headers += uint64(Header{Length: int64(rest), Masked: masked}.Len())
	}
	if headers > uint64(maxInt-n) {
		return 0, ErrLengthOverflow
	}
	return n + int(headers), nil
}

// checkFrame applies the rules every frame must obey to h and a payload of n
// bytes.
func checkFrame(h Header, n int64) error {
	switch {
	case h.Opcode.IsReserved():
		return ErrReservedOpcode
	case h.Rsv > 7:
		return ErrReservedBits
	case n < 0:
		return ErrLengthTopBit
	case h.Opcode.IsControl() && n > MaxControlPayload:
		return ErrControlTooLong
	case h.Opcode.IsControl() && !h.Fin:
		return ErrControlFragmented
	}
	return nil
}

// header completes h for a payload of n bytes: length, and a fresh masking
// key for a client.
func (s *Sender) header(h Header, n int64) (Header, error) {
	h.Length = n
	h.Masked = s.role == RoleClient
	h.Key = [4]byte{}
	if h.Masked {
		k, err := s.NewKey()
		if err != nil {
			return h, err
		}
		h.Key = k
	}
	return h, nil
}

// FrameHeader returns h (its Fin, Rsv and Opcode) completed for a payload of
// n bytes that the caller writes itself: Length n and, for a client, Masked
// with a fresh key. It is for payloads that are not in memory yet, as a
// proxy relays them: write the header with [PutHeader] or [Header.Put], then
// mask each chunk as it passes with wsframe.Mask(h.Key, pos, chunk), carrying
// pos from chunk to chunk. It checks what [Sender.PutFrame] checks of h.
func (s *Sender) FrameHeader(h Header, n int64) (Header, error) {
	if err := checkFrame(h, n); err != nil {
		return Header{}, err
	}
	return s.header(h, n)
}

// PutFrame writes one frame into dst: h's Fin, Rsv and Opcode, with payload,
// which a client's Sender masks with a fresh key while copying it (h's
// Masked, Key and Length are ignored). It returns the number of bytes
// written, [Sender.FrameLen] of len(payload).
//
// Errors leave dst untouched: [ErrBufferTooSmall], [ErrLengthOverflow]
// (see [Sender.FrameLen]), [ErrReservedOpcode],
// [ErrReservedBits] (Rsv over 7), [ErrControlTooLong] and
// [ErrControlFragmented] for a control frame that breaks §5.5,
// [ErrBufferOverlap] when payload lies in the part of dst the frame would
// take, or the random source's error.
func (s *Sender) PutFrame(dst []byte, h Header, payload []byte) (int, error) {
	if err := checkFrame(h, int64(len(payload))); err != nil {
		return 0, err
	}
	size, err := s.FrameLen(len(payload))
	if err != nil {
		return 0, err
	}
	if len(dst) < size {
		return 0, ErrBufferTooSmall
	}
	if overlap(dst, payload) {
		return 0, ErrBufferOverlap
	}
	h, err = s.header(h, int64(len(payload)))
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
	if err := checkFrame(h, int64(len(payload))); err != nil {
		return dst, err
	}
	size, err := s.FrameLen(len(payload))
	if err != nil {
		return dst, err
	}
	if size > maxInt-len(dst) {
		return dst, ErrLengthOverflow
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
	c := len(dst) + n // the caller checked that this fits an int
	if len(dst) <= maxInt-c {
		c += len(dst) // room to append as much again
	}
	out := make([]byte, len(dst)+n, c)
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
	size, err := s.MessageLen(len(payload), frameSize)
	if err != nil {
		return dst, err
	}
	if size > maxInt-len(dst) {
		return dst, ErrLengthOverflow
	}
	out := grow(dst, size)
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
	h, err := s.header(Header{Fin: true, Opcode: OpClose}, int64(n))
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
	if err := checkFrame(h, int64(len(payload))); err != nil {
		return bufs, err
	}
	h, err := s.header(h, int64(len(payload)))
	if err != nil {
		return bufs, err
	}
	n := PutHeader(hdr, h)
	if h.Masked {
		wsframe.Mask(h.Key, 0, payload)
	}
	return append(bufs, hdr[:n], payload), nil
}
