package fuzz

import (
	"errors"
	"math/rand"
	"testing"
	"unicode/utf8"

	"github.com/wsframe/wsframe/utf8valid"
)

// outcome is what streaming a message produced: the failing byte's offset
// (-1 for none), whether Finish reported truncation, and the failing Write's
// n translated to an index in the message.
type outcome struct {
	off       int64
	truncated bool
	at        int
}

// stream writes p to a Validator of kernel k in the chunks cuts describes.
func stream(t *testing.T, k utf8valid.Impl, p []byte, cuts []int) outcome {
	v := k.Validator()
	start := 0
	for _, end := range append(cuts, len(p)) {
		n, err := v.Write(p[start:end])
		if err != nil {
			var e *utf8valid.Error
			if !errors.As(err, &e) || n < 0 || n >= end-start || e.Offset != int64(start+n) || e.Byte != p[start+n] {
				t.Fatalf("%s: Write(% x) = %d, %v at message offset %d", k.Name, p[start:end], n, err, start)
			}
			var fe *utf8valid.Error
			if !errors.As(v.Finish(), &fe) || *fe != *e {
				t.Fatalf("%s: Finish after a failed Write returned another error", k.Name)
			}
			// Feed and Complete, the allocation-free forms, agree.
			v2 := k.Validator()
			v2.Feed(p[:start]) // valid, as the Writes before showed
			if m, ok := v2.Feed(p[start:end]); ok || m != n || v2.Complete() {
				t.Fatalf("%s: Feed = %d, %v; Write failed at %d", k.Name, m, ok, n)
			}
			return outcome{off: e.Offset, at: start + n}
		}
		start = end
	}
	if err := v.Finish(); err != nil {
		var e *utf8valid.Error
		if !errors.As(err, &e) || !e.Truncated || e.Offset != int64(len(p)) {
			t.Fatalf("%s: Finish = %v", k.Name, err)
		}
		return outcome{off: -1, truncated: true, at: -1}
	}
	return outcome{off: -1, at: -1}
}

// definedOutcome is the outcome streaming p must have, from unicode/utf8
// alone: the offending byte of the first invalid rune is the first byte at
// which its bytes stop being the start of some encoding (utf8.FullRune
// turns true on an invalid prefix as soon as it cannot complete), and a
// message that ends while they still could is truncated. The kernels all
// share the code that locates an error in a block, so comparing them with
// each other would not find a mistake there.
func definedOutcome(p []byte) outcome {
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		if r != utf8.RuneError || size != 1 {
			i += size
			continue
		}
		end := i + 1
		for !utf8.FullRune(p[i:end]) {
			if end == len(p) {
				return outcome{off: -1, truncated: true, at: -1}
			}
			end++
		}
		return outcome{off: int64(end - 1), at: end - 1}
	}
	return outcome{off: -1, at: -1}
}

// FuzzUTF8Valid checks every kernel's one-shot Valid against unicode/utf8,
// and one Write of the whole input against the outcome unicode/utf8
// defines (definedOutcome).
func FuzzUTF8Valid(f *testing.F) {
	for _, s := range []string{"", "a", "κόσμε", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "日本語😀", "\xe2\x82"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		want := utf8.Valid(p)
		ref := definedOutcome(p)
		if (ref.off < 0 && !ref.truncated) != want {
			t.Fatalf("definedOutcome disagrees with unicode/utf8.Valid on % x: %+v", p, ref)
		}
		for _, k := range utf8valid.Kernels() {
			if got := k.Valid(p); got != want {
				t.Fatalf("%s: Valid(% x) = %v, want %v", k.Name, p, got, want)
			}
			if got := stream(t, k, p, nil); got != ref {
				t.Fatalf("%s: stream of % x = %+v, want %+v", k.Name, p, got, ref)
			}
		}
	})
}

// FuzzUTF8Stream splits the input into chunks chosen by seed and checks that
// every kernel fails at the byte unicode/utf8 defines (definedOutcome), or
// accepts, whatever the chunks.
func FuzzUTF8Stream(f *testing.F) {
	for i, s := range []string{"κόσμε and more text to split", "\xf0\x9f\x98\x80\xf0\x9f\x98", "abc\xe0\x80\xaf", "日本語\xed\xbf\xbf", "\xf4\x8f\xbf\xbfz"} {
		f.Add([]byte(s), int64(i))
	}
	f.Fuzz(func(t *testing.T, p []byte, seed int64) {
		rng := rand.New(rand.NewSource(seed))
		var cuts []int
		for c := rng.Intn(3); c < len(p); c += 1 + rng.Intn(1+rng.Intn(100)) {
			cuts = append(cuts, c)
		}
		ref := definedOutcome(p)
		for _, k := range utf8valid.Kernels() {
			if got := stream(t, k, p, cuts); got != ref {
				t.Fatalf("%s: chunks %v of % x: %+v, want %+v", k.Name, cuts, p, got, ref)
			}
		}
	})
}
