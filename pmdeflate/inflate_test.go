package pmdeflate

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"math/bits"
	"math/rand"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/codec"
)

// bitWriter writes DEFLATE streams bit by bit (RFC 1951 §3.1.1), so that
// the tests can make streams no compress/flate setting writes: many tiny
// blocks without flushes between them, distances limited to a small
// window, faults of every kind.
type bitWriter struct {
	out []byte
	acc uint64
	n   uint
}

// bits writes the n low bits of v, least significant first.
func (w *bitWriter) bits(v uint64, n uint) {
	w.acc |= v << w.n
	w.n += n
	for w.n >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

// code writes a Huffman code of n bits, most significant bit first.
func (w *bitWriter) code(c uint16, n uint) {
	w.bits(uint64(bits.Reverse16(c)>>(16-n)), n)
}

// align pads to a byte boundary with zero bits.
func (w *bitWriter) align() {
	if w.n > 0 {
		w.bits(0, 8-w.n)
	}
}

func (w *bitWriter) header(final bool, typ uint64) {
	f := uint64(0)
	if final {
		f = 1
	}
	w.bits(f|typ<<1, 3)
}

// fixedSym writes literal/length symbol s with the fixed code (§3.2.6).
func (w *bitWriter) fixedSym(s int) {
	switch {
	case s < 144:
		w.code(uint16(0x30+s), 8)
	case s < 256:
		w.code(uint16(0x190+s-144), 9)
	case s < 280:
		w.code(uint16(s-256), 7)
	default:
		w.code(uint16(0xc0+s-280), 8)
	}
}

// match writes a back-reference in a fixed block.
func (w *bitWriter) match(length, dist int) {
	ls := 0
	for ls+1 < len(lengthBase) && int(lengthBase[ls+1]) <= length {
		ls++
	}
	if length == 258 {
		ls = 28
	}
	w.fixedSym(257 + ls)
	w.bits(uint64(length-int(lengthBase[ls])), uint(lengthExtra[ls]))
	ds := 0
	for ds+1 < len(distBase) && int(distBase[ds+1]) <= dist {
		ds++
	}
	w.code(uint16(ds), 5)
	w.bits(uint64(dist-int(distBase[ds])), uint(distExtra[ds]))
}

// stored writes a stored block holding p (at most 65535 bytes).
func (w *bitWriter) stored(final bool, p []byte) {
	w.header(final, 0)
	w.align()
	w.bits(uint64(len(p)), 16)
	w.bits(uint64(^uint16(len(p))), 16)
	w.out = append(w.out, p...)
}

// syncFlush writes what a sync flush ends a message with, less the
// 00 00 ff ff that permessage-deflate removes: an empty stored block's
// header, padded to a byte.
func (w *bitWriter) syncFlush() {
	w.header(false, 0)
	w.align()
}

// tinyBlocks returns the payload of a message made of n non-final
// fixed-Huffman blocks of one literal each, then a sync flush (issue 12's
// stream: 18 bits per block, so 40,000 blocks are 90,001 bytes), and the
// message.
func tinyBlocks(n int) (payload, msg []byte) {
	var w bitWriter
	for i := 0; i < n; i++ {
		c := byte('a' + i%26)
		w.header(false, 1)
		w.fixedSym(int(c))
		w.fixedSym(256)
		msg = append(msg, c)
	}
	w.syncFlush()
	return w.out, msg
}

// lz77 returns the payload of msg as one fixed-Huffman block, with
// back-references found by a plain search no farther than window bytes
// (after hist, the context of earlier messages: the search reaches into
// it too), as a compressor limited to that window would write. The
// search keeps the longest match among the last few positions where the
// next three bytes occurred.
func lz77(hist, msg []byte, window int) []byte {
	all := append(append([]byte(nil), hist...), msg...)
	last := map[[3]byte][]int{}
	add := func(i int) {
		if i+3 <= len(all) {
			k := [3]byte(all[i : i+3])
			l := last[k]
			if len(l) == 8 {
				l = l[1:]
			}
			last[k] = append(l, i)
		}
	}
	for i := range hist {
		add(i)
	}
	var w bitWriter
	w.header(false, 1)
	for i := len(hist); i < len(all); {
		best, bestDist := 0, 0
		if i+3 <= len(all) {
			for _, j := range last[[3]byte(all[i:i+3])] {
				if i-j > window {
					continue
				}
				n := 0
				for n < 258 && i+n < len(all) && all[j+n] == all[i+n] {
					n++
				}
				if n > best {
					best, bestDist = n, i-j
				}
			}
		}
		if best >= 3 {
			w.match(best, bestDist)
			for k := 0; k < best; k++ {
				add(i + k)
			}
			i += best
			continue
		}
		w.fixedSym(int(all[i]))
		add(i)
		i++
	}
	w.fixedSym(256)
	w.syncFlush()
	return w.out
}

// reference inflates payload (a message's, after the payloads of the
// messages before it when they share a context, each followed by the
// 00 00 ff ff the sender removed) with compress/flate, as RFC 7692 §7.2.2
// says, and returns the output that follows the earlier messages' skip
// bytes.
func reference(t testing.TB, earlier []byte, skip int, payload []byte) []byte {
	t.Helper()
	stream := append(append(append([]byte(nil), earlier...), payload...), endTail[:]...)
	out, err := io.ReadAll(flate.NewReader(bytes.NewReader(stream)))
	if err != nil {
		t.Fatalf("compress/flate: %v", err)
	}
	return out[skip:]
}

// inflateChunks inflates payload as one message, chunk bytes at a time
// (the final call with the last chunk), into a dst of dstLen bytes, and
// returns the output and the error.
func inflateChunks(d *Decompressor, payload []byte, chunk, dstLen int) ([]byte, error) {
	var out []byte
	dst := make([]byte, dstLen)
	for rest := payload; ; {
		k := min(chunk, len(rest))
		src, final := rest[:k], k == len(rest)
		for {
			nd, ns, err := d.Inflate(dst, src, final)
			out = append(out, dst[:nd]...)
			src = src[ns:]
			if err == ErrShortDst {
				continue
			}
			if err != nil {
				return out, err
			}
			if len(src) != 0 {
				return out, fmt.Errorf("nil error with %d bytes of src left", len(src))
			}
			break
		}
		rest = rest[k:]
		if final {
			return out, nil
		}
	}
}

// TestTinyBlocks is issue 12's stream: 40,000 one-literal fixed blocks
// without a flush between them. The decompressor on compress/flate
// inflated it whole but failed it in 4, 16 and 64 KiB frames; every
// chunking must give the message.
func TestTinyBlocks(t *testing.T) {
	payload, msg := tinyBlocks(40000)
	if len(payload) != 90001 {
		t.Fatalf("payload is %d bytes, want 90001", len(payload))
	}
	if ref := reference(t, nil, 0, payload); !bytes.Equal(ref, msg) {
		t.Fatal("compress/flate does not inflate the stream to the message")
	}
	for _, chunk := range []int{1, 7, 4096, 16384, 65536, len(payload)} {
		for _, dstLen := range []int{100, 64 << 10} {
			out, err := inflateChunks(NewDecompressor(DecompressorConfig{}), payload, chunk, dstLen)
			if err != nil || !bytes.Equal(out, msg) {
				t.Errorf("chunks of %d, dst %d: %d bytes, %v", chunk, dstLen, len(out), err)
			}
		}
	}
}

// TestOutputFollowsInput checks that a message fed in frames comes out as
// the frames come, not at its end: after each chunk all that the chunk
// completes is delivered.
func TestOutputFollowsInput(t *testing.T) {
	payload, msg := tinyBlocks(40000)
	d := NewDecompressor(DecompressorConfig{})
	var out []byte
	for i := 0; i+4096 < len(payload); i += 4096 {
		var err error
		if out, err = d.AppendInflate(out, payload[i:i+4096], false); err != nil {
			t.Fatal(err)
		}
		// 18 bits a block, its literal's code ending at bit 11: every
		// literal whose code has arrived has been delivered.
		if want := ((i+4096)*8-11)/18 + 1; len(out) != want {
			t.Fatalf("after %d bytes: %d bytes out, want %d", i+4096, len(out), want)
		}
	}
	out, err := d.AppendInflate(out, payload[len(payload)/4096*4096:], true)
	if err != nil || !bytes.Equal(out, msg) {
		t.Fatalf("end: %v", err)
	}
}

// mixedStream returns a payload with every block type: stored, fixed
// (with matches), dynamic (compress/flate's), Huffman-only dynamic,
// blocks joined with and without sync flushes, and the message.
func mixedStream(t testing.TB, n int) (payload, msg []byte) {
	text := jsonText(n, 11)
	var w bitWriter
	w.stored(false, text[:n/8])
	w.header(false, 1)
	for _, c := range text[n/8 : n/4] {
		w.fixedSym(int(c))
	}
	w.match(258, n/8)
	w.match(3, 1)
	w.fixedSym(256)
	msg = append(msg, text[:n/4]...)
	for i := 0; i < 258; i++ {
		msg = append(msg, msg[len(msg)-n/8])
	}
	k := len(msg)
	msg = append(msg, msg[k-1], msg[k-1], msg[k-1])
	// Continue on compress/flate's blocks: byte-aligned, so flush ours.
	w.syncFlush()
	w.out = append(w.out, flushTail[:]...)
	payload = w.out
	for _, level := range []int{6, flate.HuffmanOnly, 1} {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, level)
		part := text[n/4:]
		fw.Write(part)
		fw.Flush()
		// Each part refers only to itself: its compress/flate writer
		// started afresh.
		payload = append(payload, b.Bytes()...)
		msg = append(msg, part...)
	}
	payload = bytes.TrimSuffix(payload, flushTail[:])
	if ref := reference(t, nil, 0, payload); !bytes.Equal(ref, msg) {
		t.Fatal("compress/flate does not inflate the mixed stream to the message")
	}
	return payload, msg
}

// TestEverySplit inflates streams of every block type split in two at
// every byte, byte by byte, and whole, into a large and a 7-byte dst: the
// same message each time. A split can fall anywhere: inside a stored
// block's length, a dynamic block's header or a symbol's extra bits.
func TestEverySplit(t *testing.T) {
	blocks, size := 2000, 3000
	if testing.Short() {
		blocks, size = 500, 1000
	}
	small, smallMsg := tinyBlocks(blocks)
	mixed, mixedMsg := mixedStream(t, size)
	for _, tc := range []struct {
		name         string
		payload, msg []byte
	}{{"tiny blocks", small, smallMsg}, {"mixed", mixed, mixedMsg}} {
		d := NewDecompressor(DecompressorConfig{})
		for i := 0; i <= len(tc.payload); i++ {
			out, err := d.AppendInflate(nil, tc.payload[:i], false)
			if err == nil {
				out, err = d.AppendInflate(out, tc.payload[i:], true)
			}
			if err != nil || !bytes.Equal(out, tc.msg) {
				t.Fatalf("%s: split at %d: %v", tc.name, i, err)
			}
		}
		for _, chunk := range []int{1, 7, len(tc.payload)} {
			for _, dstLen := range []int{7, 1 << 16} {
				out, err := inflateChunks(d, tc.payload, chunk, dstLen)
				if err != nil || !bytes.Equal(out, tc.msg) {
					t.Fatalf("%s: chunks of %d, dst %d: %v", tc.name, chunk, dstLen, err)
				}
			}
		}
	}
}

// TestLevels inflates messages of 200 KiB from every compress/flate level,
// whose blocks span frames, in chunks of 1 byte to all at once.
func TestLevels(t *testing.T) {
	msg := jsonText(200<<10, 4)
	chunks := []int{1, 7, 4096, 16384, 65536, 1 << 30}
	for level := flate.HuffmanOnly; level <= flate.BestCompression; level++ {
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, level)
		w.Write(msg)
		w.Flush()
		payload := bytes.TrimSuffix(b.Bytes(), flushTail[:])
		for _, chunk := range chunks {
			if testing.Short() && (chunk == 7 || chunk == 1 && level != flate.DefaultCompression) {
				continue
			}
			out, err := inflateChunks(NewDecompressor(DecompressorConfig{}), payload, chunk, 5000)
			if err != nil || !bytes.Equal(out, msg) {
				t.Errorf("level %d, chunks of %d: %v", level, chunk, err)
			}
		}
	}
}

// TestLongMatches checks back-references that repeat a short pattern, that
// reach the whole window back, and that cross the ring's wrap point and the
// boundaries of chunks and of dst.
func TestLongMatches(t *testing.T) {
	rnd := randomBytes(winSize, 5)
	var w bitWriter
	w.header(false, 1)
	var msg []byte
	for _, c := range rnd[:winSize-100] {
		w.fixedSym(int(c))
	}
	msg = append(msg, rnd[:winSize-100]...)
	// Runs from one byte, then the whole window back, again and again:
	// the copies straddle the end of the ring.
	for i := 0; i < 300; i++ {
		w.match(258, 1)
		msg = append(msg, bytes.Repeat(msg[len(msg)-1:], 258)...)
		w.match(258, winSize)
		msg = append(msg, msg[len(msg)-winSize:len(msg)-winSize+258]...)
		w.match(100, 3)
		for k := 0; k < 100; k++ {
			msg = append(msg, msg[len(msg)-3])
		}
	}
	w.fixedSym(256)
	w.syncFlush()
	if ref := reference(t, nil, 0, w.out); !bytes.Equal(ref, msg) {
		t.Fatal("compress/flate does not inflate the stream to the message")
	}
	for _, chunk := range []int{1, 3, 4096, len(w.out)} {
		for _, dstLen := range []int{1, 257, 1 << 20} {
			if chunk == 1 && dstLen == 1 && testing.Short() {
				continue
			}
			out, err := inflateChunks(NewDecompressor(DecompressorConfig{}), w.out, chunk, dstLen)
			if err != nil || !bytes.Equal(out, msg) {
				t.Errorf("chunks of %d, dst %d: %d bytes, %v", chunk, dstLen, len(out), err)
			}
		}
	}
}

// TestWindowBits inflates messages compressed with every window size
// permessage-deflate allows (8..15 bits): back-references at most that
// far, into the message and, with context takeover, into the ones before.
func TestWindowBits(t *testing.T) {
	for bits := 8; bits <= 15; bits++ {
		window := 1 << bits
		d := NewDecompressor(DecompressorConfig{ContextTakeover: true})
		var hist, earlier []byte
		for i, n := range []int{3000, 100, 40000, 1} {
			msg := jsonText(n, int64(i%2))
			payload := lz77(hist, msg, window)
			want := reference(t, earlier, len(hist), payload)
			if !bytes.Equal(want, msg) {
				t.Fatalf("bits %d, message %d: compress/flate does not inflate the test encoder's stream", bits, i)
			}
			out, err := inflateChunks(d, payload, 1+i*1000, 4096)
			if err != nil || !bytes.Equal(out, msg) {
				t.Fatalf("bits %d, message %d: %v", bits, i, err)
			}
			hist = append(hist, msg...)
			earlier = append(append(earlier, payload...), flushTail[:]...)
		}
	}
}

// TestContextTakeover checks back-references into earlier messages: a
// history that wraps the ring many times over with small messages, then a
// message that copies from all 32 KiB before it. Without context takeover
// the same message is corrupt: it refers to bytes before its start.
func TestContextTakeover(t *testing.T) {
	d := NewDecompressor(DecompressorConfig{ContextTakeover: true})
	var hist []byte
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 1000; i++ {
		msg := randomBytes(1+rng.Intn(100), int64(i))
		payload := lz77(nil, msg, winSize)
		if i%10 == 0 { // and some that repeat earlier ones
			msg = append(msg, hist[len(hist)-min(len(hist), 2000):]...)
			payload = lz77(hist[len(hist)-min(len(hist), winSize):], msg, winSize)
		}
		out, err := d.AppendInflate(nil, payload, true)
		if err != nil || !bytes.Equal(out, msg) {
			t.Fatalf("message %d: %v", i, err)
		}
		hist = append(hist, msg...)
		if !d.Idle() {
			t.Fatalf("message %d: decoder state kept between messages", i)
		}
	}
	// Every 1000th byte of the last 32 KiB, by distance: only the
	// history has them.
	var w bitWriter
	w.header(false, 1)
	var msg []byte
	for dist := winSize; dist >= 3; dist -= 1000 {
		w.match(3, dist)
		p := len(hist) + len(msg) - dist
		msg = append(msg, (append(hist, msg...))[p:p+3]...)
	}
	w.fixedSym(256)
	w.syncFlush()
	out, err := d.AppendInflate(nil, w.out, true)
	if err != nil || !bytes.Equal(out, msg) {
		t.Fatalf("references into the history: %v", err)
	}
	fresh := NewDecompressor(DecompressorConfig{})
	if _, err := fresh.AppendInflate(nil, w.out, true); err != ErrDeflateCorrupt {
		t.Errorf("without context takeover: %v, want ErrDeflateCorrupt", err)
	}
	// Reset forgets the history and gives it back.
	d.Reset(DecompressorConfig{ContextTakeover: true})
	if d.w != nil || d.f != nil {
		t.Error("Reset kept the history")
	}
	if _, err := d.AppendInflate(nil, w.out, true); err != ErrDeflateCorrupt {
		t.Errorf("after Reset: %v, want ErrDeflateCorrupt", err)
	}
}

// TestPooledHistoryIsolated checks that a window taken from the pool,
// full of another connection's output, is not history: referring back
// before the message's start fails.
func TestPooledHistoryIsolated(t *testing.T) {
	secret := randomBytes(winSize, 9)
	var w bitWriter
	w.stored(false, secret)
	w.syncFlush()
	var ref bitWriter
	ref.header(false, 1)
	ref.fixedSym('x')
	ref.match(100, 1000) // before the start, into the pooled bytes
	ref.fixedSym(256)
	ref.syncFlush()
	for i := 0; i < 10; i++ {
		other := NewDecompressor(DecompressorConfig{ContextTakeover: true})
		if _, err := other.AppendInflate(nil, w.out, true); err != nil {
			t.Fatal(err)
		}
		other.Reset(DecompressorConfig{}) // the window goes to the pool
		d := NewDecompressor(DecompressorConfig{ContextTakeover: i%2 == 0})
		if out, err := d.AppendInflate(nil, ref.out, true); err != ErrDeflateCorrupt || string(out) != "x" {
			t.Fatalf("%q, %v; want x and ErrDeflateCorrupt", out, err)
		}
	}
}

// TestCorruptKinds makes one stream for each way DEFLATE can be invalid,
// each after some valid output, and checks ErrDeflateCorrupt (1007), the
// output before the fault delivered, in every chunking and at every bit
// alignment of the fault, and that compress/flate rejects the stream too.
func TestCorruptKinds(t *testing.T) {
	// prefix writes a fixed block, not final, of "ok" and then shift
	// 9-bit literals, which move what follows by shift bits.
	prefix := func(shift int) (*bitWriter, string) {
		w := new(bitWriter)
		w.header(false, 1)
		w.fixedSym('o')
		w.fixedSym('k')
		for i := 0; i < shift; i++ {
			w.fixedSym(0x90)
		}
		w.fixedSym(256)
		return w, "ok" + strings.Repeat("\x90", shift)
	}
	// dyn writes the header of a final dynamic block with HLIT, HDIST
	// and the code length code's lengths cl.
	dyn := func(w *bitWriter, hlit, hdist int, cl []uint8) {
		w.header(true, 2)
		w.bits(uint64(hlit-257), 5)
		w.bits(uint64(hdist-1), 5)
		w.bits(19-4, 4)
		for _, i := range codeLenOrder {
			w.bits(uint64(cl[i]), 3)
		}
	}
	// A complete code length code: sixteen 4-bit codes, for the
	// lengths 0..15 (16, 17 and 18 get none); length s has code s.
	cl4 := make([]uint8, 19)
	for i := 0; i < 16; i++ {
		cl4[i] = 4
	}
	// clSym writes code length symbol s (0..15) with cl4's code.
	clSym := func(w *bitWriter, s int) { w.code(uint16(s), 4) }
	// A code length code with 18 (zeros) and 16 (repeat) too: 0..15 and
	// 16 and 18: give 0..13 4 bits (14 codes), 14, 15, 16, 18 5 bits.
	clRep := make([]uint8, 19)
	for i := 0; i < 14; i++ {
		clRep[i] = 4
	}
	clRep[14], clRep[15], clRep[16], clRep[18] = 5, 5, 5, 5
	// Its codes: lengths 4 then 5 in symbol order: 0..13 -> 0..13 (4
	// bits), then 14 -> 28, 15 -> 29, 16 -> 30, 18 -> 31 (5 bits).
	repSym := func(w *bitWriter, s int) {
		switch {
		case s < 14:
			w.code(uint16(s), 4)
		case s == 14, s == 15, s == 16:
			w.code(uint16(28+s-14), 5)
		case s == 18:
			w.code(31, 5)
		}
	}
	cases := map[string]func(w *bitWriter){
		"reserved block type": func(w *bitWriter) { w.header(true, 3) },
		"stored length": func(w *bitWriter) {
			w.header(true, 0)
			w.align()
			w.bits(5, 16)
			w.bits(5, 16)
		},
		"too many literal codes": func(w *bitWriter) { dyn(w, 287, 1, cl4) },
		"too many distance codes": func(w *bitWriter) {
			dyn(w, 257, 31, cl4)
		},
		"incomplete code length code": func(w *bitWriter) {
			cl := make([]uint8, 19)
			cl[0] = 2 // one code of length 2
			dyn(w, 257, 1, cl)
		},
		"unused pattern of a one-code code length code": func(w *bitWriter) {
			cl := make([]uint8, 19)
			cl[0] = 1 // length 0 has code 0; 1 is no code
			dyn(w, 257, 1, cl)
			w.bits(1, 1)
		},
		"over-subscribed code length code": func(w *bitWriter) {
			over := append([]uint8(nil), cl4...)
			over[16] = 4
			dyn(w, 257, 1, over)
		},
		"repeat with nothing before": func(w *bitWriter) {
			dyn(w, 257, 1, clRep)
			repSym(w, 16)
			w.bits(0, 2)
		},
		"repeat past the end": func(w *bitWriter) {
			dyn(w, 257, 1, clRep)
			repSym(w, 18)
			w.bits(127, 7) // 138 zeros
			repSym(w, 18)
			w.bits(127, 7) // 276 of 258
		},
		"incomplete literal code": func(w *bitWriter) {
			dyn(w, 257, 1, cl4)
			for i := 0; i < 258; i++ {
				clSym(w, 9) // 257 codes of 9 bits: incomplete
			}
		},
		"length symbol 286": func(w *bitWriter) {
			w.header(true, 1)
			w.fixedSym(286)
		},
		"distance symbol 30": func(w *bitWriter) {
			w.header(true, 1)
			w.fixedSym(257)
			w.code(30, 5)
		},
		"distance too far": func(w *bitWriter) {
			w.header(true, 1)
			w.match(3, 1000) // the prefix is at most 9 bytes
		},
		"truncated": func(w *bitWriter) {
			// A stored block of 100 bytes with 2 of them: endTail's 9
			// bytes are read as its data, and then the input ends.
			w.header(true, 0)
			w.align()
			w.bits(100, 16)
			w.bits(0xffff-100, 16)
			w.out = append(w.out, "ab"...)
		},
	}
	for name, write := range cases {
		for shift := 0; shift < 8; shift++ {
			w, want := prefix(shift)
			if name == "truncated" {
				want += "ab" + string(endTail[:])
			}
			write(w)
			w.align()
			payload := w.out
			full := append(append([]byte(nil), payload...), endTail[:]...)
			if _, err := io.ReadAll(flate.NewReader(bytes.NewReader(full))); err == nil {
				t.Errorf("%s: compress/flate accepts the stream", name)
			}
			for _, chunk := range []int{1, 2, 3, len(payload)} {
				out, err := inflateChunks(NewDecompressor(DecompressorConfig{}), payload, chunk, 1)
				if err != ErrDeflateCorrupt || codec.CodeOf(err) != codec.CloseInvalidPayload || string(out) != want {
					t.Errorf("%s, shift %d, chunks of %d: %q, %v; want %q and ErrDeflateCorrupt (1007)",
						name, shift, chunk, out, err, want)
				}
			}
		}
	}
}

// TestZeroConfigLimit checks the safe default: the zero config refuses a
// message that inflates past 16 MiB with 1009, having delivered exactly 16
// MiB, and a negative limit turns the limit off.
func TestZeroConfigLimit(t *testing.T) {
	p := bomb(17)
	count := func(d *Decompressor) (int, error) {
		dst := make([]byte, 1<<20)
		total := 0
		for rest := p; ; {
			nd, ns, err := d.Inflate(dst, rest, true)
			total += nd
			rest = rest[ns:]
			if err != ErrShortDst {
				return total, err
			}
		}
	}
	var zero Decompressor
	n, err := count(&zero)
	if err != ErrDeflateTooBig || codec.CodeOf(err) != codec.CloseMessageTooBig || n != codec.DefaultMaxMessageSize {
		t.Errorf("zero config: %d bytes, %v; want %d and ErrDeflateTooBig (1009)", n, err, codec.DefaultMaxMessageSize)
	}
	n, err = count(NewDecompressor(DecompressorConfig{MaxMessageSize: codec.NoLimit}))
	if err != nil || n != 17<<20 {
		t.Errorf("no limit: %d bytes, %v", n, err)
	}
}

// TestLimitEveryChunking checks that the limit stops output at exactly the
// limit in every chunking and dst size, for limits around a message's size.
func TestLimitEveryChunking(t *testing.T) {
	payload, msg := mixedStream(t, 3000)
	for _, limit := range []int{1, 100, len(msg) - 1, len(msg), len(msg) + 1} {
		for _, chunk := range []int{1, 5, len(payload)} {
			for _, dstLen := range []int{1, 1000, 1 << 16} {
				d := NewDecompressor(DecompressorConfig{MaxMessageSize: int64(limit)})
				out, err := inflateChunks(d, payload, chunk, dstLen)
				switch {
				case limit >= len(msg):
					if err != nil || !bytes.Equal(out, msg) {
						t.Errorf("limit %d (message %d): %v", limit, len(msg), err)
					}
				case err != ErrDeflateTooBig || !bytes.Equal(out, msg[:limit]):
					t.Errorf("limit %d, chunks %d, dst %d: %d bytes, %v", limit, chunk, dstLen, len(out), err)
				}
			}
		}
	}
}
