package handshake

import "strconv"

// Error is a failed opening handshake. A request's error carries the HTTP
// status to answer with: write the answer with [AppendError]. An error a
// client finds in a response has status 0: the client fails the WebSocket
// connection, which means closing the TCP connection without a word (RFC
// 6455 §4.1). A program's misuse (an answer or a request that cannot be
// written) has status 500.
//
// Every Error the package returns is one of the Err... variables below, so
// returning one allocates nothing and errors.Is compares them by identity.
type Error struct {
	status int
	msg    string
}

// Error returns the message, which starts with "handshake: ".
func (e *Error) Error() string { return e.msg }

// Status is the HTTP status a server answers with (400, 405, 414, 426,
// 431, 505; 500 for a program's misuse), or 0 for an error a client found
// in a server's response.
func (e *Error) Status() int { return e.status }

func newError(status int, msg string) *Error {
	return &Error{status: status, msg: "handshake: " + msg}
}

// Errors of the request's syntax (RFC 9112 §2–5), found by [Request.Feed]
// as soon as the line that has them is complete. The response parser of
// [Client] reports the same syntax errors (their status does not apply to a
// client, which closes the connection).
var (
	// ErrTooLarge: the header block does not end within the limit
	// (Request.MaxBytes, 8 KiB by default). 431 Request Header Fields Too
	// Large (RFC 6585 §5).
	ErrTooLarge = newError(431, "header block larger than the limit")
	// ErrTooManyFields: more header field lines than Request.MaxFields,
	// or more than 8 Sec-WebSocket-Protocol or Sec-WebSocket-Extensions
	// lines. 431.
	ErrTooManyFields = newError(431, "too many header fields")
	// ErrURITooLong: the request line does not end within the limit. 414
	// URI Too Long (RFC 9110 §15.5.15): the target is what makes it long.
	ErrURITooLong = newError(414, "request line longer than the limit")
	// ErrLineEnd: a line that does not end in CRLF (a bare LF), or a CR
	// that is not followed by LF (a bare CR). RFC 9112 §2.2 lets a
	// recipient accept a bare LF; this parser does not, since a request
	// read one way by a proxy and another way here is how requests get
	// smuggled. 400.
	ErrLineEnd = newError(400, "line not ended by CRLF, or a bare CR")
	// ErrNUL: a NUL byte in the header block (RFC 9110 §5.5). 400.
	ErrNUL = newError(400, "NUL byte in the header block")
	// ErrRequestLine: a request line that is not `method SP
	// request-target SP HTTP-version` (RFC 9112 §3), a target that is
	// neither origin-form nor absolute-form (§3.2) or has a byte outside
	// visible ASCII. 400.
	ErrRequestLine = newError(400, "malformed request line")
	// ErrObsFold: a field line that starts with whitespace, which is
	// either obsolete line folding or whitespace before the first field;
	// RFC 9112 §5.2 and §2.2 let a server reject both with 400.
	ErrObsFold = newError(400, "obsolete line folding or leading whitespace in a field line")
	// ErrFieldName: a field line whose name is not a token, is empty, or
	// is followed by whitespace before the colon (RFC 9112 §5.1). 400.
	ErrFieldName = newError(400, "malformed header field name")
	// ErrFieldValue: a control character other than HTAB in a field
	// value (RFC 9110 §5.5). 400.
	ErrFieldValue = newError(400, "control character in a header field value")
)

// Errors of the request's meaning: the rules of RFC 6455 §4.2.1 and of
// HTTP/1.1 for a GET that asks for an upgrade. Each is found when the
// header block is complete, in the order listed here, except for the
// method and version, found with the request line, and duplicates, found
// with the second field line.
var (
	// ErrMethod: a method other than GET (§4.2.1 item 1; methods are
	// case-sensitive, RFC 9110 §9.1). 405 Method Not Allowed, answered with
	// "Allow: GET" as RFC 9110 §15.5.6 requires.
	ErrMethod = newError(405, "the opening handshake must be a GET request")
	// ErrHTTPVersion: HTTP/1.0 or older (§4.2.1 item 1 needs HTTP/1.1 or
	// higher). 400: 505 would say that the major version is not supported
	// (RFC 9110 §15.6.6), and an HTTP/1.0 client could not use a 426.
	ErrHTTPVersion = newError(400, "the opening handshake needs HTTP/1.1 or higher")
	// ErrHTTPVersionNotSupported: an HTTP major version above 1 in an
	// HTTP/1 request line. 505 HTTP Version Not Supported.
	ErrHTTPVersionNotSupported = newError(505, "HTTP major version not supported")
	// ErrBody: a Transfer-Encoding, or a Content-Length other than 0. The
	// bytes after the header block are WebSocket frames; a request body
	// would be read as frames here and as a body by a proxy in front. 400.
	ErrBody = newError(400, "an opening handshake has no body")
	// ErrDuplicate: a second Host, Sec-WebSocket-Key,
	// Sec-WebSocket-Version or Origin field, or a second Content-Length.
	// Each holds a single value (RFC 9112 §3.2, RFC 6455 §4.2.1, RFC 6454
	// §7). 400.
	ErrDuplicate = newError(400, "a header that must appear once appears twice")
	// ErrHost: no Host field, or one whose value is not uri-host [":"
	// port] (RFC 9112 §3.2 requires 400 for both). 400.
	ErrHost = newError(400, "missing or invalid Host")
	// ErrUpgrade: no "websocket" token in Upgrade (§4.2.1 item 3). 426
	// Upgrade Required, answered with "Upgrade: websocket" (RFC 9110
	// §15.5.22): this endpoint speaks only WebSocket.
	ErrUpgrade = newError(426, "Upgrade does not ask for websocket")
	// ErrConnection: no "upgrade" token in Connection (§4.2.1 item 4). 400.
	ErrConnection = newError(400, "Connection lacks the upgrade token")
	// ErrVersion: Sec-WebSocket-Version missing or not 13 (§4.2.1 item 6).
	// 426 Upgrade Required with "Sec-WebSocket-Version: 13" (§4.4).
	ErrVersion = newError(426, "Sec-WebSocket-Version is not 13")
	// ErrKey: Sec-WebSocket-Key missing or not the base64 encoding of 16
	// bytes (§4.2.1 item 5). 400.
	ErrKey = newError(400, "missing or invalid Sec-WebSocket-Key")
)

// Errors of the server's own answer ([Request.AppendAccept]) and of a
// client's configuration ([Client.AppendRequest]): the program's mistakes,
// reported instead of writing a broken message. Status 500.
var (
	// ErrNotDone: AppendAccept before Feed reported a complete, valid
	// request.
	ErrNotDone = newError(500, "no complete valid request to answer")
	// ErrProtocolNotOffered: a subprotocol the client did not offer (RFC
	// 6455 §4.2.2 item 5.4 allows only one of those).
	ErrProtocolNotOffered = newError(500, "the chosen subprotocol was not offered")
	// ErrHeaderLines: extra header lines that are not `name: value` lines
	// each ended by CRLF, with a token name and a value without control
	// characters; writing them would let the program's data break the
	// message (response splitting).
	ErrHeaderLines = newError(500, "malformed extra header lines")
	// ErrClientConfig: a Client whose Target, Host, Origin or Protocols
	// cannot be written as they are: an empty or non-visible-ASCII
	// target or host, or a subprotocol that is not a token.
	ErrClientConfig = newError(500, "invalid client request field")
)

// Errors a client finds in the server's response to its opening handshake
// (RFC 6455 §4.1). Each means failing the WebSocket connection; their status
// is 0. A response whose status is not 101 is a [*StatusError] instead, and
// a bad Sec-WebSocket-Extensions answer is one of package codec's
// ErrExtension... and ErrDeflate... errors.
var (
	// ErrStatusLine: a status line that is not `HTTP/1.x SP 3DIGIT [SP
	// reason]` (RFC 9112 §4), or a 101 in HTTP/1.0.
	ErrStatusLine = newError(0, "malformed status line")
	// ErrResponseUpgrade: Upgrade missing, repeated, or not "websocket"
	// (§4.1: an ASCII case-insensitive match for the value).
	ErrResponseUpgrade = newError(0, "response Upgrade is not websocket")
	// ErrResponseConnection: Connection without the "upgrade" token.
	ErrResponseConnection = newError(0, "response Connection lacks the upgrade token")
	// ErrAccept: Sec-WebSocket-Accept missing, repeated, or not the value
	// for the key sent.
	ErrAccept = newError(0, "wrong Sec-WebSocket-Accept")
	// ErrResponseProtocol: a Sec-WebSocket-Protocol that names a
	// subprotocol not offered, more than one, or appears twice.
	ErrResponseProtocol = newError(0, "response subprotocol was not offered")
	// ErrResponseFraming: a response whose body could be delimited more
	// than one way (RFC 9112 §6): a Content-Length that is not a number
	// below 2^63, or two that differ; a Transfer-Encoding that is not a
	// single "chunked", or any in HTTP/1.0; a Trailer that names
	// Content-Length, Transfer-Encoding or Trailer; or, in a 101, whose
	// next bytes are frames, a Transfer-Encoding or a Content-Length other
	// than 0. Checked in every response, so a non-101 with such fields is
	// this error rather than a [*StatusError] whose body could not be read
	// safely.
	ErrResponseFraming = newError(0, "response body framing is invalid")
	// ErrNoRequest: Feed before AppendRequest wrote a request (there is no
	// key to check the answer against).
	ErrNoRequest = newError(0, "no request was written")
)

// StatusError is a server's response other than 101 Switching Protocols:
// a redirect, 401 Unauthorized, 403, 426 with the versions the server
// speaks, and so on. The response's header block has been read whole; its
// fields are the Client's ([Client.Header], [Client.Values]), valid until
// the Client writes its next request. Any body follows in the stream.
type StatusError struct {
	// Code is the response's status code, 100..999 but never 101.
	Code int
	// Client is the client whose response this is.
	Client *Client
}

// Error says which status the server answered with.
func (e *StatusError) Error() string {
	return "handshake: server answered " + strconv.Itoa(e.Code) + " instead of 101"
}
