package handshake

import "github.com/wsframe/wsframe/codec"

// Request is the server's half of the opening handshake: a parser fed a
// client's request in whatever pieces the socket delivers, which checks it
// against RFC 6455 §4.2.1 and HTTP/1.1, and then gives access to its
// target and fields.
//
// The zero value is ready, with the default limits. Feed it bytes until it
// reports the request done or an error:
//
//	n, done, err := req.Feed(buf)
//	// err != nil: answer with AppendError(out, err) and close.
//	// !done: all of buf was taken; read more and Feed again.
//	// done: the request is buf[:n] (or was assembled across calls);
//	//       buf[n:] are the client's first frames, for codec.Receiver.
//
// When the whole request arrives in one call, nothing is copied: the
// accessors return slices of the caller's buffer, valid as long as those
// bytes are. A request that arrives split is assembled in a buffer that
// grows with it (or the one given to [Request.Reset]), up to the limit;
// [Request.Release] hands that buffer back.
//
// Accessors are valid only after Feed reported done; before, they return
// nil. Nothing here allocates except that buffer.
type Request struct {
	// MaxBytes limits the header block, request line and final empty
	// line included; 0 means DefaultMaxBytes (8 KiB). A request that has
	// not ended within it is refused with 431 (414 when the request line
	// alone has not ended).
	MaxBytes int
	// MaxFields limits the number of header field lines; 0 means
	// DefaultMaxFields (100). More is refused with 431.
	MaxFields int

	rd                                 reader
	target, host, origin, key, version span
	seen                               uint8 // seen... bits: single-valued fields present
	upgrade, connection                bool
	nProto, nExt                       uint8
	protos, exts                       [maxListFields]span
	protoVals, extVals                 [maxListFields][]byte
}

// Bits of Request.seen.
const (
	seenHost = 1 << iota
	seenKey
	seenVersion
	seenOrigin
	seenLength
)

// Feed parses the next bytes of the request. n is how many bytes of p it
// took. While the request is incomplete it takes all of p (keeping what
// it needs) and done is false. When p completes it, done is true and n is
// where the request ends in p: the bytes after it are the client's, not
// the request's (RFC 6455 allows a client to send frames right behind its
// handshake). A non-nil err is a [*Error] carrying the HTTP status to
// answer; Feed returns it again on later calls, and done once done.
//
// The checks, and the status each failure gets, are those of the Err...
// variables: request-line and field-line syntax (400), the limits (414,
// 431), GET (405), HTTP/1.1 or higher (400; 505 above HTTP/1), exactly
// one valid Host (400), no body (400), "websocket" in Upgrade (426),
// "upgrade" in Connection (400), Sec-WebSocket-Version 13 (426), exactly
// one valid Sec-WebSocket-Key (400), and no second Origin,
// Sec-WebSocket-Version or Content-Length (400).
func (r *Request) Feed(p []byte) (n int, done bool, err error) {
	return r.rd.feed(p, handler{req: r}, r.MaxBytes, r.MaxFields, ErrURITooLong)
}

// Reset makes r ready for a new request, keeping the limits. buf, when not
// nil, becomes the storage for a request that arrives split (its length is
// ignored, its capacity used; a request that needs more grows a new one).
// With nil, r keeps the buffer it has, if any.
func (r *Request) Reset(buf []byte) {
	if buf == nil {
		buf = r.rd.buf
	}
	*r = Request{MaxBytes: r.MaxBytes, MaxFields: r.MaxFields}
	r.rd.buf = buf[:0]
}

// Release returns the buffer r assembled a split request in (nil if it
// had none) and drops it, so the caller can reuse it: put it back in a
// pool once the request's fields are no longer needed. The accessors then
// return nil until the next request is done.
func (r *Request) Release() []byte {
	buf := r.rd.buf
	r.Reset(nil)
	r.rd.buf = nil
	if buf == nil {
		return nil
	}
	return buf[:0]
}

// block returns the request once done, else nil.
func (r *Request) block() []byte {
	if r.rd.state != stateDone {
		return nil
	}
	return r.rd.block
}

// Target returns the request-target: a path and query ("/chat?room=1") or
// an absolute URI ("ws://example.com/chat").
func (r *Request) Target() []byte { return r.slice(r.target) }

// Host returns the Host field's value.
func (r *Request) Host() []byte { return r.slice(r.host) }

// Origin returns the Origin field's value (RFC 6454), or nil when the
// request has none (clients other than browsers usually send none).
func (r *Request) Origin() []byte { return r.slice(r.origin) }

// Key returns the Sec-WebSocket-Key value, which [Request.AppendAccept]
// answers.
func (r *Request) Key() []byte { return r.slice(r.key) }

func (r *Request) slice(s span) []byte {
	b := r.block()
	if b == nil || s.end == 0 {
		return nil
	}
	return s.in(b)
}

// Protocols returns the values of the request's Sec-WebSocket-Protocol
// fields, each a comma-separated list of subprotocol names in the client's
// order of preference (RFC 6455 §4.1, §11.3.4). [Request.SelectProtocol]
// picks one. The slice is r's own, overwritten by the next call.
func (r *Request) Protocols() [][]byte {
	return r.list(&r.protoVals, &r.protos, r.nProto)
}

// Extensions returns the values of the request's Sec-WebSocket-Extensions
// fields, each a comma-separated list of extension offers: what
// [codec.NegotiateDeflate] takes. The slice is r's own, overwritten by the
// next call.
func (r *Request) Extensions() [][]byte {
	return r.list(&r.extVals, &r.exts, r.nExt)
}

func (r *Request) list(vals *[maxListFields][]byte, spans *[maxListFields]span, n uint8) [][]byte {
	b := r.block()
	if b == nil || n == 0 {
		return nil
	}
	for i := 0; i < int(n); i++ {
		vals[i] = spans[i].in(b)
	}
	return vals[:n:n]
}

// Header returns the value of the first field named name (compared ASCII
// case-insensitively), without surrounding whitespace, and whether there
// is one: Cookie, Authorization, User-Agent, X-Forwarded-For...
func (r *Request) Header(name string) (value []byte, ok bool) {
	b := r.block()
	if b == nil {
		return nil, false
	}
	value, _, ok = headerAt(b, r.rd.firstEnd, name)
	return value, ok
}

// Values appends the values of every field named name to dst, in order,
// and returns the extended slice; with a dst of enough capacity nothing
// is allocated.
func (r *Request) Values(dst [][]byte, name string) [][]byte {
	b := r.block()
	if b == nil {
		return dst
	}
	return appendValues(dst, b, r.rd.firstEnd, name)
}

// Fields calls fn with every field line's name and value, in order, until
// fn returns false.
func (r *Request) Fields(fn func(name, value []byte) bool) {
	if b := r.block(); b != nil {
		eachField(b, r.rd.firstEnd, fn)
	}
}

// Len returns the length of the request's header block, once done.
func (r *Request) Len() int { return len(r.block()) }

// startLine checks `GET SP request-target SP HTTP/1.1` (RFC 9112 §3).
func (r *Request) startLine(b []byte, line span) *Error {
	l := line.in(b)
	off := int(line.off)
	// method
	i := 0
	for i < len(l) && class[l[i]]&cTchar != 0 {
		i++
	}
	if i == 0 || i == len(l) || l[i] != ' ' {
		return ErrRequestLine
	}
	method := l[:i]
	// request-target: origin-form or absolute-form (§3.2).
	t := i + 1
	j := t
	for j < len(l) && class[l[j]]&cTarget != 0 {
		j++
	}
	if j == t || j == len(l) || l[j] != ' ' || !validTarget(l[t:j]) {
		return ErrRequestLine
	}
	major, minor, ok := parseVersion(l[j+1:])
	if !ok {
		return ErrRequestLine
	}
	switch {
	case string(method) != "GET":
		return ErrMethod
	case major > 1:
		return ErrHTTPVersionNotSupported
	case major < 1 || minor < 1:
		return ErrHTTPVersion
	}
	r.target = span{int32(off + t), int32(off + j)}
	return nil
}

// validTarget reports whether t is in origin-form ("/" and the rest) or
// absolute-form (a scheme and ":"), RFC 9112 §3.2.1–3.2.2. The authority
// and asterisk forms belong to CONNECT and OPTIONS.
func validTarget[S ~string | ~[]byte](t S) bool {
	if len(t) == 0 {
		return false
	}
	if t[0] == '/' {
		return true
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

// parseVersion reads HTTP-version, exactly "HTTP/" DIGIT "." DIGIT (RFC
// 9112 §2.3).
func parseVersion(v []byte) (major, minor int, ok bool) {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' ||
		v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9' {
		return 0, 0, false
	}
	return int(v[5] - '0'), int(v[7] - '0'), true
}

// field records the fields the handshake needs (RFC 6455 §4.2.1) and
// refuses a second one of those that hold a single value.
func (r *Request) field(b []byte, name, value span) *Error {
	n := name.in(b)
	v := value.in(b)
	switch len(n) {
	case 4:
		if equalFold(n, "host") {
			return r.single(seenHost, &r.host, value)
		}
	case 6:
		if equalFold(n, "origin") {
			return r.single(seenOrigin, &r.origin, value)
		}
	case 7:
		if equalFold(n, "upgrade") {
			r.upgrade = r.upgrade || hasToken(v, "websocket")
		}
	case 10:
		if equalFold(n, "connection") {
			r.connection = r.connection || hasToken(v, "upgrade")
		}
	case 14:
		if equalFold(n, "content-length") {
			if e := r.single(seenLength, nil, value); e != nil {
				return e
			}
			if string(v) != "0" {
				return ErrBody
			}
		}
	case 17:
		if equalFold(n, "sec-websocket-key") {
			return r.single(seenKey, &r.key, value)
		}
		if equalFold(n, "transfer-encoding") {
			return ErrBody
		}
	case 21:
		if equalFold(n, "sec-websocket-version") {
			return r.single(seenVersion, &r.version, value)
		}
	case 22:
		if equalFold(n, "sec-websocket-protocol") {
			return addList(&r.protos, &r.nProto, value)
		}
	case 24:
		if equalFold(n, "sec-websocket-extensions") {
			return addList(&r.exts, &r.nExt, value)
		}
	}
	return nil
}

// single records a field that may appear once.
func (r *Request) single(bit uint8, dst *span, value span) *Error {
	if r.seen&bit != 0 {
		return ErrDuplicate
	}
	r.seen |= bit
	if dst != nil {
		*dst = value
	}
	return nil
}

// addList records one more line of a list-valued field.
func addList(spans *[maxListFields]span, n *uint8, value span) *Error {
	if int(*n) == maxListFields {
		return ErrTooManyFields
	}
	spans[*n] = value
	*n++
	return nil
}

// end makes the checks that need the whole block, in the order of the
// Err... variables.
func (r *Request) end(b []byte) error {
	switch {
	case r.seen&seenHost == 0 || !validHost(r.host.in(b)):
		return ErrHost
	case !r.upgrade:
		return ErrUpgrade
	case !r.connection:
		return ErrConnection
	case r.seen&seenVersion == 0 || string(r.version.in(b)) != "13":
		return ErrVersion
	case r.seen&seenKey == 0 || !codec.ValidKey(r.key.in(b)):
		return ErrKey
	}
	return nil
}

// validHost reports whether h is uri-host [":" port] by its bytes (RFC
// 9112 §3.2, RFC 3986 §3.2.2), and not empty: a WebSocket client names
// the host it connects to (RFC 6455 §4.1 item 4).
func validHost[S ~string | ~[]byte](h S) bool {
	if len(h) == 0 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if class[h[i]]&cHost == 0 {
			return false
		}
	}
	return true
}
