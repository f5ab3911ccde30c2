package utf8valid

import "encoding/binary"

// The portable kernel: the reference every vector kernel is tested against,
// what -tags purego and architectures without assembly run, and the exact
// locator of errors for every kernel (see locate).
//
// ASCII is checked eight bytes at a time. Everything else goes through a
// deterministic automaton in the "shift" encoding: each state is a bit offset
// (a multiple of 6) and dfa[b] packs, for every state s, the next state at
// bits s..s+5, so one step is next = dfa[b] >> s. The step is a table load
// that does not depend on the state and one variable shift that does, so the
// loop-carried chain is a single shift per byte. The error state is offset 0
// and every row holds 0 there, so once reached it is never left.

// Automaton states, as bit offsets into a dfa row.
const (
	stErr   = 0  // no continuation can make the input valid
	stAcc   = 6  // between sequences
	stCont1 = 12 // one 80..BF continuation left
	stCont2 = 18 // two continuations left, the next one 80..BF
	stE0    = 24 // after E0: next A0..BF (no overlongs), then one more
	stED    = 30 // after ED: next 80..9F (no surrogates), then one more
	stF0    = 36 // after F0: next 90..BF (no overlongs), then two more
	stF1    = 42 // after F1..F3: next 80..BF, then two more
	stF4    = 48 // after F4: next 80..8F (nothing above U+10FFFF), then two more
)

var dfa = buildDFA()

func buildDFA() (t [256]uint64) {
	set := func(from, lo, hi, to uint) {
		for b := lo; b <= hi; b++ {
			t[b] |= uint64(to) << from
		}
	}
	set(stAcc, 0x00, 0x7F, stAcc)
	set(stAcc, 0xC2, 0xDF, stCont1)
	set(stAcc, 0xE0, 0xE0, stE0)
	set(stAcc, 0xE1, 0xEC, stCont2)
	set(stAcc, 0xED, 0xED, stED)
	set(stAcc, 0xEE, 0xEF, stCont2)
	set(stAcc, 0xF0, 0xF0, stF0)
	set(stAcc, 0xF1, 0xF3, stF1)
	set(stAcc, 0xF4, 0xF4, stF4)
	set(stCont1, 0x80, 0xBF, stAcc)
	set(stCont2, 0x80, 0xBF, stCont1)
	set(stE0, 0xA0, 0xBF, stCont1)
	set(stED, 0x80, 0x9F, stCont1)
	set(stF0, 0x90, 0xBF, stCont2)
	set(stF1, 0x80, 0xBF, stCont2)
	set(stF4, 0x80, 0x8F, stCont2)
	return t
}

// genericKernel is the portable kernel, always last in Kernels.
var genericKernel = &kernel{name: "generic", scan: scanGeneric, valid: validGeneric}

// stateOf returns the automaton state after a valid prefix whose last four
// bytes are c: it replays the sequence still open at the end, if any.
func stateOf(c uint32) uint64 {
	var open uint32 // bytes of the open sequence, oldest in the low byte
	var n uint
	switch {
	case c>>24 >= 0xC0:
		open, n = c>>24, 1
	case (c>>16)&0xFF >= 0xE0:
		open, n = c>>16, 2
	case (c>>8)&0xFF >= 0xF0:
		open, n = c>>8, 3
	}
	s := uint64(stAcc)
	for ; n > 0; n-- {
		s = dfa[byte(open)] >> (s & 63)
		open >>= 8
	}
	return s & 63
}

// run steps the automaton from state s over p. It returns the index of the
// first byte that leads to the error state (or -1) and the final state.
//
// Long inputs are split at a sequence boundary near the middle and both
// halves are stepped in lockstep: the automaton's chain is one dependent
// shift per byte, so two independent chains run nearly twice as fast. An
// error anywhere sends the input through the single-chain run1, which finds
// the first offending byte exactly.
func run(p []byte, s uint64) (int, uint64) {
	i := 0
	if s&63 == stAcc {
		i = skipASCII(p) // pure ASCII never reaches the automaton
	}
	if len(p)-i >= 128 {
		if j, s2, ok := run2(p[i:], s); ok {
			return offset(i, j), s2
		}
	}
	j, s2 := run1(p[i:], s)
	return offset(i, j), s2
}

// offset adds base to an index that may be -1 (none).
func offset(base, j int) int {
	if j < 0 {
		return j
	}
	return base + j
}

// skipASCII returns the length of p's ASCII prefix, rounded down to 32.
func skipASCII(p []byte) int {
	le := binary.LittleEndian
	// With cap == len the compiler need not track the capacity when it
	// reslices, which shortens the loops (the trick utf8.Valid uses).
	p = p[:len(p):len(p)]
	q := p
	for len(q) >= 64 {
		if (le.Uint64(q)|le.Uint64(q[8:])|le.Uint64(q[16:])|le.Uint64(q[24:])|
			le.Uint64(q[32:])|le.Uint64(q[40:])|le.Uint64(q[48:])|le.Uint64(q[56:]))&hi8 != 0 {
			break
		}
		q = q[64:]
	}
	for len(q) >= 32 {
		if (le.Uint64(q)|le.Uint64(q[8:])|le.Uint64(q[16:])|le.Uint64(q[24:]))&hi8 != 0 {
			break
		}
		q = q[32:]
	}
	return len(p) - len(q)
}

const hi8 = 0x8080808080808080

// step16 steps the automaton over 16 bytes.
func step16(w *[16]byte, s uint64) uint64 {
	s = dfa[w[0]] >> (s & 63)
	s = dfa[w[1]] >> (s & 63)
	s = dfa[w[2]] >> (s & 63)
	s = dfa[w[3]] >> (s & 63)
	s = dfa[w[4]] >> (s & 63)
	s = dfa[w[5]] >> (s & 63)
	s = dfa[w[6]] >> (s & 63)
	s = dfa[w[7]] >> (s & 63)
	s = dfa[w[8]] >> (s & 63)
	s = dfa[w[9]] >> (s & 63)
	s = dfa[w[10]] >> (s & 63)
	s = dfa[w[11]] >> (s & 63)
	s = dfa[w[12]] >> (s & 63)
	s = dfa[w[13]] >> (s & 63)
	s = dfa[w[14]] >> (s & 63)
	return dfa[w[15]] >> (s & 63)
}

// ascii32 reports whether 32 bytes are all ASCII.
func ascii32(w *[32]byte) bool {
	le := binary.LittleEndian
	return (le.Uint64(w[:8])|le.Uint64(w[8:16])|le.Uint64(w[16:24])|le.Uint64(w[24:]))&hi8 == 0
}

// step32 steps the automaton over 32 bytes.
func step32(w *[32]byte, s uint64) uint64 {
	return step16((*[16]byte)(w[16:]), step16((*[16]byte)(w[:16]), s))
}

// run2 is run over two halves of p in lockstep. ok is false when p cannot
// be split or a half fails inside the lockstep loop.
func run2(p []byte, s uint64) (i int, end uint64, ok bool) {
	mid := len(p) / 2
	for k := 0; p[mid]&0xC0 == 0x80; k++ {
		if k == 3 {
			return 0, 0, false
		}
		mid--
	}
	a, b := p[:mid:mid], p[mid:]
	sa, sb := s, uint64(stAcc) // b starts at a lead or ASCII byte
	n := min(len(a), len(b)) &^ 31
	for j := 0; j < n; j += 32 {
		x, y := (*[32]byte)(a[j:j+32]), (*[32]byte)(b[j:j+32])
		switch {
		case sa&63 == stAcc && ascii32(x) && sb&63 == stAcc && ascii32(y):
			continue // the common case in mostly-ASCII text
		case sa&63 == stAcc && ascii32(x):
			sb = step32(y, sb)
		case sb&63 == stAcc && ascii32(y):
			sa = step32(x, sa)
		default:
			// Both chains, interleaved so that neither waits for the other.
			sa = dfa[x[0]] >> (sa & 63)
			sb = dfa[y[0]] >> (sb & 63)
			sa = dfa[x[1]] >> (sa & 63)
			sb = dfa[y[1]] >> (sb & 63)
			sa = dfa[x[2]] >> (sa & 63)
			sb = dfa[y[2]] >> (sb & 63)
			sa = dfa[x[3]] >> (sa & 63)
			sb = dfa[y[3]] >> (sb & 63)
			sa = dfa[x[4]] >> (sa & 63)
			sb = dfa[y[4]] >> (sb & 63)
			sa = dfa[x[5]] >> (sa & 63)
			sb = dfa[y[5]] >> (sb & 63)
			sa = dfa[x[6]] >> (sa & 63)
			sb = dfa[y[6]] >> (sb & 63)
			sa = dfa[x[7]] >> (sa & 63)
			sb = dfa[y[7]] >> (sb & 63)
			sa = dfa[x[8]] >> (sa & 63)
			sb = dfa[y[8]] >> (sb & 63)
			sa = dfa[x[9]] >> (sa & 63)
			sb = dfa[y[9]] >> (sb & 63)
			sa = dfa[x[10]] >> (sa & 63)
			sb = dfa[y[10]] >> (sb & 63)
			sa = dfa[x[11]] >> (sa & 63)
			sb = dfa[y[11]] >> (sb & 63)
			sa = dfa[x[12]] >> (sa & 63)
			sb = dfa[y[12]] >> (sb & 63)
			sa = dfa[x[13]] >> (sa & 63)
			sb = dfa[y[13]] >> (sb & 63)
			sa = dfa[x[14]] >> (sa & 63)
			sb = dfa[y[14]] >> (sb & 63)
			sa = dfa[x[15]] >> (sa & 63)
			sb = dfa[y[15]] >> (sb & 63)
			sa = dfa[x[16]] >> (sa & 63)
			sb = dfa[y[16]] >> (sb & 63)
			sa = dfa[x[17]] >> (sa & 63)
			sb = dfa[y[17]] >> (sb & 63)
			sa = dfa[x[18]] >> (sa & 63)
			sb = dfa[y[18]] >> (sb & 63)
			sa = dfa[x[19]] >> (sa & 63)
			sb = dfa[y[19]] >> (sb & 63)
			sa = dfa[x[20]] >> (sa & 63)
			sb = dfa[y[20]] >> (sb & 63)
			sa = dfa[x[21]] >> (sa & 63)
			sb = dfa[y[21]] >> (sb & 63)
			sa = dfa[x[22]] >> (sa & 63)
			sb = dfa[y[22]] >> (sb & 63)
			sa = dfa[x[23]] >> (sa & 63)
			sb = dfa[y[23]] >> (sb & 63)
			sa = dfa[x[24]] >> (sa & 63)
			sb = dfa[y[24]] >> (sb & 63)
			sa = dfa[x[25]] >> (sa & 63)
			sb = dfa[y[25]] >> (sb & 63)
			sa = dfa[x[26]] >> (sa & 63)
			sb = dfa[y[26]] >> (sb & 63)
			sa = dfa[x[27]] >> (sa & 63)
			sb = dfa[y[27]] >> (sb & 63)
			sa = dfa[x[28]] >> (sa & 63)
			sb = dfa[y[28]] >> (sb & 63)
			sa = dfa[x[29]] >> (sa & 63)
			sb = dfa[y[29]] >> (sb & 63)
			sa = dfa[x[30]] >> (sa & 63)
			sb = dfa[y[30]] >> (sb & 63)
			sa = dfa[x[31]] >> (sa & 63)
			sb = dfa[y[31]] >> (sb & 63)
		}
		if sa&63 == stErr || sb&63 == stErr {
			return 0, 0, false
		}
	}
	// Finish a; b's start state is right only if a ends between sequences.
	if j, sa := run1(a[n:], sa); j >= 0 {
		return n + j, stErr, true
	} else if sa != stAcc {
		return mid, stErr, true // a sequence is open where b starts with no continuation
	}
	if j, sb := run1(b[n:], sb); j >= 0 {
		return mid + n + j, stErr, true
	} else {
		return -1, sb, true
	}
}

// run1 is run with a single chain.
func run1(p []byte, s uint64) (int, uint64) {
	i := 0
	for {
		if s&63 == stAcc {
			i += skipASCII(p[i:])
		}
		if len(p)-i < 16 {
			break
		}
		// Step over 16 bytes, testing for the error state once: it is
		// sticky, so the failing byte is found by a replay.
		w := (*[16]byte)(p[i : i+16])
		s0 := s
		// step16, written out: the call would cost a fifth of the work.
		s = dfa[w[0]] >> (s & 63)
		s = dfa[w[1]] >> (s & 63)
		s = dfa[w[2]] >> (s & 63)
		s = dfa[w[3]] >> (s & 63)
		s = dfa[w[4]] >> (s & 63)
		s = dfa[w[5]] >> (s & 63)
		s = dfa[w[6]] >> (s & 63)
		s = dfa[w[7]] >> (s & 63)
		s = dfa[w[8]] >> (s & 63)
		s = dfa[w[9]] >> (s & 63)
		s = dfa[w[10]] >> (s & 63)
		s = dfa[w[11]] >> (s & 63)
		s = dfa[w[12]] >> (s & 63)
		s = dfa[w[13]] >> (s & 63)
		s = dfa[w[14]] >> (s & 63)
		s = dfa[w[15]] >> (s & 63)
		if s&63 == stErr {
			if j, _ := runBytes(w[:], s0); j >= 0 {
				return i + j, stErr
			}
		}
		i += 16
	}
	return runBytes2(p, i, s)
}

// runBytes steps byte by byte, stopping at the first error.
func runBytes(p []byte, s uint64) (int, uint64) {
	for j, b := range p {
		s = dfa[b] >> (s & 63)
		if s&63 == stErr {
			return j, stErr
		}
	}
	return -1, s & 63
}

// runBytes2 is runBytes over p[i:], with indexes into p.
func runBytes2(p []byte, i int, s uint64) (int, uint64) {
	j, s := runBytes(p[i:], s)
	if j >= 0 {
		j += i
	}
	return j, s
}

// scanGeneric is the portable kernel's scan: it returns the exact index of
// the first offending byte, or -1.
func scanGeneric(p []byte, carry uint32) int {
	i, _ := run(p, stateOf(carry))
	return i
}

// validGeneric is the portable kernel's one-shot check.
func validGeneric(p []byte) bool {
	i, s := run(p, stAcc)
	return i < 0 && s == stAcc
}
