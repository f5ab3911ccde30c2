package conformance

import (
	"bytes"
	"compress/flate"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseExtensions(t *testing.T) {
	good := map[string]string{
		"permessage-deflate":                                                       "[{permessage-deflate []}]",
		"permessage-deflate; client_max_window_bits":                               "[{permessage-deflate [{client_max_window_bits  false}]}]",
		`permessage-deflate;server_max_window_bits="10", foo ; a=b`:                "[{permessage-deflate [{server_max_window_bits 10 true}]} {foo [{a b true}]}]",
		" permessage-deflate ,, x-webkit-deflate-frame ":                           "[{permessage-deflate []} {x-webkit-deflate-frame []}]",
		"permessage-deflate; server_no_context_takeover; client_max_window_bits=9": "[{permessage-deflate [{server_no_context_takeover  false} {client_max_window_bits 9 true}]}]",
	}
	for h, want := range good {
		got, err := parseExtensions(h)
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("%q: got %v, %v; want %s", h, got, err, want)
		}
	}
	for _, h := range []string{"permessage deflate", "permessage-deflate; =1", "permessage-deflate; a=", "permessage-deflate; a=b c", "a;b;;", `permessage-deflate; x="a b"`} {
		if got, err := parseExtensions(h); err == nil {
			t.Errorf("%q: accepted as %v", h, got)
		}
	}
}

// TestOffersAsAutobahn: the request header of every section 13 parameter
// set is Autobahn's, and the server side answers the offers of real
// clients as Autobahn's accept functions do.
func TestOffersAsAutobahn(t *testing.T) {
	const d = "permessage-deflate; client_no_context_takeover; client_max_window_bits"
	want := []string{
		d,
		d + "; server_no_context_takeover",
		d + "; server_max_window_bits=9",
		d + "; server_max_window_bits=15",
		d + "; server_no_context_takeover; server_max_window_bits=9",
		d + "; server_no_context_takeover; server_max_window_bits=15",
		d + "; server_no_context_takeover; server_max_window_bits=9, " + d + "; server_no_context_takeover, " + d,
	}
	for i, ps := range deflateParamSets {
		if got := offersHeader(ps.offers); got != want[i] {
			t.Errorf("13.%d offers %q, want %q", i+1, got, want[i])
		}
	}
	// The answers to Node ws's default offer and gorilla's offer, per set.
	clients := map[string][]string{
		"permessage-deflate; client_max_window_bits": {
			"permessage-deflate", "permessage-deflate; client_no_context_takeover", "permessage-deflate; client_max_window_bits=9",
			"permessage-deflate; client_max_window_bits=15", "permessage-deflate; client_no_context_takeover; client_max_window_bits=9",
			"permessage-deflate; client_no_context_takeover; client_max_window_bits=15", "permessage-deflate; client_no_context_takeover; client_max_window_bits=9"},
		"permessage-deflate; server_no_context_takeover; client_no_context_takeover": {
			"permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover; client_no_context_takeover", "",
			"", "", "", "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
	}
	for h, answers := range clients {
		offers, err := clientOffers(h)
		if err != nil {
			t.Fatal(err)
		}
		for i, ps := range deflateParamSets {
			got := ""
			if a, ok := ps.accept(offers); ok {
				got = a.String()
			}
			if got != answers[i] {
				t.Errorf("offer %q, set 13.%d: answer %q, want %q", h, i+1, got, answers[i])
			}
		}
	}
	for _, h := range []string{"permessage-deflate; server_max_window_bits", "permessage-deflate; server_max_window_bits=16",
		"permessage-deflate; client_max_window_bits=08", "permessage-deflate; mystery", "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
		"permessage-deflate; client_no_context_takeover=1"} {
		if o, err := clientOffers(h); err == nil {
			t.Errorf("offer %q accepted as %+v", h, o)
		}
	}
	// A client's own client_max_window_bits caps what the server asks for.
	if offers, err := clientOffers("permessage-deflate; client_max_window_bits=12"); err != nil {
		t.Error(err)
	} else if a, _ := accept4(offers); a.String() != "permessage-deflate; client_max_window_bits=12" {
		t.Errorf("answer to a client limiting itself to 12 bits: %q", a)
	}
	if o, err := clientOffers("x-webkit-deflate-frame, foo"); err != nil || len(o) != 0 {
		t.Errorf("other extensions: %v, %v", o, err)
	}
}

// TestCheckDeflateResponse: the client side of RFC 7692's negotiation.
func TestCheckDeflateResponse(t *testing.T) {
	set := func(i int) []pmdOffer { return deflateParamSets[i-1].offers }
	noBits := []pmdOffer{{acceptNoContextTakeover: true}}
	good := []struct {
		h      string
		offers []pmdOffer
		want   deflateParams
	}{
		{"permessage-deflate", set(1), deflateParams{false, false, 15, 15}},
		{"permessage-deflate; client_no_context_takeover", set(1), deflateParams{false, true, 15, 15}},
		{"permessage-deflate;server_no_context_takeover", set(1), deflateParams{true, false, 15, 15}},
		{"permessage-deflate; server_max_window_bits=10; client_max_window_bits=12", set(1), deflateParams{false, false, 10, 12}},
		{"permessage-deflate; server_no_context_takeover", set(2), deflateParams{true, false, 15, 15}},
		{`permessage-deflate; server_max_window_bits="9"`, set(3), deflateParams{false, false, 9, 15}},
		{"permessage-deflate; server_max_window_bits=8", set(3), deflateParams{false, false, 8, 15}},
		{"permessage-deflate; server_no_context_takeover; client_no_context_takeover", set(7), deflateParams{true, true, 15, 15}},
		{"permessage-deflate; server_no_context_takeover; server_max_window_bits=9", set(7), deflateParams{true, false, 9, 15}},
		{"", set(1), deflateParams{}},
	}
	for _, g := range good {
		p, err := checkDeflateResponse(g.h, g.offers)
		switch {
		case err != nil:
			t.Errorf("%q: %v", g.h, err)
		case g.h == "" && p != nil:
			t.Errorf("no answer gave %+v", p)
		case g.h != "" && (p == nil || *p != g.want):
			t.Errorf("%q: %+v, want %+v", g.h, p, g.want)
		}
	}
	bad := []struct {
		h      string
		offers []pmdOffer
		why    string
	}{
		{"permessage-deflate", nil, "not offered"},
		{"x-webkit-deflate-frame", set(1), "only one"},
		{"permessage-deflate, permessage-deflate", set(7), "only one"},
		{"permessage-deflate; mystery", set(1), "unknown parameter"},
		{"permessage-deflate; client_no_context_takeover; client_no_context_takeover", set(1), "repeated"},
		{"permessage-deflate; server_no_context_takeover=yes", set(1), "has a value"},
		{"permessage-deflate; client_max_window_bits", set(1), "needs a value"},
		{"permessage-deflate; server_max_window_bits=7", set(1), "needs a value"},
		{"permessage-deflate; client_max_window_bits=10", noBits, "client_max_window_bits was not offered"},
		{"permessage-deflate", set(2), "server_no_context_takeover was requested"},
		{"permessage-deflate; server_no_context_takeover; client_no_context_takeover", set(5), "server_max_window_bits=9 was requested"},
		{"permessage-deflate; server_max_window_bits=10", set(3), "server_max_window_bits=9 was requested"},
		{"permessage-deflate; client_max_window_bits=10", set(2), "server_no_context_takeover was requested"},
	}
	for _, b := range bad {
		p, err := checkDeflateResponse(b.h, b.offers)
		if err == nil || !strings.Contains(err.Error(), b.why) {
			t.Errorf("%q: %+v, %v; want an error about %q", b.h, p, err, b.why)
		}
	}
}

// TestCodecRoundTrip sends messages through a server-side and a client-side
// codec in both directions, for every combination of context takeover and
// window bits Autobahn negotiates, and checks that without context
// takeover every message also inflates on its own.
func TestCodecRoundTrip(t *testing.T) {
	data := payloadKinds[0].bytes()
	var msgs [][]byte
	for i, n := range []int{0, 1, 16, 300, 5000, 40000, 70000, 16} {
		msgs = append(msgs, data[i*1000:i*1000+n])
	}
	for _, noCtx := range []bool{false, true} {
		for _, bits := range []int{8, 9, 12, 15} {
			p := deflateParams{noCtx, noCtx, bits, bits}
			srv, cli := newCodec(p, true), newCodec(p, false)
			for dir, pair := range [][2]*pmdCodec{{srv, cli}, {cli, srv}} {
				for i, m := range msgs {
					c := pair[0].compress(m)
					if bytes.HasSuffix(c, []byte{0, 0, 0xff, 0xff}) && len(m) > 0 {
						t.Errorf("tail not stripped")
					}
					got, err := pair[1].decompress(c, MaxMessage)
					if err != nil || !bytes.Equal(got, m) {
						t.Fatalf("noCtx %v bits %d dir %d msg %d: %v (got %d octets, want %d)", noCtx, bits, dir, i, err, len(got), len(m))
					}
					if noCtx {
						if alone, err := newCodec(p, dir == 0).decompress(c, MaxMessage); err != nil || !bytes.Equal(alone, m) {
							t.Fatalf("noCtx bits %d msg %d does not inflate on its own: %v", bits, i, err)
						}
					}
				}
			}
		}
	}
	// With context takeover, a repeated message refers to the previous one
	// and needs its history: a fresh decompressor must fail on it.
	p := deflateParams{false, false, 15, 15}
	tx, rx := newCodec(p, true), newCodec(p, false)
	m := data[:4000]
	rx.decompress(tx.compress(m), MaxMessage)
	second := tx.compress(m)
	if len(second) > 400 {
		t.Errorf("repeat compressed to %d octets; context not taken over", len(second))
	}
	if _, err := newCodec(p, false).decompress(second, MaxMessage); err == nil {
		t.Error("a message using the previous context inflated without it")
	}
	if got, err := rx.decompress(second, MaxMessage); err != nil || !bytes.Equal(got, m) {
		t.Errorf("second message with context: %v", err)
	}
}

// TestInflateLimit: a small message that inflates past the limit stops
// there, and corrupt or cut data is an error, never a panic.
func TestInflateLimit(t *testing.T) {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	for i := 0; i < 64; i++ {
		w.Write(zeros)
	}
	w.Flush()
	bomb := bytes.TrimSuffix(b.Bytes(), []byte{0, 0, 0xff, 0xff})
	if len(bomb) > 128<<10 {
		t.Fatalf("bomb is %d octets", len(bomb))
	}
	c := newCodec(deflateParams{false, false, 15, 15}, true)
	if _, err := c.decompress(bomb, 1<<20); err != errInflateLimit {
		t.Errorf("64 MiB bomb with a 1 MiB limit: %v", err)
	}
	for _, bad := range [][]byte{{0xff}, {0x07}, bomb[:len(bomb)/2], {0xf2, 0x48, 0xcd}} {
		if _, err := newCodec(deflateParams{true, true, 15, 15}, true).decompress(bad, 1<<20); err == nil {
			t.Errorf("%x inflated", bad)
		}
	}
}

// TestPayloads: the stand-ins for Autobahn's files have their sizes, are
// the same on every call, are valid UTF-8 where Autobahn sends text, and
// compress like the kinds of data they stand for.
func TestPayloads(t *testing.T) {
	ratio := func(p []byte) float64 {
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, flate.DefaultCompression)
		w.Write(p)
		w.Close()
		return float64(b.Len()) / float64(len(p))
	}
	// Compressed size over original: text well under a half, the image in
	// between, the PDF's streams hardly at all.
	limits := map[string][2]float64{
		"json_data1": {0.05, 0.45}, "lena512": {0.3, 0.9}, "gutenberg_faust": {0.1, 0.5},
		"html_data1": {0.05, 0.45}, "ooms": {0.85, 1.01},
	}
	for _, k := range payloadKinds {
		p := k.bytes()
		if len(p) != k.size {
			t.Errorf("%s: %d octets, want %d", k.key, len(p), k.size)
		}
		if again := k.gen(k.size); !bytes.Equal(again, p) {
			t.Errorf("%s differs between runs", k.key)
		}
		if !k.binary && !utf8.Valid(p) {
			t.Errorf("%s is not valid UTF-8", k.key)
		}
		if r, l := ratio(p), limits[k.key]; r < l[0] || r > l[1] {
			t.Errorf("%s compresses to %.2f of its size, want %.2f..%.2f", k.key, r, l[0], l[1])
		}
	}
	if !utf8.Valid(payloadKinds[2].bytes()) || !bytes.Contains(payloadKinds[2].bytes(), []byte("ü")) {
		t.Error("the German text is not UTF-8 with umlauts")
	}
}
