// Package handshake does the opening handshake of RFC 6455 (§4) in both
// roles without I/O: the HTTP/1.1 upgrade request and its answer, parsed
// from and written into the caller's buffers, for event loops that get
// whatever bytes the socket had and must never block, and for anyone who
// would rather not take net/http along for one request per connection.
//
// A server feeds a [Request] the bytes it read, in any chunking (one byte
// at a time gives the same result as the whole request), until Feed
// reports the request done, with how many bytes it was, or an [*Error]
// that carries the HTTP status to answer with. The bytes behind the
// request are the client's first frames, for codec.Receiver: a client may
// send them without waiting for the 101. The server then reads the target,
// Host, Origin, subprotocols, extension offers and any other field from
// the Request without allocating, chooses ([Request.SelectProtocol],
// [Request.CheckOrigin], codec.NegotiateDeflate), and appends the 101
// ([Request.AppendAccept]) or a refusal ([AppendReject], [AppendError]) to
// its output buffer.
//
// A client appends its request with a fresh key ([Client.AppendRequest])
// and feeds the [Client] the response the same way: done for a 101 that
// passes every check of §4.1, a [*StatusError] for another status (with
// the response's fields, for a redirect or a 401), or an error for a 101
// that must fail the connection.
//
// # Strictness
//
// The parser accepts what RFC 9112 requires a recipient to accept and
// refuses what it allows a recipient to refuse where accepting it has
// been a way to smuggle requests past a proxy: lines must end in CRLF (no
// bare LF, no bare CR), obsolete line folding and whitespace before the
// colon are errors, a NUL or another control character in a field is an
// error, a second Host, Sec-WebSocket-Key, Sec-WebSocket-Version, Origin
// or Content-Length is an error, and so is any request body (the bytes
// after the request are frames). A response must say where its body ends
// one way only (RFC 9112 §6: Content-Length fields that are numbers and
// agree, or a single chunked Transfer-Encoding, none in HTTP/1.0), and a
// 101 has no body. Each error's documentation says which status it is
// answered with and why.
//
// # Memory
//
// A request that arrives whole in one call is parsed where it lies: the
// accessors return slices of the caller's buffer and nothing is copied or
// allocated. One that arrives split is assembled in a buffer that grows
// in 256-byte steps with the bytes that came, never beyond the limit
// (MaxBytes, 8 KiB by default): a slow client costs what it sent. The
// buffer can be given ([Request.Reset]) and taken back
// ([Request.Release]) for a pool. The fixed part of a Request is under
// 700 bytes.
package handshake
