package pmdeflate

import "encoding/binary"

// A DEFLATE (RFC 1951) decoder that stops wherever its input runs out and
// resumes with the next chunk: the bits of a partly read symbol stay in its
// bit buffer and where it is in the stream stays in its state, as in zlib's
// inflate. It holds no input of its own beyond those bits, so a message fed
// in frames inflates as they come, with bounded state, in every chunking
// alike. compress/flate cannot do this: once its input runs dry it fails.

// The decoder's states: where in the stream the next bits belong.
const (
	stHeader     = iota // a block header: BFINAL, BTYPE
	stStoredLen         // a stored block's LEN and NLEN, after byte alignment
	stStored            // a stored block's bytes, left of them to copy
	stTableSizes        // a dynamic block's HLIT, HDIST, HCLEN
	stCodeLens          // its code length code lengths, 3 bits each
	stLens              // its literal/length and distance code lengths
	stBlock             // the symbols of a Huffman block
	stCopy              // a back-reference not yet fully written: left, dist
	stEnd               // after the final block
)

// What inflate stopped for.
type stop int

const (
	stopInput   stop = iota // all the input is used; more is needed
	stopRoom                // the room given for output is used up
	stopEnd                 // the final block ended: the stream is complete
	stopCorrupt             // the input is not DEFLATE
)

// codeLenOrder is the order of the code length code's lengths in a dynamic
// block header (RFC 1951 §3.2.7).
var codeLenOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

const (
	maxLitSyms  = 286 // literal/length codes a dynamic header may define
	maxDistSyms = 30  // distance codes a dynamic header may define
)

// An inflater is the decoder's state, apart from the history it writes to.
type inflater struct {
	bits  uint64 // input bits not yet used, the next one lowest
	nbits uint   // how many; bits above them are zero
	state int
	final bool // the current block is the last

	left int // stStored: bytes to copy; stCopy: bytes to write
	dist int // stCopy: its distance

	// The dynamic block header being read.
	nlit, ndist, nclen int
	nlens              int // lengths read so far (code length code's, then the others)
	lens               [maxLitSyms + maxDistSyms]uint8

	hlit, hdist huffman  // a dynamic block's codes (hlit also holds the code length code)
	lt, dt      *huffman // the codes of the current block: these or the fixed ones

	in []byte // the input of the current call, never kept after it
	ip int    // how much of in is used
}

// reset prepares f for a new stream.
func (f *inflater) reset() {
	f.bits, f.nbits, f.state, f.final = 0, 0, stHeader, false
}

// fill moves input bytes into the bit buffer until it holds at least n bits
// (n <= 57) or the input is used up, and reports whether it holds n.
func (f *inflater) fill(n uint) bool {
	for f.nbits < n {
		if f.ip == len(f.in) {
			return false
		}
		f.bits |= uint64(f.in[f.ip]) << f.nbits
		f.ip++
		f.nbits += 8
	}
	return true
}

func (f *inflater) drop(n uint) {
	f.bits >>= n
	f.nbits -= n
}

// inflate decodes in, writing at most room bytes into w (room <= w.room()).
// It returns how much of in it used (all of it for stopInput) and why it
// stopped.
func (f *inflater) inflate(w *window, in []byte, room int) (int, stop) {
	f.in, f.ip = in, 0
	s := f.run(w, w.wpos+room)
	n := f.ip
	f.in, f.ip = nil, 0
	return n, s
}

func (f *inflater) run(w *window, end int) stop {
	for {
		switch f.state {
		case stHeader:
			if !f.fill(3) {
				return stopInput
			}
			f.final = f.bits&1 != 0
			typ := f.bits >> 1 & 3
			f.drop(3)
			switch typ {
			case 0:
				f.state = stStoredLen
			case 1:
				f.lt, f.dt = &fixedLit, &fixedDist
				f.state = stBlock
			case 2:
				f.state = stTableSizes
			default:
				return stopCorrupt // reserved block type
			}

		case stStoredLen:
			f.drop(f.nbits & 7) // to the byte boundary
			if !f.fill(32) {
				return stopInput
			}
			n, nn := uint16(f.bits), uint16(f.bits>>16)
			if n != ^nn {
				return stopCorrupt
			}
			f.drop(32)
			f.left = int(n)
			f.state = stStored

		case stStored:
			if s, ok := f.stored(w, end); !ok {
				return s
			}
			f.endBlock()

		case stTableSizes:
			if !f.fill(14) {
				return stopInput
			}
			f.nlit = int(f.bits&31) + 257
			f.ndist = int(f.bits>>5&31) + 1
			f.nclen = int(f.bits>>10&15) + 4
			if f.nlit > maxLitSyms || f.ndist > maxDistSyms {
				return stopCorrupt
			}
			f.drop(14)
			f.nlens = 0
			f.state = stCodeLens

		case stCodeLens:
			for ; f.nlens < f.nclen; f.nlens++ {
				if !f.fill(3) {
					return stopInput
				}
				f.lens[codeLenOrder[f.nlens]] = uint8(f.bits & 7)
				f.drop(3)
			}
			for _, i := range codeLenOrder[f.nclen:] {
				f.lens[i] = 0
			}
			if !f.hlit.build(f.lens[:19], distFastBits) {
				return stopCorrupt
			}
			f.nlens = 0
			f.state = stLens

		case stLens:
			if s, ok := f.readLens(); !ok {
				return s
			}
			if !f.hlit.build(f.lens[:f.nlit], fastBits) ||
				!f.hdist.build(f.lens[f.nlit:f.nlit+f.ndist], distFastBits) {
				return stopCorrupt
			}
			f.lt, f.dt = &f.hlit, &f.hdist
			f.state = stBlock

		case stBlock:
			if s := f.block(w, end); s != stopEnd {
				return s
			}
			f.endBlock()

		case stCopy:
			n := min(f.left, end-w.wpos)
			w.copyMatch(f.dist, n)
			f.left -= n
			if f.left > 0 {
				return stopRoom
			}
			f.state = stBlock

		case stEnd:
			return stopEnd
		}
	}
}

// endBlock moves on after a block: to the next one, or to the end.
func (f *inflater) endBlock() {
	if f.final {
		f.state = stEnd
	} else {
		f.state = stHeader
	}
}

// stored copies a stored block's bytes: first the whole bytes already in
// the bit buffer, then straight from the input. ok is false when it stops
// before the block's end, with the reason.
func (f *inflater) stored(w *window, end int) (s stop, ok bool) {
	for f.left > 0 {
		if w.wpos == end {
			return stopRoom, false
		}
		if f.nbits >= 8 { // always a multiple of 8 here
			w.buf[w.wpos] = byte(f.bits)
			w.wpos++
			f.drop(8)
			f.left--
			continue
		}
		if f.ip == len(f.in) {
			return stopInput, false
		}
		k := copy(w.buf[w.wpos:min(end, w.wpos+f.left)], f.in[f.ip:])
		f.ip += k
		w.wpos += k
		f.left -= k
	}
	return 0, true
}

// readLens reads a dynamic block's literal/length and distance code
// lengths with the code length code, one whole symbol (code and extra bits)
// at a time, so that running out of input never splits one.
func (f *inflater) readLens() (s stop, ok bool) {
	total := f.nlit + f.ndist
	for f.nlens < total {
		f.fill(7 + 7) // the longest code and the most extra bits
		sym, l := f.hlit.decode(f.bits, f.nbits)
		switch {
		case l > maxCodeLen:
			return stopCorrupt, false
		case l == 0:
			return stopInput, false
		case sym < 16:
			f.lens[f.nlens] = uint8(sym)
			f.nlens++
			f.drop(l)
			continue
		}
		var extra uint
		var rep int
		var v uint8
		switch sym {
		case 16: // the previous length, 3..6 times
			if f.nlens == 0 {
				return stopCorrupt, false
			}
			extra, rep, v = 2, 3, f.lens[f.nlens-1]
		case 17: // zero, 3..10 times
			extra, rep = 3, 3
		default: // 18: zero, 11..138 times
			extra, rep = 7, 11
		}
		if f.nbits < l+extra {
			return stopInput, false
		}
		rep += int(f.bits >> l & (1<<extra - 1))
		if f.nlens+rep > total {
			return stopCorrupt, false
		}
		f.drop(l + extra)
		for i := 0; i < rep; i++ {
			f.lens[f.nlens] = v
			f.nlens++
		}
	}
	return 0, true
}

// block decodes the symbols of a Huffman block until its end-of-block code
// (stopEnd), or until it must stop. A symbol, with the extra bits and the
// distance that go with it, is used only once all its bits are at hand, so
// that stopping for input leaves them in the bit buffer for the next call.
// Its locals mirror f's fields for speed; they are written back on return.
func (f *inflater) block(w *window, end int) stop {
	bits, nbits := f.bits, f.nbits
	in, ip := f.in, f.ip
	lt, dt := f.lt, f.dt
	buf := &w.buf
	wpos := w.wpos
	s := stopEnd
	for {
		// The longest symbol is 48 bits: a 15-bit length code with 5
		// extra bits, a 15-bit distance code with 13.
		if nbits < 48 {
			if len(in)-ip >= 8 {
				// Eight bytes at once, as many as fit in the buffer.
				// Bits above nbits are then the next input bytes,
				// which the next refill ORs in again unchanged.
				bits |= binary.LittleEndian.Uint64(in[ip:]) << nbits
				ip += int(63-nbits) >> 3
				nbits |= 56
			} else {
				for nbits <= 56 && ip < len(in) {
					bits |= uint64(in[ip]) << nbits
					ip++
					nbits += 8
				}
			}
		}
		var sym, l uint
		if e := lt.fast[bits&lt.mask]; uint(e&15) != 0 && uint(e&15) <= nbits {
			sym, l = uint(e>>4), uint(e&15)
		} else if sym, l = lt.decodeSlow(bits, nbits); l == 0 {
			s = stopInput
			break
		} else if l > maxCodeLen {
			s = stopCorrupt
			break
		}
		if sym < 256 {
			if wpos == end {
				s = stopRoom
				break
			}
			buf[wpos] = byte(sym)
			wpos++
			bits >>= l
			nbits -= l
			continue
		}
		if sym == 256 {
			bits >>= l
			nbits -= l
			break // stopEnd: the block's end
		}
		if sym > 285 {
			s = stopCorrupt
			break
		}
		sym -= 257
		need := l + uint(lengthExtra[sym])
		if nbits < need {
			s = stopInput
			break
		}
		length := int(lengthBase[sym]) + int(bits>>l&(1<<lengthExtra[sym]-1))
		rest, nrest := bits>>need, nbits-need
		var dsym, dl uint
		if e := dt.fast[rest&dt.mask]; uint(e&15) != 0 && uint(e&15) <= nrest {
			dsym, dl = uint(e>>4), uint(e&15)
		} else if dsym, dl = dt.decodeSlow(rest, nrest); dl == 0 {
			s = stopInput
			break
		} else if dl > maxCodeLen {
			s = stopCorrupt
			break
		}
		if dsym >= maxDistSyms {
			s = stopCorrupt
			break
		}
		need2 := dl + uint(distExtra[dsym])
		if nrest < need2 {
			s = stopInput
			break
		}
		dist := int(distBase[dsym]) + int(rest>>dl&(1<<distExtra[dsym]-1))
		w.wpos = wpos
		if dist > w.history() {
			s = stopCorrupt // before the start of the history
			break
		}
		bits = rest >> need2
		nbits = nrest - need2
		n := min(length, end-wpos)
		w.copyMatch(dist, n)
		wpos = w.wpos
		if n < length {
			f.left, f.dist = length-n, dist
			f.state = stCopy
			s = stopRoom
			break
		}
	}
	// Bits above nbits may hold input not used yet: clear them, so that
	// the next call's refill starts from zeros.
	if nbits < 64 {
		bits &= 1<<nbits - 1
	}
	f.bits, f.nbits = bits, nbits
	f.ip = ip
	w.wpos = wpos
	return s
}
