package handshake

import (
	"bytes"
	"unsafe"
)

// The header block reader that both roles share: it takes the bytes of an
// HTTP/1.1 request or response in any chunking, splits them into lines as
// they complete, checks the syntax every field line must have (RFC 9112
// §2.2, §5), hands each line to the role's handler, and stops exactly after
// the empty line that ends the block, so the bytes behind it (frames) stay
// the caller's.
//
// A block that arrives whole in one call is parsed where it lies and never
// copied. One that arrives split is kept in a buffer that grows with the
// bytes (in steps of growStep, up to the limit) rather than being sized for
// the limit up front: a connection that sends its request slowly holds its
// bytes and no more. Fields are recorded as offsets into the block, so they
// stay valid when the bytes move from the caller's buffer into that one.

// Default limits.
const (
	// DefaultMaxBytes is the default limit on a header block, start line
	// and final CRLF included: 8 KiB, over ten times a browser's
	// request with its cookies.
	DefaultMaxBytes = 8 << 10
	// DefaultMaxFields is the default limit on the number of field lines.
	// A browser sends about 15.
	DefaultMaxFields = 100
	// maxListFields is how many Sec-WebSocket-Protocol or
	// Sec-WebSocket-Extensions lines are kept; more is ErrTooManyFields.
	maxListFields = 8
	// maxMaxBytes bounds a configured limit: a header block is not a
	// place for megabytes, and offsets are kept in 32 bits.
	maxMaxBytes = 1 << 24
	// growStep is the unit in which a held block's buffer grows.
	growStep = 256
)

// span is a place in the header block as offsets, valid wherever the block
// lies. The zero span is empty and means "absent" where that matters.
type span struct{ off, end int32 }

// in returns the bytes of s in b, with the capacity cut so that a caller's
// append cannot overwrite what follows.
func (s span) in(b []byte) []byte { return b[s.off:s.end:s.end] }

// Reader states.
const (
	stateStart  = iota // waiting for the start line
	stateFields        // reading field lines
	stateDone          // the block ended and passed the role's checks
	stateFailed        // an error; it is returned again on every call
)

// handler is the role whose lines these are: exactly one field is set.
// It is a pair of pointers rather than an interface so that calls are
// direct and the compiler can see that neither escapes: a Request or Client
// on the caller's stack stays there.
type handler struct {
	req *Request
	cli *Client
}

func (h handler) startLine(b []byte, line span) *Error {
	if h.req != nil {
		return h.req.startLine(b, line)
	}
	return h.cli.startLine(b, line)
}

func (h handler) field(b []byte, name, value span) *Error {
	if h.req != nil {
		return h.req.field(b, name, value)
	}
	return h.cli.field(b, name, value)
}

func (h handler) end(b []byte) error {
	if h.req != nil {
		return h.req.end(b)
	}
	return h.cli.end(b)
}

// reader is the shared state. The zero value is ready, with the default
// limits.
type reader struct {
	buf      []byte // storage for a block that arrives split (len: bytes held)
	block    []byte // the whole block, once done: the caller's bytes or buf
	line     int    // offset of the current line's first byte
	scan     int    // offset from which the current line's LF is looked for
	fields   int    // field lines so far
	firstEnd int    // offset of the first field line (after the start line)
	state    uint8
	err      error
}

// feed runs the reader on p with the given limits; n is how many bytes of
// p it used. tooLongStart is the error for a start line that does not end
// within the limit.
func (rd *reader) feed(p []byte, h handler, maxBytes, maxFields int, tooLongStart *Error) (n int, done bool, err error) {
	switch rd.state {
	case stateDone:
		return 0, true, nil
	case stateFailed:
		return 0, false, rd.err
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if maxBytes > maxMaxBytes {
		maxBytes = maxMaxBytes // offsets are int32
	}
	if maxFields <= 0 {
		maxFields = DefaultMaxFields
	}
	if len(rd.buf) == 0 {
		// Nothing held: parse p where it lies (the zero-copy path).
		lim := p
		if len(lim) > maxBytes {
			lim = lim[:maxBytes]
		}
		end, e := rd.lines(lim, h, maxFields)
		if e != nil {
			return 0, false, rd.fail(e)
		}
		if end > 0 {
			rd.block = p[:end:end]
			rd.state = stateDone
			return end, true, nil
		}
		if len(p) >= maxBytes {
			return 0, false, rd.fail(rd.limitError(tooLongStart))
		}
		rd.hold(p, maxBytes)
		return len(p), false, nil
	}
	// Bytes held: take p's bytes a line at a time, so that nothing behind
	// the block is copied.
	for n < len(p) {
		chunk := p[n:]
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			chunk = chunk[:i+1]
		}
		if room := maxBytes - len(rd.buf); len(chunk) > room {
			chunk = chunk[:room]
		}
		rd.hold(chunk, maxBytes)
		n += len(chunk)
		end, e := rd.lines(rd.buf, h, maxFields)
		if e != nil {
			return n, false, rd.fail(e)
		}
		if end > 0 {
			rd.block = rd.buf[:end:end]
			rd.state = stateDone
			return n, true, nil
		}
		if len(rd.buf) >= maxBytes {
			return n, false, rd.fail(rd.limitError(tooLongStart))
		}
	}
	return n, false, nil
}

func (rd *reader) fail(e error) error {
	rd.state, rd.err = stateFailed, e
	return e
}

// limitError is the error for a block that reached the limit unfinished.
func (rd *reader) limitError(tooLongStart *Error) *Error {
	if rd.state == stateStart {
		return tooLongStart
	}
	return ErrTooLarge
}

// hold appends b to the held bytes, growing the buffer to the next
// multiple of growStep (never beyond max) when it is full.
func (rd *reader) hold(b []byte, max int) {
	need := len(rd.buf) + len(b)
	if need > cap(rd.buf) {
		c := (need + growStep - 1) / growStep * growStep
		if c > max {
			c = max
		}
		nb := make([]byte, len(rd.buf), c)
		copy(nb, rd.buf)
		rd.buf = nb
	}
	rd.buf = append(rd.buf, b...)
}

// lines handles every complete line of b (the block so far) from where the
// last call stopped. It returns the block's length when b holds its end.
func (rd *reader) lines(b []byte, h handler, maxFields int) (end int, err error) {
	for {
		i := bytes.IndexByte(b[rd.scan:], '\n')
		if i < 0 {
			rd.scan = len(b)
			return 0, nil
		}
		lf := rd.scan + i
		start := rd.line
		rd.line, rd.scan = lf+1, lf+1
		if lf == start || b[lf-1] != '\r' {
			return 0, ErrLineEnd
		}
		line := span{int32(start), int32(lf - 1)}
		if rd.state == stateStart {
			if e := checkStartLine(b[start:lf-1], h.req != nil); e != nil {
				return 0, e
			}
			if e := h.startLine(b, line); e != nil {
				return 0, e
			}
			rd.state, rd.firstEnd = stateFields, lf+1
			continue
		}
		if line.off == line.end {
			if e := h.end(b); e != nil {
				return 0, e
			}
			return lf + 1, nil
		}
		rd.fields++
		if rd.fields > maxFields {
			return 0, ErrTooManyFields
		}
		name, value, e := splitField(b, line)
		if e != nil {
			return 0, e
		}
		if e := h.field(b, name, value); e != nil {
			return 0, e
		}
	}
}

// Byte classes.
const (
	cTchar  = 1 << iota // RFC 9110 §5.6.2 tchar
	cValue              // field-vchar, SP or HTAB (RFC 9110 §5.5)
	cHost               // a byte of uri-host [":" port] (RFC 3986 §3.2.2)
	cTarget             // a byte of a request-target: visible ASCII
)

var class = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		if c >= 0x21 && c < 0x7F || c >= 0x80 || c == ' ' || c == '\t' {
			t[c] |= cValue
		}
		if c >= 0x21 && c < 0x7F {
			t[c] |= cTarget
		}
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			t[c] |= cTchar | cHost
		}
	}
	for _, c := range []byte("!#$%&'*+-.^_`|~") {
		t[c] |= cTchar
	}
	for _, c := range []byte("-._~!$&'()*+,;=:[]%") {
		t[c] |= cHost
	}
	return t
}()

// badByte is the error for a byte that has no place where it is.
func badByte(c byte, otherwise *Error) *Error {
	switch c {
	case 0:
		return ErrNUL
	case '\r', '\n':
		return ErrLineEnd
	}
	return otherwise
}

// checkStartLine rejects the bytes no start line may hold (controls, NUL,
// a bare CR); the role checks its syntax. A status line's reason phrase may
// hold HTAB (RFC 9112 §4); a request line may not (§3).
func checkStartLine(b []byte, request bool) *Error {
	bad := ErrStatusLine
	if request {
		bad = ErrRequestLine
	}
	for _, c := range b {
		if class[c]&cValue == 0 || request && c == '\t' {
			return badByte(c, bad)
		}
	}
	return nil
}

// splitField splits a field line (without its CRLF) into the name and the
// value without surrounding whitespace (RFC 9112 §5).
func splitField(b []byte, line span) (name, value span, err *Error) {
	s, e := int(line.off), int(line.end)
	if b[s] == ' ' || b[s] == '\t' {
		return span{}, span{}, ErrObsFold
	}
	i := s
	for i < e && class[b[i]]&cTchar != 0 {
		i++
	}
	if i == s || i == e || b[i] != ':' {
		if i < e {
			return span{}, span{}, badByte(b[i], ErrFieldName)
		}
		return span{}, span{}, ErrFieldName
	}
	for j := i + 1; j < e; j++ {
		if class[b[j]]&cValue == 0 {
			return span{}, span{}, badByte(b[j], ErrFieldValue)
		}
	}
	vs, ve := i+1, e
	for vs < ve && (b[vs] == ' ' || b[vs] == '\t') {
		vs++
	}
	for ve > vs && (b[ve-1] == ' ' || b[ve-1] == '\t') {
		ve--
	}
	return span{int32(s), int32(i)}, span{int32(vs), int32(ve)}, nil
}

// appendValues appends the values of every field named name in the block
// (from offset from on) to dst.
func appendValues(dst [][]byte, block []byte, from int, name string) [][]byte {
	for {
		v, next, ok := headerAt(block, from, name)
		if !ok {
			return dst
		}
		dst = append(dst, v)
		from = next
	}
}

// eachField calls fn with every field line's name and value from offset
// from on, until fn returns false.
func eachField(block []byte, from int, fn func(name, value []byte) bool) {
	for from < len(block) {
		i := bytes.IndexByte(block[from:], '\n')
		if i < 0 {
			return
		}
		lf := from + i
		line := block[from : lf-1]
		from = lf + 1
		c := bytes.IndexByte(line, ':')
		if c < 0 {
			return // the empty line that ends the block
		}
		v := trimOWS(line[c+1:])
		if !fn(line[:c:c], v[:len(v):len(v)]) {
			return
		}
	}
}

// headerAt finds the first field named name (ASCII case-insensitively) in
// the block from offset from on. next is where to continue for the next
// one; ok is false when there is none.
func headerAt(block []byte, from int, name string) (value []byte, next int, ok bool) {
	for from < len(block) {
		i := bytes.IndexByte(block[from:], '\n')
		if i < 0 {
			break
		}
		lf := from + i
		line := block[from : lf-1]
		from = lf + 1
		c := bytes.IndexByte(line, ':')
		if c != len(name) || !equalFold(line[:c], name) {
			continue
		}
		v := trimOWS(line[c+1:])
		return v[:len(v):len(v)], from, true
	}
	return nil, len(block), false
}

// equalFold reports whether a and b are equal ASCII case-insensitively.
func equalFold[S ~string | ~[]byte](a S, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		c, d := a[i], b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// hasToken reports whether the comma-separated list v has the element
// token (lower case), compared ASCII case-insensitively, with optional
// whitespace around elements (RFC 9110 §5.6.1).
func hasToken(v []byte, token string) bool {
	for len(v) > 0 {
		elem := v
		if i := bytes.IndexByte(v, ','); i >= 0 {
			elem, v = v[:i], v[i+1:]
		} else {
			v = nil
		}
		if equalFold(trimOWS(elem), token) {
			return true
		}
	}
	return false
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// validHeaderLines reports whether b is a sequence of field lines, each
// `token ":" value CRLF` with a value free of control characters other
// than HTAB: what a program may add to a message.
func validHeaderLines(b []byte) bool {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 1 || b[i-1] != '\r' {
			return false
		}
		line := b[:i+1]
		b = b[i+1:]
		if _, _, err := splitField(line, span{0, int32(i - 1)}); err != nil {
			return false
		}
	}
	return true
}

// asString views a header value, a string or a byte slice, as a string
// without copying it, for comparisons that treat both alike. Nothing here
// keeps the string beyond the call that made it.
func asString[S ~string | ~[]byte](v S) string {
	// A string header is a prefix of a slice header (pointer, length), so
	// both kinds of S read correctly as a string.
	return *(*string)(unsafe.Pointer(&v))
}
