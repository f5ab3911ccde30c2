package conformance

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// Section 12's payloads. Autobahn reads five files shipped with it (a
// JSON file, the 512x512 "Lena" bitmap, Goethe's Faust I from Project
// Gutenberg, an HTML page and a PDF paper). wstest does not carry those
// third-party files; it generates stand-ins of the same kind and the same
// size, deterministically (the same octets on every run and platform,
// integer arithmetic only): ASCII JSON records, an 8-bit grey-scale BMP of
// smooth shapes and noise, German verse in UTF-8, an ASCII HTML page of
// tables and paragraphs, and a PDF-shaped file whose object streams are
// mostly incompressible octets. They compress roughly as the originals
// do, which is what the cases exercise; results are not comparable octet
// for octet with Autobahn's reports, only case for case.
type payloadKind struct {
	key    string // Autobahn's key in WS_COMPRESSION_TESTDATA
	desc   string // Autobahn's description
	size   int    // the size of Autobahn's file, which the stand-in matches
	binary bool   // sent as binary messages (Autobahn's 'binary')
	gen    func(n int) []byte

	once sync.Once
	data []byte
}

// payloadKinds are in Autobahn's order (WS_COMPRESSION_TESTDATA_KEYS),
// giving subcategories 12.1 to 12.5.
var payloadKinds = []*payloadKind{
	{key: "json_data1", desc: "Large JSON data file", size: 194056, gen: genJSON},
	{key: "lena512", desc: "Lena Picture, Bitmap 512x512 bw", size: 263222, binary: true, gen: genBitmap},
	{key: "gutenberg_faust", desc: "Human readable text, Goethe's Faust I (German)", size: 222218, binary: true, gen: genGerman},
	{key: "html_data1", desc: "Large HTML file", size: 263527, gen: genHTML},
	{key: "ooms", desc: "A larger PDF", size: 1042328, binary: true, gen: genPDF},
}

// bytes returns the payload, generating it on first use.
func (k *payloadKind) bytes() []byte {
	k.once.Do(func() { k.data = k.gen(k.size) })
	return k.data
}

// subcategoryName is Autobahn's "desc (utf8|binary, N bytes)".
func (k *payloadKind) subcategoryName() string {
	kind := "utf8"
	if k.binary {
		kind = "binary"
	}
	return fmt.Sprintf("%s (%s, %d bytes)", k.desc, kind, k.size)
}

// prng is splitmix64: tiny, fast and fixed forever, so payloads never
// change with a Go release.
type prng uint64

func (p *prng) next() uint64 {
	*p += 0x9e3779b97f4a7c15
	z := uint64(*p)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (p *prng) intn(n int) int { return int(p.next() % uint64(n)) }

func (p *prng) pick(words []string) string { return words[p.intn(len(words))] }

// fit cuts b to n octets or pads it with pad; pad and b are ASCII where
// the payload must stay valid UTF-8.
func fit(b []byte, n int, pad byte) []byte {
	if len(b) >= n {
		return b[:n]
	}
	return append(b, bytes.Repeat([]byte{pad}, n-len(b))...)
}

var englishWords = strings.Fields("alpha beta gamma delta server client message frame window buffer socket " +
	"stream packet header value record index table query result status active pending closed open " +
	"network latency payload compress deflate inflate context token session channel event update")

// genJSON writes an array of records with ids, names, tags, numbers and
// nested objects, one per line, as an API dump would look.
func genJSON(n int) []byte {
	r := prng(1)
	var b bytes.Buffer
	b.WriteString("[\n")
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `  {"id": %d, "guid": "%08x-%04x-%04x", "isActive": %v, "balance": "%d.%02d", "name": "%s %s", `,
			i, uint32(r.next()), uint16(r.next()), uint16(r.next()), r.intn(2) == 1, r.intn(10000), r.intn(100), r.pick(englishWords), r.pick(englishWords))
		fmt.Fprintf(&b, `"tags": ["%s", "%s", "%s"], "location": {"lat": %d.%06d, "lon": %d.%06d}, `,
			r.pick(englishWords), r.pick(englishWords), r.pick(englishWords), r.intn(180)-90, r.intn(1000000), r.intn(360)-180, r.intn(1000000))
		fmt.Fprintf(&b, `"about": "%s %s %s %s %s.", "friends": [{"id": 0, "name": "%s"}, {"id": 1, "name": "%s"}]}`,
			r.pick(englishWords), r.pick(englishWords), r.pick(englishWords), r.pick(englishWords), r.pick(englishWords), r.pick(englishWords), r.pick(englishWords))
	}
	b.WriteString("\n]\n")
	return fit(b.Bytes(), n, ' ')
}

// genBitmap writes a 512x512 8-bit grey-scale BMP (header, 256-entry
// palette, bottom-up rows) of overlapping discs and gradients with a
// little noise: the size of Autobahn's lena512.bmp exactly.
func genBitmap(n int) []byte {
	const w, h = 512, 512
	const pixOff = 14 + 40 + 256*4
	b := make([]byte, pixOff+w*h)
	copy(b, "BM")
	le := binary.LittleEndian
	le.PutUint32(b[2:], uint32(len(b)))
	le.PutUint32(b[10:], pixOff)
	le.PutUint32(b[14:], 40)
	le.PutUint32(b[18:], w)
	le.PutUint32(b[22:], h)
	le.PutUint16(b[26:], 1)
	le.PutUint16(b[28:], 8)
	le.PutUint32(b[34:], w*h)
	le.PutUint32(b[46:], 256)
	for i := 0; i < 256; i++ {
		p := 54 + 4*i
		b[p], b[p+1], b[p+2] = byte(i), byte(i), byte(i)
	}
	r := prng(2)
	type disc struct{ x, y, rr, shade int }
	discs := make([]disc, 24)
	for i := range discs {
		rad := 20 + r.intn(120)
		discs[i] = disc{r.intn(w), r.intn(h), rad * rad, r.intn(256)}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := (x + 2*y) / 6
			for _, d := range discs {
				dx, dy := x-d.x, y-d.y
				if dx*dx+dy*dy < d.rr {
					v = (v + d.shade) / 2
				}
			}
			v += r.intn(9) - 4
			if v < 0 {
				v = 0
			} else if v > 255 {
				v = 255
			}
			b[pixOff+y*w+x] = byte(v)
		}
	}
	return fit(b, n, 0)
}

var germanWords = strings.Fields("und die der das ich nicht ist zu mich mir sich den ein so auch wie mit " +
	"Geist Welt Herz Natur Himmel Erde Gott Teufel Leben Liebe Nacht Tag Wissen Wahrheit Seele Blut " +
	"schön größer Mädchen für über Glück Träume Brüder Mühe Schätze höchste müssen Gefühl fühlen " +
	"Wort Tat Sinn Kraft Licht Schatten Zeit Ewigkeit Stunde Augenblick verweile doch bist")

var speakers = []string{"FAUST", "MEPHISTOPHELES", "WAGNER", "GRETCHEN", "MARTHE", "CHOR DER ENGEL", "DER HERR"}

// genGerman writes verse in German (UTF-8, with umlauts and ß): speakers'
// names and short rhymed-looking lines, like a play's text.
func genGerman(n int) []byte {
	r := prng(3)
	var b bytes.Buffer
	b.WriteString("Faust: Der Tragödie erster Teil\r\n\r\n")
	for b.Len() < n {
		fmt.Fprintf(&b, "%s:\r\n", r.pick(speakers))
		for l := 2 + r.intn(6); l > 0; l-- {
			words := 4 + r.intn(5)
			for i := 0; i < words; i++ {
				wd := r.pick(germanWords)
				if i == 0 && wd[0] >= 'a' && wd[0] <= 'z' {
					wd = string(wd[0]-'a'+'A') + wd[1:]
				}
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(wd)
			}
			b.WriteString([]string{",", ";", "!", ".", "?", ""}[r.intn(6)] + "\r\n")
		}
		b.WriteString("\r\n")
	}
	// Cut on a rune boundary, then pad with spaces: the text stays UTF-8.
	out := b.Bytes()[:n]
	for r, size := utf8.DecodeLastRune(out); r == utf8.RuneError && size == 1; r, size = utf8.DecodeLastRune(out) {
		out = out[:len(out)-1]
	}
	return fit(out, n, ' ')
}

// genHTML writes an ASCII HTML page: navigation, sections of paragraphs
// with links, and data tables.
func genHTML(n int) []byte {
	r := prng(4)
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Report</title>\n<link rel=\"stylesheet\" href=\"/static/site.css\"></head>\n<body>\n<div id=\"nav\"><ul>\n")
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&b, "  <li class=\"nav-item\"><a href=\"/%s/%s.html\">%s</a></li>\n", r.pick(englishWords), r.pick(englishWords), r.pick(englishWords))
	}
	b.WriteString("</ul></div>\n")
	for s := 0; b.Len() < n; s++ {
		fmt.Fprintf(&b, "<div class=\"section\" id=\"s%d\">\n<h2>%s %s</h2>\n", s, r.pick(englishWords), r.pick(englishWords))
		for p := 1 + r.intn(3); p > 0; p-- {
			b.WriteString("<p>")
			for i := 20 + r.intn(40); i > 0; i-- {
				if r.intn(12) == 0 {
					fmt.Fprintf(&b, "<a href=\"https://example.org/%s?id=%d\">%s</a> ", r.pick(englishWords), r.intn(100000), r.pick(englishWords))
				} else {
					b.WriteString(r.pick(englishWords) + " ")
				}
			}
			b.WriteString("</p>\n")
		}
		if r.intn(2) == 0 {
			b.WriteString("<table class=\"data\">\n<tr><th>id</th><th>name</th><th>value</th><th>status</th></tr>\n")
			for row := 3 + r.intn(10); row > 0; row-- {
				fmt.Fprintf(&b, "<tr><td>%d</td><td>%s</td><td>%d.%02d</td><td class=\"%s\">%s</td></tr>\n",
					r.intn(1000000), r.pick(englishWords), r.intn(1000), r.intn(100), r.pick(englishWords), r.pick(englishWords))
			}
			b.WriteString("</table>\n")
		}
		b.WriteString("</div>\n")
	}
	b.WriteString("</body>\n</html>\n")
	return fit(b.Bytes(), n, '\n')
}

// genPDF writes a PDF-shaped file: numbered objects with dictionaries and
// streams of mostly random octets (a real PDF's streams are already
// deflated), some plain-text content streams, an xref table and trailer.
func genPDF(n int) []byte {
	r := prng(5)
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	var offsets []int
	for obj := 1; b.Len() < n-4096; obj++ {
		offsets = append(offsets, b.Len())
		if r.intn(4) == 0 {
			var text bytes.Buffer
			for i := 30 + r.intn(60); i > 0; i-- {
				fmt.Fprintf(&text, "BT /F1 %d Tf %d %d Td (%s %s) Tj ET\n", 8+r.intn(6), r.intn(600), r.intn(800), r.pick(englishWords), r.pick(englishWords))
			}
			fmt.Fprintf(&b, "%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", obj, text.Len(), text.Bytes())
			continue
		}
		data := make([]byte, 2048+r.intn(16384))
		for i := range data {
			data[i] = byte(r.next())
		}
		fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n",
			obj, 64+r.intn(512), 64+r.intn(512), len(data))
		b.Write(data)
		b.WriteString("\nendstream\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return fit(b.Bytes(), n, '\n')
}
