package conformance

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// permessage-deflate (RFC 7692) for sections 12 and 13: the extension
// header grammar, Autobahn's offers and accepts, the checks a client makes
// of a server's answer, and a per-message compressor and decompressor on
// the standard library's compress/flate. Like frame.go it is the judge's
// own code and shares nothing with the library under test.

const pmdName = "permessage-deflate"

// extParam is one parameter of an extension in a Sec-WebSocket-Extensions
// header; hasValue tells "p" from "p=v".
type extParam struct {
	name, value string
	hasValue    bool
}

// extension is one element of a Sec-WebSocket-Extensions header.
type extension struct {
	name   string
	params []extParam
}

// isToken reports whether s is an HTTP token (RFC 7230 section 3.2.6).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// splitOutsideQuotes splits s at every sep that is not inside a quoted
// string.
func splitOutsideQuotes(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case s[i] == '\\' && quoted:
			i++
		case s[i] == sep && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// parseExtensions parses a Sec-WebSocket-Extensions value (RFC 6455
// section 9.1): extensions separated by commas, each a token followed by
// ";"-separated parameters that are a token or token=value, the value a
// token or a quoted string (returned unquoted).
func parseExtensions(h string) ([]extension, error) {
	var out []extension
	for _, item := range splitOutsideQuotes(h, ',') {
		if strings.TrimSpace(item) == "" {
			continue // empty list elements are allowed by the #rule
		}
		parts := splitOutsideQuotes(item, ';')
		e := extension{name: strings.TrimSpace(parts[0])}
		if !isToken(e.name) {
			return nil, fmt.Errorf("bad extension name %q", e.name)
		}
		for _, p := range parts[1:] {
			name, value, has := strings.Cut(p, "=")
			name = strings.TrimSpace(name)
			if !isToken(name) {
				return nil, fmt.Errorf("extension %s: bad parameter %q", e.name, strings.TrimSpace(p))
			}
			if has {
				value = strings.TrimSpace(value)
				if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
					value = strings.ReplaceAll(value[1:len(value)-1], "\\", "")
				}
				if !isToken(value) {
					return nil, fmt.Errorf("extension %s: bad value %q for parameter %s", e.name, value, name)
				}
			}
			e.params = append(e.params, extParam{name: name, value: value, hasValue: has})
		}
		out = append(out, e)
	}
	return out, nil
}

// windowBits parses a max_window_bits value: a decimal 8..15 without
// leading zeros (RFC 7692 section 7.1.2).
func windowBits(v string) (int, bool) {
	if len(v) == 0 || len(v) > 2 || v[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 8 && n <= 15
}

// pmdOffer is a permessage-deflate offer as Autobahn's
// PerMessageDeflateOffer models it (the fields keep Autobahn's names).
// A client that sends client_max_window_bits accepts a server's limit on
// its window; no_context_takeover for the client is always acceptable.
type pmdOffer struct {
	acceptNoContextTakeover  bool // client_no_context_takeover
	acceptMaxWindowBits      bool // client_max_window_bits (no value)
	requestNoContextTakeover bool // server_no_context_takeover
	requestMaxWindowBits     int  // server_max_window_bits=N, 0 if absent
	// clientWindowHint is the value of the client's client_max_window_bits,
	// 0 when it had none (Autobahn ignores it; wstest's answer never asks
	// the client for a larger window than this, as RFC 7692 section
	// 7.1.2.2 requires).
	clientWindowHint int
}

// defaultOffer is Autobahn's PerMessageDeflateOffer() with no arguments.
var defaultOffer = pmdOffer{acceptNoContextTakeover: true, acceptMaxWindowBits: true}

// String is the offer as Autobahn's client writes it in its request.
func (o pmdOffer) String() string {
	s := pmdName
	if o.acceptNoContextTakeover {
		s += "; client_no_context_takeover"
	}
	if o.acceptMaxWindowBits {
		s += "; client_max_window_bits"
	}
	if o.requestNoContextTakeover {
		s += "; server_no_context_takeover"
	}
	if o.requestMaxWindowBits != 0 {
		s += fmt.Sprintf("; server_max_window_bits=%d", o.requestMaxWindowBits)
	}
	return s
}

// pyTuple is the offer's "(requestNoContextTakeover, requestMaxWindowBits)"
// pair as Autobahn's descriptions print it.
func (o pmdOffer) pyTuple() string {
	return fmt.Sprintf("(%s, %d)", map[bool]string{true: "True", false: "False"}[o.requestNoContextTakeover], o.requestMaxWindowBits)
}

// parseOffer reads a client's permessage-deflate offer the way Autobahn's
// server does (PerMessageDeflateOffer.parse): a repeated, unknown or
// malformed parameter makes the whole handshake fail.
func parseOffer(e extension) (pmdOffer, error) {
	o := pmdOffer{acceptNoContextTakeover: true}
	seen := map[string]bool{}
	for _, p := range e.params {
		if seen[p.name] {
			return o, fmt.Errorf("multiple occurrence of extension parameter %q for extension %q", p.name, pmdName)
		}
		seen[p.name] = true
		switch p.name {
		case "client_max_window_bits":
			n, ok := windowBits(p.value)
			if p.hasValue && !ok {
				return o, fmt.Errorf("illegal value %q for parameter %q", p.value, p.name)
			}
			o.acceptMaxWindowBits, o.clientWindowHint = true, n
		case "client_no_context_takeover", "server_no_context_takeover":
			if p.hasValue {
				return o, fmt.Errorf("illegal value %q for parameter %q", p.value, p.name)
			}
			if p.name == "server_no_context_takeover" {
				o.requestNoContextTakeover = true
			}
		case "server_max_window_bits":
			n, ok := windowBits(p.value)
			if !p.hasValue || !ok {
				return o, fmt.Errorf("illegal value %q for parameter %q", p.value, p.name)
			}
			o.requestMaxWindowBits = n
		default:
			return o, fmt.Errorf("illegal extension parameter %q for extension %q", p.name, pmdName)
		}
	}
	return o, nil
}

// pmdAccept is a server's answer to one offer, as Autobahn's
// PerMessageDeflateOfferAccept: it grants what the offer requested for
// the server and may ask the client for no context takeover and a
// smaller window.
type pmdAccept struct {
	offer                    pmdOffer
	requestNoContextTakeover bool // client_no_context_takeover
	requestMaxWindowBits     int  // client_max_window_bits=N, 0 if absent
}

// String is the Sec-WebSocket-Extensions value the server answers with.
func (a pmdAccept) String() string {
	s := pmdName
	if a.offer.requestNoContextTakeover {
		s += "; server_no_context_takeover"
	}
	if a.offer.requestMaxWindowBits != 0 {
		s += fmt.Sprintf("; server_max_window_bits=%d", a.offer.requestMaxWindowBits)
	}
	if a.requestNoContextTakeover {
		s += "; client_no_context_takeover"
	}
	if a.requestMaxWindowBits != 0 {
		s += fmt.Sprintf("; client_max_window_bits=%d", a.requestMaxWindowBits)
	}
	return s
}

func (a pmdAccept) params() deflateParams {
	return deflateParams{
		ServerNoContextTakeover: a.offer.requestNoContextTakeover,
		ClientNoContextTakeover: a.requestNoContextTakeover,
		ServerMaxWindowBits:     bitsOr15(a.offer.requestMaxWindowBits),
		ClientMaxWindowBits:     bitsOr15(a.requestMaxWindowBits),
	}
}

func bitsOr15(n int) int {
	if n == 0 {
		return 15
	}
	return n
}

// deflateParams is what a connection negotiated: per direction, whether
// the compressor keeps its context between messages and the largest
// window it may use.
type deflateParams struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int
	ClientMaxWindowBits     int
}

// String describes the negotiated parameters for reports.
func (p deflateParams) String() string {
	side := func(noCtx bool, bits int) string {
		ctx := "context takeover"
		if noCtx {
			ctx = "no context takeover"
		}
		return fmt.Sprintf("%s, window %d bits", ctx, bits)
	}
	return fmt.Sprintf("server to client: %s; client to server: %s",
		side(p.ServerNoContextTakeover, p.ServerMaxWindowBits), side(p.ClientNoContextTakeover, p.ClientMaxWindowBits))
}

// offersHeader joins offers into one Sec-WebSocket-Extensions value, in
// preference order, as Autobahn's client sends them.
func offersHeader(offers []pmdOffer) string {
	parts := make([]string, len(offers))
	for i, o := range offers {
		parts[i] = o.String()
	}
	return strings.Join(parts, ", ")
}

// checkDeflateResponse checks a server's Sec-WebSocket-Extensions answer
// against the client's offers by RFC 7692 sections 5 and 7: at most one
// extension, permessage-deflate only when offered, no unknown, repeated or
// malformed parameter, client_max_window_bits (with a value) only when the
// answered offer allowed it, and the server granting what that offer
// requested (server_no_context_takeover, a server_max_window_bits no
// larger than asked). An empty header means the server declined: nil
// parameters and no error.
func checkDeflateResponse(h string, offers []pmdOffer) (*deflateParams, error) {
	if strings.TrimSpace(h) == "" {
		return nil, nil
	}
	exts, err := parseExtensions(h)
	if err != nil {
		return nil, err
	}
	if len(offers) == 0 {
		return nil, fmt.Errorf("server accepted extension %q that was not offered", h)
	}
	if len(exts) != 1 || exts[0].name != pmdName {
		return nil, fmt.Errorf("server answered %q; only one %s was offered", h, pmdName)
	}
	var p deflateParams
	seen := map[string]bool{}
	var clientBits, serverBits int
	for _, q := range exts[0].params {
		if seen[q.name] {
			return nil, fmt.Errorf("parameter %s repeated in %q", q.name, h)
		}
		seen[q.name] = true
		switch q.name {
		case "server_no_context_takeover", "client_no_context_takeover":
			if q.hasValue {
				return nil, fmt.Errorf("parameter %s has a value in %q", q.name, h)
			}
		case "server_max_window_bits", "client_max_window_bits":
			n, ok := windowBits(q.value)
			if !q.hasValue || !ok {
				return nil, fmt.Errorf("parameter %s needs a value 8..15 in %q", q.name, h)
			}
			if q.name == "server_max_window_bits" {
				serverBits = n
			} else {
				clientBits = n
			}
		default:
			return nil, fmt.Errorf("unknown parameter %s in %q", q.name, h)
		}
	}
	p.ServerNoContextTakeover = seen["server_no_context_takeover"]
	p.ClientNoContextTakeover = seen["client_no_context_takeover"]
	p.ServerMaxWindowBits, p.ClientMaxWindowBits = bitsOr15(serverBits), bitsOr15(clientBits)
	var why []string
	for _, o := range offers {
		switch {
		case clientBits != 0 && !o.acceptMaxWindowBits:
			why = append(why, fmt.Sprintf("offer %q: client_max_window_bits was not offered", o))
		case o.requestNoContextTakeover && !p.ServerNoContextTakeover:
			why = append(why, fmt.Sprintf("offer %q: server_no_context_takeover was requested but not granted", o))
		case o.requestMaxWindowBits != 0 && (serverBits == 0 || serverBits > o.requestMaxWindowBits):
			why = append(why, fmt.Sprintf("offer %q: server_max_window_bits=%d was requested but not granted", o, o.requestMaxWindowBits))
		default:
			return &p, nil
		}
	}
	return nil, fmt.Errorf("server's %q answers none of the offers (%s)", h, strings.Join(why, "; "))
}

// deflateTail is what a sender strips from the end of each compressed
// message (RFC 7692 section 7.2.1); the receiver puts it back. The final
// empty stored block after it lets flate's reader end with io.EOF, so a
// stream cut inside a block still shows up as an error.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// maxWindow is the largest window deflate uses (2^15); it is all the
// history a decompressor with context takeover needs.
const maxWindow = 1 << 15

var (
	errInflateLimit = errors.New("inflated message exceeds the limit")
)

// pmdCodec compresses the messages one endpoint sends and decompresses
// those it receives, with the parameters negotiated for each direction.
type pmdCodec struct {
	outNoContext bool
	outBits      int
	fw           *flate.Writer
	wbuf         bytes.Buffer

	inNoContext bool
	fr          io.ReadCloser
	history     []byte // the last maxWindow octets inflated, with context takeover
}

// newCodec returns the codec for the server's side (isServer) or the
// client's side of a connection that negotiated p.
func newCodec(p deflateParams, isServer bool) *pmdCodec {
	if isServer {
		return &pmdCodec{outNoContext: p.ServerNoContextTakeover, outBits: p.ServerMaxWindowBits, inNoContext: p.ClientNoContextTakeover}
	}
	return &pmdCodec{outNoContext: p.ClientNoContextTakeover, outBits: p.ClientMaxWindowBits, inNoContext: p.ServerNoContextTakeover}
}

// compress returns msg compressed as one permessage-deflate message: a
// sync-flushed deflate stream without its 00 00 ff ff tail. compress/flate
// cannot shrink its 32 KiB window, so when the peer allowed fewer than 15
// window bits the compressor uses Huffman coding only, which refers to no
// earlier octets at all and so fits every window size.
func (c *pmdCodec) compress(msg []byte) []byte {
	c.wbuf.Reset()
	switch {
	case c.fw == nil:
		// The level is the sender's choice and changes nothing a case
		// checks; level 1 keeps the 128 MiB cases several times faster
		// than zlib's default that Autobahn uses.
		level := flate.BestSpeed
		if c.outBits < 15 {
			level = flate.HuffmanOnly
		}
		c.fw, _ = flate.NewWriter(&c.wbuf, level) // the level is valid
	case c.outNoContext:
		c.fw.Reset(&c.wbuf)
	}
	// Writes to a bytes.Buffer cannot fail.
	c.fw.Write(msg)
	c.fw.Flush()
	out := bytes.TrimSuffix(c.wbuf.Bytes(), deflateTail[:4])
	return append([]byte(nil), out...)
}

// decompress inflates one received message, stopping with
// errInflateLimit once the output would exceed limit octets, whatever the
// compressed size. With context takeover the previous messages' last
// 32 KiB serve as the dictionary, which is exactly the history a
// continuing deflate stream may refer to.
func (c *pmdCodec) decompress(msg []byte, limit int) ([]byte, error) {
	src := io.MultiReader(bytes.NewReader(msg), bytes.NewReader(deflateTail))
	var dict []byte
	if !c.inNoContext {
		dict = c.history
	}
	if c.fr == nil {
		c.fr = flate.NewReaderDict(src, dict)
	} else if err := c.fr.(flate.Resetter).Reset(src, dict); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	n, err := out.ReadFrom(io.LimitReader(c.fr, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if n > int64(limit) {
		return nil, errInflateLimit
	}
	if !c.inNoContext {
		h := append(c.history, out.Bytes()...)
		if len(h) > maxWindow {
			h = append([]byte(nil), h[len(h)-maxWindow:]...)
		}
		c.history = h
	}
	return out.Bytes(), nil
}
