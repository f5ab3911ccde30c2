package codec

import "unsafe"

// The handshake half of permessage-deflate (RFC 7692): reading and writing
// the extension's parameters in Sec-WebSocket-Extensions, choosing an offer
// as a server and checking the answer as a client. Compression itself is
// not done here.
//
// Header syntax is RFC 6455 §9.1 (an HTTP list of `token *(";" param)`,
// param = `token ["=" (token | quoted-string)]`) with optional whitespace
// around every token and separator. Extension and parameter names compare
// ASCII-case-insensitively: they are HTTP tokens, and RFC 7230 §3.2.6 gives
// tokens no case rule of their own, so a peer that writes
// "Permessage-Deflate" is read as meaning the registered name rather than
// being declined or failed over the spelling.
//
// Everything below works on slices of the caller's strings or byte slices
// (an event loop's header values are slices of its read buffer) and returns
// preallocated errors, so negotiating allocates nothing.

// deflateName is the extension's registered name (RFC 7692 §7).
const deflateName = "permessage-deflate"

// The extension parameters (RFC 7692 §7.1).
const (
	paramServerNoContext = "server_no_context_takeover"
	paramClientNoContext = "client_no_context_takeover"
	paramServerMaxWindow = "server_max_window_bits"
	paramClientMaxWindow = "client_max_window_bits"
)

// DeflateParams are permessage-deflate's extension parameters (RFC 7692
// §7.1) as an offer or a response carries them.
//
// The zero value is the plain offer "permessage-deflate", or the plain
// response: both ends may keep their compression context between messages
// (context takeover) and use the full 32 KiB LZ77 window.
type DeflateParams struct {
	// ServerNoContextTakeover is server_no_context_takeover (§7.1.1.1):
	// the server compresses every message with an empty context.
	ServerNoContextTakeover bool
	// ClientNoContextTakeover is client_no_context_takeover (§7.1.1.2):
	// the client compresses every message with an empty context. In an
	// offer it is only the client's hint that it will do so.
	ClientNoContextTakeover bool
	// ServerMaxWindowBits is server_max_window_bits (§7.1.2.1), the base-2
	// logarithm of the largest LZ77 window the server may compress with:
	// 0 when absent, else 8..15.
	ServerMaxWindowBits uint8
	// ClientMaxWindowBits is client_max_window_bits (§7.1.2.2): 0 when
	// absent, else 8..15. In an offer the parameter without a value is
	// recorded as 15, since it allows the same responses as "=15";
	// AppendOffer writes 15 as the bare parameter, the form browsers send.
	ClientMaxWindowBits uint8
}

// Handshake errors of permessage-deflate, returned by
// [AcceptDeflateResponse]. Each means that the client must fail the
// WebSocket connection (RFC 6455 §4.1, RFC 7692 §7): close the TCP
// connection without a Close frame, since the WebSocket connection never
// opened. Their Code, 1002 (protocol error), is therefore informative, for
// callers that log or map codes. A server never sees them:
// [NegotiateDeflate] declines a bad offer instead (§7).
var (
	// ErrExtensionSyntax: a Sec-WebSocket-Extensions element that does not
	// follow the grammar of RFC 6455 §9.1 (no extension name, a ";" with no
	// parameter after it, an unterminated quoted-string, a stray
	// character).
	ErrExtensionSyntax = newError(CloseProtocolError, "malformed Sec-WebSocket-Extensions element")
	// ErrExtensionNotOffered: the response names an extension the client
	// did not offer; RFC 6455 §4.1 requires failing the connection.
	ErrExtensionNotOffered = newError(CloseProtocolError, "server answered an extension that was not offered")
	// ErrExtensionDuplicate: the response accepts permessage-deflate more
	// than once; both would claim the RSV1 bit (RFC 7692 §6).
	ErrExtensionDuplicate = newError(CloseProtocolError, "server answered permessage-deflate more than once")
	// ErrExtensionParam: a parameter that RFC 7692 §7.1 does not define
	// (§7: "an extension parameter not defined for use in a response").
	ErrExtensionParam = newError(CloseProtocolError, "unknown permessage-deflate parameter")
	// ErrExtensionParamDuplicate: the same parameter twice in one element
	// (§7: "multiple extension parameters with the same name").
	ErrExtensionParamDuplicate = newError(CloseProtocolError, "repeated permessage-deflate parameter")
	// ErrExtensionParamValue: a parameter value that §7.1 does not allow:
	// window bits that are not a decimal 8..15 without leading zeroes
	// (quoted or not), or any value on a *_no_context_takeover parameter,
	// which takes none.
	ErrExtensionParamValue = newError(CloseProtocolError, "invalid permessage-deflate parameter value")
	// ErrExtensionParamNoValue: server_max_window_bits, or
	// client_max_window_bits in a response, without the value that §7.1.2
	// requires there.
	ErrExtensionParamNoValue = newError(CloseProtocolError, "permessage-deflate window bits parameter without a value")
	// ErrDeflateServerContextTakeover: the client offered
	// server_no_context_takeover and the response lacks it; §7.1.1.1 has a
	// server accept that parameter only by including it.
	ErrDeflateServerContextTakeover = newError(CloseProtocolError, "response drops the server_no_context_takeover that was offered")
	// ErrDeflateServerWindowMissing: the client offered
	// server_max_window_bits and the response lacks it; §7.1.2.1 has a
	// server accept that parameter only by including it.
	ErrDeflateServerWindowMissing = newError(CloseProtocolError, "response drops the server_max_window_bits that was offered")
	// ErrDeflateServerWindowTooLarge: server_max_window_bits in the
	// response is larger than the offered one (§7.1.2.1: "the same or
	// smaller value as the offer").
	ErrDeflateServerWindowTooLarge = newError(CloseProtocolError, "response server_max_window_bits is larger than offered")
	// ErrDeflateClientWindowNotOffered: client_max_window_bits in a
	// response to an offer without it, which §7.1.2.2 forbids.
	ErrDeflateClientWindowNotOffered = newError(CloseProtocolError, "response has client_max_window_bits, which was not offered")
	// ErrDeflateClientWindowTooLarge: client_max_window_bits in the
	// response is larger than the value the client offered (§7.1.2.2:
	// "equal to or smaller than the received value").
	ErrDeflateClientWindowTooLarge = newError(CloseProtocolError, "response client_max_window_bits is larger than offered")
)

// AppendOffer appends p as a client's offer, "permessage-deflate; ..." (no
// header name, no CRLF), and returns the extended slice. Window bits outside
// 8..15 are written as the nearest value in range, so that the offer is
// always one a server can accept; ClientMaxWindowBits 15 is written as the
// bare parameter.
func (p DeflateParams) AppendOffer(dst []byte) []byte {
	return p.appendParams(dst, false)
}

// AppendResponse appends p as a server's response to an offer, in the same
// form as [DeflateParams.AppendOffer] except that client_max_window_bits
// always carries its value, as §7.1.2.2 requires of a response.
func (p DeflateParams) AppendResponse(dst []byte) []byte {
	return p.appendParams(dst, true)
}

func (p DeflateParams) appendParams(dst []byte, response bool) []byte {
	dst = append(dst, deflateName...)
	if p.ServerNoContextTakeover {
		dst = append(dst, "; "+paramServerNoContext...)
	}
	if p.ClientNoContextTakeover {
		dst = append(dst, "; "+paramClientNoContext...)
	}
	if p.ServerMaxWindowBits != 0 {
		dst = append(dst, "; "+paramServerMaxWindow+"="...)
		dst = appendBits(dst, p.ServerMaxWindowBits)
	}
	if p.ClientMaxWindowBits != 0 {
		dst = append(dst, "; "+paramClientMaxWindow...)
		if response || clampBits(p.ClientMaxWindowBits) != 15 {
			dst = append(dst, '=')
			dst = appendBits(dst, p.ClientMaxWindowBits)
		}
	}
	return dst
}

// clampBits maps a non-zero window bits setting into 8..15.
func clampBits(b uint8) uint8 {
	switch {
	case b < 8:
		return 8
	case b > 15:
		return 15
	}
	return b
}

func appendBits(dst []byte, b uint8) []byte {
	b = clampBits(b)
	if b >= 10 {
		return append(dst, '1', '0'+b-10)
	}
	return append(dst, '0'+b)
}

// NegotiateDeflate is the server side. offers are the request's
// Sec-WebSocket-Extensions header values, as strings
// (http.Header["Sec-Websocket-Extensions"]) or as byte slices of a read
// buffer (package handshake's), each possibly a comma-separated list. It walks every extension in order, skips other extensions and empty
// list elements, declines every permessage-deflate offer that RFC 7692 §7
// says to decline (an unknown parameter, a parameter repeated, a bad value,
// a value on a no-context-takeover parameter, broken syntax), and answers
// the first acceptable one. ok is false when there is none; the server then
// answers without permessage-deflate.
//
// policy says what this server wants; zero fields are no wish:
//   - ServerNoContextTakeover: always answer server_no_context_takeover. It
//     is answered anyway when the offer has it (§7.1.1.1).
//   - ClientNoContextTakeover: answer client_no_context_takeover (§7.1.1.2).
//   - ServerMaxWindowBits: the window the server compresses with at most.
//     An offer with server_max_window_bits is answered with the smaller of
//     the two (§7.1.2.1 requires at most the offer's value); an offer
//     without it is answered with the policy's value when below 15, which
//     §7.1.2.1 allows.
//   - ClientMaxWindowBits: answer client_max_window_bits with the policy's
//     value, or the offer's if that is smaller, but only when the offer has
//     client_max_window_bits: §7.1.2.2 forbids it otherwise, and the
//     client's window then stays at 15.
//
// Policy window bits below 8 count as 8 and above 15 as 15.
//
// accepted is the response: write it with [DeflateParams.AppendResponse],
// and configure this end with [DeflateParams.Outgoing] and
// [DeflateParams.Incoming]. The caller declines on its own when another
// negotiated extension also uses RSV1 (§6).
func NegotiateDeflate[S ~string | ~[]byte](offers []S, policy DeflateParams) (accepted DeflateParams, ok bool) {
	for k := range offers {
		v := asString(offers[k])
		for i := 0; i < len(v); {
			var elem string
			elem, i = nextElement(v, i)
			name, params, st := splitExtension(elem)
			if st != elemOK || !equalASCIIFold(name, deflateName) {
				continue
			}
			offer, err := parseDeflateParams(params, false)
			if err != nil {
				continue // §7: decline this offer, try the next (§5)
			}
			return answerDeflate(offer, policy), true
		}
	}
	return DeflateParams{}, false
}

// answerDeflate is the response to a valid offer under policy.
func answerDeflate(offer, policy DeflateParams) DeflateParams {
	a := DeflateParams{
		ServerNoContextTakeover: offer.ServerNoContextTakeover || policy.ServerNoContextTakeover,
		ClientNoContextTakeover: policy.ClientNoContextTakeover,
	}
	var sw uint8
	if policy.ServerMaxWindowBits != 0 {
		sw = clampBits(policy.ServerMaxWindowBits)
	}
	switch {
	case offer.ServerMaxWindowBits != 0:
		// §7.1.2.1: accepting the parameter means answering it, with the
		// offered value or a smaller one.
		a.ServerMaxWindowBits = offer.ServerMaxWindowBits
		if sw != 0 && sw < a.ServerMaxWindowBits {
			a.ServerMaxWindowBits = sw
		}
	case sw != 0 && sw < 15:
		a.ServerMaxWindowBits = sw
	}
	if offer.ClientMaxWindowBits != 0 && policy.ClientMaxWindowBits != 0 {
		a.ClientMaxWindowBits = clampBits(policy.ClientMaxWindowBits)
		if offer.ClientMaxWindowBits < a.ClientMaxWindowBits {
			a.ClientMaxWindowBits = offer.ClientMaxWindowBits
		}
	}
	return a
}

// AcceptDeflateResponse is the client side. values are the response's
// Sec-WebSocket-Extensions header values (strings or byte slices), offer is what this client offered
// (with [DeflateParams.AppendOffer]). negotiated is false, with a nil error,
// when the server answered no extension: the connection then runs
// uncompressed. A non-nil error means the client must fail the WebSocket
// connection (RFC 6455 §4.1, RFC 7692 §7); it is one of the ErrExtension...
// and ErrDeflate... variables, which say why. Every extension in the
// response must be permessage-deflate, as it is the only one this function
// knows was offered: a client that offers others removes their elements
// first.
//
// The response may always add server_no_context_takeover,
// client_no_context_takeover, and a server_max_window_bits the offer did not
// have (§7.1.1.1, 7.1.1.2, 7.1.2.1); it must keep the
// server_no_context_takeover and server_max_window_bits that were offered,
// the latter at most at the offered value, and may have
// client_max_window_bits only if it was offered, at most at the offered
// value.
func AcceptDeflateResponse[S ~string | ~[]byte](values []S, offer DeflateParams) (p DeflateParams, negotiated bool, err error) {
	for k := range values {
		v := asString(values[k])
		for i := 0; i < len(v); {
			var elem string
			elem, i = nextElement(v, i)
			name, params, st := splitExtension(elem)
			switch {
			case st == elemEmpty:
				continue
			case st == elemBad:
				return DeflateParams{}, false, ErrExtensionSyntax
			case !equalASCIIFold(name, deflateName):
				return DeflateParams{}, false, ErrExtensionNotOffered
			case negotiated:
				return DeflateParams{}, false, ErrExtensionDuplicate
			}
			got, e := parseDeflateParams(params, true)
			if e != nil {
				return DeflateParams{}, false, e
			}
			if e := checkResponse(got, offer); e != nil {
				return DeflateParams{}, false, e
			}
			p, negotiated = got, true
		}
	}
	return p, negotiated, nil
}

// checkResponse reports whether got is a valid answer to offer (RFC 7692
// §7.1.1.1, 7.1.2.1, 7.1.2.2).
func checkResponse(got, offer DeflateParams) *Error {
	if offer.ServerNoContextTakeover && !got.ServerNoContextTakeover {
		return ErrDeflateServerContextTakeover
	}
	if offer.ServerMaxWindowBits != 0 {
		if got.ServerMaxWindowBits == 0 {
			return ErrDeflateServerWindowMissing
		}
		if got.ServerMaxWindowBits > clampBits(offer.ServerMaxWindowBits) {
			return ErrDeflateServerWindowTooLarge
		}
	}
	if got.ClientMaxWindowBits != 0 {
		if offer.ClientMaxWindowBits == 0 {
			return ErrDeflateClientWindowNotOffered
		}
		if got.ClientMaxWindowBits > clampBits(offer.ClientMaxWindowBits) {
			return ErrDeflateClientWindowTooLarge
		}
	}
	return nil
}

// Outgoing tells the end in role what the agreement p means for the
// compressor it runs, for the messages it sends: whether it may keep its
// context from one message to the next, and the base-2 logarithm of the
// largest LZ77 window it may use (15 when the parameter is absent).
func (p DeflateParams) Outgoing(role Role) (contextTakeover bool, windowBits int) {
	if role == RoleClient {
		return !p.ClientNoContextTakeover, windowOrDefault(p.ClientMaxWindowBits)
	}
	return !p.ServerNoContextTakeover, windowOrDefault(p.ServerMaxWindowBits)
}

// Incoming tells the end in role what the agreement p means for the
// decompressor it runs, for the messages it receives: whether the peer may
// refer back into earlier messages (so the decompressor must keep its
// window between messages), and the window bits the peer compresses with at
// most (15 when the parameter is absent).
func (p DeflateParams) Incoming(role Role) (contextTakeover bool, windowBits int) {
	if role == RoleClient {
		return p.Outgoing(RoleServer)
	}
	return p.Outgoing(RoleClient)
}

func windowOrDefault(b uint8) int {
	if b == 0 {
		return 15
	}
	return int(clampBits(b))
}

// parseDeflateParams reads the parameters of one permessage-deflate element
// (everything after the name) as an offer or, if response, as a response.
// It enforces what RFC 7692 §7 and §7.1 say about each parameter on its own;
// checkResponse compares a response with its offer.
func parseDeflateParams(s string, response bool) (DeflateParams, *Error) {
	var p DeflateParams
	var seen uint8
	sc := paramScanner{s: s}
	for {
		name, value, hasValue, quoted, more := sc.next()
		if sc.bad {
			return DeflateParams{}, ErrExtensionSyntax
		}
		if !more {
			return p, nil
		}
		var bit uint8
		switch {
		case equalASCIIFold(name, paramServerNoContext):
			bit = 1
			p.ServerNoContextTakeover = true
		case equalASCIIFold(name, paramClientNoContext):
			bit = 2
			p.ClientNoContextTakeover = true
		case equalASCIIFold(name, paramServerMaxWindow):
			bit = 4
		case equalASCIIFold(name, paramClientMaxWindow):
			bit = 8
		default:
			return DeflateParams{}, ErrExtensionParam
		}
		if seen&bit != 0 {
			return DeflateParams{}, ErrExtensionParamDuplicate
		}
		seen |= bit
		switch bit {
		case 1, 2:
			// §7.1.1.1, 7.1.1.2: "This extension parameter has no value."
			if hasValue {
				return DeflateParams{}, ErrExtensionParamValue
			}
		case 4, 8:
			if !hasValue {
				// §7.1.2.2: only an offer may carry client_max_window_bits
				// without a value; it then means "any value is fine".
				if bit == 8 && !response {
					p.ClientMaxWindowBits = 15
					continue
				}
				return DeflateParams{}, ErrExtensionParamNoValue
			}
			b, ok := parseWindowBits(value, quoted)
			if !ok {
				return DeflateParams{}, ErrExtensionParamValue
			}
			if bit == 4 {
				p.ServerMaxWindowBits = b
			} else {
				p.ClientMaxWindowBits = b
			}
		}
	}
}

// parseWindowBits reads a window bits value: "a decimal integer value
// without leading zeroes between 8 to 15, inclusive" (RFC 7692 §7.1.2.1,
// 7.1.2.2). A quoted-string value is unescaped first and must then conform
// too (RFC 6455 §9.1: "the value after quoted-string unescaping MUST conform
// to the 'token' ABNF"). The scanner has checked that every quoted
// backslash escapes a byte.
func parseWindowBits(v string, quoted bool) (uint8, bool) {
	var n, digits int
	for i := 0; i < len(v); i++ {
		c := v[i]
		if quoted && c == '\\' {
			i++
			c = v[i]
		}
		if c < '0' || c > '9' || (digits == 0 && c == '0') || digits == 2 {
			return 0, false
		}
		n = n*10 + int(c-'0')
		digits++
	}
	if n < 8 || n > 15 {
		return 0, false
	}
	return uint8(n), true
}

// Element states from splitExtension.
const (
	elemOK    = iota
	elemEmpty // only whitespace: an empty list element, allowed by the HTTP list rule
	elemBad   // does not start with a token
)

// nextElement returns the list element of s that starts at i, up to the
// next comma outside a quoted-string, and the index after that comma. An
// unterminated quoted-string runs to the end of s.
func nextElement(s string, i int) (elem string, next int) {
	start := i
	inQuote := false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++ // a quoted-pair: the next byte is literal, even a quote
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			return s[start:i], i + 1
		}
	}
	if i > len(s) { // a backslash was the last byte
		i = len(s)
	}
	return s[start:i], i
}

// splitExtension splits a list element into its extension name and the
// rest, the parameters, which paramScanner reads.
func splitExtension(elem string) (name, params string, state int) {
	i := skipOWS(elem, 0)
	if i == len(elem) {
		return "", "", elemEmpty
	}
	j := skipToken(elem, i)
	if j == i {
		return "", "", elemBad
	}
	return elem[i:j], elem[j:], elemOK
}

// paramScanner reads `*( OWS ";" OWS token [ OWS "=" OWS value ] ) OWS`,
// one parameter per call to next.
type paramScanner struct {
	s   string
	i   int
	bad bool // the syntax is broken; next returns nothing more
}

// next returns the next parameter, its value (still escaped if quoted), or
// more=false at the end or, with sc.bad set, on a syntax error.
func (sc *paramScanner) next() (name, value string, hasValue, quoted, more bool) {
	s := sc.s
	i := skipOWS(s, sc.i)
	if i == len(s) || sc.bad {
		return "", "", false, false, false
	}
	if s[i] != ';' {
		sc.bad = true
		return "", "", false, false, false
	}
	i = skipOWS(s, i+1)
	j := skipToken(s, i)
	if j == i {
		sc.bad = true
		return "", "", false, false, false
	}
	name = s[i:j]
	i = skipOWS(s, j)
	if i < len(s) && s[i] == '=' {
		hasValue = true
		i = skipOWS(s, i+1)
		if i < len(s) && s[i] == '"' {
			end, ok := quotedEnd(s, i+1)
			if !ok {
				sc.bad = true
				return "", "", false, false, false
			}
			value, quoted = s[i+1:end], true
			i = end + 1
		} else {
			j = skipToken(s, i)
			if j == i {
				sc.bad = true
				return "", "", false, false, false
			}
			value = s[i:j]
			i = j
		}
	}
	sc.i = i
	return name, value, hasValue, quoted, true
}

// quotedEnd returns the index of the quote that closes the quoted-string
// whose content starts at i (RFC 7230 §3.2.6: qdtext and quoted-pair), or
// false when it is unterminated or holds a control character.
func quotedEnd(s string, i int) (int, bool) {
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return i, true
		case c == '\\':
			i++
			if i == len(s) || !qdtextOrPair(s[i]) {
				return 0, false
			}
		case !qdtextOrPair(c):
			return 0, false
		}
	}
	return 0, false
}

// qdtextOrPair reports whether c may appear in a quoted-string: HTAB, SP,
// visible ASCII and obs-text (RFC 7230 §3.2.6).
func qdtextOrPair(c byte) bool {
	return c == '\t' || (c >= ' ' && c != 0x7F)
}

func skipOWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

func skipToken(s string, i int) int {
	for i < len(s) && isTchar[s[i]] {
		i++
	}
	return i
}

// isTchar marks the bytes of an HTTP token (RFC 7230 §3.2.6), which RFC
// 6455 §9.1 uses for extension and parameter names and unquoted values.
var isTchar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// equalASCIIFold compares s with lower, which is lower-case ASCII, ignoring
// ASCII case only: unlike strings.EqualFold, no Unicode folding lets a
// non-ASCII byte sequence pass for a name.
func equalASCIIFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// asString views a header value as a string without copying it. The parsers
// only read it during the call and keep no part of it, so a byte slice from
// the caller's buffer can be read in place: converting it with string(v)
// would allocate a copy for every header value.
func asString[S ~string | ~[]byte](v S) string {
	// A string header is a prefix of a slice header (pointer, length), so
	// both kinds of S read correctly as a string.
	return *(*string)(unsafe.Pointer(&v))
}
