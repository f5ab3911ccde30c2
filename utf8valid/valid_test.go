package utf8valid_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"testing"
	"unicode/utf8"

	"github.com/wsframe/wsframe/internal/guardpage"
	"github.com/wsframe/wsframe/utf8valid"
)

// vecWidth is the widest vector any kernel uses; positions and lengths are
// swept relative to it so that every block boundary is crossed.
const vecWidth = 64

// refOffset is the reference for Error.Offset, built on unicode/utf8 alone:
// it decodes rune by rune and, at the first invalid rune, counts how many of
// its bytes still form an incomplete encoding (utf8.FullRune reports false
// for those); the next byte is the offending one. It returns -1 for a valid
// message and len(p) when the message ends inside a sequence.
func refOffset(p []byte) int {
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		if r != utf8.RuneError || size > 1 {
			i += size
			continue
		}
		for j := 1; i+j <= len(p); j++ {
			if utf8.FullRune(p[i : i+j]) {
				return i + j - 1
			}
		}
		return len(p)
	}
	return -1
}

// checkOne validates p with kernel k in one shot, and as one chunk through
// Feed and Complete, and compares both with unicode/utf8 and refOffset.
// Feed and Complete are what package codec calls; Write and Finish wrap
// them with an *Error, which the streaming tests check (checkStream).
// It runs millions of times, so it skips t.Helper, whose stack walk would
// dominate; its messages carry the input instead.
func checkOne(t *testing.T, k utf8valid.Impl, p []byte) {
	want := utf8.Valid(p)
	if got := k.Valid(p); got != want {
		t.Fatalf("%s: Valid(% x) = %v, want %v", k.Name, p, got, want)
	}
	v := k.Validator()
	n, ok := v.Feed(p)
	complete := v.Complete()
	var good bool
	switch off := refOffset(p); {
	case off < 0: // valid
		good = ok && n == len(p) && complete
	case off == len(p): // ends inside a sequence
		good = ok && n == len(p) && !complete
	default: // fails at p[off]
		good = !ok && n == off && !complete
	}
	if !good {
		t.Fatalf("%s: % x: Feed = %d, %v, then Complete = %v; want %s", k.Name, p, n, ok, complete, wantStream(p))
	}
}

// wantStream describes the right outcome of streaming p, for messages.
func wantStream(p []byte) string {
	switch off := refOffset(p); {
	case off < 0:
		return "valid"
	case off == len(p):
		return "truncated"
	default:
		return fmt.Sprintf("failure at %d", off)
	}
}

// checkStream compares the outcome of streaming p (n and err from the Write
// that failed or the total, ferr from Finish) with refOffset: n, as an index
// into p, must be the offending byte's, or len(p) when no Write failed.
func checkStream(t *testing.T, name string, p []byte, n int, err, ferr error, how string) {
	off := refOffset(p)
	wantN := len(p)
	if off >= 0 && off < len(p) {
		wantN = off
	}
	if n != wantN {
		t.Fatalf("%s, %s: % x: Write stopped at %d (error %v); want %d", name, how, p, n, err, wantN)
	}
	switch {
	case off < 0:
		if err != nil || ferr != nil {
			t.Fatalf("%s, %s: % x: errors %v, %v; want none", name, how, p, err, ferr)
		}
	case off == len(p):
		var e *utf8valid.Error
		if err != nil || !errors.As(ferr, &e) || !e.Truncated || e.Offset != int64(off) {
			t.Fatalf("%s, %s: % x: errors %v, %v; want truncated at %d", name, how, p, err, ferr, off)
		}
	default:
		var e *utf8valid.Error
		var fe *utf8valid.Error
		if !errors.As(err, &e) || e.Truncated || e.Offset != int64(off) || e.Byte != p[off] ||
			!errors.As(ferr, &fe) || *fe != *e {
			t.Fatalf("%s, %s: % x: errors %v, %v; want offset %d", name, how, p, err, ferr, off)
		}
	}
}

// sequences returns every test sequence: the class representatives and
// boundaries, and Markus Kuhn's decoder stress test.
func sequences() [][]byte {
	var out [][]byte
	add := func(b ...byte) { out = append(out, b) }
	// Boundaries between the encoding lengths and around the surrogates
	// and the top of Unicode, on both sides.
	for _, r := range []rune{0, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF} {
		out = append(out, utf8.AppendRune(nil, r))
	}
	add(0xED, 0xA0, 0x80)             // U+D800
	add(0xED, 0xBF, 0xBF)             // U+DFFF
	add(0xF4, 0x90, 0x80, 0x80)       // U+110000
	add(0xC1, 0xBF)                   // U+007F, overlong
	add(0xE0, 0x9F, 0xBF)             // U+07FF, overlong
	add(0xF0, 0x8F, 0xBF, 0xBF)       // U+FFFF, overlong
	add(0xF7, 0xBF, 0xBF, 0xBF)       // U+1FFFFF
	add(0xF8, 0x88, 0x80, 0x80, 0x80) // 5-byte form
	add(0xFC, 0x84, 0x80, 0x80, 0x80, 0x80)
	add(0xFB, 0xBF, 0xBF, 0xBF, 0xBF)
	add(0xFD, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF)
	// Kuhn 1: a correct text.
	out = append(out, []byte("κόσμε"))
	// Kuhn 2.3: other boundaries.
	add(0xED, 0x9F, 0xBF)
	add(0xEE, 0x80, 0x80)
	add(0xEF, 0xBF, 0xBD)
	add(0xF4, 0x8F, 0xBF, 0xBF)
	// Kuhn 3.1: unexpected continuation bytes, alone and in runs.
	for n := 1; n <= 7; n++ {
		s := make([]byte, n)
		for i := range s {
			s[i] = 0x80 + byte(i*0x11)&0x3F
		}
		out = append(out, s)
	}
	all := make([]byte, 0, 64)
	for b := 0x80; b <= 0xBF; b++ {
		all = append(all, byte(b))
	}
	out = append(out, all)
	// Kuhn 3.2: lonely start bytes, each followed by a space.
	for b := 0xC0; b <= 0xFD; b++ {
		add(byte(b), ' ')
	}
	// Kuhn 3.3 and 3.4: sequences missing their last byte, alone and
	// concatenated.
	var cat []byte
	for _, s := range [][]byte{
		{0xC0}, {0xE0, 0x80}, {0xF0, 0x80, 0x80}, {0xF8, 0x80, 0x80, 0x80}, {0xFC, 0x80, 0x80, 0x80, 0x80},
		{0xDF}, {0xEF, 0xBF}, {0xF7, 0xBF, 0xBF}, {0xFB, 0xBF, 0xBF, 0xBF}, {0xFD, 0xBF, 0xBF, 0xBF, 0xBF},
		{0xC2}, {0xE1, 0x80}, {0xF1, 0x80, 0x80}, {0xF4, 0x8F, 0xBF},
	} {
		out = append(out, s)
		cat = append(cat, s...)
	}
	out = append(out, cat)
	// Kuhn 3.5: impossible bytes.
	add(0xFE)
	add(0xFF)
	add(0xFE, 0xFE, 0xFF, 0xFF)
	// Kuhn 4: overlong forms of '/', the largest overlongs, overlong NUL.
	add(0xC0, 0xAF)
	add(0xE0, 0x80, 0xAF)
	add(0xF0, 0x80, 0x80, 0xAF)
	add(0xF8, 0x80, 0x80, 0x80, 0xAF)
	add(0xFC, 0x80, 0x80, 0x80, 0x80, 0xAF)
	add(0xF8, 0x87, 0xBF, 0xBF, 0xBF)
	add(0xFC, 0x83, 0xBF, 0xBF, 0xBF, 0xBF)
	add(0xC0, 0x80)
	add(0xE0, 0x80, 0x80)
	add(0xF0, 0x80, 0x80, 0x80)
	// Kuhn 5.1 and 5.2: single and paired surrogates.
	for _, lo := range [][2]byte{{0xA0, 0x80}, {0xAD, 0xBF}, {0xAE, 0x80}, {0xAF, 0xBF}, {0xB0, 0x80}, {0xBE, 0x80}, {0xBF, 0xBF}} {
		add(0xED, lo[0], lo[1])
	}
	for _, hi := range [][2]byte{{0xA0, 0x80}, {0xAD, 0xBF}, {0xAE, 0x80}, {0xAF, 0xBF}} {
		for _, lo := range [][2]byte{{0xB0, 0x80}, {0xBF, 0xBF}} {
			add(0xED, hi[0], hi[1], 0xED, lo[0], lo[1])
		}
	}
	// Kuhn 5.3: noncharacters, which are valid.
	for _, r := range []rune{0xFFFE, 0xFFFF, 0xFDD0, 0xFDEF, 0x1FFFE, 0x1FFFF, 0x10FFFE, 0x10FFFF} {
		out = append(out, utf8.AppendRune(nil, r))
	}
	// One representative of every 1- to 4-byte class: each lead byte with
	// second bytes at the edges of every continuation range, completed
	// with in-range continuations.
	for lead := 0; lead < 256; lead++ {
		for _, b2 := range []byte{0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF} {
			add(byte(lead), b2)
			add(byte(lead), b2, 0x80)
			add(byte(lead), b2, 0xBF, 0x80)
			add(byte(lead), b2, 0x80, 0x41)
			add(byte(lead), b2, 0x41, 0x80)
		}
	}
	return out
}

// TestKernelsSequences places every test sequence at every position
// 0..2*vecWidth of a buffer of ASCII, ending the buffer right after it and
// also padding it, through every kernel.
func TestKernelsSequences(t *testing.T) {
	seqs := sequences()
	buf := make([]byte, 0, 4*vecWidth)
	for _, k := range utf8valid.Kernels() {
		for _, s := range seqs {
			for pos := 0; pos <= 2*vecWidth; pos++ {
				buf = append(bytes.Repeat([]byte{'a'}, pos), s...)
				checkOne(t, k, buf)
				buf = append(buf, "tail padding that crosses a block"...)
				checkOne(t, k, buf)
				// A multi-byte neighbour on the left as well.
				if pos >= 3 {
					copy(buf[pos-3:], "€")
					checkOne(t, k, buf)
				}
			}
		}
	}
}

// TestKernelsPairs validates every two-byte sequence, and every four bytes
// drawn from a set of range edges (which covers the three- and four-byte
// forms and their neighbours), straddling a block boundary in every split,
// through every kernel.
//
// The four-byte sweep is the thorough check of what a vector kernel carries
// from one block into the next (the three bytes before a block decide
// whether its first bytes may be continuations), so the kernel in use runs
// it on every target, -short or not. -short skips it only for the other kernels,
// whose sweep would repeat another run's: CI sweeps every amd64 kernel
// without -short, and "generic" is the kernel in use on the targets without
// a vector kernel (386, s390x, wasm, purego), where it is swept.
func TestKernelsPairs(t *testing.T) {
	edges := []byte{0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
		0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF}
	buf := bytes.Repeat([]byte{'a'}, 2*vecWidth)
	for i, k := range utf8valid.Kernels() {
		for a := 0; a < 256; a++ {
			for b := 0; b < 256; b++ {
				for _, pos := range []int{0, vecWidth - 1, 2*vecWidth - 2} {
					buf[pos], buf[pos+1] = byte(a), byte(b)
					checkOne(t, k, buf[:pos+2])
					checkOne(t, k, buf)
					buf[pos], buf[pos+1] = 'a', 'a'
				}
			}
		}
		if testing.Short() && i > 0 {
			continue
		}
		for _, a := range edges {
			for _, b := range edges {
				for _, c := range edges {
					for _, d := range edges {
						// 3+1, 2+2 and 1+3 bytes either side of the
						// boundary at vecWidth.
						for _, pos := range []int{vecWidth - 3, vecWidth - 2, vecWidth - 1} {
							buf[pos], buf[pos+1], buf[pos+2], buf[pos+3] = a, b, c, d
							checkOne(t, k, buf[:pos+4])
							checkOne(t, k, buf)
							copy(buf[pos:], "aaaa")
						}
					}
				}
			}
		}
	}
}

// messages are the streaming tests' inputs: texts of every kind, each
// valid, with an error near its middle, and cut inside its last sequence.
func messages() [][]byte {
	texts := []string{
		"Hello, world! A plain ASCII line that is long enough to cross a vector block or two.",
		"Ça été très élevé: naïve façade, Größe, Ærøskøbing, señor, Łódź, Dvořák, İstanbul.",
		"日本語のテキストと中文字符、한국어 텍스트도 여기에 있습니다。全角の句読点も。",
		"😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍🤩😘😗☺😚😙🥲😋😛😜🤪😝🤑🤗🤭",
		"mixed: κόσμε, €100, 日本, 😀, Ωμέγα, and ASCII between them all — done.",
	}
	var out [][]byte
	for _, s := range texts {
		p := []byte(s)
		out = append(out, p)
		for _, bad := range [][]byte{{0xC0}, {0xED, 0xA0}, {0xF4, 0x90}, {0x80}, {0xE2, 0x82, 'x'}, {0xFF}} {
			q := append([]byte(nil), p[:len(p)/2]...)
			q = append(q, bad...)
			out = append(out, append(q, p[len(p)/2:]...))
		}
		r := []rune(s)
		last := string(r[len(r)-1])
		if len(last) > 1 {
			out = append(out, p[:len(p)-1])
		}
	}
	return out
}

// streamChunks writes p to v in the given chunks and returns what the
// failing Write (or the last) returned, with n as an index into p, and what
// Finish returned.
func streamChunks(t *testing.T, v *utf8valid.Validator, p []byte, cuts []int) (int, error, error) {
	t.Helper()
	start := 0
	for _, end := range append(cuts, len(p)) {
		n, err := v.Write(p[start:end])
		if err != nil {
			if n < 0 || n >= end-start {
				t.Fatalf("Write returned n=%d for a %d-byte chunk with %v", n, end-start, err)
			}
			return start + n, err, v.Finish()
		}
		if n != end-start {
			t.Fatalf("Write returned n=%d, want %d", n, end-start)
		}
		start = end
	}
	return len(p), nil, v.Finish()
}

// TestStreamSplits splits every message at every position, and into random
// chunkings, through every kernel: the result must match one shot, and the
// failing Write's n must point at the offending byte.
func TestStreamSplits(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, k := range utf8valid.Kernels() {
		for _, p := range append(messages(), sequences()[:200]...) {
			for cut := 0; cut <= len(p); cut++ {
				v := k.Validator()
				n, err, ferr := streamChunks(t, &v, p, []int{cut})
				checkStream(t, k.Name, p, n, err, ferr, fmt.Sprintf("split at %d", cut))
			}
			for round := 0; round < 20; round++ {
				var cuts []int
				for c := rng.Intn(4); c < len(p); c += 1 + rng.Intn(1+rng.Intn(70)) {
					cuts = append(cuts, c)
				}
				v := k.Validator()
				n, err, ferr := streamChunks(t, &v, p, cuts)
				checkStream(t, k.Name, p, n, err, ferr, fmt.Sprintf("chunks %v", cuts))
			}
		}
	}
}

// TestStreamFailsInChunk checks the examples: a sequence fails on
// the byte that makes it impossible, in the chunk that holds that byte.
func TestStreamFailsInChunk(t *testing.T) {
	for _, k := range utf8valid.Kernels() {
		for _, tc := range []struct {
			first, second []byte
			n             int // index in second of the failing byte, -1 for the first chunk
		}{
			{[]byte("ok "), []byte{0xED, 0xA0}, 1},
			{[]byte("ok \xED"), []byte{0xA0}, 0},
			{[]byte("ok \xF4"), []byte{0x90, 0x80, 0x80}, 0},
			{[]byte("ok"), []byte{0xC0}, 0},
			{[]byte("ok"), []byte{0xC1}, 0},
			{[]byte("ok"), []byte{0xF5}, 0},
			{[]byte("ok"), []byte{0xFF}, 0},
			{[]byte("ok \xE2\x82"), []byte("x"), 0},
			{[]byte("ok \xC0"), []byte("x"), -1},
		} {
			v := k.Validator()
			n1, err1 := v.Write(tc.first)
			if tc.n < 0 {
				if err1 == nil || n1 != len(tc.first)-1 {
					t.Errorf("%s: % x: Write = %d, %v; want failure at %d", k.Name, tc.first, n1, err1, len(tc.first)-1)
				}
				continue
			}
			if err1 != nil {
				t.Fatalf("%s: % x: %v", k.Name, tc.first, err1)
			}
			n, err := v.Write(tc.second)
			var e *utf8valid.Error
			if !errors.As(err, &e) || n != tc.n || e.Offset != int64(len(tc.first)+tc.n) {
				t.Errorf("%s: % x then % x: Write = %d, %v; want failure at %d", k.Name, tc.first, tc.second, n, err, tc.n)
			}
			// The error is sticky until Reset.
			var e2 *utf8valid.Error
			if n, err2 := v.Write([]byte("a")); n != 0 || !errors.As(err2, &e2) || *e2 != *e {
				t.Errorf("%s: Write after failure = %d, %v", k.Name, n, err2)
			}
			// The caller owns the error: Reset and a new failure leave it
			// as it was.
			held := *e
			v.Reset()
			if _, err := v.Write([]byte("fine")); err != nil || v.Finish() != nil {
				t.Errorf("%s: after Reset: %v, %v", k.Name, err, v.Finish())
			}
			v.Write([]byte{0xFF})
			if *e != held {
				t.Errorf("%s: Reset and a new failure changed the error the caller holds: %+v, was %+v", k.Name, *e, held)
			}
		}
	}
}

// TestGuardPages runs every kernel over inputs that end right before an
// unmapped page and start right after one, of every length up to
// 4*vecWidth+1: reading one byte outside the input crashes the test.
func TestGuardPages(t *testing.T) {
	if !guardpage.Supported {
		t.Skip("no guard pages on this platform")
	}
	const maxLen = 4*vecWidth + 1
	r := guardpage.New(t, maxLen)
	fills := []struct {
		name string
		fill func(p []byte)
	}{
		{"ascii", func(p []byte) {
			for i := range p {
				p[i] = 'a' + byte(i%26)
			}
		}},
		{"multibyte", func(p []byte) {
			s := "κόσμε€日本😀"
			for i := range p {
				p[i] = s[i%len(s)]
			}
		}},
		{"open-end", func(p []byte) {
			for i := range p {
				p[i] = 'a'
			}
			if len(p) > 0 {
				p[len(p)-1] = 0xE2
			}
		}},
		{"bad-end", func(p []byte) {
			for i := range p {
				p[i] = 'a'
			}
			if len(p) > 0 {
				p[len(p)-1] = 0xFF
			}
		}},
	}
	open := []byte{0xF0, 0x9F} // the first half of 😀
	var whole []byte
	for _, k := range utf8valid.Kernels() {
		for _, f := range fills {
			for n := 0; n <= maxLen; n++ {
				for _, p := range [][]byte{r.Head(n), r.Tail(n)} {
					f.fill(p)
					checkOne(t, k, p)
					// The same bytes after a sequence left open in an
					// earlier chunk, which the kernel must carry into p.
					v := k.Validator()
					if m, err := v.Write(open); m != len(open) || err != nil {
						t.Fatalf("%s: Write(% x) = %d, %v", k.Name, open, m, err)
					}
					m, err := v.Write(p)
					whole = append(append(whole[:0], open...), p...)
					checkStream(t, k.Name, whole, len(open)+m, err, v.Finish(), "after an open sequence")
				}
			}
		}
	}
}

// errSink keeps the errors TestAllocs counts from being optimized away.
var errSink error

// TestAllocs checks that valid text allocates nothing, that Feed and
// Complete allocate nothing on the error paths either, and that Write and
// Finish allocate exactly the error they return.
func TestAllocs(t *testing.T) {
	valid := bytes.Repeat([]byte("κόσμε 😀 ascii "), 100)
	bad := append(append([]byte(nil), valid...), 0xC0)
	for _, k := range utf8valid.Kernels() {
		v := k.Validator()
		for name, tc := range map[string]struct {
			f    func()
			want float64
		}{
			"Valid":            {func() { k.Valid(valid) }, 0},
			"Write":            {func() { v.Reset(); v.Write(valid) }, 0},
			"Feed":             {func() { v.Reset(); v.Feed(valid) }, 0},
			"Feed invalid":     {func() { v.Reset(); v.Feed(bad) }, 0},
			"Complete open":    {func() { v.Reset(); v.Feed(valid[:2]); v.Feed(valid[:1]); v.Complete() }, 0},
			"Write invalid":    {func() { v.Reset(); _, errSink = v.Write(bad) }, 1},
			"Finish":           {func() { v.Reset(); v.Write(valid[:2]); errSink = v.Finish() }, 0},
			"Finish truncated": {func() { v.Reset(); v.Write(valid[:2]); v.Write(valid[:1]); errSink = v.Finish() }, 1},
		} {
			if a := testing.AllocsPerRun(100, tc.f); a != tc.want {
				t.Errorf("%s: %s allocates %v times, want %v", k.Name, name, a, tc.want)
			}
		}
	}
	if a := testing.AllocsPerRun(100, func() { utf8valid.Valid(valid) }); a != 0 {
		t.Errorf("Valid allocates %v times", a)
	}
}

// TestKernelList checks the kernel list's shape.
func TestKernelList(t *testing.T) {
	ks := utf8valid.Kernels()
	if len(ks) == 0 || ks[0].Name != utf8valid.Kernel() || ks[len(ks)-1].Name != "generic" {
		t.Fatalf("Kernels() = %v, Kernel() = %q", ks, utf8valid.Kernel())
	}
	t.Logf("kernels: %d, default %s", len(ks), utf8valid.Kernel())
}

// TestWriter uses a Validator as an io.Writer.
func TestWriter(t *testing.T) {
	var v utf8valid.Validator
	var sink bytes.Buffer
	src := bytes.NewReader(bytes.Repeat([]byte("日本語 "), 5000))
	if _, err := io.Copy(io.MultiWriter(&v, &sink), src); err != nil || v.Finish() != nil {
		t.Fatalf("io.Copy: %v, %v", err, v.Finish())
	}
	var e *utf8valid.Error
	v.Reset()
	_, err := io.Copy(&v, io.MultiReader(bytes.NewReader(sink.Bytes()), bytes.NewReader([]byte{0xED, 0xB0})))
	if !errors.As(err, &e) || e.Offset != int64(sink.Len()+1) || e.CloseCode() != 1007 {
		t.Fatalf("io.Copy of bad text: %v", err)
	}
}

// TestLongMessages injects every kind of error at every position around the
// middle of long messages and at a stride elsewhere: the portable kernel
// splits long inputs in two near the middle, and the vector kernels work in
// 256-byte groups, so both need inputs well past a few blocks.
func TestLongMessages(t *testing.T) {
	base := bytes.Repeat([]byte("mixed κόσμε 日本語 😀 and ASCII; "), 40)
	bads := [][]byte{{0xC0}, {0xED, 0xA0}, {0xF4, 0x90}, {0x80}, {0xE2, 0x82, 'x'}, {0xFF}, {0xF0, 0x9F}}
	for _, k := range utf8valid.Kernels() {
		for _, n := range []int{128, 129, 200, 256, 300, 517, 1024, len(base)} {
			msg := base[:n]
			for len(msg) > 0 && !utf8.Valid(msg) {
				msg = msg[:len(msg)-1]
			}
			checkOne(t, k, msg)
			for pos := 0; pos < len(msg); pos++ {
				if d := pos - len(msg)/2; (d < -40 || d > 40) && pos%7 != 0 {
					continue
				}
				for _, bad := range bads {
					p := append(append(append([]byte(nil), msg[:pos]...), bad...), msg[pos:]...)
					checkOne(t, k, p)
					q := append([]byte(nil), msg...)
					copy(q[pos:], bad) // overwrite, which can also cut a sequence
					checkOne(t, k, q)
				}
			}
		}
	}
}
