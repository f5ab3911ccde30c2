package handshake

import (
	"crypto/rand"
	"encoding/base64"
	"io"

	"github.com/wsframe/wsframe/codec"
)

// Client is the client's half of the opening handshake (RFC 6455 §4.1):
// it writes the request and parses the server's response, fed in whatever
// pieces the socket delivers, checking it as the RFC requires.
//
// Set the exported fields, then for each connection:
//
//	out, err := c.AppendRequest(out[:0]) // write out to the socket
//	for {
//		n, done, err := c.Feed(buf) // whatever the socket had
//		// err: fail the connection (close it); a *StatusError is a
//		//      response other than 101 (a redirect, 401...).
//		// !done: read more.
//		// done: buf[n:] are the server's first frames.
//	}
//
// The response's accessors are valid once Feed reported done (or a
// *StatusError), until the next AppendRequest. Nothing here allocates
// except the buffer for a response that arrives split.
type Client struct {
	// Target is the request-target: the path and query of the
	// WebSocket URI ("/chat?room=1"); "" means "/".
	Target string
	// Host is the Host field: the URI's host, and ":port" when it is not
	// the scheme's default (RFC 6455 §4.1 item 4).
	Host string
	// Origin, when not "", is sent as the Origin field (browsers send
	// their page's origin; other clients may).
	Origin string
	// Protocols are the subprotocols offered, in order of preference; the
	// server may pick one of them.
	Protocols []string
	// Deflate, when not nil, is the permessage-deflate offer: written
	// with [codec.DeflateParams.AppendOffer], the answer checked with
	// [codec.AcceptDeflateResponse].
	Deflate *codec.DeflateParams
	// ExtraHeader is extra header lines, each "Name: value\r\n" (Cookie,
	// Authorization, User-Agent), written as they are after the others.
	ExtraHeader []byte
	// MaxBytes and MaxFields limit the response's header block as
	// [Request]'s fields limit a request's; 0 means the defaults.
	MaxBytes, MaxFields int
	// Random is the source of the key's 16 random bytes; nil means
	// crypto/rand.
	Random io.Reader

	raw        [16]byte
	key        [codec.KeyLen]byte
	sent       bool
	rd         reader
	status     int
	upgrades   uint8 // Upgrade fields seen
	upgradeOK  bool  // the only Upgrade is "websocket"
	connection bool
	accepts    uint8
	accept     span
	protocols  uint8
	protocol   span
	nExt       uint8
	extTooMany bool
	exts       [maxListFields]span
	extVals    [maxListFields][]byte
	chosen     string
	agreed     codec.DeflateParams
	negotiated bool
	statusErr  StatusError
	// What delimits a body (RFC 9112 §6), checked in every response.
	minor      uint8 // the version's minor digit: 0 for HTTP/1.0
	lengths    uint8 // Content-Length fields seen
	length     span  // the first one's value
	lengthBad  bool  // a Content-Length not a number below 2^63, or unlike the first
	transfers  uint8 // Transfer-Encoding fields seen
	chunked    bool  // the first one is "chunked"
	trailerBad bool  // a Trailer field names Content-Length, Transfer-Encoding or Trailer
}

// AppendRequest appends the opening request with a fresh key to dst and
// returns the extended slice; it also readies c for the response to it,
// keeping c's buffer. It refuses, with dst unchanged, fields that cannot be
// written as they are ([ErrClientConfig], [ErrHeaderLines]), and passes on
// an error from Random.
//
// The request is:
//
//	GET Target HTTP/1.1
//	Host: Host
//	Upgrade: websocket
//	Connection: Upgrade
//	Sec-WebSocket-Key: (16 random bytes in base64)
//	Sec-WebSocket-Version: 13
//	Origin, Sec-WebSocket-Protocol, Sec-WebSocket-Extensions when set
//	ExtraHeader
func (c *Client) AppendRequest(dst []byte) ([]byte, error) {
	target := c.Target
	if target == "" {
		target = "/"
	}
	if !validClientTarget(target) || !validHost(c.Host) || !visibleASCII(c.Origin) {
		return dst, ErrClientConfig
	}
	for _, p := range c.Protocols {
		if !isToken(p) {
			return dst, ErrClientConfig
		}
	}
	if !validHeaderLines(c.ExtraHeader) {
		return dst, ErrHeaderLines
	}
	random := c.Random
	if random == nil {
		random = rand.Reader
	}
	if _, err := io.ReadFull(random, c.raw[:]); err != nil {
		return dst, err
	}
	buf := c.rd.buf
	*c = Client{
		Target: c.Target, Host: c.Host, Origin: c.Origin, Protocols: c.Protocols,
		Deflate: c.Deflate, ExtraHeader: c.ExtraHeader, MaxBytes: c.MaxBytes, MaxFields: c.MaxFields,
		Random: c.Random, raw: c.raw, sent: true,
	}
	c.rd.buf = buf[:0]
	base64.StdEncoding.Encode(c.key[:], c.raw[:])

	dst = append(dst, "GET "...)
	dst = append(dst, target...)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, c.Host...)
	dst = append(dst, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "...)
	dst = append(dst, c.key[:]...)
	dst = append(dst, "\r\nSec-WebSocket-Version: 13\r\n"...)
	if c.Origin != "" {
		dst = append(dst, "Origin: "...)
		dst = append(dst, c.Origin...)
		dst = append(dst, "\r\n"...)
	}
	if len(c.Protocols) > 0 {
		dst = append(dst, "Sec-WebSocket-Protocol: "...)
		for i, p := range c.Protocols {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, p...)
		}
		dst = append(dst, "\r\n"...)
	}
	if c.Deflate != nil {
		dst = append(dst, "Sec-WebSocket-Extensions: "...)
		dst = c.Deflate.AppendOffer(dst)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, c.ExtraHeader...)
	return append(dst, "\r\n"...), nil
}

// Key returns the Sec-WebSocket-Key of the last request written.
func (c *Client) Key() []byte {
	if !c.sent {
		return nil
	}
	return c.key[:]
}

// Feed parses the next bytes of the server's response. n is how many bytes
// of p it took: all of p while the response is incomplete, and where the
// response's header block ends in p once it is complete; the bytes after
// it are the server's first frames, which a server may send right behind
// its 101.
//
// done is true for a 101 that passes every check of RFC 6455 §4.1:
// Upgrade is "websocket", Connection has "upgrade", Sec-WebSocket-Accept
// is the value for the key sent, Sec-WebSocket-Extensions answers the
// deflate offer acceptably (or is absent), and Sec-WebSocket-Protocol, if
// present, is one of the Protocols offered. A response with another status
// is a [*StatusError] (its header block read whole, its fields readable,
// any body left in the stream, delimited by its Content-Length or chunked
// Transfer-Encoding, which Feed has checked: [ErrResponseFraming]); a
// failed check is one of the Err... variables with status 0, or an error
// of codec's deflate negotiation.
// Either way the client fails the connection. Feed returns the same error
// again on later calls, and done once done.
func (c *Client) Feed(p []byte) (n int, done bool, err error) {
	if !c.sent {
		return 0, false, ErrNoRequest
	}
	if c.rd.state == stateDone && c.status != 101 {
		return 0, false, &c.statusErr
	}
	n, done, err = c.rd.feed(p, handler{cli: c}, c.MaxBytes, c.MaxFields, ErrTooLarge)
	if done && c.status != 101 {
		c.statusErr = StatusError{Code: c.status, Client: c}
		return n, false, &c.statusErr
	}
	return n, done, err
}

// Release returns the buffer c assembled a split response in (nil if it
// had none) and drops it, for the caller to reuse. The response's
// accessors then return nothing.
func (c *Client) Release() []byte {
	buf := c.rd.buf
	c.rd = reader{}
	if buf == nil {
		return nil
	}
	return buf[:0]
}

// block returns the response's header block once read whole, else nil.
func (c *Client) block() []byte {
	if c.rd.state != stateDone {
		return nil
	}
	return c.rd.block
}

// Status returns the response's status code once its header block was
// read (101, or that of a [*StatusError]), else 0.
func (c *Client) Status() int {
	if c.block() == nil {
		return 0
	}
	return c.status
}

// Protocol returns the subprotocol the server chose, one of Protocols, or
// "" for none.
func (c *Client) Protocol() string {
	if c.block() == nil {
		return ""
	}
	return c.chosen
}

// Negotiated returns the permessage-deflate agreement, and whether there
// is one; configure this end with its Outgoing and Incoming for
// [codec.RoleClient].
func (c *Client) Negotiated() (codec.DeflateParams, bool) {
	if c.block() == nil {
		return codec.DeflateParams{}, false
	}
	return c.agreed, c.negotiated
}

// Header returns the value of the first response field named name
// (compared ASCII case-insensitively) and whether there is one: Location
// after a redirect, WWW-Authenticate after a 401, Set-Cookie.
func (c *Client) Header(name string) (value []byte, ok bool) {
	b := c.block()
	if b == nil {
		return nil, false
	}
	value, _, ok = headerAt(b, c.rd.firstEnd, name)
	return value, ok
}

// Values appends the values of every response field named name to dst and
// returns the extended slice.
func (c *Client) Values(dst [][]byte, name string) [][]byte {
	b := c.block()
	if b == nil {
		return dst
	}
	return appendValues(dst, b, c.rd.firstEnd, name)
}

// Fields calls fn with every response field's name and value, in order,
// until fn returns false.
func (c *Client) Fields(fn func(name, value []byte) bool) {
	if b := c.block(); b != nil {
		eachField(b, c.rd.firstEnd, fn)
	}
}

// startLine reads `HTTP/1.x SP 3DIGIT [SP reason-phrase]` (RFC 9112 §4);
// the space before an empty reason may be missing, as it often is.
func (c *Client) startLine(b []byte, line span) *Error {
	l := line.in(b)
	if len(l) < 12 || l[8] != ' ' {
		return ErrStatusLine
	}
	major, minor, ok := parseVersion(l[:8])
	if !ok || major != 1 {
		return ErrStatusLine
	}
	d0, d1, d2 := l[9], l[10], l[11]
	if d0 < '1' || d0 > '9' || d1 < '0' || d1 > '9' || d2 < '0' || d2 > '9' || len(l) > 12 && l[12] != ' ' {
		return ErrStatusLine
	}
	c.status = int(d0-'0')*100 + int(d1-'0')*10 + int(d2-'0')
	c.minor = uint8(minor)
	if c.status == 101 && minor < 1 {
		return ErrStatusLine // no upgrade in HTTP/1.0
	}
	return nil
}

// field records what the checks of a 101 need; whether it is a 101 is
// known, but a field is only an error once the block is whole (end), so
// that a response with another status is read whole too.
func (c *Client) field(b []byte, name, value span) *Error {
	n := name.in(b)
	v := value.in(b)
	switch len(n) {
	case 7:
		if equalFold(n, "upgrade") {
			c.upgrades++
			c.upgradeOK = equalFold(v, "websocket")
		} else if equalFold(n, "trailer") {
			// Fields that delimit the message cannot be trailers
			// (RFC 9110 §6.5.1).
			c.trailerBad = c.trailerBad || hasToken(v, "content-length") ||
				hasToken(v, "transfer-encoding") || hasToken(v, "trailer")
		}
	case 10:
		if equalFold(n, "connection") {
			c.connection = c.connection || hasToken(v, "upgrade")
		}
	case 14:
		if equalFold(n, "content-length") {
			if c.lengths == 0 {
				c.length = value
				c.lengthBad = !validLength(v)
			} else if string(v) != string(c.length.in(b)) {
				c.lengthBad = true
			}
			c.lengths = min(c.lengths+1, 2)
		}
	case 17:
		if equalFold(n, "transfer-encoding") {
			if c.transfers == 0 {
				c.chunked = equalFold(v, "chunked")
			}
			c.transfers = min(c.transfers+1, 2)
		}
	case 20:
		if equalFold(n, "sec-websocket-accept") {
			c.accepts++
			c.accept = value
		}
	case 22:
		if equalFold(n, "sec-websocket-protocol") {
			c.protocols++
			c.protocol = value
		}
	case 24:
		if equalFold(n, "sec-websocket-extensions") {
			if int(c.nExt) == maxListFields {
				c.extTooMany = true
			} else {
				c.exts[c.nExt] = value
				c.nExt++
			}
		}
	}
	if c.upgrades > 1 {
		c.upgrades = 2 // saturate: only "more than one" matters
	}
	if c.accepts > 1 {
		c.accepts = 2
	}
	if c.protocols > 1 {
		c.protocols = 2
	}
	return nil
}

// end checks how any response delimits its body, then a 101 (RFC 6455
// §4.1, the client's items 1–6 on the response).
func (c *Client) end(b []byte) error {
	if err := c.framing(b); err != nil {
		return err
	}
	if c.status != 101 {
		return nil
	}
	switch {
	case c.upgrades != 1 || !c.upgradeOK:
		return ErrResponseUpgrade
	case !c.connection:
		return ErrResponseConnection
	case c.accepts != 1 || !codec.ValidAccept(c.key[:], c.accept.in(b)):
		return ErrAccept
	case c.extTooMany:
		return ErrTooManyFields
	}
	exts := c.extVals[:c.nExt]
	for i := range exts {
		exts[i] = c.exts[i].in(b)
	}
	if c.Deflate != nil {
		p, ok, err := codec.AcceptDeflateResponse(exts, *c.Deflate)
		if err != nil {
			return err
		}
		c.agreed, c.negotiated = p, ok
	} else {
		for _, v := range exts {
			for _, ch := range v {
				if ch != ',' && ch != ' ' && ch != '\t' {
					return codec.ErrExtensionNotOffered
				}
			}
		}
	}
	if c.protocols != 0 {
		v := c.protocol.in(b)
		c.chosen = ""
		for _, p := range c.Protocols {
			if string(v) == p {
				c.chosen = p
			}
		}
		if c.protocols != 1 || c.chosen == "" {
			return ErrResponseProtocol
		}
	}
	return nil
}

// framing checks the fields that say where a body ends (RFC 9112 §6). The
// body of a response other than 101 follows in the stream, for the caller
// to read or skip, so it must be delimited one way only: Content-Length
// fields that are numbers and agree (§6.3 item 5: otherwise "the message
// framing is invalid"), at most one Transfer-Encoding, "chunked" (the one
// coding net/http takes too), and none in HTTP/1.0, where §6.1 says to
// treat the framing as faulty. A 101 has no body at all: its next bytes
// are frames, so, as in a request, no Transfer-Encoding and no
// Content-Length but "0".
func (c *Client) framing(b []byte) error {
	switch {
	case c.lengthBad, c.transfers > 1, c.transfers == 1 && (!c.chunked || c.minor == 0), c.chunked && c.trailerBad:
		return ErrResponseFraming
	case c.status == 101 && (c.transfers > 0 || c.lengths > 0 && string(c.length.in(b)) != "0"):
		return ErrResponseFraming
	}
	return nil
}

// validLength reports whether v is a Content-Length (1*DIGIT, RFC 9110
// §8.6) below 2^63, as net/http requires.
func validLength(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	var n uint64
	for _, d := range v {
		if d < '0' || d > '9' {
			return false
		}
		n = n*10 + uint64(d-'0')
		if n >= 1<<63 {
			return false
		}
	}
	return true
}

// validClientTarget reports whether t can be a request-target (RFC 9112
// §3.2) as written.
func validClientTarget(t string) bool {
	for i := 0; i < len(t); i++ {
		if class[t[i]]&cTarget == 0 {
			return false
		}
	}
	return validTarget(t)
}

func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if class[s[i]]&cTarget == 0 {
			return false
		}
	}
	return true
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if class[s[i]]&cTchar == 0 {
			return false
		}
	}
	return true
}
