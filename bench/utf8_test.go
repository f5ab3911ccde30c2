package bench

import (
	"fmt"
	"math/rand"
	"testing"
	"unicode/utf8"

	sonicutf8 "github.com/bytedance/sonic/utf8"
	segutf8 "github.com/segmentio/asm/utf8"
	"github.com/wsframe/wsframe/utf8valid"
)

// UTF-8 validation benchmarks: every utf8valid kernel against
// unicode/utf8, segmentio/asm/utf8 (AVX2) and sonic's utf8 (native AVX2),
// on five kinds of text and four sizes, and utf8valid's streaming Validator
// fed 64 KiB in 1300-byte (a TCP segment) and 16-byte chunks.
//
//	go test -run '^$' -bench 'UTF8' -count 10 . | tee utf8.txt
//	benchstat -col /impl -row /text,/size utf8.txt
//	benchstat -col /impl -row /text,/chunk utf8.txt  # streaming rows

var utf8Sizes = []int{64, 1024, 65536, 1048576}

// utf8Text returns exactly n bytes of valid UTF-8 of the given kind,
// generated deterministically (a fixed seed; math/rand's sequence for a seed
// is stable), so every run and every machine measures the same bytes.
//
//	ascii: English-like words.
//	latin: words where about 16% of letters are accented (2 bytes), so
//	       about 28% of the bytes are non-ASCII.
//	cjk:   CJK ideographs and punctuation, all 3-byte.
//	emoji: emoji, all 4-byte.
//	mixed: ASCII words interleaved with Greek, Cyrillic, CJK and emoji so
//	       that about a third of the bytes are non-ASCII.
func utf8Text(kind string, n int) []byte {
	rng := rand.New(rand.NewSource(int64(len(kind))*7919 + 1))
	ascii := "abcdefghijklmnopqrstuvwxyz"
	accented := []rune("éèêàâçüöäßñíóúåøæœë")
	greek := []rune("αβγδεζηθικλμνξοπρστυφχψω")
	cyrillic := []rune("абвгдежзийклмнопрстуфхцчшщ")
	word := func(b []byte) []byte {
		for i, l := 0, 2+rng.Intn(7); i < l; i++ {
			b = append(b, ascii[rng.Intn(len(ascii))])
		}
		return b
	}
	b := make([]byte, 0, n+16)
	for len(b) < n {
		switch kind {
		case "ascii":
			b = append(word(b), " .,\n"[rng.Intn(4)])
		case "latin":
			for i, l := 0, 2+rng.Intn(7); i < l; i++ {
				if rng.Intn(100) < 19 {
					b = utf8.AppendRune(b, accented[rng.Intn(len(accented))])
				} else {
					b = append(b, ascii[rng.Intn(len(ascii))])
				}
			}
			b = append(b, ' ')
		case "cjk":
			if rng.Intn(12) == 0 {
				b = utf8.AppendRune(b, []rune("、。「」")[rng.Intn(4)])
			} else {
				b = utf8.AppendRune(b, rune(0x4E00+rng.Intn(0x9FFF-0x4E00)))
			}
		case "emoji":
			b = utf8.AppendRune(b, rune(0x1F300+rng.Intn(0x1F64F-0x1F300)))
		case "mixed":
			b = append(word(b), ' ')
			l := 1
			if rng.Intn(4) == 0 {
				l = 2
			}
			for i := 0; i < l; i++ {
				switch rng.Intn(4) {
				case 0:
					b = utf8.AppendRune(b, greek[rng.Intn(len(greek))])
				case 1:
					b = utf8.AppendRune(b, cyrillic[rng.Intn(len(cyrillic))])
				case 2:
					b = utf8.AppendRune(b, rune(0x4E00+rng.Intn(0x9FFF-0x4E00)))
				default:
					b = utf8.AppendRune(b, rune(0x1F300+rng.Intn(0x1F64F-0x1F300)))
				}
			}
			b = append(b, ' ')
		default:
			panic("unknown text kind " + kind)
		}
	}
	// Cut at a rune boundary and pad with spaces to exactly n bytes.
	b = b[:n]
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	for len(b) < n {
		b = append(b, ' ')
	}
	return b
}

var utf8Texts = []string{"ascii", "latin", "cjk", "emoji", "mixed"}

type utf8Impl struct {
	name  string
	valid func([]byte) bool
}

func utf8Impls() []utf8Impl {
	// "Valid" is the public entry point, which calls the kernel in use
	// directly; the others are each kernel through its function value.
	impls := []utf8Impl{{"Valid", utf8valid.Valid}}
	for _, k := range utf8valid.Kernels() {
		impls = append(impls, utf8Impl{k.Name, k.Valid})
	}
	return append(impls,
		utf8Impl{"stdlib", utf8.Valid},
		utf8Impl{"segmentio", segutf8.Valid},
		utf8Impl{"sonic", sonicutf8.Validate},
	)
}

// TestUTF8Texts checks the generated texts: valid, the right size, and the
// advertised share of non-ASCII bytes.
func TestUTF8Texts(t *testing.T) {
	for _, kind := range utf8Texts {
		p := utf8Text(kind, 65536)
		non := 0
		for _, c := range p {
			if c >= 0x80 {
				non++
			}
		}
		t.Logf("%s: %.1f%% non-ASCII bytes", kind, 100*float64(non)/float64(len(p)))
		if len(p) != 65536 || !utf8.Valid(p) {
			t.Fatalf("%s: bad text", kind)
		}
		for _, im := range utf8Impls() {
			if !im.valid(p) {
				t.Fatalf("%s rejects the %s text", im.name, kind)
			}
		}
	}
}

func BenchmarkUTF8Valid(b *testing.B) {
	for _, im := range utf8Impls() {
		for _, kind := range utf8Texts {
			for _, n := range utf8Sizes {
				p := utf8Text(kind, n)
				b.Run(fmt.Sprintf("impl=%s/text=%s/size=%d", im.name, kind, n), func(b *testing.B) {
					b.SetBytes(int64(n))
					for i := 0; i < b.N; i++ {
						if !im.valid(p) {
							b.Fatal("rejected valid text")
						}
					}
				})
			}
		}
	}
}

// BenchmarkUTF8Stream feeds a 64 KiB message to a Validator in chunks; the
// chunk=65536 rows are the one-shot baseline through the same API.
func BenchmarkUTF8Stream(b *testing.B) {
	const n = 65536
	for _, k := range utf8valid.Kernels() {
		for _, kind := range utf8Texts {
			p := utf8Text(kind, n)
			for _, chunk := range []int{n, 1300, 16} {
				b.Run(fmt.Sprintf("impl=%s/text=%s/chunk=%d", k.Name, kind, chunk), func(b *testing.B) {
					b.SetBytes(n)
					v := k.Validator()
					for i := 0; i < b.N; i++ {
						v.Reset()
						for q := p; len(q) > 0; {
							c := min(chunk, len(q))
							if _, err := v.Write(q[:c]); err != nil {
								b.Fatal(err)
							}
							q = q[c:]
						}
						if v.Finish() != nil {
							b.Fatal("truncated")
						}
					}
				})
			}
		}
	}
}
