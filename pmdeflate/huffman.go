package pmdeflate

import "math/bits"

// Canonical Huffman decoding tables (RFC 1951 §3.2.2), built into fixed
// arrays so that a dynamic block's header costs no allocation.

const (
	maxCodeLen = 15  // longest code DEFLATE allows
	maxSyms    = 288 // literal/length alphabet, the largest, with the two unused codes

	// fastBits is the width of the direct lookup of literal/length codes:
	// wide enough for every fixed code and for the common dynamic ones,
	// narrow enough to build quickly for every block of a small message.
	// Longer codes are decoded canonically, bit by bit (decodeSlow); they
	// are the rarest symbols, by construction of a Huffman code.
	fastBits = 10
	// distFastBits is the same for distance codes (30 symbols) and, while
	// a dynamic block header is read, the code length code (19 symbols of
	// at most 7 bits).
	distFastBits = 8
)

// A huffman decodes one alphabet. An entry of fast, indexed by the next
// fastBits (or distFastBits) bits of input in stream order, is the symbol
// shifted left by 4 with the code's length in the low 4 bits, or 0 where
// the code is longer than the lookup or is unused.
type huffman struct {
	fast  [1 << fastBits]uint16
	mask  uint64                 // low bits of input that index fast
	max   uint                   // the longest code's length, 0 for no code
	count [maxCodeLen + 1]uint16 // codes of each length
	syms  [maxSyms]uint16        // symbols in canonical order: by length, then value
}

// build makes h decode the code whose lengths (0: symbol unused) are lens,
// with a direct lookup of width lookBits. It reports false for the sets of
// lengths RFC 1951 cannot decode unambiguously: over-subscribed ones, and
// incomplete ones other than a single code of length 1 or no code at all,
// which zlib and compress/flate accept (an empty code fails when it is
// used; an unused bit pattern of a single-code one fails as corrupt).
func (h *huffman) build(lens []uint8, lookBits uint) bool {
	// Counted in four interleaved tallies: runs of equal lengths are the
	// rule, and one tally would make each increment wait for the last.
	var tally [4][maxCodeLen + 1]uint16
	i := 0
	for ; i+4 <= len(lens); i += 4 {
		tally[0][lens[i]&15]++
		tally[1][lens[i+1]&15]++
		tally[2][lens[i+2]&15]++
		tally[3][lens[i+3]&15]++
	}
	for ; i < len(lens); i++ {
		tally[0][lens[i]&15]++
	}
	// Kraft's inequality, counted in units of the longest code.
	left := 1
	total := 0
	h.max = 0
	h.count[0] = 0
	for l := 1; l <= maxCodeLen; l++ {
		c := tally[0][l] + tally[1][l] + tally[2][l] + tally[3][l]
		h.count[l] = c
		left = left<<1 - int(c)
		if left < 0 {
			return false // over-subscribed
		}
		total += int(c)
		if c > 0 {
			h.max = uint(l)
		}
	}
	if left != 0 && total > 1 || total == 1 && h.count[1] != 1 {
		return false // incomplete
	}
	var next [maxCodeLen + 2]uint16 // where each length's symbols start in syms
	for l := 1; l <= maxCodeLen; l++ {
		next[l+1] = next[l] + h.count[l]
	}
	for s, l := range lens {
		if l != 0 {
			h.syms[next[l]] = uint16(s)
			next[l]++
		}
	}
	// The lookup is built width by width: the entries of a width are its
	// codes plus, twice over, the table of the width before (a shorter
	// code does not look at the new bit). Codes of each length are
	// consecutive integers, read from the stream most significant bit
	// first, so a code's index is the code reversed. Unused and longer
	// codes' entries stay 0.
	fast := &h.fast
	fast[0], fast[1] = 0, 0
	h.mask = 1<<lookBits - 1
	code, k := 0, 0
	for l := uint(1); l <= lookBits; l++ {
		if l > 1 {
			copy(fast[1<<(l-1):1<<l], fast[:1<<(l-1)])
		}
		for n := 0; n < int(h.count[l]); n++ {
			fast[bits.Reverse16(uint16(code))>>(16-l)] = h.syms[k]<<4 | uint16(l)
			code++
			k++
		}
		code <<= 1
	}
	return true
}

// decodeSlow decodes the code at the bottom of b, of which n bits are
// input (the rest is not), walking the canonical code one length at a
// time. It returns the symbol and the code's length; length 0 when the
// code needs more than n bits; length maxCodeLen+1 for a bit pattern that
// is no code (of an incomplete code), known as soon as it is longer than
// the longest code, so never later than after 15 bits.
func (h *huffman) decodeSlow(b uint64, n uint) (sym, length uint) {
	code, first, index := 0, 0, 0
	for l := uint(1); l <= h.max; l++ {
		if l > n {
			return 0, 0
		}
		code |= int(b & 1)
		b >>= 1
		c := int(h.count[l])
		// Unused patterns sort after every code, so code >= first here.
		if code-first < c {
			return uint(h.syms[index+code-first]), l
		}
		index += c
		first = (first + c) << 1
		code <<= 1
	}
	return 0, maxCodeLen + 1
}

// decode decodes the code at the bottom of b (n bits of input) like
// decodeSlow, through the lookup when the code is short.
func (h *huffman) decode(b uint64, n uint) (sym, length uint) {
	e := h.fast[b&h.mask]
	if l := uint(e & 15); l != 0 && l <= n {
		return uint(e >> 4), l
	}
	return h.decodeSlow(b, n)
}

// The fixed codes of block type 1 (RFC 1951 §3.2.6).
var fixedLit, fixedDist huffman

func init() {
	var lens [maxSyms]uint8
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	fixedLit.build(lens[:], fastBits)
	for i := 0; i < 32; i++ {
		lens[i] = 5 // 30 and 31 are codes, but corrupt when used
	}
	fixedDist.build(lens[:32], distFastBits)
}

// Lengths and distances of back-references (RFC 1951 §3.2.5): the value of
// each symbol's base and how many extra bits follow its code.
var (
	lengthBase = [29]uint16{
		3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
		35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{
		0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
		3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase = [30]uint16{
		1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
		257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra = [30]uint8{
		0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
		7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)
