package pmdeflate

import (
	"bytes"
	"compress/flate"

	"fmt"
	"io"
	"math/rand"
	"runtime"
	"testing"

	"github.com/wsframe/wsframe/codec"
)

// jsonText returns n bytes of JSON-like text: repetitive keys, varying
// values, the kind of payload WebSocket applications send.
func jsonText(n int, seed int64) []byte {
	rng := rand.New(rand.NewSource(seed))
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `{"id":%d,"user":"user%04d","score":%.3f,"tags":["a%d","b%d"],"ok":%v},`,
			i, rng.Intn(10000), rng.Float64()*1000, rng.Intn(50), rng.Intn(50), rng.Intn(2) == 0)
	}
	return b.Bytes()[:n]
}

func randomBytes(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// payloads are the message kinds the tests compress: text, incompressible
// bytes and a run of one byte (the most compressible).
var payloads = []struct {
	name string
	gen  func(n int, seed int64) []byte
}{
	{"json", jsonText},
	{"random", randomBytes},
	{"zeros", func(n int, _ int64) []byte { return make([]byte, n) }},
}

// sizes covers every size class: empty, one byte, the frame-length
// boundaries, and sizes around compress/flate's block and window sizes
// and the decompressor's hold.
var sizes = []int{0, 1, 125, 126, 1 << 10, 16 << 10, 32<<10 + 1, 65535, 65536, 64<<10 + 7, 200 << 10}

// referenceInflate inflates a message (or, with context takeover, the
// payloads of all messages so far, each followed by the 00 00 ff ff the
// sender removed) the way RFC 7692 §7.2.2 describes, with compress/flate
// alone: what the Decompressor must agree with.
func referenceInflate(t testing.TB, stream []byte, want int) []byte {
	t.Helper()
	r := flate.NewReader(bytes.NewReader(stream))
	out := make([]byte, want)
	if _, err := io.ReadFull(r, out); err != nil {
		t.Fatalf("reference inflate: %v", err)
	}
	return out
}

// TestRoundTrip compresses sequences of messages with every level, window
// size and context takeover setting, checks the payloads with the reference
// inflater, and inflates them with the Decompressor whole, in two chunks
// and in random chunks.
func TestRoundTrip(t *testing.T) {
	levels := []int{0, flate.HuffmanOnly, flate.BestSpeed, 6, flate.BestCompression}
	for _, p := range payloads {
		for _, level := range levels {
			for bits := 8; bits <= 15; bits++ {
				for _, takeover := range []bool{false, true} {
					if testing.Short() && level != 0 && bits != 15 && bits != 8 {
						continue
					}
					name := fmt.Sprintf("%s/level=%d/bits=%d/takeover=%v", p.name, level, bits, takeover)
					t.Run(name, func(t *testing.T) {
						roundTrip(t, p.gen, CompressorConfig{Level: level, WindowBits: bits, ContextTakeover: takeover})
					})
				}
			}
		}
	}
}

func roundTrip(t *testing.T, gen func(int, int64) []byte, cfg CompressorConfig) {
	c, err := NewCompressor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	takeover := cfg.ContextTakeover && cfg.WindowBits == 15 && cfg.Level != flate.HuffmanOnly
	d := NewDecompressor(DecompressorConfig{ContextTakeover: takeover})
	chunked := NewDecompressor(DecompressorConfig{ContextTakeover: takeover})
	var stream []byte // every payload with its tail, for the reference
	var sent int
	rng := rand.New(rand.NewSource(int64(len(sizes))))
	sizeList := sizes
	if testing.Short() {
		sizeList = []int{0, 1, 125, 16 << 10, 64<<10 + 7}
	}
	for i, n := range sizeList {
		msg := gen(n, int64(i%3)) // repeats, so that context takeover pays
		payload, err := c.AppendMessage(nil, msg)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 && !bytes.Equal(payload, []byte{0}) {
			t.Errorf("empty message compressed to % x, want 00", payload)
		}
		if !takeover {
			if !c.Idle() {
				t.Errorf("compressor holds state between messages without context takeover")
			}
			stream = stream[:0]
			sent = 0
		}
		stream = append(append(stream, payload...), flushTail[:]...)
		ref := referenceInflate(t, stream, sent+n)[sent:]
		sent += n
		if !bytes.Equal(ref, msg) {
			t.Fatalf("size %d: reference inflate differs from the message", n)
		}
		if cfg.WindowBits < 15 {
			// No back-references at all: inflating with an empty history
			// and no context gives the message.
			if got := referenceInflate(t, append(payload[:len(payload):len(payload)], flushTail[:]...), n); !bytes.Equal(got, msg) {
				t.Fatalf("size %d: window bits %d payload refers to context", n, cfg.WindowBits)
			}
		}
		got, err := d.AppendInflate(nil, payload, true)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("size %d: inflate whole: %v (equal %v)", n, err, bytes.Equal(got, msg))
		}
		// Random chunks, some empty, into a small output buffer.
		var out []byte
		buf := make([]byte, 1+rng.Intn(5000))
		rest := payload
		for {
			k := min(len(rest), rng.Intn(3000))
			final := k == len(rest) && rng.Intn(2) == 0
			src := rest[:k]
			for {
				nd, ns, err := chunked.Inflate(buf, src, final)
				out = append(out, buf[:nd]...)
				src = src[ns:]
				if err == ErrShortDst {
					continue
				}
				if err != nil {
					t.Fatalf("size %d: inflate chunked: %v", n, err)
				}
				if len(src) != 0 {
					t.Fatalf("nil error with %d bytes of src left", len(src))
				}
				break
			}
			rest = rest[k:]
			if final {
				break
			}
		}
		if !bytes.Equal(out, msg) {
			t.Fatalf("size %d: inflate chunked differs from the message (%d vs %d bytes)", n, len(out), len(msg))
		}
		if !takeover && (!d.Idle() || !chunked.Idle()) {
			t.Errorf("decompressor holds state between messages")
		}
	}
}

// TestChunkedCompression compresses messages given in random chunks and
// checks they inflate to the message, and compress to what one call gives.
func TestChunkedCompression(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, n := range []int{0, 1, 300, 70 << 10, 300 << 10} {
		msg := jsonText(n, 7)
		var whole, parts Compressor
		want, _ := whole.AppendMessage(nil, msg)
		var got []byte
		rest := msg
		for {
			k := min(len(rest), rng.Intn(20000))
			var err error
			got, err = parts.Append(got, rest[:k], k == len(rest))
			if err != nil {
				t.Fatal(err)
			}
			rest = rest[k:]
			if k == 0 && len(rest) == 0 {
				break
			}
			if len(rest) == 0 && k > 0 {
				break
			}
		}
		var d Decompressor
		out, err := d.AppendInflate(nil, got, true)
		if err != nil || !bytes.Equal(out, msg) {
			t.Fatalf("n=%d: chunked compression does not inflate to the message: %v", n, err)
		}
		if n < 64<<10 && !bytes.Equal(got, want) {
			// Below compress/flate's block size, chunking cannot change
			// the blocks it writes.
			t.Errorf("n=%d: chunked output differs from one-shot output", n)
		}
	}
}

// TestSplitEverywhere inflates a compressed message split in two at every
// position, and byte by byte, with and without a final empty call.
func TestSplitEverywhere(t *testing.T) {
	msg := jsonText(3000, 3)
	var c Compressor
	payload, _ := c.AppendMessage(nil, msg)
	d := NewDecompressor(DecompressorConfig{})
	for i := 0; i <= len(payload); i++ {
		out, err := d.AppendInflate(nil, payload[:i], false)
		if err != nil {
			t.Fatal(err)
		}
		out, err = d.AppendInflate(out, payload[i:], true)
		if err != nil || !bytes.Equal(out, msg) {
			t.Fatalf("split at %d: %v", i, err)
		}
	}
	var out []byte
	var err error
	for i := range payload {
		if out, err = d.AppendInflate(out, payload[i:i+1], false); err != nil {
			t.Fatal(err)
		}
	}
	if out, err = d.AppendInflate(out, nil, true); err != nil || !bytes.Equal(out, msg) {
		t.Fatalf("byte by byte: %v", err)
	}
}

// TestForeignStreams inflates what other encoders write: every
// compress/flate level, a message ended by a final block (RFC 7692
// §7.2.3.4), and the RFC's own examples (§7.2.3.1 to 7.2.3.5).
func TestForeignStreams(t *testing.T) {
	msg := jsonText(5000, 9)
	for level := flate.HuffmanOnly; level <= flate.BestCompression; level++ {
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, level)
		w.Write(msg)
		w.Flush()
		p := bytes.TrimSuffix(b.Bytes(), flushTail[:])
		var d Decompressor
		if out, err := d.AppendInflate(nil, p, true); err != nil || !bytes.Equal(out, msg) {
			t.Errorf("level %d: %v", level, err)
		}
		// BFINAL instead of a sync flush: Close, nothing removed.
		b.Reset()
		w.Reset(&b)
		w.Write(msg)
		w.Close()
		if out, err := d.AppendInflate(nil, b.Bytes(), true); err != nil || !bytes.Equal(out, msg) {
			t.Errorf("level %d with a final block: %v", level, err)
		}
		// ... split so that the final block ends a non-final call.
		out, err := d.AppendInflate(nil, b.Bytes(), false)
		if err == nil {
			out, err = d.AppendInflate(out, nil, true)
		}
		if err != nil || !bytes.Equal(out, msg) {
			t.Errorf("level %d with a final block, split: %v", level, err)
		}
	}
	rfc := []struct {
		name, want string
		payload    []byte
	}{
		{"7.2.3.1 Hello", "Hello", []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}},
		{"7.2.3.3 no compression", "Hello", []byte{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}},
		{"7.2.3.5 two blocks", "Hello", []byte{0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00}},
		{"7.2.3.4 BFINAL", "Hello", []byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}},
		{"BFINAL then anything", "Hello", []byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x12, 0x34}},
		{"empty", "", []byte{0x00}},
	}
	for _, tc := range rfc {
		var d Decompressor
		out, err := d.AppendInflate(nil, tc.payload, true)
		if err != nil || string(out) != tc.want {
			t.Errorf("%s: %q, %v", tc.name, out, err)
		}
	}
	// §7.2.3.2 second message with context takeover: a back-reference
	// into the first "Hello".
	d := NewDecompressor(DecompressorConfig{ContextTakeover: true})
	for i, p := range [][]byte{{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, {0xf2, 0x00, 0x11, 0x00, 0x00}} {
		out, err := d.AppendInflate(nil, p, true)
		if err != nil || string(out) != "Hello" {
			t.Errorf("7.2.3.2 message %d with context takeover: %q, %v", i+1, out, err)
		}
	}
}

// TestCorrupt checks that invalid streams fail with ErrDeflateCorrupt
// (1007) and that a failed Decompressor stays failed until Reset.
func TestCorrupt(t *testing.T) {
	var c Compressor
	good, _ := c.AppendMessage(nil, jsonText(2000, 1))
	cases := map[string][]byte{
		"reserved block type":   {0x07},
		"bad stored length":     {0x00, 0x05, 0x00, 0x00, 0x00},
		"truncated":             good[:len(good)/2],
		"bad huffman distances": {0xf2, 0x00, 0x11, 0x00, 0x00}, // refers before the start
	}
	for name, p := range cases {
		d := NewDecompressor(DecompressorConfig{})
		_, err := d.AppendInflate(nil, p, true)
		if err != ErrDeflateCorrupt || codec.CodeOf(err) != codec.CloseInvalidPayload {
			t.Errorf("%s: %v, want ErrDeflateCorrupt (1007)", name, err)
		}
		if _, err := d.AppendInflate(nil, good, true); err != ErrDeflateCorrupt {
			t.Errorf("%s: after failing, %v", name, err)
		}
		d.Reset(DecompressorConfig{})
		if !d.Idle() {
			t.Errorf("%s: holds state after Reset", name)
		}
		if _, err := d.AppendInflate(nil, good, true); err != nil {
			t.Errorf("%s: after Reset: %v", name, err)
		}
	}
}

// bomb returns the payload of a message that inflates to n MiB of zeros,
// about 1 KiB of compressed data per MiB: one compressed MiB repeated
// (each copy refers only to the zeros it writes itself).
func bomb(n int) []byte {
	c, _ := NewCompressor(CompressorConfig{Level: flate.BestCompression})
	mib, _ := c.AppendMessage(nil, make([]byte, 1<<20))
	mib = append(mib, flushTail[:]...) // the copies are joined by sync flushes
	return bytes.Repeat(mib, n)[:n*len(mib)-len(flushTail)]
}

// TestBomb inflates a message of 1 MiB that would inflate to 1 GiB, with a
// limit of 1 MiB: it stops at the limit with 1009, having written no more
// than the limit, in little time and memory, fed whole or in chunks.
func TestBomb(t *testing.T) {
	p := bomb(1024)
	if len(p) > 1100<<10 {
		t.Fatalf("bomb is %d bytes", len(p))
	}
	const limit = 1 << 20
	for _, chunk := range []int{len(p), 4096} {
		d := NewDecompressor(DecompressorConfig{MaxMessageSize: limit})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		dst := make([]byte, 64<<10)
		total := 0
		var err error
		for rest := p; err == nil; {
			k := min(chunk, len(rest))
			var nd, ns int
			nd, ns, err = d.Inflate(dst, rest[:k], k == len(rest))
			total += nd
			rest = rest[ns:]
			if err == ErrShortDst {
				err = nil
			} else if err == nil && k == 0 {
				break
			}
		}
		runtime.ReadMemStats(&after)
		if err != ErrDeflateTooBig || codec.CodeOf(err) != codec.CloseMessageTooBig {
			t.Errorf("chunk %d: %v, want ErrDeflateTooBig (1009)", chunk, err)
		}
		if total != limit {
			t.Errorf("chunk %d: delivered %d bytes, want the limit %d", chunk, total, limit)
		}
		if a := after.TotalAlloc - before.TotalAlloc; a > 1<<20 {
			t.Errorf("chunk %d: allocated %d bytes", chunk, a)
		}
	}
	// AppendInflate grows its buffer to the limit and no further.
	d := NewDecompressor(DecompressorConfig{MaxMessageSize: limit})
	out, err := d.AppendInflate(nil, p, true)
	if err != ErrDeflateTooBig || len(out) != limit || cap(out) > limit+1 {
		t.Errorf("AppendInflate: %v, len %d cap %d", err, len(out), cap(out))
	}
	// A 1 KiB message inflates to about 1 MiB: DEFLATE's ratio is at
	// most 1032:1.
	small := bomb(1)
	if len(small) > 1100 {
		t.Fatalf("1 MiB of zeros compressed to %d bytes", len(small))
	}
	d = NewDecompressor(DecompressorConfig{MaxMessageSize: 64 << 10})
	if out, err := d.AppendInflate(nil, small, true); err != ErrDeflateTooBig || len(out) != 64<<10 {
		t.Errorf("1 KiB bomb: %v after %d bytes", err, len(out))
	}
	// Exactly at the limit is allowed.
	d = NewDecompressor(DecompressorConfig{MaxMessageSize: 1 << 20})
	if out, err := d.AppendInflate(nil, small, true); err != nil || len(out) != 1<<20 {
		t.Errorf("message of exactly the limit: %v after %d bytes", err, len(out))
	}
}

// TestEmptyBlocks feeds more than 64 KiB of empty stored blocks, which
// inflate to nothing, in chunks and whole: a valid empty message either way.
// (The decompressor on compress/flate refused it from the middle of a
// message, as it could not hold that much input without output.)
func TestEmptyBlocks(t *testing.T) {
	empty := []byte{0x00, 0x00, 0x00, 0xff, 0xff}
	p := append(bytes.Repeat(empty, 15000), 0x00)
	d := NewDecompressor(DecompressorConfig{})
	for _, chunk := range []int{1, 4096, len(p)} {
		var out []byte
		var err error
		for rest := p; len(rest) > 0 && err == nil; {
			k := min(chunk, len(rest))
			out, err = d.AppendInflate(out, rest[:k], false)
			rest = rest[k:]
		}
		if err == nil {
			out, err = d.AppendInflate(out, nil, true)
		}
		if err != nil || len(out) != 0 {
			t.Errorf("chunk %d: %q, %v", chunk, out, err)
		}
	}
}

// TestConfig checks the configuration rules.
func TestConfig(t *testing.T) {
	for _, cfg := range []CompressorConfig{{Level: -3}, {Level: 10}, {WindowBits: 7}, {WindowBits: 16}, {WindowBits: -1}} {
		if _, err := NewCompressor(cfg); err != ErrBadConfig {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	c, _ := NewCompressor(CompressorConfig{Level: 9, ContextTakeover: true, WindowBits: 10})
	if c.level != flate.HuffmanOnly || c.takeover {
		t.Errorf("window bits 10: level %d takeover %v", c.level, c.takeover)
	}
	// Context takeover pays: a repeated message shrinks.
	c, _ = NewCompressor(CompressorConfig{ContextTakeover: true})
	msg := jsonText(4000, 5)
	first, _ := c.AppendMessage(nil, msg)
	second, _ := c.AppendMessage(nil, msg)
	if len(second) > len(first)/10 {
		t.Errorf("with context takeover a repeated message compressed to %d bytes (first %d)", len(second), len(first))
	}
	if c.Idle() {
		t.Errorf("compressor with context takeover dropped its state")
	}
	c.Reset(CompressorConfig{})
	if !c.Idle() {
		t.Errorf("Reset kept the writer")
	}
}

// TestAllocs checks that compressing and inflating allocate nothing in
// steady state, with and without context takeover, for every block type:
// stored, fixed, dynamic with short codes (Huffman-only) and with codes
// longer than the decoder's lookup (text at level 9), whole and in chunks.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	small := jsonText(125, 1)
	big := jsonText(16<<10, 1)
	compress := func(level int, msg []byte) []byte {
		c, _ := NewCompressor(CompressorConfig{Level: level})
		p, _ := c.AppendMessage(nil, msg)
		return p
	}
	fixed, _ := tinyBlocks(2000)
	payloads := map[string][]byte{
		"stored":       compress(flate.NoCompression, randomBytes(4096, 1)),
		"fixed":        fixed,
		"huffman-only": compress(flate.HuffmanOnly, small),
		"dynamic":      compress(flate.BestCompression, jsonText(256<<10, 2)),
	}
	if !hasLongCodes(t, payloads["dynamic"]) {
		t.Fatal("the dynamic payload has no code longer than the lookup")
	}
	for _, takeover := range []bool{false, true} {
		c, _ := NewCompressor(CompressorConfig{ContextTakeover: takeover})
		d := NewDecompressor(DecompressorConfig{ContextTakeover: takeover})
		buf := make([]byte, 0, 64<<10)
		out := make([]byte, 0, 1<<20)
		for _, msg := range [][]byte{small, big} {
			if n := testing.AllocsPerRun(50, func() { buf, _ = c.AppendMessage(buf[:0], msg) }); n != 0 {
				t.Errorf("takeover %v: compressing %d bytes: %v allocations", takeover, len(msg), n)
			}
		}
		for name, p := range payloads {
			if n := testing.AllocsPerRun(20, func() {
				var err error
				if out, err = d.AppendInflate(out[:0], p, true); err != nil {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Errorf("takeover %v: inflating %s: %v allocations", takeover, name, n)
			}
			dst := make([]byte, 1000)
			if n := testing.AllocsPerRun(5, func() {
				if _, err := inflateCount(d, p, 999, dst); err != nil {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Errorf("takeover %v: inflating %s in chunks: %v allocations", takeover, name, n)
			}
		}
		if takeover {
			// A message that refers back into the one before it.
			ct, _ := NewCompressor(CompressorConfig{ContextTakeover: true})
			first, _ := ct.AppendMessage(nil, big)
			second, _ := ct.AppendMessage(nil, big)
			if n := testing.AllocsPerRun(20, func() {
				var err error
				if out, err = d.AppendInflate(out[:0], first, true); err == nil {
					out, err = d.AppendInflate(out[:0], second, true)
				}
				if err != nil || len(out) != len(big) {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Errorf("inflating with references into the previous message: %v allocations", n)
			}
		}
	}
}

// inflateCount inflates payload as one message, chunk bytes at a time,
// through dst, and returns how many bytes it inflated to.
func inflateCount(d *Decompressor, payload []byte, chunk int, dst []byte) (int, error) {
	total := 0
	for rest := payload; ; {
		k := min(chunk, len(rest))
		src, final := rest[:k], k == len(rest)
		for {
			nd, ns, err := d.Inflate(dst, src, final)
			total += nd
			src = src[ns:]
			if err != ErrShortDst {
				if err != nil {
					return total, err
				}
				break
			}
		}
		rest = rest[k:]
		if final {
			return total, nil
		}
	}
}

// hasLongCodes reports whether the first block of payload is a dynamic
// one with a code longer than the decoder's direct lookup.
func hasLongCodes(t *testing.T, payload []byte) bool {
	var f inflater
	f.reset()
	f.inflate(new(window), payload, 0) // stops at the first symbol
	if f.state != stBlock || f.lt != &f.hlit {
		t.Fatal("the first block is not a dynamic one")
	}
	for l := fastBits + 1; l <= maxCodeLen; l++ {
		if f.hlit.count[l] > 0 {
			return true
		}
	}
	return false
}

func Example() {
	// A server that agreed on permessage-deflate with a client, without
	// context takeover in either direction.
	comp, _ := NewCompressor(CompressorConfig{})
	decomp := NewDecompressor(DecompressorConfig{MaxMessageSize: 1 << 20})

	msg := []byte(`{"event":"tick","price":101.25,"event":"tick","price":101.25}`)
	payload, _ := comp.AppendMessage(nil, msg) // the frames' payload; set Rsv1 on the first

	// The receiving end, with the payload arriving in two pieces.
	out, err := decomp.AppendInflate(nil, payload[:5], false)
	if err == nil {
		out, err = decomp.AppendInflate(out, payload[5:], true)
	}
	fmt.Println(string(out) == string(msg), err, len(payload) < len(msg))
	// Output: true <nil> true
}
