// Package utf8valid validates UTF-8 at the speed of the machine's vector
// units, in one shot or as a stream that arrives in chunks, and reports the
// first byte that makes the text invalid.
//
// A WebSocket endpoint must fail the connection with close code 1007 as soon
// as a text message cannot be valid UTF-8 (RFC 6455 §8.1), even though a code
// point may be split across TCP reads and across frames. [Validator] keeps the
// state a split code point needs between [Validator.Write] calls, reports the
// byte that makes the message impossible in the chunk that holds it, and
// allocates only the [Error] it returns ([Validator.Feed] not even that).
// [Valid] validates a whole buffer at once.
//
// Validity is exactly [unicode/utf8.Valid]'s: no overlong encodings, no
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF; noncharacters such as
// U+FFFE are valid.
//
// The work is done by the fastest kernel this CPU has, chosen once at start-up
// ([Kernel], [Kernels]): AVX-512 or AVX2 on amd64, NEON on arm64, and a
// portable kernel everywhere else and under the purego build tag.
package utf8valid

import (
	"encoding/binary"
	"strconv"
)

// closeInvalidPayload is the WebSocket close code for a text message that is
// not valid UTF-8 (RFC 6455 §7.4.1: 1007, invalid frame payload data). Its
// exported spelling is package codec's CloseInvalidPayload; this package
// sits below codec and cannot import it.
const closeInvalidPayload = 1007

// Valid reports whether p is entirely valid UTF-8, with exactly the
// definition of [unicode/utf8.Valid]. It reads only the bytes of p and
// allocates nothing.
func Valid(p []byte) bool { return validDefault(p) }

// The first kernel and its valid, read once.
var (
	defaultKernel = kernels[0]
	validDefault  = kernels[0].valid
)

// Error reports where a message stopped being valid UTF-8.
//
// Offset is the index, counted from the first byte written since the
// Validator was created or last Reset, of the first byte that no continuation
// can make valid: every byte before it is a prefix of some valid UTF-8 text,
// and the prefix that includes it is not. For E0 80 that is the 80 (E0 must be
// followed by A0..BF), for C0 the C0 itself (it never starts a valid
// sequence), for an ASCII byte after E2 82 the ASCII byte. When a message ends
// inside a sequence that could still have been completed, [Validator.Finish]
// reports it with Truncated set and Offset equal to the message's length,
// where the missing byte should have been.
type Error struct {
	// Offset is the index of the offending byte in the message (see above).
	Offset int64
	// Byte is the offending byte; zero when Truncated.
	Byte byte
	// Truncated reports that the message ended inside a sequence.
	Truncated bool
}

// Error describes the failure.
func (e *Error) Error() string {
	if e.Truncated {
		return "utf8valid: message ends inside a UTF-8 sequence at offset " +
			strconv.FormatInt(e.Offset, 10)
	}
	return "utf8valid: invalid UTF-8: byte 0x" + strconv.FormatUint(uint64(e.Byte), 16) +
		" at offset " + strconv.FormatInt(e.Offset, 10)
}

// CloseCode returns the WebSocket close code for this error, 1007 (invalid
// frame payload data, RFC 6455 §7.4.1). Package codec's CodeOf reads it.
func (e *Error) CloseCode() uint16 { return closeInvalidPayload }

// Validator checks a message that arrives in chunks. The zero value is ready
// to use and validates with the package's default kernel; [Impl.Validator]
// returns one pinned to a given kernel.
//
// A Validator is not safe for concurrent use. It allocates nothing while the
// message is valid; on failure, Write and Finish allocate the *[Error] they
// return, which belongs to the caller and outlives Reset. [Validator.Feed]
// and [Validator.Complete] give the same answers without an error value, for
// callers that must not allocate on any path.
type Validator struct {
	k *kernel
	// off is the number of message bytes accepted so far.
	off int64
	// carry holds the last four bytes of the message in memory order, as a
	// little-endian word, zeros before the message's first byte. Zeros are
	// ASCII, so a fresh Validator needs no special case. The last three bytes
	// are all the state UTF-8 validation needs between chunks.
	carry  uint32
	failed bool
	err    Error // the failure, copied into each *Error handed out
}

// Write validates p as the next bytes of the message. It implements
// [io.Writer], so a Validator can sit in an [io.MultiWriter] or at the end of
// an [io.Copy].
//
// When p holds a byte that no continuation can make valid, Write returns
// n = the index of that byte in p and an *[Error] whose Offset is its index
// in the message. A chunk that ends inside a sequence that can still complete
// is not an error: the sequence continues in the next Write. Once Write has
// failed, every later Write and Finish return an equal error, with n = 0,
// until Reset. Otherwise n = len(p) and err = nil.
func (v *Validator) Write(p []byte) (n int, err error) {
	if n, ok := v.Feed(p); !ok {
		e := v.err
		return n, &e
	}
	return len(p), nil
}

// Feed is [Validator.Write] without an error value: ok is false when p[n] is
// the first byte that makes the message invalid (n is 0 once the Validator
// has failed), and true, with n = len(p), otherwise. It never allocates.
func (v *Validator) Feed(p []byte) (n int, ok bool) {
	if v.failed {
		return 0, false
	}
	if n := len(p); n >= 8 && n <= 16 && !incomplete(v.carry) {
		// Small chunks (tiny frames, short reads) are common and a kernel
		// call costs more than the work: ASCII with no sequence open is
		// settled by two overlapping word loads.
		le := binary.LittleEndian
		if (le.Uint64(p)|le.Uint64(p[n-8:]))&0x8080808080808080 == 0 {
			v.off += int64(n)
			v.carry = le.Uint32(p[n-4:])
			return n, true
		}
	}
	k := v.k
	if k == nil {
		k = defaultKernel
	}
	if h := scanFast(k, p, v.carry); h >= 0 {
		if i := locate(p, v.carry, h); i >= 0 {
			v.failed = true
			v.err = Error{Offset: v.off + int64(i), Byte: p[i]}
			return i, false
		}
	}
	v.off += int64(len(p))
	if n := len(p); n >= 4 {
		v.carry = binary.LittleEndian.Uint32(p[n-4:])
	} else {
		v.carry = shiftCarry(v.carry, p)
	}
	return len(p), true
}

// Finish reports whether the message written so far is complete, valid
// UTF-8: it returns an error equal to the one Write returned, an *[Error]
// with Truncated set when the message ends inside a sequence, or nil. It
// does not change the Validator; call Reset to start the next message.
func (v *Validator) Finish() error {
	if v.Complete() {
		return nil
	}
	e := v.err
	return &e
}

// Complete is [Validator.Finish] without an error value: it reports whether
// the message written so far is complete, valid UTF-8. It never allocates.
func (v *Validator) Complete() bool {
	if v.failed {
		return false
	}
	if incomplete(v.carry) {
		v.err = Error{Offset: v.off, Truncated: true}
		return false
	}
	return true
}

// Reset prepares the Validator for a new message, keeping its kernel.
func (v *Validator) Reset() { *v = Validator{k: v.k} }

// Kernel names the kernel [Valid] and zero-value Validators use: "avx512",
// "avx2", "neon" or "generic". It is meant for logs and benchmark labels.
func Kernel() string { return kernels[0].name }

// Impl is one validation kernel. Every kernel gives the same results; tests
// and benchmarks use Impl to pin one.
type Impl struct {
	// Name is the kernel's name, as [Kernel] reports it.
	Name string
	// Valid is the kernel's version of [Valid].
	Valid func(p []byte) bool

	k *kernel
}

// Validator returns a fresh [Validator] that uses this kernel.
func (im Impl) Validator() Validator { return Validator{k: im.k} }

// Kernels lists the kernels this CPU can run: the one [Valid] uses first,
// then every other kernel this CPU supports, and "generic", the portable
// reference, last. The slice is a fresh copy.
func Kernels() []Impl {
	out := make([]Impl, len(kernels))
	for i, k := range kernels {
		out[i] = Impl{Name: k.name, Valid: k.valid, k: k}
	}
	return out
}

// kernel is one implementation. scan validates p as the continuation of a
// valid prefix whose last four bytes are carry (see Validator.carry). It
// returns -1 when the prefix followed by p is still a valid prefix (it may
// end inside a sequence), and otherwise a hint h with 0 <= h <= len(p) such
// that the first offending byte of p is at index h-1 or later; locate finds
// it exactly. valid is the one-shot check.
type kernel struct {
	name  string
	scan  func(p []byte, carry uint32) int
	valid func(p []byte) bool
}

// shiftCarry returns the carry after the bytes of p have been appended.
func shiftCarry(c uint32, p []byte) uint32 {
	switch n := len(p); n {
	case 0:
		return c
	case 1:
		return c>>8 | uint32(p[0])<<24
	case 2:
		return c>>16 | uint32(p[0])<<16 | uint32(p[1])<<24
	case 3:
		return c>>24 | uint32(p[0])<<8 | uint32(p[1])<<16 | uint32(p[2])<<24
	default:
		return binary.LittleEndian.Uint32(p[n-4:])
	}
}

// incomplete reports whether a valid prefix whose last four bytes are c ends
// inside a sequence: a lead byte among the last three bytes whose sequence
// needs more bytes than follow it.
func incomplete(c uint32) bool {
	return c>>24 >= 0xC0 || (c>>16)&0xFF >= 0xE0 || (c>>8)&0xFF >= 0xF0
}

// endsOpen reports whether the valid prefix p (non-empty) ends inside a
// sequence; it is incomplete without the carry bookkeeping.
func endsOpen(p []byte) bool {
	n := len(p)
	return p[n-1] >= 0xC0 || n >= 2 && p[n-2] >= 0xE0 || n >= 3 && p[n-3] >= 0xF0
}

// checkLast completes a vector kernel's answer h for a non-empty chunk p.
// The vector check flags C0, C1 and F5..FF at the byte after them, so a
// chunk that ends in one must be failed here, not in the next chunk.
func checkLast(p []byte, h int) int {
	if h < 0 && neverValid(p[len(p)-1]) {
		return len(p)
	}
	return h
}

// neverValid reports whether b can appear nowhere in UTF-8: C0 and C1 would
// start overlong encodings and F5..FF code points above U+10FFFF.
func neverValid(b byte) bool { return b >= 0xF5 || b-0xC0 < 2 }

// locate returns the exact index in p of the first offending byte, given
// that it lies at h-1 or later and that the message before p is a valid
// prefix ending with carry. It restarts the portable automaton just before
// h, from the state the preceding bytes imply. It returns -1 if p holds no
// offending byte after all (a kernel false alarm, which tests rule out).
func locate(p []byte, carry uint32, h int) int {
	start := h - 1
	if start < 0 {
		start = 0
	}
	c := shiftCarry(carry, p[:start])
	if i := scanGeneric(p[start:], c); i >= 0 {
		return start + i
	}
	// Reached only if the kernel broke its contract; scanning from the
	// start of p is always exact.
	return scanGeneric(p, carry)
}
