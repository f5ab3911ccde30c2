//go:build !race

// The race detector turns on checkptr, which refuses the fake slice this
// test is built on (a slice far longer than its allocation); the plain,
// purego, 386 and other runs cover it.

package codec

import (
	"bytes"
	"math/rand"
	"testing"
	"unsafe"
)

// TestSenderSizeOverflow checks that sizes past an int are errors, not
// wrapped arithmetic: on 32-bit targets a payload near math.MaxInt would
// otherwise pass the buffer check and be written truncated under a header
// that claims its full length. The payload is a fake slice over one byte;
// the calls must refuse it before reading any of it.
func TestSenderSizeOverflow(t *testing.T) {
	var one [1]byte
	for _, role := range roles {
		s := NewSender(role, &countingReader{rng: rand.New(rand.NewSource(1))})
		for _, n := range []int{maxInt, maxInt - 1, maxInt - 9} { // 10 header bytes at the least
			if size, err := s.FrameLen(n); err != ErrLengthOverflow {
				t.Errorf("%v: FrameLen(maxInt-%d) = %d, %v", role, maxInt-n, size, err)
			}
			if size, err := s.MessageLen(n, 1<<20); err != ErrLengthOverflow {
				t.Errorf("%v: MessageLen(maxInt-%d, 1 MiB) = %d, %v", role, maxInt-n, size, err)
			}
			huge := unsafe.Slice(&one[0], n)
			dst := make([]byte, 64)
			if w, err := s.PutFrame(dst, Header{Fin: true, Opcode: OpBinary}, huge); err != ErrLengthOverflow || w != 0 {
				t.Errorf("%v: PutFrame of maxInt-%d bytes: %d, %v", role, maxInt-n, w, err)
			}
			if out, err := s.AppendFrame(dst[:3], Header{Fin: true, Opcode: OpBinary}, huge); err != ErrLengthOverflow || len(out) != 3 {
				t.Errorf("%v: AppendFrame of maxInt-%d bytes: %d, %v", role, maxInt-n, len(out), err)
			}
			if out, err := s.AppendMessage(dst[:3], Header{Opcode: OpBinary}, huge, 1<<20); err != ErrLengthOverflow || len(out) != 3 {
				t.Errorf("%v: AppendMessage of maxInt-%d bytes: %d, %v", role, maxInt-n, len(out), err)
			}
			if !bytes.Equal(dst, make([]byte, 64)) {
				t.Errorf("%v: a refused frame wrote into dst", role)
			}
		}
		// The largest size that fits is still computed exactly.
		hl := Header{Length: 1 << 20, Masked: role == RoleClient}.Len()
		if size, err := s.FrameLen(maxInt - hl); err != nil || size != maxInt {
			t.Errorf("%v: FrameLen(maxInt-%d) = %d, %v; want maxInt", role, hl, size, err)
		}
		if size, err := s.MessageLen(3000, 1000); err != nil || size != 3000+3*(Header{Length: 1000, Masked: role == RoleClient}).Len() {
			t.Errorf("%v: MessageLen(3000, 1000) = %d, %v", role, size, err)
		}
		if _, err := s.MessageLen(10, 0); err != ErrBadFrameSize {
			t.Errorf("%v: MessageLen(10, 0): %v", role, err)
		}
	}
}
